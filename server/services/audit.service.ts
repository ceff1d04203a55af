import {
  AUTHORING_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type AuditQuery,
  type AuditTargetType,
  type NewAuditEntry,
} from '../../schemas/audit.schema.js';
import type { Store } from '../ports/store.port.js';
import type { Actor } from './actor.js';
import { csvDocument } from '../text/csv-writer.js';
export { contentDigest } from './content-digest.js';

export type AuditDetails = NewAuditEntry['details'];

export function newAuditEntry({
  at,
  actor,
  action,
  targetType,
  targetId,
  digest = null,
  details = {},
}: {
  at: string;
  actor: Actor;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string;
  digest?: string | null;
  details?: AuditDetails;
}): NewAuditEntry {
  return { at, actorId: actor.id, actorName: actor.name, actorRole: actor.role, action, targetType, targetId, digest, details };
}

/**
 * Who did what, when, to what. Entries are built here and handed to the store's atomic write
 * methods where the change itself is written, so an action and its record commit together;
 * `record` appends on its own for writes that have no such method.
 */
export class AuditService {
  constructor(private readonly deps: { store: Store; now: () => Date }) {}

  entry({
    actor,
    action,
    targetType,
    targetId,
    digest = null,
    details = {},
  }: {
    actor: Actor;
    action: AuditAction;
    targetType: AuditTargetType;
    targetId: string;
    digest?: string | null;
    details?: AuditDetails;
  }): NewAuditEntry {
    return newAuditEntry({ at: this.deps.now().toISOString(), actor, action, targetType, targetId, digest, details });
  }

  record(input: Parameters<AuditService['entry']>[0]): Promise<AuditEntry> {
    return this.deps.store.audit.append(this.entry(input));
  }

  /** A policy's whole trail (its text, reviews, publication and interpretation package), oldest first. */
  forPolicy({ policyId, limit = 1000 }: { policyId: string; limit?: number }): Promise<AuditEntry[]> {
    return this.deps.store.audit.list({ targetType: 'policy', targetId: policyId, limit });
  }

  /**
   * Everyone who wrote the policy text or its interpretation package since its last publication:
   * the people who may not review the version now being prepared.
   */
  async authorsSinceLastPublication({ policyId }: { policyId: string }): Promise<string[]> {
    const trail = await this.deps.store.audit.list({ targetType: 'policy', targetId: policyId, limit: 100_000 });
    const lastPublication = trail.findLastIndex((e) => e.action === 'policy.publish');
    const authors = trail.slice(lastPublication + 1).filter((e) => AUTHORING_ACTIONS.includes(e.action));
    return [...new Set(authors.map((e) => e.actorId))];
  }

  async query(query: Omit<AuditQuery, 'format'>): Promise<{ items: AuditEntry[]; nextAfter: number | null }> {
    const items = await this.deps.store.audit.list({
      ...(query.actor !== undefined ? { actorId: query.actor } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
      ...(query.targetType !== undefined ? { targetType: query.targetType } : {}),
      ...(query.target !== undefined ? { targetId: query.target } : {}),
      // Stored instants are UTC ISO strings; bounds with another offset are normalised so text order is time order.
      ...(query.from !== undefined ? { from: new Date(query.from).toISOString() } : {}),
      ...(query.to !== undefined ? { to: new Date(query.to).toISOString() } : {}),
      ...(query.after !== undefined ? { afterId: query.after } : {}),
      limit: query.limit,
    });
    return { items, nextAfter: items.length === query.limit ? (items.at(-1)?.id ?? null) : null };
  }
}

const CSV_COLUMNS = ['id', 'at', 'actorId', 'actorName', 'actorRole', 'action', 'targetType', 'targetId', 'digest', 'details'] as const;

/** A header row and one row per entry, for spreadsheet programs (see csv-writer.ts). */
export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) => CSV_COLUMNS.map((column) => (column === 'details' ? JSON.stringify(e.details) : String(e[column] ?? ''))));
  return csvDocument([CSV_COLUMNS, ...rows]);
}

export function auditJsonLines(entries: readonly AuditEntry[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}
