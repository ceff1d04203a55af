import crypto from 'node:crypto';
import type {
  CreatePolicyBody,
  PolicyContent,
  PolicyRecord,
  PolicyStatus,
  PublicPolicy,
  RepealBody,
  ReviewBody,
  StaffPolicy,
  UpdatePolicyBody,
} from '../../schemas/policy.schema.js';
import { VALIDITY_LABELS } from '../../schemas/policy.schema.js';
import { invalid, notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import type { Actor } from './actor.js';
import {
  applyEdit,
  newPolicyRecord,
  policyDigest,
  publishTransition,
  repealTransition,
  reviewTransition,
  reviseTransition,
  submitTransition,
} from './policy-workflow.js';
import { policyTagIds } from './policy-tags.js';
import { effectiveValidity, shanghaiToday } from './validity.js';
import type { TaxonomyService } from './taxonomy.service.js';
import type { InterpretationPublisher } from '../interpretation/interpretation.service.js';
import type { Logger } from '../logger.js';
import type { AuditDetails, AuditService } from './audit.service.js';
import type { AuditAction, NewAuditEntry } from '../../schemas/audit.schema.js';
import type { PublicVersion, PublicVersions } from './public-versions.js';
import type { PolicyTextHygiene } from './text-hygiene.service.js';

type PolicyWritten = (policyId: string) => Promise<void>;

export class PolicyService {
  private readonly listeners: PolicyWritten[] = [];

  constructor(
    private readonly deps: {
      store: Store;
      taxonomy: TaxonomyService;
      now: () => Date;
      /** 三同步: the interpretation package is submitted, reviewed and published with the policy. */
      interpretation: InterpretationPublisher;
      logger: Logger;
      audit: AuditService;
      publicVersions: PublicVersions;
      /** REVIEW_SAME_PERSON_ALLOWED: one person may record both reviews (tiny offices); authors still may not review. */
      reviewSamePersonAllowed: boolean;
      /** Document hygiene: repairs every saved body and holds submission while a suspect line is pending. */
      textHygiene?: PolicyTextHygiene;
    },
  ) {}

  /** The repaired body to store, or null when there is no hygiene step or no text. */
  private async prepareText({ policyId, body }: { policyId: string; body: string | undefined }) {
    if (!this.deps.textHygiene || body === undefined || body.trim() === '') return null;
    return this.deps.textHygiene.prepareBody({ policyId, body });
  }

  private audit({ actor, action, policy, details = {} }: { actor: Actor; action: AuditAction; policy: PolicyRecord; details?: AuditDetails }): NewAuditEntry {
    return this.deps.audit.entry({ actor, action, targetType: 'policy', targetId: policy.id, digest: policyDigest(policy), details });
  }

  /** Called after every committed write, so derived data (the search index) can follow. */
  onWrite(listener: PolicyWritten): void {
    this.listeners.push(listener);
  }

  private at(): string {
    return this.deps.now().toISOString();
  }

  async create({ actor, body }: { actor: Actor; body: CreatePolicyBody }): Promise<StaffPolicy> {
    const id = body.id ?? generatePolicyId();
    await this.assertContent({ content: body, selfId: id });
    const prepared = await this.prepareText({ policyId: id, body: body.body });
    const policy = newPolicyRecord({ id, body: prepared ? { ...body, body: prepared.body } : body, actor, at: this.at() });
    await this.deps.store.policies.insert(policy, { audit: this.audit({ actor, action: 'policy.create', policy }) });
    await prepared?.record();
    return this.written(policy);
  }

  async update({ actor, id, body }: { actor: Actor; id: string; body: UpdatePolicyBody }): Promise<StaffPolicy> {
    const policy = await this.require(id);
    // Only a draft is repaired: applyEdit refuses the others with its own message.
    const prepared = policy.status === 'draft' ? await this.prepareText({ policyId: id, body: body.body }) : null;
    const updated = applyEdit({ policy, patch: prepared ? { ...body, body: prepared.body } : body, at: this.at() });
    await this.assertContent({ content: updated, selfId: id });
    await this.deps.store.policies.update({
      policy: updated,
      expectedRevision: policy.revision,
      audit: this.audit({ actor, action: 'policy.update', policy: updated, details: { fields: Object.keys(body).sort().join(',') } }),
    });
    await prepared?.record();
    return this.written(updated);
  }

  async submit({ actor, id }: { actor: Actor; id: string }): Promise<StaffPolicy> {
    const policy = await this.require(id);
    // Suspect lines are the drafter's to decide before a reviewer sees the text.
    if (policy.status === 'draft') await this.deps.textHygiene?.assertSubmittable({ policy });
    const interpretation = await this.deps.interpretation.submitGate({ policy });
    const updated = submitTransition({ policy, at: this.at(), interpretation });
    await this.deps.store.policies.update({
      policy: updated,
      expectedRevision: policy.revision,
      audit: this.audit({ actor, action: 'policy.submit', policy: updated, details: { round: updated.reviewRound } }),
    });
    return this.written(updated);
  }

  async review({ actor, id, body }: { actor: Actor; id: string; body: ReviewBody }): Promise<StaffPolicy> {
    const policy = await this.require(id);
    const roundReviews = await this.deps.store.policies.listReviews({ policyId: id, round: policy.reviewRound });
    const authors = await this.deps.audit.authorsSinceLastPublication({ policyId: id });
    const { policy: updated, record } = reviewTransition({
      policy,
      actor,
      review: body,
      roundReviews,
      duties: { authors, twoReviewers: !this.deps.reviewSamePersonAllowed },
      at: this.at(),
    });
    const interpretationDigest = await this.deps.interpretation.reviewDigest({ policyId: id });
    await this.deps.store.policies.addReview({
      policyId: id,
      review: record,
      policyUpdate: { policy: updated, expectedRevision: policy.revision },
      // The review record covers the package too: it keeps the digest of what the reviewer saw.
      interpretationDigest,
      audit: this.audit({
        actor,
        action: 'policy.review',
        policy: updated,
        details: { round: record.round, kind: record.kind, decision: record.decision, interpretationDigest },
      }),
    });
    return this.written(updated);
  }

  async publish({ actor, id }: { actor: Actor; id: string }): Promise<StaffPolicy> {
    const policy = await this.require(id);
    const roundReviews = await this.deps.store.policies.listReviews({ policyId: id, round: policy.reviewRound });
    const predecessor = policy.predecessorId ? await this.deps.store.policies.get(policy.predecessorId) : null;
    const at = this.at();
    const release = await this.deps.interpretation.prepareRelease({ policy, roundReviews, at });
    const result = publishTransition({ policy, actor, roundReviews, predecessor, at, interpretation: release.gate });
    await this.deps.store.policies.publish({
      policy: result.policy,
      expectedRevision: policy.revision,
      version: result.version,
      ...(result.predecessor && predecessor
        ? { predecessor: { policy: result.predecessor, expectedRevision: predecessor.revision } }
        : {}),
      ...(release.publication ? { interpretation: release.publication } : {}),
      audit: this.audit({ actor, action: 'policy.publish', policy: result.policy, details: { version: result.version.version, disclosure: result.version.disclosure } }),
    });
    if (result.predecessor) await this.notify(result.predecessor.id);
    return this.written(result.policy);
  }

  async revise({ actor, id }: { actor: Actor; id: string }): Promise<StaffPolicy> {
    const policy = await this.require(id);
    const updated = reviseTransition({ policy, at: this.at() });
    await this.deps.store.policies.update({
      policy: updated,
      expectedRevision: policy.revision,
      audit: this.audit({ actor, action: 'policy.revise', policy: updated, details: { from: policy.status } }),
    });
    return this.written(updated);
  }

  async repeal({ actor, id, body }: { actor: Actor; id: string; body: RepealBody }): Promise<StaffPolicy> {
    const policy = await this.require(id);
    const updated = repealTransition({ policy, body, at: this.at() });
    await this.deps.store.policies.update({
      policy: updated,
      expectedRevision: policy.revision,
      audit: this.audit({ actor, action: 'policy.repeal', policy: updated, details: { repealedAt: body.repealedAt, reason: body.reason } }),
    });
    return this.written(updated);
  }

  /** The audit trail of one policy for staff: text, reviews, publication and interpretation package. */
  async auditTrail({ id }: { id: string }) {
    await this.require(id);
    return this.deps.audit.forPolicy({ policyId: id });
  }

  async getStaffView({ id }: { id: string }): Promise<StaffPolicy> {
    return this.staffView(await this.require(id));
  }

  /** The working copy's title for staff pages that name a policy by id; null when there is none. */
  async titleOf({ id }: { id: string }): Promise<string | null> {
    return (await this.deps.store.policies.get(id))?.title ?? null;
  }

  async listStaff({ status, page, pageSize }: { status?: PolicyStatus; page: number; pageSize: number }) {
    const { total, items } = await this.deps.store.policies.list({ status, limit: pageSize, offset: (page - 1) * pageSize });
    return { total, page, pageSize, items: await Promise.all(items.map((p) => this.staffView(p))) };
  }

  /**
   * The published face of a policy. Anything not 主动公开 or never published answers exactly like a
   * missing id, so the endpoint cannot be used to probe for withheld documents.
   */
  async getPublicView({ id, version }: { id: string; version?: number }): Promise<PublicPolicy> {
    return (await this.getPublicPage({ id, ...(version === undefined ? {} : { version }) })).policy;
  }

  /**
   * The published face together with the public version it was built from, which the policy page
   * hands to its slots so they do not resolve (read and decode) the same policy again.
   */
  async getPublicPage({ id, version }: { id: string; version?: number }): Promise<{ policy: PublicPolicy; found: PublicVersion }> {
    const found = await this.deps.publicVersions.require({ policyId: id, ...(version === undefined ? {} : { version }) });
    return { policy: await this.publicViewOf(found), found };
  }

  private async publicViewOf(found: PublicVersion): Promise<PublicPolicy> {
    const { policy, chosen, isCurrent } = found;
    const id = policy.id;
    const publicVersions = await this.deps.publicVersions.versionsOf(found);
    const taxonomy = this.deps.taxonomy.current();
    // A superseded version is history (已修订) even while the policy itself is in force; repeal covers every version.
    const validity = isCurrent
      ? effectiveValidity({ validity: policy.validity, expiresAt: chosen.expiresAt, today: shanghaiToday(this.deps.now()) })
      : policy.validity === 'repealed'
        ? 'repealed'
        : 'revised';
    const { disclosureReason: _reason, reviews: _reviews, publishedBy: _by, policyId: _pid, ...content } = chosen;
    const tagIds = policyTagIds(chosen);
    return {
      ...content,
      id,
      validity,
      validityLabel: VALIDITY_LABELS[validity],
      successorId: policy.successorId,
      repeal: policy.repeal,
      tagRefs: tagIds.flatMap((tagId) => {
        const tag = taxonomy.get(tagId);
        return tag ? [{ id: tag.id, label: tag.label, dimension: tag.dimension }] : [];
      }),
      versions: publicVersions.map((v) => ({ version: v.version, publishedAt: v.publishedAt })),
      isCurrent,
      currentVersion: policy.currentVersion ?? chosen.version,
    };
  }

  /** Id and title of a policy the public may see, or null: what a link to a successor needs. */
  async getPublicLink({ id }: { id: string }): Promise<{ id: string; title: string } | null> {
    const found = await this.deps.publicVersions.find({ policyId: id });
    return found ? { id, title: found.current.title } : null;
  }

  private async staffView(policy: PolicyRecord): Promise<StaffPolicy> {
    const [reviews, versions] = await Promise.all([
      this.deps.store.policies.listReviews({ policyId: policy.id }),
      this.deps.store.policies.listVersions({ policyId: policy.id }),
    ]);
    return { ...policy, reviews, versions: versions.map((v) => ({ version: v.version, publishedAt: v.publishedAt })) };
  }

  private async require(id: string): Promise<PolicyRecord> {
    const policy = await this.deps.store.policies.get(id);
    if (!policy) throw notFound({ code: 'policy_not_found', message: `未找到政策：${id}` });
    return policy;
  }

  /** Tag references and the predecessor link must point at things that exist and are still in use. */
  async assertContent({ content, selfId }: { content: PolicyContent; selfId: string }): Promise<void> {
    const taxonomy = this.deps.taxonomy.current();
    taxonomy.assertCriteria({ criteria: content.criteria, field: 'criteria' });
    taxonomy.assertUsable({ ids: content.tags, field: 'tags' });
    if (content.level) taxonomy.assertUsable({ ids: [content.level], dimension: 'issuer_level', field: 'level' });
    if (content.effectiveAt && content.expiresAt && content.expiresAt < content.effectiveAt) {
      throw invalid({ code: 'dates_out_of_order', message: '失效日期不能早于施行日期', details: { field: 'expiresAt' } });
    }
    if (!content.predecessorId) return;
    if (content.predecessorId === selfId) {
      throw invalid({ code: 'predecessor_self', message: '前序政策不能是它自己', details: { field: 'predecessorId' } });
    }
    const predecessor = await this.deps.store.policies.get(content.predecessorId);
    if (!predecessor || predecessor.currentVersion === null) {
      throw invalid({
        code: 'predecessor_unknown',
        message: `前序政策不存在或尚未发布：${content.predecessorId}`,
        details: { field: 'predecessorId' },
      });
    }
  }

  private async written(policy: PolicyRecord): Promise<StaffPolicy> {
    await this.notify(policy.id);
    return this.staffView(policy);
  }

  /**
   * The write has committed: listeners update derived data (the search index), which follows the
   * store's change sequence and catches up on the next pass. Their failure is logged, never
   * reported as a failed write the client would retry.
   */
  private async notify(policyId: string): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(policyId);
      } catch (error) {
        this.deps.logger.warn('derived data not updated after a policy write; the next catch-up repairs it', { policyId, error });
      }
    }
  }
}

function generatePolicyId(): string {
  return `p-${crypto.randomBytes(6).toString('hex')}`;
}
