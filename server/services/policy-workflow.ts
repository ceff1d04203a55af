import type {
  CreatePolicyBody,
  PolicyContent,
  PolicyRecord,
  PolicyVersion,
  RepealBody,
  ReviewRecord,
  UpdatePolicyBody,
} from '../../schemas/policy.schema.js';
import { REVIEW_KIND_LABELS, reviewKindSchema } from '../../schemas/policy.schema.js';
import { forbidden, invalidState } from '../errors.js';
import { parseArticles } from '../text/article-parser.js';
import type { Actor } from './actor.js';
import { contentDigest } from './content-digest.js';

/**
 * The policy workflow as pure transitions: draft → in_review → approved → published, then revise
 * (back to draft while the published version stays public) or repeal. The service persists each
 * step; the importer chains them in memory and writes a whole document atomically.
 */

const CONTENT_KEYS = [
  'docNumber',
  'title',
  'issuer',
  'level',
  'issuedAt',
  'effectiveAt',
  'expiresAt',
  'disclosure',
  'disclosureReason',
  'body',
  'criteria',
  'tags',
  'applicationWindow',
  'predecessorId',
] as const satisfies readonly (keyof PolicyContent)[];

export function contentOf(source: PolicyContent): PolicyContent {
  const out = {} as Record<keyof PolicyContent, unknown>;
  for (const key of CONTENT_KEYS) out[key] = source[key];
  return out as PolicyContent;
}

/** The digest of a policy's content (what a review approves and the audit trail records). */
export function policyDigest(source: PolicyContent): string {
  return contentDigest(contentOf(source));
}

export function newPolicyRecord({ id, body, actor, at }: { id: string; body: CreatePolicyBody; actor: Actor; at: string }): PolicyRecord {
  const content = contentOf(body);
  return {
    ...content,
    disclosureReason: content.disclosure === 'public' ? null : content.disclosureReason,
    id,
    articles: parseArticles({ body: content.body }),
    status: 'draft',
    validity: 'effective',
    currentVersion: null,
    reviewRound: 0,
    successorId: null,
    repeal: null,
    createdBy: actor.id,
    createdAt: at,
    updatedAt: at,
    revision: 1,
  };
}

function touch(policy: PolicyRecord, at: string): Pick<PolicyRecord, 'updatedAt' | 'revision'> {
  return { updatedAt: at, revision: policy.revision + 1 };
}

export function applyEdit({ policy, patch, at }: { policy: PolicyRecord; patch: UpdatePolicyBody; at: string }): PolicyRecord {
  if (policy.status !== 'draft') {
    throw invalidState({
      code: 'policy_not_editable',
      message: '只有草稿状态的政策可以修改；已送审的请先退回，已发布的请先发起修订',
      details: { status: policy.status },
    });
  }
  const merged: PolicyRecord = { ...policy, ...patch, ...touch(policy, at) };
  if (merged.disclosure !== 'public' && !merged.disclosureReason) {
    throw invalidState({ code: 'disclosure_reason_required', message: '依申请公开或不予公开的文件必须说明理由' });
  }
  if (merged.disclosure === 'public') merged.disclosureReason = null;
  if (patch.body !== undefined) merged.articles = parseArticles({ body: patch.body });
  return merged;
}

/**
 * 三同步 (interpretation drafted, reviewed and published with the policy): what the interpretation
 * package says about submitting or publishing now. `historical` is for documents imported with their
 * history, whose interpretation, if any, was published elsewhere.
 */
export type InterpretationGate =
  | { status: 'ready' }
  | { status: 'exempt'; reason: string }
  | { status: 'blocked'; code: string; message: string; details: unknown }
  | { status: 'historical' };

function assertInterpretation(gate: InterpretationGate): void {
  if (gate.status === 'blocked') throw invalidState({ code: gate.code, message: gate.message, details: gate.details });
}

export function submitTransition({ policy, at, interpretation }: { policy: PolicyRecord; at: string; interpretation: InterpretationGate }): PolicyRecord {
  if (policy.status !== 'draft') {
    throw invalidState({ code: 'policy_not_draft', message: '只有草稿可以送审', details: { status: policy.status } });
  }
  if (policy.body.trim().length === 0) {
    throw invalidState({ code: 'policy_body_empty', message: '正文为空，不能送审' });
  }
  // Reviewers must see the package they are approving, so an incomplete one is stopped here.
  assertInterpretation(interpretation);
  return { ...policy, status: 'in_review', reviewRound: policy.reviewRound + 1, ...touch(policy, at) };
}

/**
 * Separation of duties for one review. `authors`: everyone who wrote or edited the version under
 * review (its text or its interpretation package) in this round; none of them may review it, whatever
 * their role. `twoReviewers`: 保密审查 and 合法性审查 must be approved by two different people.
 */
export interface ReviewDuties {
  authors: readonly string[];
  twoReviewers: boolean;
}

function assertSeparation({
  policy,
  actor,
  review,
  roundReviews,
  duties,
}: {
  policy: PolicyRecord;
  actor: Actor;
  review: Pick<ReviewRecord, 'kind'>;
  roundReviews: readonly Pick<ReviewRecord, 'kind' | 'decision' | 'reviewerId'>[];
  duties: ReviewDuties;
}): void {
  if (actor.id === policy.createdBy) {
    throw forbidden({ code: 'review_own_policy', message: '起草人不能审查自己起草的政策（一事一审）' });
  }
  if (duties.authors.includes(actor.id)) {
    throw forbidden({
      code: 'review_own_edit',
      message: '本轮修改过政策正文或解读材料的人员不能审查该版本（管理员亦同）',
      details: { reviewerId: actor.id },
    });
  }
  if (!duties.twoReviewers) return;
  const otherKind = roundReviews.find((r) => r.kind !== review.kind && r.decision === 'approved' && r.reviewerId === actor.id);
  if (otherKind) {
    throw forbidden({
      code: 'review_same_person',
      message: `保密审查和合法性审查须由两名不同人员完成：您已通过本轮的${REVIEW_KIND_LABELS[otherKind.kind]}`,
      details: { reviewerId: actor.id, otherKind: otherKind.kind },
    });
  }
}

