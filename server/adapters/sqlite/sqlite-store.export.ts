import fs from 'node:fs';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { channelControlSchema, matchingJobSchema } from '../../../schemas/delivery.schema.js';
import {
  faqItemSchema,
  interpretationDraftSchema,
  interpretationReleaseSchema,
  questionGroupSchema,
  storedImageSchema,
  storedQuestionSchema,
} from '../../../schemas/interpretation.schema.js';
import { policyRecordSchema, policyVersionSchema, reviewRecordSchema } from '../../../schemas/policy.schema.js';
import { contactSchema, subscriberSchema } from '../../../schemas/subscriber.schema.js';
import { subscriptionSchema } from '../../../schemas/subscription.schema.js';
import { dimensionSchema, tagSchema } from '../../../schemas/taxonomy.schema.js';
import { userSchema } from '../../../schemas/user.schema.js';
import { DomainError } from '../../errors.js';
import { STORE_RECORD_SCHEMAS, type StoreCounters, type StoreEntity, type StoreExport, type StoreExportReader, type StoreRecords } from '../../ports/store-transfer.port.js';
import { entryFromRow } from './sqlite-audit.repository.js';
import { officialAccountFromRow, robotFromRow, tokenFromRow } from './sqlite-wechat-channels.repository.js';
import { textFindingsFromRow } from './sqlite-text-findings.repository.js';
import { adjustmentFromRow, mailFromRow, requestFromRow } from './sqlite-disclosure.repository.js';
import { attemptFromRow, deliveryFromRow, messageFromRow } from './sqlite-delivery.rows.js';
import { MIGRATIONS } from './sqlite.migrations.js';
import { adoptionDecisionSchema, consultationCommentSchema, consultationSchema } from '../../../schemas/consultation.schema.js';

/**
 * The embedded store read out entity by entity for `npm run migrate:mongo`: each table's rows
 * become the port's records here, in the adapter that owns the rows, so the migration command
 * maps nothing. Opened read-only: exporting never writes to the installation being moved.
 */

type Row = Record<string, unknown>;

const text = z.string();
const nullableText = z.string().nullable();
const int = z.number().int();
const nullableInt = z.number().int().nullable();
const flag = z.number().int().transform((v) => v === 1);
const docColumn = z.object({ doc: text });
const json = (value: string): unknown => JSON.parse(value);

interface TableReader<K extends StoreEntity> {
  table: string;
  read(row: Row): StoreRecords[K];
}

type TableReaders = { [K in StoreEntity]: TableReader<K> };

/** Columns the two push queues share, in the schemas' names. */
/** The worker holding a queue row's lease: bookkeeping the domain row does not carry. */
function leaseOwnerOf(row: Row): string | null {
  return z.object({ lease_owner: nullableText }).parse(row).lease_owner;
}

