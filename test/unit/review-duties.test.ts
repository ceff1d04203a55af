import { expect } from 'chai';
import { createPolicyBodySchema, type PolicyRecord } from '../../schemas/policy.schema.js';
import { DomainError } from '../../server/errors.js';
import { newPolicyRecord, reviewTransition, type ReviewDuties } from '../../server/services/policy-workflow.js';

const AT = '2026-05-01T02:00:00.000Z';
const DRAFTER = { id: 'wang', name: '王起草', role: 'drafter' as const };
const ADMIN = { id: 'chen', name: '陈管理', role: 'admin' as const };
const REVIEWER = { id: 'zhao', name: '赵审查', role: 'reviewer' as const };
const OTHER = { id: 'qian', name: '钱审查', role: 'reviewer' as const };

function inReview(): PolicyRecord {
  const policy = newPolicyRecord({ id: 'p-duties', body: createPolicyBodySchema.parse({ title: '测试政策', issuer: '上海市知识产权局', body: '第一条　测试。' }), actor: DRAFTER, at: AT });
  return { ...policy, status: 'in_review', reviewRound: 1 };
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    expect((error as DomainError).type).to.equal('forbidden');
    return (error as DomainError).code;
  }
}

describe('separation of duties in the review transition', () => {
  const strict: ReviewDuties = { authors: ['wang', 'chen'], twoReviewers: true };
  const approve = (actor: typeof REVIEWER | typeof ADMIN | typeof DRAFTER, kind: 'confidentiality' | 'legality', roundReviews: { kind: 'confidentiality' | 'legality'; decision: 'approved' | 'rejected'; reviewerId: string }[] = [], duties = strict) =>
    reviewTransition({ policy: inReview(), actor, review: { kind, decision: 'approved', comment: '' }, roundReviews, duties, at: AT });

  it('refuses the creator and every editor of this round, administrators included', () => {
    expect(codeOf(() => approve(DRAFTER, 'legality'))).to.equal('review_own_policy');
    expect(codeOf(() => approve(ADMIN, 'legality'))).to.equal('review_own_edit');
    expect(codeOf(() => approve(REVIEWER, 'legality'))).to.equal(null);
  });

  it('refuses one person approving both kinds, unless the office allows it; a rejection does not count', () => {
    const first = [{ kind: 'confidentiality' as const, decision: 'approved' as const, reviewerId: 'zhao' }];
    expect(codeOf(() => approve(REVIEWER, 'legality', first))).to.equal('review_same_person');
    expect(approve(OTHER, 'legality', first).policy.status).to.equal('approved');
    expect(approve(REVIEWER, 'legality', first, { authors: ['wang'], twoReviewers: false }).policy.status).to.equal('approved');
    expect(codeOf(() => approve(ADMIN, 'legality', first, { authors: ['chen'], twoReviewers: false })), 'authors stay excluded').to.equal('review_own_edit');
    const rejected = [{ kind: 'confidentiality' as const, decision: 'rejected' as const, reviewerId: 'zhao' }];
    expect(codeOf(() => approve(REVIEWER, 'legality', rejected))).to.equal(null);
  });
});
