import express from 'express';
import type { Delivery, DeliveryAttempt, PushMessage } from '../../../schemas/delivery.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../context.js';
import { queryStr } from '../forms.js';
import { requirePark, requireStaff, type PortalKit, type PortalServices } from '../kit.js';
import { deliveryStatsPage, parkPushesPage, unsubscribeConfirmPage, unsubscribeDonePage, type PushHistoryEntry } from '../views/push.views.js';

const POLICY_ID = /^[a-z0-9][a-z0-9-]{1,63}$/;
const HISTORY_LIMIT = 100;

/** The services these pages call. */
export type PushPageServices = Pick<PortalServices, 'push' | 'policies'>;

/**
 * Portal pages over the push module: the landing page of the one-click unsubscribe links, a
 * park's push history, and the delivery statistics drafters read per policy version.
 */
export function pushPageRoutes({ kit }: { kit: PortalKit<PushPageServices> }): express.Router {
  const router = express.Router();
  const { services } = kit;
  const push = services.push;

  // Mail scanners open every link, so the GET only describes what the button will do.
  router.get('/unsubscribe/:token', async (req, res) => {
    const token = String(req.params.token).slice(0, 300);
    // The token is the only key to the subscription: no referrer, no cache.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    const { text } = await push.unsubscribe.describe(token);
    kit.render(res, unsubscribeConfirmPage({ ctx: webContext(res), token, text }));
  });

  router.post('/unsubscribe/:token/confirm', async (req, res) => {
    const token = String(req.params.token).slice(0, 300);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    const result = await push.unsubscribe.apply({ token, source: 'link' });
    kit.render(res, unsubscribeDonePage({ ctx: webContext(res), result }));
  });

  router.get('/staff/policies/:id/deliveries', async (req, res) => {
    requireStaff(res);
    const id = String(req.params.id);
    if (!POLICY_ID.test(id)) throw new DomainError({ type: 'not_found', code: 'policy_not_found', message: '未找到该政策' });
    const policy = await services.policies.getStaffView({ id });
    const versions = policy.versions.map((v) => v.version);
    const requested = Number.parseInt(queryStr(req, 'version'), 10);
    const version = versions.includes(requested) ? requested : undefined;
    const log = await push.log.forPolicy({ policyId: policy.id, ...(version ? { version } : {}) });
    kit.render(res, deliveryStatsPage({ ctx: webContext(res), policy, log, versions }));
  });

  router.get('/account/park/pushes', async (_req, res) => {
    const { subscriber: park } = requirePark(res);
    const { deliveries, messages, carried, attempts, subscriptionNames, memberNames, policyTitles } = await services.push.history.forPark({ parkId: park.id, limit: HISTORY_LIMIT });
    const titleOf = async (policyId: string) => policyTitles.get(policyId) ?? policyId;
    /** What the last successful attempt said about its recipients: for WeChat, the groups reached. */
    const recipientsOf = (match: (a: DeliveryAttempt) => boolean, channel: string) => {
      if (channel !== 'wechat') return null;
      const sent = attempts.filter((a) => match(a) && a.outcome === 'sent').at(-1);
      return sent?.response ? `发往${wechatRecipients(sent.response)}` : null;
    };
    const policyEntry = async (d: Delivery) => ({
      id: d.policyId,
      title: await titleOf(d.policyId),
      reasons: push.content.reasons({ explanation: d.explanation, subscriptionNames }),
      members: [],
    });

    const entries: PushHistoryEntry[] = [];
    // Deliveries a digest carried are listed inside that digest.
    for (const d of deliveries.filter((row) => row.messageId === null)) {
      entries.push({
        at: d.sentAt ?? d.createdAt,
        kind: 'policy',
        channel: d.channel,
        status: d.status,
        dryRun: d.dryRun,
        problem: d.status === 'skipped' || d.status.startsWith('failed') ? d.lastError : d.frequency !== 'immediate' && d.status === 'pending' ? '等待下一次汇总推送' : null,
        recipients: recipientsOf((a) => a.deliveryId === d.id, d.channel),
        policies: [await policyEntry(d)],
        heading: '政策推送',
      });
    }
    for (const m of messages) {
      const base = {
        at: m.sentAt ?? m.createdAt,
        channel: m.channel,
        status: m.status,
        dryRun: m.dryRun,
        problem: m.status === 'skipped' || m.status.startsWith('failed') ? m.lastError : null,
        recipients: recipientsOf((a) => a.messageId === m.id, m.channel),
      };
      entries.push(await messageEntry({ message: m, base, carried: carried.get(m.id) ?? [], policyEntry, titleOf, memberNames }));
    }
    entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    kit.render(res, parkPushesPage({ ctx: webContext(res), park, entries }));
  });

  return router;
}

/** The gateway reports each target as `sent to room NAME` (or `contact`), joined by `；`. */
function wechatRecipients(response: string): string {
  return response
    .split('；')
    .map((part) => {
      const match = /^sent to (room|contact) (.+)$/.exec(part.trim());
      return match ? `${match[1] === 'room' ? '微信群' : '微信联系人'}“${match[2] ?? ''}”` : part;
    })
    .join('、');
}

async function messageEntry({
  message,
  base,
  carried,
  policyEntry,
  titleOf,
  memberNames,
}: {
  message: PushMessage;
  base: Omit<PushHistoryEntry, 'kind' | 'policies' | 'heading'>;
  carried: readonly Delivery[];
  policyEntry: (d: Delivery) => Promise<PushHistoryEntry['policies'][number]>;
  titleOf: (policyId: string) => Promise<string>;
  memberNames: ReadonlyMap<string, string>;
}): Promise<PushHistoryEntry> {
  const payload = message.payload;
  if (payload.kind === 'reminder') {
    const title = message.policyId ? await titleOf(message.policyId) : '';
    return {
      ...base,
      kind: 'reminder',
      heading: `申报截止提醒（截止前 ${payload.daysBefore} 天）`,
      policies: message.policyId ? [{ id: message.policyId, title, reasons: [`申报截止日期：${payload.closesAt}`], members: [] }] : [],
    };
  }
  if (payload.kind !== 'digest') return { ...base, kind: 'digest', heading: '消息', policies: [] };
  const own = await Promise.all(carried.map((d) => policyEntry(d)));
  const forMembers = await Promise.all(
    payload.parkItems.map(async (item) => ({ id: item.policyId, title: await titleOf(item.policyId), reasons: [], members: item.memberIds.map((id) => memberNames.get(id) ?? '（已注销的企业）') })),
  );
  const period = payload.frequency === 'weekly' ? '每周汇总' : '每日汇总';
  return {
    ...base,
    kind: forMembers.length > 0 ? 'park_digest' : 'digest',
    heading: forMembers.length > 0 ? `园区政策速递（${period}）` : `政策${period}`,
    policies: [...own, ...forMembers],
  };
}
