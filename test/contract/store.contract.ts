import { expect } from 'chai';
import { createPolicyBodySchema, type PolicyRecord, type PolicyVersion } from '../../schemas/policy.schema.js';
import { DomainError } from '../../server/errors.js';
import type { Store } from '../../server/ports/store.port.js';
import { newPolicyRecord, publishTransition } from '../../server/services/policy-workflow.js';
import { TEST_TAXONOMY_TAGS } from '../support/fixtures.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import type { NewDelivery } from '../../schemas/delivery.schema.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';

const DIMENSIONS = [
  { id: 'region', label: '地区/园区', description: '' },
  { id: 'qualification', label: '资质', description: '' },
  { id: 'need', label: '需求', description: '' },
  { id: 'issuer_level', label: '发文层级', description: '' },
] as const;
const AT = '2026-05-01T02:00:00.000Z';
const ACTOR = { id: 'drafter-a', name: '起草人甲', role: 'drafter' as const };

function draft(id: string, overrides: Record<string, unknown> = {}): PolicyRecord {
  const body = createPolicyBodySchema.parse({
    title: `测试政策${id}`,
    issuer: '上海市知识产权局',
    body: '第一条　测试。',
    criteria: { region: ['region-pudong'] },
    tags: ['need-pledge'],
    ...overrides,
  });
  return newPolicyRecord({ id, body, actor: ACTOR, at: AT });
}

function approved(policy: PolicyRecord): PolicyRecord {
  return { ...policy, status: 'approved' };
}

function published(policy: PolicyRecord): { policy: PolicyRecord; version: PolicyVersion } {
  const result = publishTransition({ policy: approved(policy), actor: ACTOR, roundReviews: [], predecessor: null, at: AT, interpretation: { status: 'historical' } });
  return { policy: result.policy, version: result.version };
}

async function expectConflict(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    expect((error as DomainError).type).to.equal('conflict');
    expect((error as DomainError).code).to.equal(code);
    return;
  }
  expect.fail(`expected a ${code} conflict`);
}

function subscriber(id: string, overrides: Partial<Subscriber> = {}): Subscriber {
  return {
    id,
    kind: 'enterprise',
    name: `企业${id}`,
    creditCode: null,
    profile: { region: ['region-pudong'] },
    parkId: null,
    contacts: [],
    createdAt: AT,
    updatedAt: AT,
    revision: 1,
    ...overrides,
  };
}

function subscription(id: string, subscriberId: string, overrides: Partial<Subscription> = {}): Subscription {
  return {
    id,
    subscriberId,
    name: '订阅',
    criteria: { need: { mode: 'any', tags: ['need-pledge'] } },
    keywords: [],
    channels: ['email'],
    frequency: 'immediate',
    eligibleOnly: true,
    createdAt: AT,
    endedAt: null,
    endReason: null,
    replaces: null,
    ...overrides,
  };
}

function delivery(subscriberId: string, channel: 'email' | 'wechat' = 'email'): NewDelivery {
  return {
    policyId: 'p-x',
    version: 1,
    subscriberId,
    channel,
    frequency: 'immediate',
    subscriptionIds: ['s-1'],
    explanation: { eligible: true, eligibility: {}, unknown: [], subscriptions: [] },
    urgent: false,
  };
}

