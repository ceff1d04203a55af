import crypto from 'node:crypto';
import {
  SECTION_LABELS,
  type Completeness,
  type FaqItem,
  type InterpretationDraft,
  type PackageContent,
  type SectionKey,
} from '../../schemas/interpretation.schema.js';
import type { PolicyRecord, ReviewRecord } from '../../schemas/policy.schema.js';
import { reviewKindSchema } from '../../schemas/policy.schema.js';
import type { InterpretationGate } from '../services/policy-workflow.js';
import type { Taxonomy } from '../services/taxonomy.js';

/**
 * Which sections a package must have, by policy type (the policy_type tags, with their ancestors).
 * Every package explains what the policy says and whom it is for; a policy that hands out money or
 * titles must also say who qualifies and how to apply; rules that officials apply need 执行口径.
 */
const BASE_REQUIREMENTS: readonly SectionKey[] = ['mainContent', 'scope'];
const TYPE_REQUIREMENTS: Readonly<Record<string, readonly SectionKey[]>> = {
  'ptype-subsidy': ['eligibility', 'guide', 'benefits'],
  'ptype-award': ['eligibility', 'guide', 'benefits'],
  'ptype-recognition': ['eligibility', 'guide'],
  'ptype-service-guide': ['guide'],
  'ptype-implementation-rules': ['enforcement'],
  'ptype-measures': ['background', 'enforcement'],
  'ptype-plan': ['background'],
};
/** A policy with an application window is something to apply for, whatever its type tag says. */
const WINDOW_REQUIREMENTS: readonly SectionKey[] = ['eligibility', 'guide'];

const KEY_POINTS_FOR_CARD = 3;

function sectionProblem({ content, section }: { content: PackageContent; section: SectionKey }): string | null {
  const sections = content.sections;
  if (section === 'guide') {
    const guide = sections.guide;
    if (!guide) return '未填写';
    const gaps: string[] = [];
    if (guide.steps.length === 0) gaps.push('办理步骤');
    if (guide.materials.length === 0) gaps.push('申请材料');
    if (!guide.phone && !guide.address && !guide.onlineUrl) gaps.push('咨询电话、办理地址或网上办理链接（至少一项）');
    return gaps.length > 0 ? `缺少${gaps.join('、')}` : null;
  }
  if (section === 'keywords') return sections.keywords.length === 0 ? '未填写' : null;
  const value = sections[section];
  return value === null || value.trim() === '' ? '未填写' : null;
}

