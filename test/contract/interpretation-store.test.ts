import { expect } from 'chai';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { newPolicyRecord, publishTransition } from '../../server/services/policy-workflow.js';
import { createPolicyBodySchema, type PolicyRecord } from '../../schemas/policy.schema.js';
import { packageContentSchema, type FaqItem, type InterpretationDraft, type InterpretationRelease } from '../../schemas/interpretation.schema.js';
import { completenessSchema } from '../../schemas/interpretation.schema.js';

const AT = '2026-05-01T00:00:00.000Z';
const ACTOR = { id: 'drafter', name: '起草', role: 'drafter' as const };

function draftPolicy(id: string): PolicyRecord {
  const body = createPolicyBodySchema.parse({ id, title: '测试政策', issuer: '测试机关', body: '第一条　内容。' });
  return { ...newPolicyRecord({ id, body, actor: ACTOR, at: AT }), status: 'approved' };
}

function faq(policyId: string): FaqItem {
  return { id: `faq-${policyId}`, policyId, position: 0, question: '问题？', answer: '答案。', category: null, source: 'drafter', questionGroupId: null, status: 'draft', publishedAt: null, createdAt: AT, updatedAt: AT, updatedBy: 'drafter', revision: 1 };
}

function publication(policyId: string) {
  const draft: InterpretationDraft = { policyId, content: packageContentSchema.parse({}), exemption: null, basedOnVersion: 1, revision: 2, updatedAt: AT, updatedBy: 'drafter' };
  const release: InterpretationRelease = {
    policyId,
    version: 1,
    content: draft.content,
    exemption: null,
    digest: 'd',
    completeness: completenessSchema.parse({ complete: true, policyTypes: [], required: [], missing: [], warnings: [] }),
    faqs: [],
    comparison: null,
    reviews: [],
    publishedAt: AT,
  };
  return { draft, release };
}

describe('SqliteStore: interpretation written with the policy, atomically', () => {
  let store: SqliteStore;
  beforeEach(async () => {
    store = new SqliteStore({ file: ':memory:' });
    await store.migrate();
  });
  afterEach(async () => store.close());

  it('freezes the package and publishes draft FAQs in the publication transaction', async () => {
    const policy = draftPolicy('p-atomic');
    await store.policies.insert(policy);
    await store.interpretation.insertFaq(faq('p-atomic'));
    const result = publishTransition({ policy, actor: ACTOR, roundReviews: [], predecessor: null, at: AT, interpretation: { status: 'ready' } });
    await store.policies.publish({ policy: result.policy, expectedRevision: policy.revision, version: result.version, interpretation: publication('p-atomic') });
    expect((await store.interpretation.getRelease({ policyId: 'p-atomic', version: 1 }))?.digest).to.equal('d');
    expect((await store.interpretation.listFaqs({ policyId: 'p-atomic', statuses: ['published'] })).map((f) => f.publishedAt)).to.deep.equal([AT]);
  });

  it('writes nothing of the package when the publication fails', async () => {
    const policy = draftPolicy('p-stale');
    await store.policies.insert(policy);
    await store.interpretation.insertFaq(faq('p-stale'));
    const result = publishTransition({ policy, actor: ACTOR, roundReviews: [], predecessor: null, at: AT, interpretation: { status: 'ready' } });
    let failed = false;
    try {
      await store.policies.publish({ policy: result.policy, expectedRevision: policy.revision + 5, version: result.version, interpretation: publication('p-stale') });
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await store.interpretation.getRelease({ policyId: 'p-stale', version: 1 })).to.equal(null);
    expect((await store.interpretation.listFaqs({ policyId: 'p-stale', statuses: ['draft'] })).map((f) => f.id)).to.deep.equal(['faq-p-stale']);
    expect(await store.interpretation.getDraft('p-stale')).to.equal(null);
  });

  it('records the package digest with the review, in the same transaction', async () => {
    const policy = { ...draftPolicy('p-review'), status: 'in_review' as const, reviewRound: 1 };
    await store.policies.insert(policy);
    const review = { round: 1, kind: 'legality' as const, decision: 'approved' as const, comment: '', reviewerId: 'r', reviewerName: '审查', at: AT };
    const recorded = await store.policies.addReview({ policyId: 'p-review', review, interpretationDigest: 'abc' });
    expect(await store.interpretation.reviewDigests({ policyId: 'p-review', round: 1 })).to.deep.equal([{ reviewId: recorded.id, digest: 'abc' }]);
    let failed = false;
    try {
      await store.policies.addReview({ policyId: 'p-review', review, policyUpdate: { policy, expectedRevision: 99 }, interpretationDigest: 'def' });
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await store.interpretation.reviewDigests({ policyId: 'p-review' })).to.have.length(1);
  });
});