/** Behaviour every `Store` adapter must have. Each case gets a fresh, migrated store. */
export function storeContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await create();
      await store.migrate();
      await store.taxonomy.seed({ dimensions: [...DIMENSIONS], tags: TEST_TAXONOMY_TAGS });
    });
    afterEach(async () => store.close());

    it('migrates idempotently and seeds without duplicating', async () => {
      await store.migrate();
      await store.taxonomy.seed({ dimensions: [...DIMENSIONS], tags: TEST_TAXONOMY_TAGS });
      expect(await store.taxonomy.listDimensions()).to.have.length(DIMENSIONS.length);
      expect(await store.taxonomy.listTags()).to.have.length(TEST_TAXONOMY_TAGS.length);
    });

    it('enforces tag id and live label uniqueness as conflicts', async () => {
      const tag = { id: 'need-new', dimension: 'need' as const, label: '新需求', synonyms: [], parent: null, deprecated: false, mergedInto: null };
      await store.taxonomy.insertTag(tag);
      await expectConflict(store.taxonomy.insertTag({ ...tag, label: '另一个标签' }), 'tag_exists');
      await expectConflict(store.taxonomy.insertTag({ ...tag, id: 'need-new-2' }), 'tag_label_taken');
      // The same label is fine in another dimension.
      await store.taxonomy.insertTag({ ...tag, id: 'region-new', dimension: 'region' });
    });

    it('enforces policy id and 文号 uniqueness as conflicts', async () => {
      await store.policies.insert(draft('p-one', { docNumber: '沪知〔2026〕1号' }));
      await expectConflict(store.policies.insert(draft('p-one')), 'policy_exists');
      await expectConflict(store.policies.insert(draft('p-two', { docNumber: '沪知〔2026〕1号' })), 'doc_number_taken');
      await store.policies.insert(draft('p-three'));
      await store.policies.insert(draft('p-four'));
      expect(await store.policies.count()).to.equal(3);
    });

    it('rejects a write based on a stale revision and keeps the stored one', async () => {
      const policy = draft('p-stale');
      await store.policies.insert(policy);
      await store.policies.update({ policy: { ...policy, title: '第一次修改', revision: 2 }, expectedRevision: 1 });
      await expectConflict(store.policies.update({ policy: { ...policy, title: '过期的修改', revision: 2 }, expectedRevision: 1 }), 'stale_revision');
      expect((await store.policies.get('p-stale'))?.title).to.equal('第一次修改');
    });

    it('publishes atomically: a version that exists rolls the working copy back', async () => {
      const policy = draft('p-pub');
      await store.policies.insert(policy);
      const first = published(policy);
      await store.policies.publish({ policy: first.policy, expectedRevision: policy.revision, version: first.version });
      const again = { ...first.policy, title: '不应写入', revision: first.policy.revision + 1 };
      await expectConflict(store.policies.publish({ policy: again, expectedRevision: first.policy.revision, version: first.version }), 'version_exists');
      expect((await store.policies.get('p-pub'))?.title).to.equal(policy.title);
      expect(await store.policies.listVersions({ policyId: 'p-pub' })).to.have.length(1);
      expect(await store.policies.getVersion({ policyId: 'p-pub', version: 1 })).to.deep.include({ version: 1, title: policy.title });
    });

    it('publishes atomically: a stale predecessor leaves no version behind', async () => {
      const old = draft('p-old');
      await store.policies.insert(old);
      const next = draft('p-next', { predecessorId: 'p-old' });
      await store.policies.insert(next);
      const result = published(next);
      await expectConflict(
        store.policies.publish({
          policy: result.policy,
          expectedRevision: next.revision,
          version: result.version,
          predecessor: { policy: { ...old, validity: 'revised', revision: 5 }, expectedRevision: 99 },
        }),
        'stale_revision',
      );
      expect(await store.policies.listVersions({ policyId: 'p-next' })).to.have.length(0);
      expect((await store.policies.get('p-next'))?.status).to.equal('draft');
    });

    it('records reviews together with the workflow step, or not at all', async () => {
      const policy = draft('p-review');
      await store.policies.insert(policy);
      const review = { round: 1, kind: 'legality' as const, decision: 'approved' as const, comment: '', reviewerId: 'r', reviewerName: '审查人', at: AT };
      const recorded = await store.policies.addReview({
        policyId: 'p-review',
        review,
        policyUpdate: { policy: { ...policy, status: 'in_review', revision: 2 }, expectedRevision: 1 },
      });
      expect(recorded.id).to.be.a('number');
      await expectConflict(
        store.policies.addReview({ policyId: 'p-review', review, policyUpdate: { policy: { ...policy, revision: 3 }, expectedRevision: 1 } }),
        'stale_revision',
      );
      expect(await store.policies.listReviews({ policyId: 'p-review' })).to.have.length(1);
      expect(await store.policies.listReviews({ policyId: 'p-review', round: 2 })).to.have.length(0);
    });

    it('reports changes in order for index followers', async () => {
      const start = await store.policies.latestSeq();
      await store.policies.insert(draft('p-a'));
      await store.policies.insert(draft('p-b'));
      const a = await store.policies.get('p-a');
      if (!a) throw new Error('missing');
      await store.policies.update({ policy: { ...a, title: '改', revision: 2 }, expectedRevision: 1 });
      const changes = await store.policies.changesSince({ afterSeq: start, limit: 10 });
      expect(changes.map((c) => c.id)).to.deep.equal(['p-b', 'p-a']);
      expect(changes.at(-1)?.seq).to.equal(await store.policies.latestSeq());
      expect(await store.policies.changesSince({ afterSeq: start, limit: 1 })).to.have.length(1);
    });

    it('merges a tag: rewrites working copies and versions, moves children, in one step', async () => {
      const policy = draft('p-merge', { criteria: { region: ['region-pudong', 'region-xuhui'] }, tags: ['need-pledge'] });
      await store.policies.insert(policy);
      const pub = published(policy);
      await store.policies.publish({ policy: pub.policy, expectedRevision: policy.revision, version: pub.version });
      const untouched = draft('p-untouched', { criteria: { region: ['region-xuhui'] } });
      await store.policies.insert(untouched);

      const { policiesRewritten } = await store.taxonomy.mergeTag({ fromId: 'region-pudong', intoId: 'region-xuhui', at: AT });
      expect(policiesRewritten).to.equal(1);
      const merged = await store.policies.get('p-merge');
      expect(merged?.criteria.region).to.deep.equal(['region-xuhui']);
      expect((await store.policies.getVersion({ policyId: 'p-merge', version: 1 }))?.criteria.region).to.deep.equal(['region-xuhui']);
      const tags = await store.taxonomy.listTags();
      expect(tags.find((t) => t.id === 'region-pudong')).to.include({ deprecated: true, mergedInto: 'region-xuhui' });
      expect(tags.find((t) => t.id === 'region-zhangjiang')?.parent).to.equal('region-xuhui');
      const changed = await store.policies.changesSince({ afterSeq: 0, limit: 100 });
      expect(changed.at(-1)?.id).to.equal('p-merge');
    });

    it('imports a document with its history atomically', async () => {
      const policy = draft('p-import');
      const pub = published(policy);
      const review = { round: 1, kind: 'legality' as const, decision: 'approved' as const, comment: '', reviewerId: 'r', reviewerName: '审查人', at: AT };
      await store.policies.importPolicy({ policy: pub.policy, versions: [pub.version], reviews: [review] });
      expect(await store.policies.listVersions({ policyId: 'p-import' })).to.have.length(1);
      expect(await store.policies.listPublishedIds()).to.include('p-import');

      const broken = published(draft('p-broken'));
      await expectConflict(
        store.policies.importPolicy({ policy: broken.policy, versions: [broken.version, broken.version], reviews: [review] }),
        'version_exists',
      );
      expect(await store.policies.get('p-broken')).to.equal(null);
      expect(await store.policies.listReviews({ policyId: 'p-broken' })).to.have.length(0);
    });

    it('rejects a second subscriber with the same credit code or email', async () => {
      const code = syntheticCreditCode(7);
      const email = { id: 'c-1', channel: 'email' as const, address: 'ip@example.cn', label: null, confirmedAt: null, invalidAt: null };
      await store.subscribers.insert({ subscriber: subscriber('sub-1', { creditCode: code, contacts: [email] }), tokenHash: 'tok-1' });
      await expectConflict(store.subscribers.insert({ subscriber: subscriber('sub-2', { creditCode: code }), tokenHash: 'tok-2' }), 'credit_code_taken');
      await expectConflict(
        store.subscribers.insert({ subscriber: subscriber('sub-3', { contacts: [{ ...email, id: 'c-3' }] }), tokenHash: 'tok-3' }),
        'email_taken',
      );
      // Nothing of the refused subscribers remains, not even their tokens.
      expect(await store.subscribers.findByTokenHash('tok-2')).to.equal(null);
      expect(await store.subscribers.findByTokenHash('tok-3')).to.equal(null);
      expect((await store.subscribers.findByTokenHash('tok-1'))?.contacts.map((c) => c.address)).to.deep.equal(['ip@example.cn']);
      expect(await store.subscribers.count()).to.equal(1);
    });

    it('updates profiles and contacts optimistically and reports subscriber changes', async () => {
      const start = await store.subscribers.latestSeq();
      await store.subscribers.insert({ subscriber: subscriber('sub-a'), tokenHash: 'a' });
      await store.subscribers.insert({ subscriber: subscriber('sub-b'), tokenHash: 'b' });
      const contact = { id: 'c-a', channel: 'wechat' as const, address: '张三', label: null, confirmedAt: AT, invalidAt: null };
      await store.subscribers.update({ subscriber: subscriber('sub-a', { revision: 2, contacts: [contact], profile: { size: ['size-small'] } }), expectedRevision: 1 });
      await expectConflict(store.subscribers.update({ subscriber: subscriber('sub-a', { revision: 2 }), expectedRevision: 1 }), 'stale_revision');
      const a = await store.subscribers.get('sub-a');
      expect(a?.profile).to.deep.equal({ size: ['size-small'] });
      expect(a?.contacts).to.deep.equal([contact]);
      expect((await store.subscribers.changesSince({ afterSeq: start, limit: 10 })).map((c) => c.id)).to.deep.equal(['sub-b', 'sub-a']);
      const invalid = await store.subscribers.setContactState({ contactId: 'c-a', invalidAt: AT, at: AT });
      expect(invalid?.invalidAt).to.equal(AT);
      expect((await store.subscribers.changesSince({ afterSeq: start, limit: 10 })).at(-1)?.id).to.equal('sub-a');
    });

    it('keeps subscription history: replace ends one row and starts another atomically', async () => {
      await store.subscribers.insert({ subscriber: subscriber('sub-h'), tokenHash: 'h' });
      const first = subscription('s-1', 'sub-h');
      await store.subscriptions.insert(first);
      await store.subscriptions.replace({ ended: { ...first, endedAt: AT, endReason: '修改推送频率' }, started: subscription('s-2', 'sub-h', { frequency: 'daily', replaces: 's-1' }) });
      expect((await store.subscriptions.listBySubscriber({ subscriberId: 'sub-h', includeEnded: false })).map((x) => x.id)).to.deep.equal(['s-2']);
      expect((await store.subscriptions.listBySubscriber({ subscriberId: 'sub-h', includeEnded: true })).map((x) => x.id)).to.have.members(['s-1', 's-2']);
      await expectConflict(
        store.subscriptions.replace({ ended: { ...first, endedAt: AT }, started: subscription('s-2', 'sub-h') }),
        'subscription_exists',
      );
      expect((await store.subscriptions.get('s-1'))?.endReason).to.equal('修改推送频率');
      expect(await store.subscriptions.listBySubscribers({ subscriberIds: ['sub-h'], includeEnded: false })).to.have.length(1);
    });

    it('enqueues each (version, subscriber, channel) once however often it is written', async () => {
      const first = await store.outbox.enqueue([delivery('sub-1'), delivery('sub-1', 'wechat'), delivery('sub-2')], AT);
      expect(first.inserted).to.equal(3);
      const again = await store.outbox.enqueue([delivery('sub-1'), delivery('sub-2'), delivery('sub-3')], AT);
      expect(again.inserted).to.equal(1);
      expect(await store.outbox.countForPolicy({ policyId: 'p-x', version: 1 })).to.equal(4);
      const rows = await store.outbox.listForPolicy({ policyId: 'p-x', limit: 10, offset: 0 });
      expect(rows.items.every((d) => d.status === 'pending')).to.equal(true);
    });

    it('leases matching jobs to one worker at a time and lets an expired lease be taken over', async () => {
      const policy = draft('p-job');
      await store.policies.insert(policy);
      const pub = published(policy);
      await store.policies.publish({ policy: pub.policy, expectedRevision: policy.revision, version: pub.version });
      const t0 = '2026-05-01T00:00:00.000Z';
      expect(await store.matchingJobs.listDue({ now: t0, limit: 10 })).to.deep.equal([{ policyId: 'p-job', version: 1 }]);
      expect(await store.matchingJobs.claim({ policyId: 'p-job', version: 1, now: t0, leaseUntil: '2026-05-01T00:05:00.000Z' })).to.equal(true);
      expect(await store.matchingJobs.claim({ policyId: 'p-job', version: 1, now: t0, leaseUntil: '2026-05-01T00:05:00.000Z' })).to.equal(false);
      expect(await store.matchingJobs.listDue({ now: t0, limit: 10 })).to.deep.equal([]);
      const later = '2026-05-01T00:06:00.000Z';
      expect(await store.matchingJobs.listDue({ now: later, limit: 10 })).to.have.length(1);
      expect(await store.matchingJobs.claim({ policyId: 'p-job', version: 1, now: later, leaseUntil: '2026-05-01T00:11:00.000Z' })).to.equal(true);
      await store.matchingJobs.finish({ policyId: 'p-job', version: 1, status: 'done', reason: null, matched: 3, written: 4, at: later });
      expect(await store.matchingJobs.claim({ policyId: 'p-job', version: 1, now: '2026-06-01T00:00:00.000Z', leaseUntil: '2026-06-01T00:05:00.000Z' })).to.equal(false);
      expect(await store.matchingJobs.get({ policyId: 'p-job', version: 1 })).to.include({ status: 'done', attempts: 2, written: 4 });
    });

    it('migrates profiles and subscriptions in the same merge', async () => {
      await store.subscribers.insert({ subscriber: subscriber('sub-m', { profile: { need: ['need-pledge', 'need-funding'] } }), tokenHash: 'm' });
      await store.subscriptions.insert(subscription('s-m', 'sub-m', { criteria: { need: { mode: 'all', tags: ['need-pledge', 'need-funding'] } } }));
      const before = await store.subscribers.latestSeq();
      const result = await store.taxonomy.mergeTag({ fromId: 'need-pledge', intoId: 'need-funding', at: AT });
      expect(result).to.include({ subscribersRewritten: 1, subscriptionsRewritten: 1 });
      expect((await store.subscribers.get('sub-m'))?.profile.need).to.deep.equal(['need-funding']);
      expect((await store.subscriptions.get('s-m'))?.criteria.need?.tags).to.deep.equal(['need-funding']);
      expect(await store.subscribers.latestSeq()).to.be.greaterThan(before);
    });

    it('stores users by token hash and re-keys the bootstrap admin', async () => {
      await store.users.insert({ id: 'u-1', name: '用户一', role: 'drafter', tokenHash: 'hash-1', disabled: false, createdAt: AT });
      await expectConflict(store.users.insert({ id: 'u-1', name: '重复', role: 'drafter', tokenHash: 'hash-2', disabled: false, createdAt: AT }), 'user_exists');
      expect((await store.users.findByTokenHash('hash-1'))?.id).to.equal('u-1');
      await store.users.upsertWithToken({ id: 'admin', name: '管理员', role: 'admin', tokenHash: 'old', at: AT });
      await store.users.upsertWithToken({ id: 'admin', name: '管理员', role: 'admin', tokenHash: 'new', at: AT });
      expect(await store.users.findByTokenHash('old')).to.equal(null);
      expect((await store.users.findByTokenHash('new'))?.role).to.equal('admin');
      expect((await store.users.list()).map((u) => u.id)).to.have.members(['u-1', 'admin']);
      expect(await store.users.list()).to.satisfy((users: object[]) => users.every((u) => !('tokenHash' in u)));
    });
  });
}