const READERS: TableReaders = {
  dimensions: {
    table: 'dimensions',
    read: (row) => {
      const r = z.object({ id: text, label: text, description: text, sort: int }).parse(row);
      return { dimension: dimensionSchema.parse(r), sort: r.sort };
    },
  },
  tags: {
    table: 'tags',
    read: (row) => {
      const r = z.object({ id: text, dimension: text, label: text, synonyms: text, parent: nullableText, deprecated: flag, merged_into: nullableText, sort: int, updated_at: text }).parse(row);
      const tag = tagSchema.parse({ id: r.id, dimension: r.dimension, label: r.label, synonyms: json(r.synonyms), parent: r.parent, deprecated: r.deprecated, mergedInto: r.merged_into, updatedAt: r.updated_at });
      return { tag, sort: r.sort };
    },
  },
  policies: {
    table: 'policies',
    read: (row) => {
      const r = z.object({ doc: text, change_seq: int }).parse(row);
      return { policy: policyRecordSchema.parse(json(r.doc)), changeSeq: r.change_seq };
    },
  },
  policyVersions: { table: 'policy_versions', read: (row) => policyVersionSchema.parse(json(docColumn.parse(row).doc)) },
  policyReviews: {
    table: 'policy_reviews',
    read: (row) => {
      const r = z.object({ id: int, policy_id: text, round: int, kind: text, decision: text, comment: text, reviewer_id: text, reviewer_name: text, at: text }).parse(row);
      const review = reviewRecordSchema.parse({ id: r.id, round: r.round, kind: r.kind, decision: r.decision, comment: r.comment, reviewerId: r.reviewer_id, reviewerName: r.reviewer_name, at: r.at });
      return { policyId: r.policy_id, review };
    },
  },
  users: {
    table: 'users',
    read: (row) => {
      const r = z.object({ id: text, name: text, role: text, token_hash: text, disabled: flag, created_at: text }).parse(row);
      return { user: userSchema.parse({ id: r.id, name: r.name, role: r.role, disabled: r.disabled, createdAt: r.created_at }), tokenHash: r.token_hash };
    },
  },
  subscribers: {
    table: 'subscribers',
    read: (row) => {
      const r = z.object({ doc: text, change_seq: int }).parse(row);
      const subscriber = subscriberSchema.parse({ ...z.record(z.string(), z.unknown()).parse(json(r.doc)), contacts: [] });
      return { subscriber, changeSeq: r.change_seq };
    },
  },
  contacts: {
    table: 'contacts',
    read: (row) => {
      const r = z.object({ id: text, subscriber_id: text, channel: text, address: text, label: nullableText, confirmed_at: nullableText, invalid_at: nullableText, sort: int }).parse(row);
      const contact = contactSchema.parse({ id: r.id, channel: r.channel, address: r.address, label: r.label, confirmedAt: r.confirmed_at, invalidAt: r.invalid_at });
      return { subscriberId: r.subscriber_id, contact, sort: r.sort };
    },
  },
  subscriberTokens: {
    table: 'subscriber_tokens',
    read: (row) => {
      const r = z.object({ token_hash: text, subscriber_id: text, created_at: text }).parse(row);
      return { tokenHash: r.token_hash, subscriberId: r.subscriber_id, createdAt: r.created_at };
    },
  },
  subscriberTombstones: {
    table: 'subscriber_tombstones',
    read: (row) => {
      const r = z.object({ id: text, change_seq: int, deleted_at: text }).parse(row);
      return { id: r.id, changeSeq: r.change_seq, deletedAt: r.deleted_at };
    },
  },
  subscriptions: { table: 'subscriptions', read: (row) => subscriptionSchema.parse(json(docColumn.parse(row).doc)) },
  matchingJobs: {
    table: 'matching_jobs',
    read: (row) => {
      const r = z
        .object({ policy_id: text, version: int, status: text, reason: nullableText, lease_until: nullableText, attempts: int, matched: int, written: int, started_at: nullableText, finished_at: nullableText })
        .parse(row);
      return matchingJobSchema.parse({ policyId: r.policy_id, version: r.version, status: r.status, reason: r.reason, leaseUntil: r.lease_until, attempts: r.attempts, matched: r.matched, written: r.written, startedAt: r.started_at, finishedAt: r.finished_at });
    },
  },
  deliveries: { table: 'deliveries', read: (row) => ({ delivery: deliveryFromRow(row), leaseOwner: leaseOwnerOf(row) }) },
  pushMessages: { table: 'push_messages', read: (row) => ({ message: messageFromRow(row), leaseOwner: leaseOwnerOf(row) }) },
  deliveryAttempts: { table: 'delivery_attempts', read: attemptFromRow },
  digestRuns: {
    table: 'digest_runs',
    read: (row) => {
      const r = z.object({ run_key: text, frequency: text, slot_at: text, status: text, lease_until: nullableText, messages: int, started_at: text, finished_at: nullableText }).parse(row);
      return STORE_RECORD_SCHEMAS.digestRuns.parse({ runKey: r.run_key, frequency: r.frequency, slotAt: r.slot_at, status: r.status, leaseUntil: r.lease_until, messages: r.messages, startedAt: r.started_at, finishedAt: r.finished_at });
    },
  },
  pushPreferences: {
    table: 'push_preferences',
    read: (row) => {
      const r = z.object({ subscriber_id: text, deadline_reminders: flag, updated_at: text }).parse(row);
      return STORE_RECORD_SCHEMAS.pushPreferences.parse({ subscriberId: r.subscriber_id, deadlineReminders: r.deadline_reminders, updatedAt: r.updated_at });
    },
  },
  pushControls: {
    table: 'push_controls',
    read: (row) => {
      const r = z.object({ channel: text, paused: flag, reason: nullableText, updated_by: nullableText, updated_at: nullableText }).parse(row);
      return channelControlSchema.parse({ channel: r.channel, paused: r.paused, reason: r.reason, updatedBy: r.updated_by, updatedAt: r.updated_at });
    },
  },
  pushLanes: {
    table: 'push_lanes',
    read: (row) => {
      const r = z.object({ owner: text, channel: text, state: text, reason: nullableText, account: nullableText, dry_run: flag, updated_at: text }).parse(row);
      return STORE_RECORD_SCHEMAS.pushLanes.parse({ owner: r.owner, channel: r.channel, state: r.state, reason: r.reason, account: r.account, dryRun: r.dry_run, updatedAt: r.updated_at });
    },
  },
  unsubscribeEvents: {
    table: 'unsubscribe_events',
    read: (row) => {
      const r = z
        .object({ subscriber_id: text, scope: text, subscription_ids: text, delivery_id: nullableInt, message_id: nullableInt, policy_id: nullableText, version: nullableInt, source: text, at: text })
        .parse(row);
      return STORE_RECORD_SCHEMAS.unsubscribeEvents.parse({
        subscriberId: r.subscriber_id,
        scope: r.scope,
        subscriptionIds: json(r.subscription_ids),
        deliveryId: r.delivery_id,
        messageId: r.message_id,
        policyId: r.policy_id,
        version: r.version,
        source: r.source,
        at: r.at,
      });
    },
  },
  interpretationDrafts: { table: 'interpretation_drafts', read: (row) => interpretationDraftSchema.parse(json(docColumn.parse(row).doc)) },
  interpretationReleases: { table: 'interpretation_releases', read: (row) => interpretationReleaseSchema.parse(json(docColumn.parse(row).doc)) },
  interpretationReviews: {
    table: 'interpretation_reviews',
    read: (row) => {
      const r = z.object({ review_id: int, policy_id: text, round: int, digest: nullableText }).parse(row);
      return { reviewId: r.review_id, policyId: r.policy_id, round: r.round, digest: r.digest };
    },
  },
  images: { table: 'media_images', read: (row) => storedImageSchema.parse(json(docColumn.parse(row).doc)) },
  faqs: { table: 'faqs', read: (row) => faqItemSchema.parse(json(docColumn.parse(row).doc)) },
  questionGroups: { table: 'question_groups', read: (row) => questionGroupSchema.parse(json(docColumn.parse(row).doc)) },
  questions: {
    table: 'questions',
    read: (row) => {
      const r = z.object({ client_hash: text, doc: text }).parse(row);
      return { question: storedQuestionSchema.parse(json(r.doc)), clientHash: r.client_hash };
    },
  },
  webAccounts: {
    table: 'web_accounts',
    read: (row) => {
      const r = z.object({ id: text, email: text, password_hash: text, subscriber_id: text, created_at: text, updated_at: text, last_sign_in_at: nullableText }).parse(row);
      return STORE_RECORD_SCHEMAS.webAccounts.parse({
        account: { id: r.id, email: r.email, passwordHash: r.password_hash, subscriberId: r.subscriber_id, createdAt: r.created_at, lastSignInAt: r.last_sign_in_at },
        updatedAt: r.updated_at,
      });
    },
  },
  auditEntries: { table: 'audit_log', read: entryFromRow },
  policyTextFindings: { table: 'policy_text_findings', read: textFindingsFromRow },
  calendarAdjustments: { table: 'calendar_adjustments', read: adjustmentFromRow },
  disclosureRequests: { table: 'disclosure_requests', read: requestFromRow },
  disclosureMail: { table: 'disclosure_mail', read: mailFromRow },
  webSessions: {
    table: 'web_sessions',
    read: (row) => {
      const r = z
        .object({ id_hash: text, principal_kind: z.enum(['account', 'staff']), account_id: nullableText, user_id: nullableText, credential: nullableText, created_at: text, last_seen_at: text, expires_at: text })
        .parse(row);
      const principal = r.principal_kind === 'account' ? { kind: r.principal_kind, accountId: r.account_id } : { kind: r.principal_kind, userId: r.user_id, credential: r.credential };
      return STORE_RECORD_SCHEMAS.webSessions.parse({ idHash: r.id_hash, principal, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at });
    },
  },
  pushOpens: {
    table: 'push_opens',
    read: (row) => {
      const r = z.object({ source: text, ref_id: int, opened_at: text }).parse(row);
      return STORE_RECORD_SCHEMAS.pushOpens.parse({ source: r.source, refId: r.ref_id, openedAt: r.opened_at });
    },
  },
  pushFeedback: {
    table: 'push_feedback',
    read: (row) => {
      const r = z.object({ source: text, ref_id: int, reasons: text, note: nullableText, recorded_at: text }).parse(row);
      return STORE_RECORD_SCHEMAS.pushFeedback.parse({ source: r.source, refId: r.ref_id, reasons: json(r.reasons), note: r.note, recordedAt: r.recorded_at });
    },
  },
  wechatOfficialAccounts: { table: 'wechat_official_accounts', read: officialAccountFromRow },
  wecomRobots: { table: 'wecom_robots', read: robotFromRow },
  platformTokens: { table: 'platform_tokens', read: tokenFromRow },
  consultations: { table: 'consultations', read: (row) => consultationSchema.parse(json(docColumn.parse(row).doc)) },
  consultationComments: { table: 'consultation_comments', read: (row) => consultationCommentSchema.parse(json(docColumn.parse(row).doc)) },
  consultationAdoptions: { table: 'consultation_adoptions', read: (row) => adoptionDecisionSchema.parse(json(docColumn.parse(row).doc)) },
  consultationAdoptionClaims: {
    table: 'consultation_adoption_comments',
    read: (row) => {
      const r = z.object({ comment_id: text, adoption_id: text }).parse(row);
      return { commentId: r.comment_id, adoptionId: r.adoption_id };
    },
  },
  consultationNoticePreferences: {
    table: 'consultation_notice_preferences',
    read: (row) => {
      const r = z.object({ subscriber_id: text, wanted: flag, updated_at: text }).parse(row);
      return { subscriberId: r.subscriber_id, wanted: r.wanted, updatedAt: r.updated_at };
    },
  },
  reportFigures: {
    table: 'annual_report_figures',
    read: (row) => {
      const r = z.object({ year: int, figures: text, updated_by: text, updated_at: text }).parse(row);
      return STORE_RECORD_SCHEMAS.reportFigures.parse({ year: r.year, figures: json(r.figures), updatedBy: r.updated_by, updatedAt: r.updated_at });
    },
  },
};

