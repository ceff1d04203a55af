import { z } from 'zod';
import { auditEntrySchema, type AuditEntry, type NewAuditEntry } from '../../../schemas/audit.schema.js';
import type { AuditFilter, AuditRepository } from '../../ports/audit.port.js';
import type { Db } from './sqlite.support.js';

const auditRowSchema = z.object({
  id: z.number(),
  at: z.string(),
  actor_id: z.string(),
  actor_name: z.string(),
  actor_role: z.string(),
  action: z.string(),
  target_type: z.string(),
  target_id: z.string(),
  digest: z.string().nullable(),
  details: z.string(),
});

export function entryFromRow(row: unknown): AuditEntry {
  const r = auditRowSchema.parse(row);
  return auditEntrySchema.parse({
    id: r.id,
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    digest: r.digest,
    details: JSON.parse(r.details),
  });
}

/** Appends one entry; callers inside a transaction get it committed (or rolled back) with their change. */
export function appendAuditRow(db: Db, entry: NewAuditEntry): AuditEntry {
  const result = db
    .prepare(
      `INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, target_type, target_id, digest, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(entry.at, entry.actorId, entry.actorName, entry.actorRole, entry.action, entry.targetType, entry.targetId, entry.digest, JSON.stringify(entry.details));
  return { ...entry, id: Number(result.lastInsertRowid) };
}

export class SqliteAuditRepository implements AuditRepository {
  constructor(private readonly db: Db) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    return appendAuditRow(this.db, entry);
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, ...values: (string | number)[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (filter.actorId !== undefined) add('actor_id = ?', filter.actorId);
    if (filter.action !== undefined) add('action = ?', filter.action);
    if (filter.actions !== undefined) add(`action IN (${filter.actions.map(() => '?').join(', ') || 'NULL'})`, ...filter.actions);
    if (filter.targetType !== undefined) add('target_type = ?', filter.targetType);
    if (filter.targetId !== undefined) add('target_id = ?', filter.targetId);
    if (filter.from !== undefined) add('at >= ?', filter.from);
    if (filter.to !== undefined) add('at <= ?', filter.to);
    if (filter.afterId !== undefined) add('id > ?', filter.afterId);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.db
      .prepare(`SELECT * FROM audit_log ${clause} ORDER BY id LIMIT ?`)
      .all(...args, filter.limit)
      .map(entryFromRow);
  }
}
