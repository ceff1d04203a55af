import { ADOPTION_LABELS, type AdoptionOutcome } from '../../../schemas/consultation.schema.js';
import { EMPTY_REVIEW_FIGURES, REVIEW_OUTCOME_LABELS, type ReviewOutcome } from '../../../schemas/annual-report.schema.js';
import type { PolicyRecord, PolicyVersion } from '../../../schemas/policy.schema.js';
import type { QuestionGroup, QuestionStatus } from '../../../schemas/interpretation.schema.js';
import { shanghaiDate, type WorkingDayCalendar } from '../../calendar/working-day-calendar.js';
import { REPLY_TARGET_WORKING_DAYS } from '../../interpretation/working-days.js';
import type { Store } from '../../ports/store.port.js';
import type { TaxonomyService } from '../../services/taxonomy.service.js';
import type { ReportCell, ReportPeriod, ReportSectionBuilder, ReportTable, TracedRecord } from '../annual-report.types.js';

const PAGE = 500;

/** The year as instants in Beijing time: [start, end). */
export function reportPeriod(year: number): ReportPeriod {
  return { year, start: new Date(`${year}-01-01T00:00:00+08:00`).toISOString(), end: new Date(`${year + 1}-01-01T00:00:00+08:00`).toISOString() };
}

const within = (period: ReportPeriod, at: string | null | undefined): boolean => at !== null && at !== undefined && at >= period.start && at < period.end;
/** A calendar date (YYYY-MM-DD) inside the year. */
const dateWithin = (period: ReportPeriod, date: string | null | undefined): boolean => date !== null && date !== undefined && date.slice(0, 4) === String(period.year);

export function cell(records: TracedRecord[]): ReportCell {
  return { value: records.length, records };
}

async function allPolicies(store: Store): Promise<PolicyRecord[]> {
  const out: PolicyRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.policies.list({ limit: PAGE, offset });
    out.push(...page.items);
    if (page.items.length < PAGE) return out;
  }
}

const policyRecord = (policy: { id: string; title: string }): TracedRecord => ({ kind: 'policy', id: policy.id, label: policy.title, href: `/policies/${policy.id}` });

/**
 * 二、主动公开政府信息情况: per policy type (the policy_type tags), documents first published in the
 * year, repealed in the year, and in force at the end of the year. Only public documents count.
 */
export function proactiveDisclosureSection({ store, taxonomy }: { store: Store; taxonomy: TaxonomyService }): ReportSectionBuilder {
  return async ({ period }) => {
    const types = taxonomy
      .current()
      .tags.filter((t) => t.dimension === 'policy_type' && !t.deprecated)
      .map((t) => ({ id: t.id, label: t.label }));
    const rows = new Map<string, { label: string; created: TracedRecord[]; repealed: TracedRecord[]; inForce: TracedRecord[] }>();
    for (const t of types) rows.set(t.id, { label: t.label, created: [], repealed: [], inForce: [] });
    const other = { label: '其他（未标注政策类型）', created: [] as TracedRecord[], repealed: [] as TracedRecord[], inForce: [] as TracedRecord[] };
    const yearEnd = `${period.year}-12-31`;
    for (const policy of await allPolicies(store)) {
      const versions = (await store.policies.listVersions({ policyId: policy.id })).filter((v) => v.disclosure === 'public' && v.publishedAt < period.end);
      if (versions.length === 0) continue;
      const first = versions.reduce((a, b) => (a.version < b.version ? a : b));
      const latest: PolicyVersion = versions.reduce((a, b) => (a.version > b.version ? a : b));
      const typeId = latest.tags.find((id) => rows.has(id));
      const row = (typeId ? rows.get(typeId) : undefined) ?? other;
      const record = policyRecord({ id: policy.id, title: latest.title });
      if (within(period, first.publishedAt)) row.created.push(record);
      const repealedAt = policy.repeal?.repealedAt ?? null;
      if (dateWithin(period, repealedAt)) row.repealed.push(record);
      const repealedByYearEnd = repealedAt !== null && repealedAt <= yearEnd;
      const expiredByYearEnd = latest.expiresAt !== null && latest.expiresAt <= yearEnd;
      if (!repealedByYearEnd && !expiredByYearEnd) row.inForce.push(record);
    }
    const all = [...rows.values(), other].filter((r) => r.label !== other.label || r.created.length + r.repealed.length + r.inForce.length > 0);
    const total = { created: all.flatMap((r) => r.created), repealed: all.flatMap((r) => r.repealed), inForce: all.flatMap((r) => r.inForce) };
    return [
      {
        id: 'proactive',
        title: '二、主动公开政府信息情况',
        columns: ['本年新制作数量', '本年废止数量', '现行有效件数'],
        rows: [...all, { label: '合计', ...total }].map((r) => ({ label: r.label, cells: [cell(r.created), cell(r.repealed), cell(r.inForce)] })),
        note: '按政策文件的“政策类型”标签分类；只统计主动公开的文件。现行有效件数为年末未废止、未失效的文件。',
      },
    ];
  };
}