/** Records a review decision; both reviews approved in the current round make the policy approved. */
export function reviewTransition({
  policy,
  actor,
  review,
  roundReviews,
  duties,
  at,
}: {
  policy: PolicyRecord;
  actor: Actor;
  review: Pick<ReviewRecord, 'kind' | 'decision' | 'comment'>;
  roundReviews: readonly Pick<ReviewRecord, 'kind' | 'decision' | 'reviewerId'>[];
  duties: ReviewDuties;
  at: string;
}): { policy: PolicyRecord; record: Omit<ReviewRecord, 'id'> } {
  if (policy.status !== 'in_review') {
    throw invalidState({ code: 'policy_not_in_review', message: '该政策不在审查中', details: { status: policy.status } });
  }
  assertSeparation({ policy, actor, review, roundReviews, duties });
  const record: Omit<ReviewRecord, 'id'> = {
    round: policy.reviewRound,
    kind: review.kind,
    decision: review.decision,
    comment: review.comment,
    reviewerId: actor.id,
    reviewerName: actor.name,
    at,
  };
  if (review.decision === 'rejected') {
    return { policy: { ...policy, status: 'draft', ...touch(policy, at) }, record };
  }
  const approvedKinds = new Set(
    [...roundReviews, review].filter((r) => r.decision === 'approved').map((r) => r.kind),
  );
  const allApproved = reviewKindSchema.options.every((kind) => approvedKinds.has(kind));
  // The revision moves on every review so two reviewers deciding at once conflict instead of both
  // reading a half-approved round and leaving the policy stuck in review.
  return { policy: { ...policy, status: allApproved ? 'approved' : 'in_review', ...touch(policy, at) }, record };
}

export function missingReviewKinds(roundReviews: readonly Pick<ReviewRecord, 'kind' | 'decision'>[]): string[] {
  const approved = new Set(roundReviews.filter((r) => r.decision === 'approved').map((r) => r.kind));
  return reviewKindSchema.options.filter((kind) => !approved.has(kind)).map((kind) => REVIEW_KIND_LABELS[kind]);
}

export function publishTransition({
  policy,
  actor,
  roundReviews,
  predecessor,
  at,
  interpretation,
}: {
  policy: PolicyRecord;
  actor: Actor;
  roundReviews: readonly Omit<ReviewRecord, 'id'>[];
  predecessor: PolicyRecord | null;
  at: string;
  interpretation: InterpretationGate;
}): { policy: PolicyRecord; version: PolicyVersion; predecessor: PolicyRecord | null } {
  if (policy.status !== 'approved') {
    const missing = missingReviewKinds(roundReviews);
    throw invalidState({
      code: 'review_required',
      message: `先审查、后公开：发布前须通过${missing.join('和') || '审查'}`,
      details: { status: policy.status, missing },
    });
  }
  assertInterpretation(interpretation);
  const versionNumber = (policy.currentVersion ?? 0) + 1;
  const version: PolicyVersion = {
    ...contentOf(policy),
    policyId: policy.id,
    version: versionNumber,
    articles: policy.articles,
    publishedAt: at,
    publishedBy: actor.id,
    reviews: roundReviews.map(({ round, kind, decision, comment, reviewerId, reviewerName, at: reviewedAt }) => ({
      round,
      kind,
      decision,
      comment,
      reviewerId,
      reviewerName,
      at: reviewedAt,
    })),
  };
  const published: PolicyRecord = { ...policy, status: 'published', validity: 'effective', currentVersion: versionNumber, ...touch(policy, at) };
  // A successor published for the first time supersedes its predecessor (已修订).
  const supersedes = versionNumber === 1 && predecessor && predecessor.validity === 'effective';
  const updatedPredecessor = supersedes
    ? { ...predecessor, validity: 'revised' as const, successorId: policy.id, ...touch(predecessor, at) }
    : null;
  return { policy: published, version, predecessor: updatedPredecessor };
}

/**
 * Back to draft: a published policy starts its next version; an approved one that has not been
 * published yet is withdrawn (for instance to complete its interpretation) and needs a new review round.
 */
export function reviseTransition({ policy, at }: { policy: PolicyRecord; at: string }): PolicyRecord {
  if (policy.status !== 'published' && policy.status !== 'approved') {
    throw invalidState({ code: 'policy_not_published', message: '只有已发布或已通过审查的政策可以发起修订', details: { status: policy.status } });
  }
  return { ...policy, status: 'draft', ...touch(policy, at) };
}

export function repealTransition({ policy, body, at }: { policy: PolicyRecord; body: RepealBody; at: string }): PolicyRecord {
  if (policy.currentVersion === null) {
    throw invalidState({ code: 'policy_not_published', message: '尚未发布的政策不能废止，可直接停止起草' });
  }
  if (policy.status === 'repealed') {
    throw invalidState({ code: 'policy_already_repealed', message: '该政策已废止' });
  }
  return { ...policy, status: 'repealed', validity: 'repealed', repeal: { ...body }, ...touch(policy, at) };
}
