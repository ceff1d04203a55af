import type { PolicyRecord } from '../../schemas/policy.schema.js';
import type { SuspectDecision, SuspectDecisionBody, TextFindings, TextFindingsView, TextRepair } from '../../schemas/text-findings.schema.js';
import { conflict, invalidState, notFound } from '../errors.js';
import type { IngestWarning, PreparedDocument, Repair, SuspectLine } from '../ingest/ingest.types.js';
import { prepareDocument } from '../ingest/prepare-document.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.port.js';
import { normalizeText } from '../text/text-normalizer.js';
import type { Actor } from './actor.js';

/** Policies read per page while re-checking a library. */
const RECHECK_PAGE = 100;

/** What re-checking one stored policy found; nothing is changed by a re-check. */
export interface RecheckEntry {
  policyId: string;
  title: string;
  status: PolicyRecord['status'];
  currentVersion: number | null;
  repairs: Repair[];
  suspects: SuspectLine[];
  warnings: IngestWarning[];
}

export interface RecheckReport {
  checked: number;
  /** Only the policies with something to report, in the store's list order. */
  entries: RecheckEntry[];
  totals: { repairs: number; suspects: number; warnings: number };
}

/** Oldest repairs are dropped past this many, so a draft edited for years keeps a bounded record. */
const REPAIR_HISTORY_LIMIT = 500;

/**
 * What `PolicyService` asks of document hygiene when a draft's text is written or submitted.
 * Kept as a narrow interface so the policy service does not depend on how findings are stored.
 */
export interface PolicyTextHygiene {
  /**
   * Repairs a body about to be stored. Returns the text to store and `record`, to be called once
   * the policy write has committed, which saves the repairs and carries earlier decisions over.
   */
  prepareBody(input: { policyId: string; body: string }): Promise<{ body: string; record: () => Promise<void> }>;
  /** Refuses submission for review while a suspect line is pending. */
  assertSubmittable(input: { policy: PolicyRecord }): Promise<void>;
}

/** The policy writes a decision needs (an exclusion is an edit of the draft's text). */
export interface DraftTextEditor {
  update(input: { actor: Actor; id: string; body: { body: string } }): Promise<unknown>;
}

/** Same line for decisions: case, width and Traditional/Simplified do not make a line new. */
function lineKey({ code, text }: { code: string; text: string }): string {
  return `${code}\u0000${normalizeText(text).replace(/\s+/gu, '')}`;
}

/**
 * Document hygiene for drafts: every body a drafter saves is repaired (pinyin annotations, markup,
 * page chrome) with each repair recorded, and every suspect line must be excluded or kept before
 * review. The stored policy text is the public text: an excluded line is removed from it, so it
 * cannot reach a published version, the search index, snippets, feeds or pushes.
 *
 * Pending lines are never trusted from storage: they are found again in the current text whenever
 * it is read, and the stored record only supplies decisions (kept lines stay kept while their text
 * is unchanged) and the repair history. A lost or stale record can therefore only make the drafter
 * confirm a line again, never let an unconfirmed one through.
 */
export class TextHygieneService implements PolicyTextHygiene {
  constructor(private readonly deps: { store: Store; now: () => Date; logger: Logger }) {}

  private at(): string {
    return this.deps.now().toISOString();
  }

  async prepareBody({ policyId, body }: { policyId: string; body: string }): Promise<{ body: string; record: () => Promise<void> }> {
    const prepared = prepareDocument({ text: body });
    const previous = await this.deps.store.textFindings.get(policyId);
    const at = this.at();
    const repairs: TextRepair[] = [...(previous?.repairs ?? []), ...prepared.repairs.map((repair) => ({ ...repair, at }))].slice(-REPAIR_HISTORY_LIMIT);
    const findings: TextFindings = {
      policyId,
      repairs,
      suspects: this.reconcile({ found: prepared.suspects, decisions: previous?.suspects ?? [] }),
      metadata: prepared.metadata,
      updatedAt: at,
    };
    const record = async (): Promise<void> => {
      try {
        await this.deps.store.textFindings.save(findings);
      } catch (error) {
        // The text is saved; pending lines are found again from it, so only the repair list is at stake.
        this.deps.logger.warn('text findings not saved after a policy write', { policyId, error });
      }
    };
    return { body: prepared.text, record };
  }

  /**
   * For a document stored by another path (the import command, an upload) whose text is already
   * `prepared.text`: records its repairs and metadata with the policy, so the drafter sees what
   * was changed on its way in. Its suspect lines are pending like any draft's.
   */
  async recordPrepared({ policyId, prepared }: { policyId: string; prepared: PreparedDocument }): Promise<void> {
    const previous = await this.deps.store.textFindings.get(policyId);
    const at = this.at();
    await this.deps.store.textFindings.save({
      policyId,
      repairs: [...(previous?.repairs ?? []), ...prepared.repairs.map((repair) => ({ ...repair, at }))].slice(-REPAIR_HISTORY_LIMIT),
      suspects: this.reconcile({ found: prepared.suspects, decisions: previous?.suspects ?? [] }),
      metadata: prepared.metadata,
      updatedAt: at,
    });
  }

  /**
   * The suspects of the current text with their decisions: a line kept earlier stays kept, every
   * other flagged line is pending, and exclusions are kept as history.
   */
  private reconcile({ found, decisions }: { found: readonly SuspectLine[]; decisions: readonly SuspectDecision[] }): SuspectDecision[] {
    const kept = new Map(decisions.filter((d) => d.status === 'kept').map((d) => [lineKey(d), d]));
    const current = found.map((suspect): SuspectDecision => {
      const decision = kept.get(lineKey(suspect));
      return {
        line: suspect.line,
        text: suspect.text,
        code: suspect.code,
        reason: suspect.reason,
        status: decision ? 'kept' : 'pending',
        decidedBy: decision?.decidedBy ?? null,
        decidedAt: decision?.decidedAt ?? null,
      };
    });
    const excluded = decisions.filter((d) => d.status === 'excluded');
    return [...current, ...excluded];
  }

