import type {
  Comparison,
  Completeness,
  FaqItem,
  InterpretationDraft,
  InterpretationRelease,
  PackageContent,
  PublicImage,
  PublicInterpretation,
  StaffInterpretation,
  StoredImage,
  UpdateInterpretationBody,
} from '../../schemas/interpretation.schema.js';
import { SECTION_LABELS, packageContentSchema } from '../../schemas/interpretation.schema.js';
import type { PolicyRecord, PolicyVersion, ReviewRecord } from '../../schemas/policy.schema.js';
import { invalid, invalidState, notFound } from '../errors.js';
import type { UploadedFile } from '../uploaded-file.js';
import { mediaUrl, sha256 } from '../media/media.js';
import type { ImageProcessor } from '../ports/image-processor.port.js';
import type { MediaStorage } from '../ports/media-storage.port.js';
import type { AuditService } from '../services/audit.service.js';
import type { PublicVersion, PublicVersions } from '../services/public-versions.js';
import type { InterpretationPublication } from '../ports/interpretation.port.js';
import type { Store } from '../ports/store.port.js';
import type { Actor } from '../services/actor.js';
import type { InterpretationGate } from '../services/policy-workflow.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';
import { compareArticles } from './comparison.js';
import { checkCompleteness, interpretationGate, packageDigest, staffGate, type ReviewCoverage } from './completeness.js';
import { processImage } from './image-upload.js';
import { cardKeyPoints, layoutSummaryCard, type CardInput } from './summary-card.js';

/** What the policy workflow asks of the interpretation package (三同步). */
export interface InterpretationPublisher {
  /** The digest a review records: exactly what the reviewer is shown. */
  reviewDigest(input: { policyId: string }): Promise<string | null>;
  /** Whether the package is ready to be reviewed with the policy. */
  submitGate(input: { policy: PolicyRecord }): Promise<InterpretationGate>;
  /** The gate for publishing now and, when it passes, what to freeze with the version. */
  prepareRelease(input: { policy: PolicyRecord; roundReviews: readonly ReviewRecord[]; at: string }): Promise<{
    gate: InterpretationGate;
    publication: InterpretationPublication | null;
  }>;
}

const DEFAULT_IMAGE_WIDTH = 960;

export function emptyContent(): PackageContent {
  return packageContentSchema.parse({});
}

interface DraftState {
  draft: InterpretationDraft | null;
  draftFaqs: FaqItem[];
  digest: string | null;
  comparison: Comparison | null;
  completeness: Completeness;
}

export class InterpretationService implements InterpretationPublisher {
  constructor(
    private readonly deps: {
      store: Store;
      taxonomy: TaxonomyService;
      media: MediaStorage;
      images: ImageProcessor;
      now: () => Date;
      maxImagePixels: number;
      publicBaseUrl: string;
      /** Package edits are authoring: their authors may not review the version (separation of duties). */
      audit: AuditService;
      publicVersions: PublicVersions;
    },
  ) {}

  private at(): string {
    return this.deps.now().toISOString();
  }