/** The table each entity is read from (the export's coverage is checked against the schema in tests). */
export function sqliteTableOf(entity: StoreEntity): string {
  return READERS[entity].table;
}

const rowKeySchema = z.object({ row_key: int });

class SqliteExportReader implements StoreExportReader {
  constructor(private readonly db: Database.Database) {}

  async count(entity: StoreEntity): Promise<number> {
    return Number(this.db.prepare(`SELECT COUNT(*) FROM ${READERS[entity].table}`).pluck().get());
  }

  /** Keyset pages by rowid: no statement stays open while the consumer writes elsewhere. */
  async *records<K extends StoreEntity>({ entity, batchSize }: { entity: K; batchSize: number }): AsyncIterable<StoreRecords[K][]> {
    const reader: TableReader<K> = READERS[entity];
    const page = this.db.prepare(`SELECT rowid AS row_key, * FROM ${reader.table} WHERE rowid > ? ORDER BY rowid LIMIT ?`);
    let after = 0;
    let position = 0;
    for (;;) {
      const rows = page.all(after, Math.max(1, batchSize)).map((row) => z.record(z.string(), z.unknown()).parse(row));
      if (rows.length === 0) return;
      const batch = rows.map((row) => {
        position += 1;
        try {
          return reader.read(row);
        } catch (error) {
          throw new DomainError({ type: 'invalid', code: 'store_export_row_invalid', message: `${reader.table} 第 ${position} 行无法读出：${error instanceof Error ? error.message : String(error)}` });
        }
      });
      after = rowKeySchema.parse(rows.at(-1)).row_key;
      yield batch;
    }
  }