  /** The findings of a working copy as the drafter sees them, reconciled with its current text. */
  async view({ policy }: { policy: PolicyRecord }): Promise<TextFindingsView> {
    const stored = await this.deps.store.textFindings.get(policy.id);
    const again = prepareDocument({ text: policy.body });
    const suspects = this.reconcile({ found: again.suspects, decisions: stored?.suspects ?? [] });
    return {
      policyId: policy.id,
      repairs: stored?.repairs ?? [],
      suspects,
      warnings: again.warnings,
      // Proposed from the text as last saved by a drafter, else from the text as it stands.
      metadata: stored?.metadata ?? again.metadata,
      pending: suspects.filter((s) => s.status === 'pending').length,
    };
  }

  async viewById({ policyId }: { policyId: string }): Promise<TextFindingsView> {
    return this.view({ policy: await this.require(policyId) });
  }

  async assertSubmittable({ policy }: { policy: PolicyRecord }): Promise<void> {
    const { suspects } = await this.view({ policy });
    const pending = suspects.filter((s) => s.status === 'pending');
    if (pending.length === 0) return;
    const lines = pending.map((s) => s.line);
    throw invalidState({
      code: 'suspect_lines_pending',
      message: `正文中还有 ${pending.length} 行可疑内容待确认（第 ${lines.join('、')} 行），请在“文本检查”页逐行选择“删除”或“保留”后再送审`,
      details: { lines },
    });
  }

  /**
   * Records the drafter's decision on one suspect line. `excluded` removes the line (and any
   * identical flagged copy of it) from the draft's text through the ordinary edit path, so the
   * edit is audited, re-parsed and revision-checked like any other.
   */
  async decide({ actor, policyId, body, editor }: { actor: Actor; policyId: string; body: SuspectDecisionBody; editor: DraftTextEditor }): Promise<TextFindingsView> {
    const policy = await this.require(policyId);
    if (policy.status !== 'draft') {
      throw invalidState({ code: 'policy_not_editable', message: '只有草稿状态的政策可以确认可疑内容；已送审的请先退回，已发布的请先发起修订', details: { status: policy.status } });
    }
    const current = await this.view({ policy });
    const target = current.suspects.find((s) => s.status !== 'excluded' && s.line === body.line && s.text === body.text);
    if (!target) {
      throw conflict({ code: 'suspect_line_moved', message: `第 ${body.line} 行已不是待确认的可疑内容（正文可能已被修改），请刷新页面后重试`, details: { line: body.line } });
    }
    const at = this.at();
    const stored = await this.deps.store.textFindings.get(policyId);
    const decision: SuspectDecision = { ...target, status: body.decision, decidedBy: actor.id, decidedAt: at };
    const others = (stored?.suspects ?? []).filter((d) => d.status === 'excluded' || lineKey(d) !== lineKey(target));
    await this.deps.store.textFindings.save({
      policyId,
      repairs: stored?.repairs ?? [],
      suspects: [...others, decision],
      metadata: stored?.metadata ?? current.metadata,
      updatedAt: at,
    });
    if (body.decision === 'excluded') {
      const same = new Set(current.suspects.filter((s) => s.status !== 'excluded' && lineKey(s) === lineKey(target)).map((s) => s.line));
      const lines = policy.body.replace(/\r\n?/gu, '\n').split('\n');
      const remaining = lines.filter((_, index) => !same.has(index + 1));
      await editor.update({ actor, id: policyId, body: { body: remaining.join('\n') } });
    }
    return this.viewById({ policyId });
  }

  /**
   * Runs the same checks over every stored working copy (a published policy's working copy is its
   * current text unless a revision is under way) and lists what they find. Read-only: an office
   * decides what to do about each finding by opening a revision of that policy.
   */
  async recheckLibrary({ onProgress }: { onProgress?: (progress: { done: number; total: number }) => void } = {}): Promise<RecheckReport> {
    const entries: RecheckEntry[] = [];
    const totals = { repairs: 0, suspects: 0, warnings: 0 };
    let offset = 0;
    let checked = 0;
    for (;;) {
      const page = await this.deps.store.policies.list({ limit: RECHECK_PAGE, offset });
      for (const policy of page.items) {
        const inspected = prepareDocument({ text: policy.body });
        // A line a drafter already kept is a decision taken, not a finding.
        const decisions = (await this.deps.store.textFindings.get(policy.id))?.suspects ?? [];
        const keptKeys = new Set(decisions.filter((d) => d.status === 'kept').map((d) => lineKey(d)));
        const found = { ...inspected, suspects: inspected.suspects.filter((s) => !keptKeys.has(lineKey(s))) };
        checked += 1;
        totals.repairs += found.repairs.length;
        totals.suspects += found.suspects.length;
        totals.warnings += found.warnings.length;
        if (found.repairs.length + found.suspects.length + found.warnings.length > 0) {
          entries.push({
            policyId: policy.id,
            title: policy.title,
            status: policy.status,
            currentVersion: policy.currentVersion,
            repairs: found.repairs,
            suspects: found.suspects,
            warnings: found.warnings,
          });
        }
        onProgress?.({ done: checked, total: page.total });
      }
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    return { checked, entries, totals };
  }

  private async require(id: string): Promise<PolicyRecord> {
    const policy = await this.deps.store.policies.get(id);
    if (!policy) throw notFound({ code: 'policy_not_found', message: `未找到政策：${id}` });
    return policy;
  }
}
