import type { PolicyImportLine, PolicyRecord, PolicyVersion, ReviewRecord } from '../../schemas/policy.schema.js';
import { policyImportLineSchema, reviewKindSchema } from '../../schemas/policy.schema.js';
import { conflict, invalid } from '../errors.js';
import type { PolicyImport, Store } from '../ports/store.port.js';
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
  /**
   * Set when the store stopped accepting writes (busy, unreachable): every line before
   * `resumeFromLine` is settled (written, or listed in `errors`); nothing from it on was written.
   */
  stopped?: { resumeFromLine: number; code: string; message: string };
}

/** Documents per transaction: each carries versions and reviews, so batches stay short for the web's writes. */
export const POLICY_IMPORT_BATCH_SIZE = 100;

/**
 * Bulk import of JSON Lines. Each line goes through the API's schema and the same content checks,
 * then through the workflow transitions in memory. Lines are written in batches, one transaction
 * each, where a line refused at write time (a 文号 taken meanwhile) is left out whole, so a bad line
 * leaves nothing behind and does not stop the lines after it, and an import that stops has written
 * whole batches only and can resume at a line.
 */
export class PolicyImportService {
  constructor(private readonly deps: { store: Store; policies: PolicyService; now: () => Date }) {}

  async importLines({
    lines,
    fromLine = 1,
    batchSize = POLICY_IMPORT_BATCH_SIZE,
    onProgress,
  }: {
    lines: AsyncIterable<string> | Iterable<string>;
    /** Resume: earlier lines are skipped (the report of a stopped import names the line). */
    fromLine?: number;
    batchSize?: number;
    /** Called after each committed batch; `line` is the last line the committed batches cover. */
    onProgress?: (progress: { line: number; imported: number; failed: number }) => void;
  }): Promise<ImportReport> {
    const report: ImportReport = { imported: 0, failed: 0, errors: [] };
    let batch: { line: number; item: PolicyImport }[] = [];
    let refusedSinceCommit: ImportLineError[] = [];
    // Policies the pending batch writes or supersedes: a line that needs one of them as committed state waits for the commit.
    const touched = new Set<string>();
    let lineNumber = 0;
    let lastLine = fromLine - 1;

    const commit = async (): Promise<boolean> => {
      try {
        const { refused } = await this.deps.store.policies.importBatch(batch.map((row) => row.item));
        for (const { index, error } of refused) {
          const row = batch[index];
          if (row) refusedSinceCommit.push({ line: row.line, id: row.item.policy.id, code: error.code, message: error.message, details: error.details });
        }
        report.imported += batch.length - refused.length;
      } catch (error) {
        const resumeFromLine = Math.min(batch[0]?.line ?? lastLine + 1, refusedSinceCommit[0]?.line ?? lastLine + 1);
        const domain = error instanceof DomainError ? error : null;
        const reason = domain?.message ?? (error instanceof Error ? error.message : String(error));
        report.stopped = { resumeFromLine, code: domain?.code ?? 'store_failed', message: `从第 ${resumeFromLine} 行起未导入（${reason}）` };
        return false;
      }
      refusedSinceCommit.sort((a, b) => a.line - b.line);
      report.errors.push(...refusedSinceCommit);
      report.failed += refusedSinceCommit.length;
      batch = [];
      refusedSinceCommit = [];
      touched.clear();
      onProgress?.({ line: lastLine, imported: report.imported, failed: report.failed });
      return true;
    };

    for await (const raw of lines) {
      lineNumber += 1;
      if (lineNumber < fromLine || raw.trim() === '') continue;
      try {
        const line = this.parse({ raw });
        const needs = [line.id, line.predecessorId, ...line.revisions.map((r) => r.changes.predecessorId)].filter((id): id is string => typeof id === 'string');
        if (needs.some((id) => touched.has(id)) && !(await commit())) return report;
        batch.push({ line: lineNumber, item: await this.prepare(line) });
        for (const id of needs) touched.add(id);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refusedSinceCommit.push({ line: lineNumber, id: idOf(raw), code: error.code, message: error.message, details: error.details });
      }
      lastLine = lineNumber;
      if (batch.length >= batchSize && !(await commit())) return report;
    }
    if (batch.length > 0 || refusedSinceCommit.length > 0) await commit();
    return report;
  }

  private parse({ raw }: { raw: string }): PolicyImportLine {
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
    return parsed.data;
  }

  /** Checks a line against committed state and runs its history through the workflow, without writing. */
  private async prepare(line: PolicyImportLine): Promise<PolicyImport> {
    if (await this.deps.store.policies.get(line.id)) {
      throw conflict({ code: 'policy_exists', message: `政策编号已存在：${line.id}` });
    }
    await this.deps.policies.assertContent({ content: line, selfId: line.id });
    return this.history(line);
  }

  private async history(line: PolicyImportLine): Promise<PolicyImport> {
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
    return { policy, versions, reviews, audit, ...(predecessorUpdate ? { predecessor: predecessorUpdate } : {}) };
  }
}

function idOf(raw: string): string | null {
  const match = /"id"\s*:\s*"([^"]{1,64})"/.exec(raw);
  return match?.[1] ?? null;
}
