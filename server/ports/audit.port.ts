import type { AuditAction, AuditEntry, AuditTargetType, NewAuditEntry } from '../../schemas/audit.schema.js';

export interface AuditFilter {
  actorId?: string;
  action?: AuditAction;
  actions?: readonly AuditAction[];
  targetType?: AuditTargetType;
  targetId?: string;
  /** Inclusive bounds on `at`. */
  from?: string;
  to?: string;
  /** Only entries with a larger id (paging). */
  afterId?: number;
  limit: number;
}

/**
 * The audit trail: append-only. There is deliberately no update or delete; the SQLite adapter also
 * refuses them with triggers, so not even a hand-written statement can rewrite history.
 * Entries come back in the order they were written (ascending id).
 */
export interface AuditRepository {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  list(filter: AuditFilter): Promise<AuditEntry[]>;
}