/** 四、因政府信息公开工作被申请行政复议、提起行政诉讼情况: the figures staff entered for the year. */
export function reviewLitigationSection({ store }: { store: Store }): ReportSectionBuilder {
  return async ({ period }) => {
    const entered = await store.reportFigures.get(period.year);
    const figures = entered?.figures ?? EMPTY_REVIEW_FIGURES;
    const source: TracedRecord[] = entered
      ? [{ kind: 'staff_entry', id: String(period.year), label: `${entered.updatedBy} 于 ${entered.updatedAt.slice(0, 10)} 录入`, href: `/staff/annual-report/${period.year}#figures` }]
      : [];
    const row = (label: string, outcome: ReviewOutcome) => ({
      label,
      cells: [
        ...REVIEW_OUTCOME_LABELS.map(([key]) => ({ value: outcome[key], records: source })),
        { value: REVIEW_OUTCOME_LABELS.reduce((sum, [key]) => sum + outcome[key], 0), records: source },
      ],
    });
    return [
      {
        id: 'review',
        title: '四、因政府信息公开工作被申请行政复议、提起行政诉讼情况',
        columns: [...REVIEW_OUTCOME_LABELS.map(([, label]) => label), '总计'],
        rows: [
          row('行政复议', figures.reconsideration),
          row('行政诉讼（未经复议直接起诉）', figures.litigationDirect),
          row('行政诉讼（复议后起诉）', figures.litigationAfterReconsideration),
        ],
        note: entered ? '由工作人员按复议、诉讼结果录入。' : '本年度尚未录入，按 0 计。',
      },
    ];
  };
}

async function allQuestionGroups(store: Store): Promise<QuestionGroup[]> {
  const out: QuestionGroup[] = [];
  for (const status of ['open', 'answered', 'dismissed'] as QuestionStatus[]) {
    for (let offset = 0; ; offset += PAGE) {
      const page = await store.interpretation.listGroups({ status, sort: 'age', limit: PAGE, offset });
      out.push(...page.items);
      if (page.items.length < PAGE) break;
    }
  }
  return out;
}

/**
 * 五、本机关其他工作情况: consultations and their comments, interpretations published with their
 * policies, public questions answered (on time: by the end of the third working day on the
 * working-day calendar), and pushes sent.
 */
