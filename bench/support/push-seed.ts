import type { NewDelivery } from '../../schemas/delivery.schema.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import type { Services } from '../../server/platform.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';

export const SEED_POLICY_ID = 'push-load-2026-001';

/**
 * A published (imported) policy and `count` enterprises with a confirmed email address, a live
 * subscription and one pending immediate email delivery each: the outbox the dispatcher drains in
 * the crash test and the delivery benchmark. Written through the store, as the matcher would.
 */
export async function seedEmailOutbox({ services, count, domain }: { services: Services; count: number; domain: string }): Promise<{ policyId: string }> {
  const at = new Date().toISOString();
  const report = await services.importer.importLines({
    lines: [
      JSON.stringify({
        id: SEED_POLICY_ID,
        docNumber: '沪知局〔2026〕99号',
        title: '上海市专利转化专项资助申报指南',
        issuer: '上海市知识产权局',
        level: 'level-municipal',
        issuedAt: '2026-03-01',
        effectiveAt: '2026-03-01',
        state: 'published',
        publishedAt: '2026-03-01T02:00:00.000Z',
        body: '为促进专利转化运用，支持企业实施专利产业化，制定本指南。\n第一条　本市注册企业实施专利转化项目的，按项目投入的30%给予资助。\n第二条　本指南自发布之日起施行。',
        tags: ['need-patent-funding'],
        applicationWindow: { opensAt: '2026-03-01', closesAt: '2099-12-31' },
      }),
    ],
  });
  if (report.imported !== 1) throw new Error(`seed policy not imported: ${JSON.stringify(report.errors)}`);
  const rows: NewDelivery[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `sub-load-${String(i).padStart(6, '0')}`;
    const subscriber: Subscriber = {
      id,
      kind: 'enterprise',
      name: `负载测试企业${i}号有限公司`,
      creditCode: syntheticCreditCode(100_000 + i),
      profile: { region: ['region-shanghai'] },
      parkId: null,
      contacts: [{ id: `c-load-${i}`, channel: 'email', address: `ip${i}@${domain}`, label: null, confirmedAt: at, invalidAt: null }],
      createdAt: at,
      updatedAt: at,
      revision: 1,
    };
    await services.store.subscribers.insert({ subscriber, tokenHash: `load-token-${i}` });
    const subscription: Subscription = {
      id: `s-load-${i}`,
      subscriberId: id,
      name: '专利资助',
      criteria: { need: { mode: 'any', tags: ['need-patent-funding'] } },
      keywords: [],
      channels: ['email'],
      frequency: 'immediate',
      eligibleOnly: true,
      createdAt: at,
      endedAt: null,
      endReason: null,
      replaces: null,
    };
    await services.store.subscriptions.insert(subscription);
    rows.push({
      policyId: SEED_POLICY_ID,
      version: 1,
      subscriberId: id,
      channel: 'email',
      frequency: 'immediate',
      subscriptionIds: [subscription.id],
      explanation: { eligible: true, eligibility: { region: ['region-shanghai'] }, unknown: [], subscriptions: [{ subscriptionId: subscription.id, matchedTags: { need: ['need-patent-funding'] }, matchedKeywords: [] }] },
      urgent: false,
    });
  }
  await services.store.outbox.enqueue(rows, at);
  return { policyId: SEED_POLICY_ID };
}
