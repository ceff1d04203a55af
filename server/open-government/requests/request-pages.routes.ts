import express, { type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  consultationBodySchema,
  consultationEndBodySchema,
  correctionAnswerBodySchema,
  correctionBodySchema,
  extensionBodySchema,
  newDisclosureRequestBodySchema,
  replyBodySchema,
  requestIdParamsSchema,
  trackingParamsSchema,
} from '../../../schemas/disclosure-request.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../../web/context.js';
import { domainErrors, formOf, zodErrors, type FormBody } from '../../web/forms.js';
import { requireStaff, type PortalKit } from '../../web/kit.js';
import { uploadedFile } from '../../web/uploads.js';
import { DISCLOSURE_ROLES } from './request.routes.js';
import type { DisclosureRequestService } from './request.service.js';
import { casePage, queuePage, receiptPage, requestFormPage, trackingPage, type FormValues } from './request.views.js';

/** Form fields as strings; empty optional fields are left out so the API schema sees them as absent. */
function formValues(form: FormBody): FormValues {
  const values: FormValues = {};
  for (const [key, value] of Object.entries(form)) if (key !== '_csrf' && typeof value === 'string') values[key] = value;
  return values;
}

function present(values: FormValues): FormValues {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ''));
}

function param({ req, name, schema }: { req: Request; name: 'id' | 'token'; schema: typeof requestIdParamsSchema | typeof trackingParamsSchema }): string {
  const parsed = schema.safeParse({ [name]: String(req.params[name]) });
  if (!parsed.success) throw new DomainError({ type: 'not_found', code: 'disclosure_request_not_found', message: '未找到该政府信息公开申请' });
  return String(req.params[name]);
}

/** The public form and tracking page, and the disclosure office's queue and case pages. */
export function disclosurePageRoutes({ kit, requests }: { kit: Pick<PortalKit, 'render'>; requests: DisclosureRequestService }): express.Router {
  const router = express.Router();

  router.get('/disclosure', (_req, res) => {
    kit.render(res, requestFormPage({ ctx: webContext(res), values: {}, errors: [] }));
  });

  router.post('/disclosure', async (req, res) => {
    const values = formValues(formOf(req));
    const { organisationKind, ...rest } = present(values);
    const parsed = newDisclosureRequestBodySchema.safeParse({ ...rest, ...(rest.applicantType === 'organisation' && organisationKind ? { organisationKind } : {}) });
    if (!parsed.success) {
      kit.render(res, requestFormPage({ ctx: webContext(res), values, errors: zodErrors(parsed.error) }), 400);
      return;
    }
    const created = await requests.submit({ body: parsed.data });
    kit.render(res, receiptPage({ ctx: webContext(res), number: created.number, trackingUrl: created.trackingUrl, clock: created.clock }), 201);
  });

  router.get('/disclosure/track/:token', async (req, res) => {
    const token = param({ req, name: 'token', schema: trackingParamsSchema });
    // A private page: never indexed, whoever links to it.
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    kit.render(res, trackingPage({ ctx: webContext(res), token, view: await requests.track({ token }) }));
  });

  router.post('/disclosure/track/:token/correction', async (req, res) => {
    const token = param({ req, name: 'token', schema: trackingParamsSchema });
    const values = formValues(formOf(req));
    const parsed = correctionAnswerBodySchema.safeParse(present(values));
    if (!parsed.success) {
      kit.render(res, trackingPage({ ctx: webContext(res), token, view: await requests.track({ token }), errors: zodErrors(parsed.error), answer: values.answer ?? '' }), 400);
      return;
    }
    await requests.answerCorrection({ token, body: parsed.data });
    res.redirect(303, `/disclosure/track/${token}`);
  });

  router.get('/staff/disclosure', async (_req, res) => {
    requireStaff(res, DISCLOSURE_ROLES);
    kit.render(res, queuePage({ ctx: webContext(res), items: await requests.queue() }));
  });

  router.get('/staff/disclosure/:id', async (req, res) => {
    requireStaff(res, DISCLOSURE_ROLES);
    const id = param({ req, name: 'id', schema: requestIdParamsSchema });
    kit.render(res, casePage({ ctx: webContext(res), view: await requests.staffView({ id }) }));
  });

  /** One staff action: validate the form with the API's schema, run it, show the case again (with errors when refused). */
  const action = <S extends z.ZodType>(path: string, schema: S, run: (input: { id: string; body: z.output<S>; res: Response }) => Promise<unknown>) => {
    router.post(`/staff/disclosure/:id/${path}`, async (req, res) => {
      requireStaff(res, DISCLOSURE_ROLES);
      const id = param({ req, name: 'id', schema: requestIdParamsSchema });
      const values = formValues(formOf(req));
      const parsed = schema.safeParse(present(values));
      const show = async (errors: ReturnType<typeof zodErrors>) => kit.render(res, casePage({ ctx: webContext(res), view: await requests.staffView({ id }), errors, values }), 400);
      if (!parsed.success) return show(zodErrors(parsed.error));
      try {
        await run({ id, body: parsed.data, res });
      } catch (error) {
        if (error instanceof DomainError && (error.type === 'invalid' || error.type === 'invalid_state')) {
          const errors = domainErrors(error);
          kit.render(res, casePage({ ctx: webContext(res), view: await requests.staffView({ id }), errors, values }), error.type === 'invalid' ? 400 : 409);
          return;
        }
        throw error;
      }
      res.redirect(303, `/staff/disclosure/${id}`);
    });
  };
  router.post('/staff/disclosure/:id/attachments', async (req, res) => {
    requireStaff(res, DISCLOSURE_ROLES);
    const id = param({ req, name: 'id', schema: requestIdParamsSchema });
    try {
      await requests.addAttachment({ id, file: uploadedFile(res) });
    } catch (error) {
      if (error instanceof DomainError && error.type === 'invalid') {
        kit.render(res, casePage({ ctx: webContext(res), view: await requests.staffView({ id }), errors: domainErrors(error).map((e) => ({ ...e, field: 'file' })) }), 400);
        return;
      }
      throw error;
    }
    res.redirect(303, `/staff/disclosure/${id}`);
  });

  action('correction', correctionBodySchema, ({ id, body, res }) => requests.requestCorrection({ id, body, actor: requireStaff(res) }));
  action('consultation', consultationBodySchema, ({ id, body, res }) => requests.startConsultation({ id, body, actor: requireStaff(res) }));
  action('consultation/end', consultationEndBodySchema, ({ id, body, res }) => requests.endConsultation({ id, body, actor: requireStaff(res) }));
  action('extension', extensionBodySchema, ({ id, body, res }) => requests.extend({ id, body, actor: requireStaff(res) }));
  action('reply', replyBodySchema, ({ id, body, res }) => requests.reply({ id, body, actor: requireStaff(res) }));

  return router;
}
