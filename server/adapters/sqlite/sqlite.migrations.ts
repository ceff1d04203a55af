/**
 * Versioned schema migrations. Append only: a shipped migration is never edited, a change is a new
 * file in migrations/ added to the list below, so every data directory in the field is upgraded in order.
 */
import { policyLibraryMigration } from './migrations/001-policy-library.migration.js';
import { subscribersOutboxMigration } from './migrations/002-subscribers-outbox.migration.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  policyLibraryMigration,
  subscribersOutboxMigration,
  // 003: push (dispatcher, digests, reminders, unsubscribe)
  // 004: interpretation packages, FAQs, questions, graphics
];