export function officeWorkSection({ store, calendar }: { store: Store; calendar: () => Promise<WorkingDayCalendar> }): ReportSectionBuilder {
  return async ({ period }) => {
    const workingDays = await calendar();
    const consultations = await store.consultations.list({});
    const opened: TracedRecord[] = [];
    const received: TracedRecord[] = [];
    const published: TracedRecord[] = [];
    const byOutcome: Record<AdoptionOutcome, TracedRecord[]> = { adopted: [], partly_adopted: [], not_adopted: [] };
    const notices: TracedRecord[] = [];
    for (const c of consultations) {
      const href = `/staff/consultations/${c.id}`;
      if (within(period, c.openedAt)) opened.push({ kind: 'consultation', id: c.id, label: c.title, href });
      const comments = await store.consultations.listComments({ consultationId: c.id });
      const decisions = await store.consultations.listDecisions(c.id);
      const outcomeOf = new Map<string, AdoptionOutcome>();
      for (const d of decisions) for (const id of d.commentIds) outcomeOf.set(id, d.outcome);
      for (const comment of comments.filter((x) => within(period, x.submittedAt))) {
        const record: TracedRecord = { kind: 'comment', id: comment.id, label: `${c.title}：${comment.text.slice(0, 40)}`, href };
        received.push(record);
        if (comment.status === 'approved') published.push(record);
        const outcome = outcomeOf.get(comment.id);
        if (comment.status === 'approved' && outcome) byOutcome[outcome].push(record);
      }
      for (const notice of await store.consultations.listNotices(c.id)) {
        if ((notice.status === 'sent' || notice.status === 'delivered') && within(period, notice.sentAt)) {
          notices.push({ kind: 'consultation_notice', id: String(notice.id), label: `征求意见通知：${c.title}（${notice.channel}）`, href });
        }
      }
    }

    const interpretations: TracedRecord[] = [];
    const delivered: TracedRecord[] = [];
    for (const policy of await allPolicies(store)) {
      for (const release of await store.interpretation.listReleases(policy.id)) {
        if (!release.exempt && within(period, release.publishedAt)) {
          interpretations.push({ kind: 'interpretation', id: `${policy.id}@${release.version}`, label: `${policy.title}（第 ${release.version} 版）`, href: `/policies/${policy.id}` });
        }
      }
      for (let offset = 0; ; offset += PAGE) {
        const page = await store.outbox.listForPolicy({ policyId: policy.id, limit: PAGE, offset });
        for (const d of page.items) {
          if ((d.status === 'sent' || d.status === 'delivered') && !d.dryRun && within(period, d.sentAt)) {
            delivered.push({ kind: 'delivery', id: String(d.id), label: `${policy.title} → ${d.subscriberId}（${d.channel}）`, href: `/staff/policies/${policy.id}/deliveries` });
          }
        }
        if (page.items.length < PAGE) break;
      }
    }

    const asked: TracedRecord[] = [];
    const answered: TracedRecord[] = [];
    const onTime: TracedRecord[] = [];
    for (const group of await allQuestionGroups(store)) {
      if (!within(period, group.firstAskedAt)) continue;
      const record: TracedRecord = { kind: 'question_group', id: group.id, label: group.question.slice(0, 60), href: `/staff/questions/${group.id}` };
      asked.push(record);
      if (group.status !== 'answered' || !group.answeredAt) continue;
      answered.push(record);
      const { dueAt } = workingDays.deadline({ start: new Date(group.firstAskedAt), workingDays: REPLY_TARGET_WORKING_DAYS });
      if (group.answeredAt <= dueAt) onTime.push(record);
    }

    const rows: { label: string; records: TracedRecord[] }[] = [
      { label: '公开征求意见的草案（件）', records: opened },
      { label: '收到意见（条）', records: received },
      { label: '审核后公开的意见（条）', records: published },
      ...(['adopted', 'partly_adopted', 'not_adopted'] as AdoptionOutcome[]).map((o) => ({ label: `其中${ADOPTION_LABELS[o]}（条）`, records: byOutcome[o] })),
      { label: '随政策同步发布解读（件）', records: interpretations },
      { label: '收到网民留言（组）', records: asked },
      { label: '已答复留言（组）', records: answered },
      { label: `按期答复（${REPLY_TARGET_WORKING_DAYS} 个工作日内，组）`, records: onTime },
      { label: '政策推送送达（条）', records: delivered },
      { label: '征求意见通知送达（条）', records: notices },
    ];
    const table: ReportTable = {
      id: 'office',
      title: '五、本机关其他工作情况',
      columns: ['数量'],
      rows: rows.map((r) => ({ label: r.label, cells: [cell(r.records)] })),
      note: `统计区间：${shanghaiDate(new Date(period.start))} 至 ${period.year}-12-31（北京时间）。按期答复依工作日日历（含法定节假日与调休）计算。`,
    };
    return [table];
  };
}