  private get repo() {
    return this.deps.store.interpretation;
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  async requirePolicy(policyId: string): Promise<PolicyRecord> {
    const policy = await this.deps.store.policies.get(policyId);
    if (!policy) throw notFound({ code: 'policy_not_found', message: `未找到政策：${policyId}` });
    return policy;
  }

  /**
   * A published 主动公开 version, or not found exactly like a missing policy (no probing).
   * `resolved`: what the policy page already found for this policy (see PublicVersions.find).
   */
  async requirePublicVersion({ policyId, version, resolved }: { policyId: string; version?: number; resolved?: PublicVersion }): Promise<PublicVersion> {
    return this.deps.publicVersions.require({ policyId, ...(version === undefined ? {} : { version }), ...(resolved ? { resolved } : {}) });
  }

  private async draftState(policy: PolicyRecord): Promise<DraftState> {
    const [draft, draftFaqs] = await Promise.all([this.repo.getDraft(policy.id), this.repo.listFaqs({ policyId: policy.id, statuses: ['draft'] })]);
    const comparison = await this.workingComparison({ policy, draft });
    const unannotated = comparison ? comparison.changes.filter((c) => c.kind !== 'unchanged' && c.note === null).length : 0;
    const completeness = checkCompleteness({
      policy,
      content: draft?.content ?? null,
      taxonomy: this.deps.taxonomy.current(),
      exempt: Boolean(draft?.exemption),
      unannotatedChanges: unannotated,
    });
    return { draft, draftFaqs, digest: packageDigest({ draft, draftFaqs }), comparison, completeness };
  }

  async getStaffView({ policyId }: { policyId: string }): Promise<StaffInterpretation> {
    const policy = await this.requirePolicy(policyId);
    const state = await this.draftState(policy);
    const [reviews, digests, faqs, releases] = await Promise.all([
      this.deps.store.policies.listReviews({ policyId }),
      this.repo.reviewDigests({ policyId }),
      this.repo.listFaqs({ policyId, statuses: ['draft', 'published'] }),
      this.repo.listReleases(policyId),
    ]);
    const digestOf = new Map(digests.map((d) => [d.reviewId, d.digest]));
    const roundCoverage = reviews.filter((r) => r.round === policy.reviewRound).map((review) => ({ review, digest: digestOf.get(review.id) ?? null }));
    const gate = staffGate({
      policyStatus: policy.status,
      draft: state.draft,
      digest: state.digest,
      completeness: state.completeness,
      roundCoverage,
      earlierReviews: reviews.length > 0,
    });
    return {
      policyId,
      policyStatus: policy.status,
      draft: state.draft,
      digest: state.digest,
      completeness: state.completeness,
      gate,
      reviews: reviews
        .filter((review) => digestOf.has(review.id))
        .map((review) => ({
          round: review.round,
          kind: review.kind,
          decision: review.decision,
          reviewerName: review.reviewerName,
          at: review.at,
          digest: digestOf.get(review.id) ?? null,
          coversCurrent: (digestOf.get(review.id) ?? null) === state.digest,
        })),
      faqs,
      graphics: await this.graphicViews(state.draft?.content ?? emptyContent()),
      releases,
    };
  }

  async getPublicView({ policyId, version }: { policyId: string; version?: number }): Promise<PublicInterpretation> {
    const view = await this.findPublicView({ policyId, ...(version === undefined ? {} : { version }) });
    if (!view) throw notFound({ code: 'interpretation_not_found', message: '该政策版本没有发布解读材料' });
    return view;
  }

  /** The published package of a public version, or null when the version was published without one. */
  async findPublicView({ policyId, version, resolved }: { policyId: string; version?: number; resolved?: PublicVersion }): Promise<PublicInterpretation | null> {
    const found = await this.requirePublicVersion({ policyId, ...(version === undefined ? {} : { version }), ...(resolved ? { resolved } : {}) });
    const release = await this.repo.getRelease({ policyId, version: found.chosen.version });
    if (!release) return null;
    return this.viewOf({ found, release, comparison: await this.publicComparisonOf({ comparison: release.comparison, resolved: found }) });
  }

  /**
   * What the policy page shows of the interpretation module for one public version: the package
   * (null without one) and the new-vs-old table (null without a public older text), reading the
   * release once for both.
   */
  async findPublicPackage({ policyId, version, resolved }: { policyId: string; version?: number; resolved?: PublicVersion }): Promise<{
    view: PublicInterpretation | null;
    comparison: Comparison | null;
  }> {
    const found = await this.requirePublicVersion({ policyId, ...(version === undefined ? {} : { version }), ...(resolved ? { resolved } : {}) });
    const release = await this.repo.getRelease({ policyId, version: found.chosen.version });
    const comparison = await this.comparisonFor({ found, release });
    // The package carries only the comparison frozen with it, never one computed on request.
    const view = release ? await this.viewOf({ found, release, comparison: release.comparison ? comparison : null }) : null;
    return { view, comparison };
  }

  private async viewOf({ found, release, comparison }: { found: PublicVersion; release: InterpretationRelease; comparison: Comparison | null }): Promise<PublicInterpretation> {
    const { policy, chosen } = found;
    const policyId = policy.id;
    const current = chosen.version === policy.currentVersion;
    // The current version shows the live FAQ list; an older one the list it was published with.
    const faqs = current ? await this.repo.listFaqs({ policyId, statuses: ['published'] }) : release.faqs.filter((faq) => faq.status === 'published');
    const posterIds = release.content.videos.flatMap((video) => (video.posterImageId ? [video.posterImageId] : []));
    const images = new Map((await this.repo.getImages(posterIds)).map((image) => [image.id, image]));
    const query = `?version=${chosen.version}`;
    return {
      policyId,
      version: chosen.version,
      publishedAt: release.publishedAt,
      exempt: release.exemption ? { reason: release.exemption.reason } : null,
      sections: release.content.sections,
      sectionLabels: SECTION_LABELS,
      keyPoints: release.content.keyPoints,
      graphics: await this.graphicViews(release.content),
      videos: release.content.videos.map(({ posterImageId, ...video }) => {
        const poster = posterImageId ? images.get(posterImageId) : undefined;
        return { ...video, poster: poster ? publicImage(poster) : null };
      }),
      faqs: faqs.map(({ id, question, answer, category, source, updatedAt }) => ({ id, question, answer, category, source, updatedAt })),
      comparison,
      card: {
        png: `/api/v1/policies/${policyId}/interpretation/card.png${query}`,
        svg: `/api/v1/policies/${policyId}/interpretation/card.svg${query}`,
      },
    };
  }

  private async graphicViews(content: PackageContent) {
    const images = new Map((await this.repo.getImages(content.graphics.map((g) => g.imageId))).map((image) => [image.id, image]));
    return content.graphics.flatMap((graphic) => {
      const image = images.get(graphic.imageId);
      return image ? [{ alt: graphic.alt, caption: graphic.caption, image: publicImage(image) }] : [];
    });
  }

  /** A frozen comparison is shown only while its base version is itself public. */
  private async publicComparisonOf({ comparison, resolved }: { comparison: Comparison | null; resolved: PublicVersion }): Promise<Comparison | null> {
    if (!comparison || comparison.base.version === null) return null;
    const base = await this.deps.publicVersions.find({ policyId: comparison.base.policyId, version: comparison.base.version, resolved });
    return base ? comparison : null;
  }

  // -------------------------------------------------------------------------------------------
  // New vs old

  /** The version a text is compared with: the previous version, or for a first version the predecessor's. */
  private async baseFor({
    policyId,
    targetVersion,
    predecessorId,
    publishedAt,
  }: {
    policyId: string;
    targetVersion: number | null;
    predecessorId: string | null;
    publishedAt: string | null;
  }): Promise<{ version: PolicyVersion; relation: Comparison['relation'] } | null> {
    // Only the working copy (no target version yet) needs the policy's current version number.
    const previous = targetVersion === null ? ((await this.deps.store.policies.get(policyId))?.currentVersion ?? null) : targetVersion - 1;
    if (previous !== null && previous >= 1) {
      const version = await this.deps.store.policies.getVersion({ policyId, version: previous });
      if (version) return { version, relation: 'previous_version' };
    }
    if (!predecessorId) return null;
    const versions = await this.deps.store.policies.listVersions({ policyId: predecessorId });
    const before = publishedAt ? versions.filter((v) => v.publishedAt <= publishedAt) : versions;
    const version = before.at(-1) ?? versions.at(-1);
    return version ? { version, relation: 'predecessor' } : null;
  }

  private async workingComparison({ policy, draft }: { policy: PolicyRecord; draft: InterpretationDraft | null }): Promise<Comparison | null> {
    const base = await this.baseFor({ policyId: policy.id, targetVersion: null, predecessorId: policy.predecessorId, publishedAt: null });
    if (!base) return null;
    return {
      base: side(base.version),
      target: { policyId: policy.id, version: null, title: policy.title, docNumber: policy.docNumber },
      relation: base.relation,
      ...compareArticles({ before: base.version.articles, after: policy.articles, notes: draft?.content.comparisonNotes ?? [] }),
    };
  }

  async getStaffComparison({ policyId }: { policyId: string }): Promise<Comparison> {
    const policy = await this.requirePolicy(policyId);
    const comparison = await this.workingComparison({ policy, draft: await this.repo.getDraft(policyId) });
    if (!comparison) throw notFound({ code: 'comparison_not_available', message: '该政策既没有已发布的旧版本，也没有前序政策，无新旧对照' });
    return comparison;
  }

  async getPublicComparison({ policyId, version }: { policyId: string; version?: number }): Promise<Comparison> {
    const comparison = await this.findPublicComparison({ policyId, ...(version === undefined ? {} : { version }) });
    if (!comparison) throw notFound({ code: 'comparison_not_available', message: '该政策版本没有可对照的旧版本' });
    return comparison;
  }

  /** The new-vs-old table of a public version, or null when there is no public older text to compare with. */
  async findPublicComparison({ policyId, version, resolved }: { policyId: string; version?: number; resolved?: PublicVersion }): Promise<Comparison | null> {
    const found = await this.requirePublicVersion({ policyId, ...(version === undefined ? {} : { version }), ...(resolved ? { resolved } : {}) });
    return this.comparisonFor({ found, release: await this.repo.getRelease({ policyId, version: found.chosen.version }) });
  }

  private async comparisonFor({ found, release }: { found: PublicVersion; release: InterpretationRelease | null }): Promise<Comparison | null> {
    const { chosen } = found;
    const policyId = chosen.policyId;
    if (release?.comparison) return this.publicComparisonOf({ comparison: release.comparison, resolved: found });
    // Versions published without a package (imported history) are compared on request, without notes.
    const base = await this.baseFor({ policyId, targetVersion: chosen.version, predecessorId: chosen.predecessorId, publishedAt: chosen.publishedAt });
    if (!base || !(await this.deps.publicVersions.find({ policyId: base.version.policyId, version: base.version.version, resolved: found }))) return null;
    return {
      base: side(base.version),
      target: side(chosen),
      relation: base.relation,
      ...compareArticles({ before: base.version.articles, after: chosen.articles }),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  private assertEditable(policy: PolicyRecord): void {
    if (policy.status !== 'draft') {
      throw invalidState({
        code: 'interpretation_not_editable',
        message: '解读材料随政策一并审查和发布：只有草稿状态的政策可以修改解读材料；已送审的请先退回，已发布的请先发起修订',
        details: { status: policy.status },
      });
    }
  }

  private async assertImagesExist(content: PackageContent): Promise<void> {
    const ids = [...content.graphics.map((g) => g.imageId), ...content.videos.flatMap((v) => (v.posterImageId ? [v.posterImageId] : []))];
    const found = new Set((await this.repo.getImages(ids)).map((image) => image.id));
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length > 0) {
      throw invalid({ code: 'image_unknown', message: `图片不存在，请先上传：${unknown[0]}`, details: { imageIds: unknown } });
    }
  }

  async update({ actor, policyId, body }: { actor: Actor; policyId: string; body: UpdateInterpretationBody }): Promise<StaffInterpretation> {
    const policy = await this.requirePolicy(policyId);
    this.assertEditable(policy);
    const current = await this.repo.getDraft(policyId);
    const base = current?.content ?? emptyContent();
    const content: PackageContent = {
      sections: body.sections ?? base.sections,
      keyPoints: body.keyPoints ?? base.keyPoints,
      graphics: body.graphics ?? base.graphics,
      videos: body.videos ?? base.videos,
      comparisonNotes: body.comparisonNotes ?? base.comparisonNotes,
    };
    await this.assertImagesExist(content);
    const at = this.at();
    const exemption =
      body.exemption === undefined ? (current?.exemption ?? null) : body.exemption === null ? null : { reason: body.exemption.reason, recordedBy: actor.id, recordedAt: at };
    const draft: InterpretationDraft = {
      policyId,
      content,
      exemption,
      basedOnVersion: current?.basedOnVersion ?? policy.currentVersion,
      revision: body.revision + 1,
      updatedAt: at,
      updatedBy: actor.id,
    };
    await this.repo.saveDraft({ draft, expectedRevision: body.revision });
    await this.deps.audit.record({
      actor,
      action: 'interpretation.update',
      targetType: 'policy',
      targetId: policyId,
      digest: await this.reviewDigest({ policyId }),
      details: { fields: Object.keys(body).filter((key) => key !== 'revision').sort().join(',') },
    });
    return this.getStaffView({ policyId });
  }

  /** Processes an upload into stored variants; the same bytes uploaded twice are one image. */
  async uploadImage({ actor, file }: { actor: Actor; file: UploadedFile | null }): Promise<StoredImage> {
    if (!file || file.buffer.length === 0) {
      throw invalid({ code: 'file_required', message: '请选择要上传的图片（表单字段 file）' });
    }
    const processed = await processImage({ bytes: file.buffer, maxPixels: this.deps.maxImagePixels, images: this.deps.images });
    const id = sha256(file.buffer);
    const [existing] = await this.repo.getImages([id]);
    if (existing) return existing;
    const variants = [];
    for (const variant of processed.variants) {
      const ext = variant.format === 'webp' ? 'webp' : 'jpg';
      const hash = await this.deps.media.put({ data: variant.data, ext });
      variants.push({ width: variant.width, height: variant.height, format: variant.format, hash, bytes: variant.data.length });
    }
    const image: StoredImage = {
      id,
      sourceFormat: processed.sourceFormat,
      sourceBytes: file.buffer.length,
      width: processed.width,
      height: processed.height,
      variants,
      createdAt: this.at(),
      createdBy: actor.id,
    };
    await this.repo.insertImage(image);
    return image;
  }

  async attachGraphic({
    actor,
    policyId,
    file,
    alt,
    caption,
    revision,
  }: {
    actor: Actor;
    policyId: string;
    file: UploadedFile | null;
    alt: string;
    caption: string | null;
    revision: number;
  }): Promise<StaffInterpretation> {
    // Refuse before doing the image work when the package cannot take it anyway.
    this.assertEditable(await this.requirePolicy(policyId));
    const image = await this.uploadImage({ actor, file });
    const current = await this.repo.getDraft(policyId);
    const graphics = [...(current?.content.graphics ?? []), { imageId: image.id, alt, caption }];
    return this.update({ actor, policyId, body: { revision, graphics } });
  }

  // -------------------------------------------------------------------------------------------
  // 三同步

  async reviewDigest({ policyId }: { policyId: string }): Promise<string | null> {
    const [draft, draftFaqs] = await Promise.all([this.repo.getDraft(policyId), this.repo.listFaqs({ policyId, statuses: ['draft'] })]);
    return packageDigest({ draft, draftFaqs });
  }

  async submitGate({ policy }: { policy: PolicyRecord }): Promise<InterpretationGate> {
    const state = await this.draftState(policy);
    return interpretationGate({ draft: state.draft, digest: state.digest, completeness: state.completeness, coverage: null });
  }

  async prepareRelease({ policy, roundReviews, at }: { policy: PolicyRecord; roundReviews: readonly ReviewRecord[]; at: string }) {
    const state = await this.draftState(policy);
    const digests = new Map((await this.repo.reviewDigests({ policyId: policy.id, round: policy.reviewRound })).map((d) => [d.reviewId, d.digest]));
    const coverage: ReviewCoverage[] = roundReviews.map((review) => ({ review, digest: digests.get(review.id) ?? null }));
    const gate = interpretationGate({ draft: state.draft, digest: state.digest, completeness: state.completeness, coverage });
    if (gate.status === 'blocked' || !state.draft || state.digest === null) return { gate, publication: null };
    const version = (policy.currentVersion ?? 0) + 1;
    const live = await this.repo.listFaqs({ policyId: policy.id, statuses: ['published'] });
    const releasedFaqs = [...live, ...state.draftFaqs.map((faq): FaqItem => ({ ...faq, status: 'published', publishedAt: at, revision: faq.revision + 1 }))].sort(
      (a, b) => a.position - b.position,
    );
    const release: InterpretationRelease = {
      policyId: policy.id,
      version,
      content: state.draft.content,
      exemption: state.draft.exemption,
      digest: state.digest,
      completeness: state.completeness,
      faqs: releasedFaqs,
      comparison: state.comparison ? { ...state.comparison, target: { ...state.comparison.target, version } } : null,
      reviews: coverage
        .filter((entry) => entry.review.decision === 'approved')
        .map((entry) => ({ kind: entry.review.kind, decision: entry.review.decision, reviewerName: entry.review.reviewerName, at: entry.review.at, digest: entry.digest })),
      publishedAt: at,
    };
    const draft: InterpretationDraft = { ...state.draft, basedOnVersion: version, revision: state.draft.revision + 1, updatedAt: at };
    return { gate, publication: { release, draft } };
  }

  /**
   * Attaches a package to the current version of a policy published without one (demo data,
   * documents imported with their history). Refused when the version already has a package.
   */
  async importPackage({
    policyId,
    content,
    faqs,
    actor,
    exemption = null,
  }: {
    policyId: string;
    content: PackageContent;
    faqs: { question: string; answer: string; category: string | null }[];
    actor: Actor;
    /** Instead of a package, the recorded reason why the version has none (三同步 still holds). */
    exemption?: string | null;
  }) {
    const policy = await this.requirePolicy(policyId);
    if (policy.currentVersion === null) throw invalidState({ code: 'policy_not_published', message: '只能为已发布的政策导入解读材料' });
    if (await this.repo.getRelease({ policyId, version: policy.currentVersion })) {
      throw invalidState({ code: 'interpretation_exists', message: '该版本已有解读材料' });
    }
    await this.assertImagesExist(content);
    const version = await this.deps.store.policies.getVersion({ policyId, version: policy.currentVersion });
    if (!version) throw notFound({ code: 'policy_not_found', message: `未找到政策：${policyId}` });
    const at = version.publishedAt;
    const items: FaqItem[] = faqs.map((faq, position) => ({
      id: `faq-${sha256(`${policyId}\n${position}\n${faq.question}`).slice(0, 16)}`,
      policyId,
      position,
      question: faq.question,
      answer: faq.answer,
      category: faq.category,
      source: 'drafter',
      questionGroupId: null,
      status: 'published',
      publishedAt: at,
      createdAt: at,
      updatedAt: at,
      updatedBy: actor.id,
      revision: 1,
    }));
    const recorded = exemption === null ? null : { reason: exemption, recordedBy: actor.id, recordedAt: at };
    const draft: InterpretationDraft = { policyId, content, exemption: recorded, basedOnVersion: version.version, revision: 1, updatedAt: at, updatedBy: actor.id };
    const base = await this.baseFor({ policyId, targetVersion: version.version, predecessorId: version.predecessorId, publishedAt: version.publishedAt });
    const comparison: Comparison | null = base
      ? { base: side(base.version), target: side(version), relation: base.relation, ...compareArticles({ before: base.version.articles, after: version.articles, notes: content.comparisonNotes }) }
      : null;
    const completeness = checkCompleteness({
      policy,
      content,
      taxonomy: this.deps.taxonomy.current(),
      exempt: recorded !== null,
      unannotatedChanges: comparison ? comparison.changes.filter((c) => c.kind !== 'unchanged' && c.note === null).length : 0,
    });
    const release: InterpretationRelease = {
      policyId,
      version: version.version,
      content,
      exemption: recorded,
      digest: packageDigest({ draft, draftFaqs: [] }) ?? '',
      completeness,
      faqs: items,
      comparison,
      reviews: [],
      publishedAt: at,
    };
    await this.repo.importRelease({ publication: { release, draft }, faqs: items });
  }

  // -------------------------------------------------------------------------------------------
  // 政策一图读懂

  private cardInput({ version, content }: { version: Pick<PolicyVersion, 'policyId' | 'title' | 'docNumber' | 'issuer' | 'issuedAt' | 'applicationWindow' | 'effectiveAt'>; content: PackageContent }): CardInput {
    const host = this.deps.publicBaseUrl.replace(/^https?:\/\//, '').replace(/\/$/, '');
    const deadline = version.applicationWindow
      ? { label: '申报截止', date: version.applicationWindow.closesAt }
      : version.effectiveAt
        ? { label: '施行日期', date: version.effectiveAt }
        : null;
    return {
      title: version.title,
      docNumber: version.docNumber,
      issuer: version.issuer,
      issuedAt: version.issuedAt,
      keyPoints: cardKeyPoints({ keyPoints: content.keyPoints, benefits: content.sections.benefits, mainContent: content.sections.mainContent }),
      audience: content.sections.scope ? firstParagraph(content.sections.scope) : null,
      deadline,
      footer: `政策全文、解读和常见问题请访问 ${host}（${version.docNumber ?? version.title}）`,
    };
  }

  /** The card of a published version (public) or of the working copy (staff preview). */
  async summaryCard({ policyId, version, format, staff }: { policyId: string; version?: number; format: 'png' | 'svg'; staff: boolean }): Promise<{ body: Buffer; etag: string }> {
    let input: CardInput;
    if (staff) {
      const policy = await this.requirePolicy(policyId);
      const draft = await this.repo.getDraft(policyId);
      input = this.cardInput({ version: { ...policy, policyId }, content: draft?.content ?? emptyContent() });
    } else {
      const { chosen } = await this.requirePublicVersion({ policyId, ...(version === undefined ? {} : { version }) });
      const release = await this.repo.getRelease({ policyId, version: chosen.version });
      if (!release) throw notFound({ code: 'interpretation_not_found', message: '该政策版本没有发布解读材料' });
      input = this.cardInput({ version: chosen, content: release.content });
    }
    const svg = layoutSummaryCard(input);
    const key = sha256(svg);
    if (format === 'svg') return { body: Buffer.from(svg, 'utf8'), etag: key };
    const body = await this.deps.media.derived({ key, ext: 'png', produce: () => this.deps.images.renderSvgPng({ svg }) });
    return { body, etag: key };
  }
}

function firstParagraph(text: string): string {
  return text.split(/\n+/)[0]?.trim() ?? text;
}

function side(version: PolicyVersion): Comparison['base'] {
  return { policyId: version.policyId, version: version.version, title: version.title, docNumber: version.docNumber };
}

export function publicImage(image: StoredImage): PublicImage {
  const variants = image.variants.map(({ hash, format, ...rest }) => ({ ...rest, format, url: mediaUrl({ hash, ext: format === 'webp' ? 'webp' : 'jpg' }) }));
  const jpegs = variants.filter((v) => v.format === 'jpeg').sort((a, b) => a.width - b.width);
  const fitting = jpegs.filter((v) => v.width <= DEFAULT_IMAGE_WIDTH).at(-1) ?? jpegs[0];
  return { id: image.id, width: image.width, height: image.height, src: fitting?.url ?? variants[0]?.url ?? '', variants };
}