  async counters(): Promise<StoreCounters> {
    const meta = (key: string) => Number(this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) ?? 0);
    const max = (sql: string) => Number(this.db.prepare(sql).pluck().get() ?? 0);
    return {
      policyChangeSeq: meta('policy_change_seq'),
      subscriberChangeSeq: meta('subscriber_change_seq'),
      reviewId: max('SELECT MAX(id) FROM policy_reviews'),
      tagSort: max('SELECT MAX(sort) FROM tags'),
      deliveryId: max('SELECT MAX(id) FROM deliveries'),
      pushMessageId: max('SELECT MAX(id) FROM push_messages'),
      deliveryAttemptId: max('SELECT MAX(id) FROM delivery_attempts'),
      auditId: max('SELECT MAX(id) FROM audit_log'),
    };
  }
}

export class SqliteStoreExport implements StoreExport {
  private readonly db: Database.Database;

  constructor({ file }: { file: string }) {
    if (!fs.existsSync(file)) throw new DomainError({ type: 'not_found', code: 'store_file_missing', message: `找不到嵌入式数据库 ${file}：请把 DATA_DIR 指向原安装的数据目录` });
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    const applied = Number(this.db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() ?? 0);
    const latest = Math.max(...MIGRATIONS.map((m) => m.version));
    if (applied !== latest) {
      this.db.close();
      throw new DomainError({ type: 'conflict', code: 'store_schema_outdated', message: `嵌入式数据库的结构版本为 ${applied}，本程序需要 ${latest}：请先用当前版本启动一次原平台完成升级` });
    }
  }

  async snapshot<T>(read: (reader: StoreExportReader) => Promise<T>): Promise<T> {
    // One read transaction: every table comes from the same snapshot even while the platform writes.
    this.db.exec('BEGIN');
    try {
      return await read(new SqliteExportReader(this.db));
    } finally {
      this.db.exec('ROLLBACK');
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
