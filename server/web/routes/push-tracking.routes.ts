import express, { type Response } from 'express';
import { irrelevantFormSchema, pushPrecisionQuerySchema, pushStatisticsQuerySchema } from '../../../schemas/push-tracking.schema.js';
import { DomainError, invalid } from '../../errors.js';
import { isLinkScanner } from '../../push/tracking/push-tracking.service.js';
import { webContext } from '../context.js';
import { formOf, queryStr, str, strs, zodErrors } from '../forms.js';
import { requireStaff, type PortalKit, type PortalServices } from '../kit.js';
import { feedbackDonePage, feedbackPage, narrowDonePage, precisionPage, privacyPage, statisticsPage } from '../views/push-tracking.views.js';

/** Paths of this module the portal answers (see portal.ts): the redirect, feedback pages and the privacy page. */
export const PUSH_TRACKING_PAGE = /^\/(?:r\/[^/]+|feedback\/[^/]+(?:\/narrow)?|privacy)$/;

/** The services these pages call. */
export type PushTrackingPageServices = Pick<PortalServices, 'push'>;

const STAFF_ROLES = ['admin', 'drafter', 'reviewer'] as const;

/** Tokens are the only key to a push: no referrer to other sites, no shared caches, no indexing. */
function privateLink(res: Response): void {
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
}

function tokenOf(value: unknown): string {
  return String(value).slice(0, 400);
}

/**
 * Measured precision in the portal: the signed redirect of pushed links, the 与我无关 pages, the
 * public privacy page and the staff statistics and precision pages.
 */
export function pushTrackingRoutes({ kit }: { kit: PortalKit<PushTrackingPageServices> }): express.Router {
  const router = express.Router();
  const tracking = kit.services.push.tracking;

  // A HEAD or a link scanner is redirected like anyone, but only a person's GET counts as an open.
  router.get('/r/:token', async (req, res) => {
    privateLink(res);
    const countable = req.method === 'GET' && !isLinkScanner(req.headers['user-agent']);
    const path = await tracking.open({ token: tokenOf(req.params.token), countable });
    res.redirect(302, path);
  });

  // Scanners open every link, so the GET only shows the form; the POST (with its form token) records.
  router.get('/feedback/:token', async (req, res) => {
    privateLink(res);
    const token = tokenOf(req.params.token);
    kit.render(res, feedbackPage({ ctx: webContext(res), token, subject: await tracking.describeFeedback(token) }));
  });

  router.post('/feedback/:token', async (req, res) => {
    privateLink(res);
    const token = tokenOf(req.params.token);
    const form = formOf(req);
    const parsed = irrelevantFormSchema.safeParse({ reasons: strs(form, 'reasons'), note: str(form, 'note'), deliveryIds: strs(form, 'deliveryIds') });
    if (!parsed.success) {
      kit.render(res, feedbackPage({ ctx: webContext(res), token, subject: await tracking.describeFeedback(token), errors: zodErrors(parsed.error) }), 400);
      return;
    }
    try {
      const result = await tracking.recordFeedback({ token, form: parsed.data });
      kit.render(res, feedbackDonePage({ ctx: webContext(res), token, result }));
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'feedback_nothing_chosen') throw error;
      kit.render(res, feedbackPage({ ctx: webContext(res), token, subject: await tracking.describeFeedback(token), errors: [{ field: 'deliveryIds', message: error.message }] }), 400);
    }
  });

  router.post('/feedback/:token/narrow', async (req, res) => {
    privateLink(res);
    const form = formOf(req);
    const subscriptionId = str(form, 'subscriptionId');
    const tagId = str(form, 'tagId');
    if (!subscriptionId || !tagId) throw invalid({ code: 'narrow_incomplete', message: '请选择要移除的订阅条件。' });
    const done = await tracking.narrow({ token: tokenOf(req.params.token), subscriptionId, tagId });
    kit.render(res, narrowDonePage({ ctx: webContext(res), ...done }));
  });

  router.get('/privacy', (_req, res) => {
    kit.render(res, privacyPage({ ctx: webContext(res), retentionDays: tracking.retentionDays, followDays: kit.config.PUSH_TRACKING_FOLLOW_DAYS }));
  });

  router.get('/staff/push/statistics', async (req, res) => {
    requireStaff(res, STAFF_ROLES);
    const parsed = pushStatisticsQuerySchema.safeParse({
      groupBy: queryStr(req, 'groupBy') || undefined,
      from: queryStr(req, 'from') || undefined,
      to: queryStr(req, 'to') || undefined,
    });
    if (!parsed.success) throw invalid({ code: 'statistics_query_invalid', message: parsed.error.issues[0]?.message ?? '查询条件有误' });
    kit.render(res, statisticsPage({ ctx: webContext(res), stats: await tracking.statistics(parsed.data) }));
  });

  router.get('/staff/push/precision', async (req, res) => {
    requireStaff(res, STAFF_ROLES);
    const parsed = pushPrecisionQuerySchema.safeParse({ from: queryStr(req, 'from') || undefined, to: queryStr(req, 'to') || undefined });
    if (!parsed.success) throw invalid({ code: 'statistics_query_invalid', message: parsed.error.issues[0]?.message ?? '查询条件有误' });
    kit.render(res, precisionPage({ ctx: webContext(res), precision: await tracking.precision(parsed.data) }));
  });

  return router;
}
