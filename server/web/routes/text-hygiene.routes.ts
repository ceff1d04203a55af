import express, { type Request } from 'express';
import { suspectDecisionBodySchema } from '../../../schemas/text-findings.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../context.js';
import { attempt, formOf, str, zodErrors } from '../forms.js';
import { requireStaff, type PortalKit, type PortalServices } from '../kit.js';
import { recheckPage, textCheckPage } from '../views/text-hygiene.views.js';

const DRAFTING = ['admin', 'drafter'] as const;
const ADMIN = ['admin'] as const;

/** The services these pages call. */
export type TextHygienePageServices = Pick<PortalServices, 'policies' | 'textHygiene'>;

/** The 文本检查 tab of a draft (repairs, suspect lines and the drafter's decisions) and the administrator's library re-check. */
export function textHygienePageRoutes({ kit }: { kit: PortalKit<TextHygienePageServices> }): express.Router {
  const router = express.Router();
  const { services } = kit;

  const loadPolicy = async (req: Request) => {
    const id = String(req.params.id);
    if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(id)) throw new DomainError({ type: 'not_found', code: 'policy_not_found', message: '未找到该政策' });
    return services.policies.getStaffView({ id });
  };

  router.get('/staff/policies/:id/text-check', async (req, res) => {
    const actor = requireStaff(res);
    const policy = await loadPolicy(req);
    const view = await services.textHygiene.view({ policy });
    kit.render(res, textCheckPage({ ctx: webContext(res), policy, view, canDecide: actor.role !== 'reviewer' }));
  });

  router.post('/staff/policies/:id/text-check/decide', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const parsed = suspectDecisionBodySchema.safeParse({ line: Number(str(form, 'line')), text: str(form, 'text'), decision: str(form, 'decision') });
    const result = parsed.success
      ? await attempt(() => services.textHygiene.decide({ actor, policyId: policy.id, body: parsed.data, editor: services.policies }))
      : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      const view = await services.textHygiene.view({ policy: await loadPolicy(req) });
      kit.render(res, textCheckPage({ ctx: webContext(res), policy, view, canDecide: true, errors: result.errors }), 409);
      return;
    }
    kit.flash(res, 'policy_saved');
    res.redirect(303, `/staff/policies/${policy.id}/text-check`);
  });

  router.get('/staff/text-recheck', (_req, res) => {
    requireStaff(res, ADMIN);
    kit.render(res, recheckPage({ ctx: webContext(res), report: null }));
  });

  router.post('/staff/text-recheck', async (_req, res) => {
    requireStaff(res, ADMIN);
    const report = await services.textHygiene.recheckLibrary();
    kit.render(res, recheckPage({ ctx: webContext(res), report }));
  });

  return router;
}
