import type { PolicyImportLine, PolicyRecord, PolicyVersion, ReviewRecord } from '../../schemas/policy.schema.js';
import { policyImportLineSchema, reviewKindSchema } from '../../schemas/policy.schema.js';
import { conflict, invalid } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import { SYSTEM_IMPORTER, SYSTEM_REVIEWER } from './actor.js';
import { newAuditEntry } from './audit.service.js';
import {
  applyEdit,
  policyDigest,
  newPolicyRecord,
  publishTransition,
  repealTransition,
  reviewTransition,
  reviseTransition,
  submitTransition,
  type InterpretationGate,
} from './policy-workflow.js';
import type { PolicyService } from './policy.service.js';
import { issuesOf } from '../validation-issues.js';
import { DomainError } from '../errors.js';

/** Imported documents arrive with their history; their interpretation, if any, was published elsewhere. */
const HISTORICAL: InterpretationGate = { status: 'historical' };

export interface ImportLineError {
  line: number;
  id: string | null;
  code: string;
  message: string;
  details?: unknown;
}

export interface ImportReport {
  imported: number;
  failed: number;
  errors: ImportLineError[];
}

/**
 * Bulk import of JSON Lines. Each line goes through the API's schema and the same content checks,
 * then through the workflow transitions in memory, and is written in one atomic store call, so a
 * bad line leaves nothing behind and does not stop the lines after it.
 */
export class PolicyImportService {
  constructor(private readonly deps: { store: Store; policies: PolicyService; now: () => Date }) {}

  async importLines({
    lines,
    onProgress,
  }: {
    lines: AsyncIterable<string> | Iterable<string>;
    onProgress?: (progress: { line: number; imported: number; failed: number }) => void;
  }): Promise<ImportReport> {
    const report: ImportReport = { imported: 0, failed: 0, errors: [] };
    let lineNumber = 0;
    for await (const raw of lines) {
      lineNumber += 1;
      if (raw.trim() === '') continue;
      try {
        await this.importOne({ raw });
        report.imported += 1;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        report.failed += 1;
        report.errors.push({ line: lineNumber, id: idOf(raw), code: error.code, message: error.message, details: error.details });
      }
      onProgress?.({ line: lineNumber, imported: report.imported, failed: report.failed });
    }
    return report;
  }

  private async importOne({ raw }: { raw: string }): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw invalid({ code: 'malformed_json', message: '该行不是合法的 JSON' });
    }
    const parsed = policyImportLineSchema.safeParse(json);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      throw invalid({ code: 'validation_failed', message: `字段有误：${issues.map((i) => `${i.path}：${i.message}`).join('；')}`, details: { issues } });
    }
    const line = parsed.data;
    if (await this.deps.store.policies.get(line.id)) {
      throw conflict({ code: 'policy_exists', message: `政策编号已存在：${line.id}` });
    }
    await this.deps.policies.assertContent({ content: line, selfId: line.id });
    await this.write(line);
  }

  private async write(line: PolicyImportLine): Promise<void> {
    const firstAt = line.publishedAt ?? this.deps.now().toISOString();
    let policy = newPolicyRecord({ id: line.id, body: line, actor: SYSTEM_IMPORTER, at: firstAt });
    const versions: PolicyVersion[] = [];
    const reviews: Omit<ReviewRecord, 'id'>[] = [];
    let predecessorUpdate: { policy: PolicyRecord; expectedRevision: number } | undefined;

    const publishAt = async (at: string) => {
      policy = submitTransition({ policy, at, interpretation: HISTORICAL });
      const round: Omit<ReviewRecord, 'id'>[] = [];
      for (const kind of reviewKindSchema.options) {
        const step = reviewTransition({
          policy,
          actor: SYSTEM_REVIEWER,
          review: { kind, decision: 'approved', comment: '历史文件导入，审查记录以原件为准' },
          roundReviews: round,
          // The reviews of historical documents happened on paper; the import only carries them over.
          duties: { authors: [], twoReviewers: false },
          at,
        });
        policy = step.policy;
        round.push(step.record);
      }
      reviews.push(...round);
      const predecessor = policy.predecessorId && versions.length === 0 ? await this.deps.store.policies.get(policy.predecessorId) : null;
      const result = publishTransition({ policy, actor: SYSTEM_IMPORTER, roundReviews: round, predecessor, at, interpretation: HISTORICAL });
      policy = result.policy;
      versions.push(result.version);
      if (result.predecessor && predecessor) predecessorUpdate = { policy: result.predecessor, expectedRevision: predecessor.revision };
    };

    if (line.state !== 'draft' && line.publishedAt) {
      await publishAt(line.publishedAt);
      for (const revision of line.revisions) {
        policy = reviseTransition({ policy, at: revision.publishedAt });
        policy = applyEdit({ policy, patch: revision.changes, at: revision.publishedAt });
        await this.deps.policies.assertContent({ content: policy, selfId: policy.id });
        await publishAt(revision.publishedAt);
      }
    }
    if (line.state === 'repealed' && line.repeal) {
      policy = repealTransition({ policy, body: line.repeal, at: `${line.repeal.repealedAt}T00:00:00.000Z` });
    }
    const audit = newAuditEntry({
      at: this.deps.now().toISOString(),
      actor: SYSTEM_IMPORTER,
      action: 'policy.import',
      targetType: 'policy',
      targetId: policy.id,
      digest: policyDigest(policy),
      details: { versions: versions.length, status: policy.status },
    });
    await this.deps.store.policies.importPolicy({ policy, versions, reviews, audit, ...(predecessorUpdate ? { predecessor: predecessorUpdate } : {}) });
  }
}

function idOf(raw: string): string | null {
  const match = /"id"\s*:\s*"([^"]{1,64})"/.exec(raw);
  return match?.[1] ?? null;
}