export function checkCompleteness({
  policy,
  content,
  taxonomy,
  exempt,
  unannotatedChanges,
}: {
  policy: Pick<PolicyRecord, 'tags' | 'applicationWindow'>;
  content: PackageContent | null;
  taxonomy: Taxonomy;
  exempt: boolean;
  /** Changes against the predecessor with no drafter note, when there is a predecessor. */
  unannotatedChanges: number;
}): Completeness {
  const typeTags = [...new Set(policy.tags.flatMap((id) => taxonomy.withAncestors(id)))].filter((id) => taxonomy.dimensionOf(id) === 'policy_type');
  const required = new Set<SectionKey>(BASE_REQUIREMENTS);
  for (const tag of typeTags) for (const section of TYPE_REQUIREMENTS[tag] ?? []) required.add(section);
  if (policy.applicationWindow) for (const section of WINDOW_REQUIREMENTS) required.add(section);
  const ordered = (Object.keys(SECTION_LABELS) as SectionKey[]).filter((key) => required.has(key));
  const missing = ordered.flatMap((section) => {
    const reason = content ? sectionProblem({ content, section }) : '未填写';
    return reason ? [{ section, label: SECTION_LABELS[section], reason }] : [];
  });
  const warnings: string[] = [];
  if (content && content.keyPoints.length < KEY_POINTS_FOR_CARD) {
    warnings.push(`“政策一图读懂”建议列出 3–5 条要点（现有 ${content.keyPoints.length} 条），不足时从主要内容和惠企举措中摘取`);
  }
  if (content && content.graphics.length === 0) warnings.push('尚未配发图解');
  if (unannotatedChanges > 0) warnings.push(`新旧对照中有 ${unannotatedChanges} 处变化尚无起草说明`);
  return {
    complete: exempt || missing.length === 0,
    policyTypes: typeTags.map((tagId) => ({ tagId, label: taxonomy.label(tagId) })),
    required: ordered.map((section) => ({ section, label: SECTION_LABELS[section] })),
    missing: exempt ? [] : missing,
    warnings: exempt ? [] : warnings,
  };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * What a review of the package covers: the content, the exemption reason and the FAQs still waiting
 * to be published with the policy. Bookkeeping (revision, timestamps) is left out, so saving the same
 * content again does not void a review.
 */
export function packageDigest({ draft, draftFaqs }: { draft: InterpretationDraft | null; draftFaqs: readonly FaqItem[] }): string | null {
  if (!draft) return null;
  const material = {
    content: draft.content,
    exemption: draft.exemption?.reason ?? null,
    faqs: draftFaqs.map((faq) => ({ id: faq.id, question: faq.question, answer: faq.answer, category: faq.category, position: faq.position })),
  };
  return crypto.createHash('sha256').update(canonical(material)).digest('hex');
}

export interface ReviewCoverage {
  review: Pick<ReviewRecord, 'id' | 'kind' | 'decision' | 'round' | 'reviewerName' | 'at'>;
  digest: string | null;
}

/**
 * 三同步: publishing needs the package complete (or an exemption recorded) and every approving review
 * of the round to have seen exactly the package that is about to be frozen.
 */
export function interpretationGate({
  draft,
  digest,
  completeness,
  coverage,
}: {
  draft: InterpretationDraft | null;
  digest: string | null;
  completeness: Completeness;
  /** The round's reviews with what each saw; null before review (送审), when coverage is not yet due. */
  coverage: readonly ReviewCoverage[] | null;
}): InterpretationGate {
  if (!draft) {
    return {
      status: 'blocked',
      code: 'interpretation_missing',
      message: '三同步：该政策还没有解读材料。请编写解读材料后一并送审，或记录免予解读的理由',
      details: {},
    };
  }
  if (!draft.exemption && !completeness.complete) {
    const labels = completeness.missing.map((m) => `${m.label}（${m.reason}）`);
    return {
      status: 'blocked',
      code: 'interpretation_incomplete',
      message: `三同步：解读材料不完整，缺少${labels.join('、')}。请补全后送审，或记录免予解读的理由`,
      details: { missing: completeness.missing },
    };
  }
  if (coverage === null) return draft.exemption ? { status: 'exempt', reason: draft.exemption.reason } : { status: 'ready' };
  const approvals = new Map<string, ReviewCoverage>();
  for (const entry of coverage) if (entry.review.decision === 'approved') approvals.set(entry.review.kind, entry);
  const stale = reviewKindSchema.options.filter((kind) => approvals.get(kind)?.digest !== digest);
  if (stale.length > 0) {
    return {
      status: 'blocked',
      code: 'interpretation_not_reviewed',
      message: '三同步：解读材料须与政策一并审查，本轮审查未覆盖当前的解读材料，请退回后重新送审',
      details: { kinds: stale },
    };
  }
  return draft.exemption ? { status: 'exempt', reason: draft.exemption.reason } : { status: 'ready' };
}

export interface StaffGate {
  /** pending: the package is in order and waits for (or is in) this round's review. */
  status: 'ready' | 'exempt' | 'pending' | 'blocked';
  code: string | null;
  message: string;
}

/**
 * The 三同步 state as staff read it, true in every workflow state. {@link interpretationGate}
 * answers "may this be published now", which for a draft (never submitted, returned, or reopened)
 * or a policy still in review is the wrong question: there the round's reviews are yet to come,
 * and only a review that saw another package than the current one is a problem to act on.
 */
export function staffGate({
  policyStatus,
  draft,
  digest,
  completeness,
  roundCoverage,
  earlierReviews,
}: {
  policyStatus: PolicyRecord['status'];
  draft: InterpretationDraft | null;
  digest: string | null;
  completeness: Completeness;
  roundCoverage: readonly ReviewCoverage[];
  /** Whether the policy was ever reviewed before (returned, or reopened after approval). */
  earlierReviews: boolean;
}): StaffGate {
  const before = interpretationGate({ draft, digest, completeness, coverage: null });
  if (before.status === 'blocked') return { status: 'blocked', code: before.code, message: before.message };
  const exemption = draft?.exemption ?? null;
  if (policyStatus === 'draft') {
    if (exemption) return { status: 'exempt', code: 'interpretation_not_submitted', message: `已记录免予解读的理由：${exemption.reason}。尚未送审，送审时该理由随政策一并审查。` };
    return {
      status: 'pending',
      code: 'interpretation_not_submitted',
      message: earlierReviews
        ? '解读材料已齐备，尚未重新送审。此前的审查不再有效：重新送审后，解读材料随政策接受新一轮审查。'
        : '解读材料已齐备，尚未送审。送审时随政策一并审查。',
    };
  }
  if (policyStatus === 'in_review') {
    if (roundCoverage.some((entry) => entry.digest !== digest)) {
      return { status: 'blocked', code: 'interpretation_not_reviewed', message: '三同步：本轮已有审查看到的是修改前的解读材料，请退回后重新送审' };
    }
    const subject = exemption ? `免予解读的理由（${exemption.reason}）` : '解读材料';
    return {
      status: 'pending',
      code: 'interpretation_in_review',
      message:
        roundCoverage.length === 0
          ? `审查中：${subject}已随政策一并送审，等待保密审查和合法性审查。`
          : `审查中：本轮已记录的审查看到的正是当前的${subject}；保密审查和合法性审查均通过后即可发布。`,
    };
  }
  const gate = interpretationGate({ draft, digest, completeness, coverage: roundCoverage });
  if (gate.status === 'blocked') return { status: 'blocked', code: gate.code, message: gate.message };
  if (gate.status === 'exempt') return { status: 'exempt', code: null, message: `免予解读：${gate.reason}` };
  return { status: 'ready', code: null, message: '解读材料完整，且已随政策通过本轮审查' };
}
