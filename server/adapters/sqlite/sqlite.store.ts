import { z } from 'zod';
import type Database from 'better-sqlite3';
import { dimensionSchema, tagSchema, type Dimension, type Tag } from '../../../schemas/taxonomy.schema.js';
import {
  policyRecordSchema,
  policyVersionSchema,
  reviewRecordSchema,
  validitySchema,
  type PolicyRecord,
  type PolicyVersion,
  type ReviewRecord,
} from '../../../schemas/policy.schema.js';
import { roleSchema, type User } from '../../../schemas/user.schema.js';
import { DomainError } from '../../errors.js';
import { SqliteDeliveryLeaseRepository } from './sqlite-delivery-lease.repository.js';
import { SqliteDeliveryLogRepository } from './sqlite-delivery-log.repository.js';
import { SqliteDigestRepository } from './sqlite-digest.repository.js';
import { SqliteMatchingJobRepository } from './sqlite-matching-job.repository.js';
import { SqliteOutboxRepository } from './sqlite-outbox.repository.js';
import { SqlitePushSettingsRepository } from './sqlite-push-settings.repository.js';
import { SqliteWechatChannelRepository } from './sqlite-wechat-channels.repository.js';
import type { WechatChannelRepository } from '../../ports/wechat-channels.port.js';
import { SqliteSubscriberRepository, SqliteSubscriptionRepository, touchSubscriber } from './sqlite-subscriber.repository.js';
import { SqliteWebAccountRepository } from './sqlite-web-account.repository.js';
import { SqliteInterpretationRepository, writePublication, writeReviewDigest } from './sqlite-interpretation.repository.js';
import type { InterpretationPublication, InterpretationRepository } from '../../ports/interpretation.port.js';
import type { DeliveryLeaseRepository, DeliveryLogRepository, DigestRepository, OutboxRepository, PushSettingsRepository } from '../../ports/push-queue.port.js';
import type { WebAccountRepository } from '../../ports/web-account.port.js';
import { subscriberSchema } from '../../../schemas/subscriber.schema.js';
import { subscriptionSchema } from '../../../schemas/subscription.schema.js';
import type {
  MatchingJobRepository,
  SubscriberRepository,
  SubscriptionRepository,
  PolicyChange,
  PolicyImport,
  PolicyRepository,
  Store,
  StoredUser,
  TaxonomyRepository,
  UserRepository,
} from '../../ports/store.port.js';
import { rewriteCriteria, rewriteProfile, rewriteTagReferences } from '../../services/tag-references.js';
import { MIGRATIONS } from './sqlite.migrations.js';
import { DecodedRows } from './decoded-rows.js';
import { appendAuditRow, SqliteAuditRepository } from './sqlite-audit.repository.js';
import type { AuditRepository } from '../../ports/audit.port.js';
import type { NewAuditEntry } from '../../../schemas/audit.schema.js';
import { SqlitePushTrackingRepository } from './sqlite-push-tracking.repository.js';
import type { PushTrackingRepository } from '../../ports/push-tracking.port.js';
import { SqliteTextFindingsRepository } from './sqlite-text-findings.repository.js';
import type { TextFindingsRepository } from '../../ports/text-findings.port.js';
import type { CalendarAdjustmentRepository, DisclosureRequestRepository } from '../../ports/disclosure.port.js';
import { SqliteCalendarAdjustmentRepository, SqliteDisclosureRequestRepository } from './sqlite-disclosure.repository.js';
import { SqliteConsultationRepository } from './sqlite-consultation.repository.js';
import { SqliteReportFigureRepository } from './sqlite-report-figures.repository.js';
import type { ConsultationRepository } from '../../ports/consultation.port.js';
import type { ReportFigureRepository } from '../../ports/report-figures.port.js';
import { guardBusy, mapConstraint, nextChangeSeq, openDatabase, readSeq, writeBatch, type Db } from './sqlite.support.js';
import { StatementCache } from './statement-cache.js';


const tagRowSchema = z.object({
  id: z.string(),
  dimension: z.string(),
  label: z.string(),
  synonyms: z.string(),
  parent: z.string().nullable(),
  deprecated: z.number(),
  merged_into: z.string().nullable(),
  updated_at: z.string(),
});
const docRowSchema = z.object({ doc: z.string() });
const userRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  token_hash: z.string(),
  disabled: z.number(),
  created_at: z.string(),
});
const reviewRowSchema = z.object({
  id: z.number(),
  policy_id: z.string(),
  round: z.number(),
  kind: z.string(),
  decision: z.string(),
  comment: z.string(),
  reviewer_id: z.string(),
  reviewer_name: z.string(),
  at: z.string(),
});

function tagFromRow(row: unknown): Tag {
  const r = tagRowSchema.parse(row);
  return tagSchema.parse({
    id: r.id,
    dimension: r.dimension,
    label: r.label,
    synonyms: JSON.parse(r.synonyms),
    parent: r.parent,
    deprecated: r.deprecated === 1,
    mergedInto: r.merged_into,
    updatedAt: r.updated_at,
  });
}

function policyFromRow(row: unknown): PolicyRecord {
  return policyRecordSchema.parse(JSON.parse(docRowSchema.parse(row).doc));
}

function versionFromRow(row: unknown): PolicyVersion {
  return policyVersionSchema.parse(JSON.parse(docRowSchema.parse(row).doc));
}

/**
 * Policy and version documents read one at a time (get, getVersion, listVersions: what every public
 * page reads) are decoded once and reused, frozen, while the stored text is unchanged (see
 * DecodedRows). Bulk scans (staff lists, matching, tag merges) decode afresh so they cannot push the
 * pages' documents out. Per table the limits cover about 1,000 policies' pages; a decoded document
 * takes roughly twice its stored size in memory.
 */
const DECODED_LIMITS = { maxEntries: 1_000, maxBytes: 24_000_000 };
const docBytesRowSchema = z.object({ doc: z.instanceof(Buffer) });
const versionBytesRowSchema = z.object({ version: z.number(), doc: z.instanceof(Buffer) });
function decodedPolicies(): DecodedRows<PolicyRecord> {
  return new DecodedRows({ ...DECODED_LIMITS, decode: (text) => policyRecordSchema.parse(JSON.parse(text)) });
}
function decodedVersions(): DecodedRows<PolicyVersion> {
  return new DecodedRows({ ...DECODED_LIMITS, decode: (text) => policyVersionSchema.parse(JSON.parse(text)) });
}

function userFromRow(row: unknown): StoredUser {
  const r = userRowSchema.parse(row);
  return { id: r.id, name: r.name, role: r.role, tokenHash: r.token_hash, disabled: r.disabled === 1, createdAt: r.created_at };
}

function reviewFromRow(row: unknown): ReviewRecord {
  const r = reviewRowSchema.parse(row);
  return reviewRecordSchema.parse({
    id: r.id,
    round: r.round,
    kind: r.kind,
    decision: r.decision,
    comment: r.comment,
    reviewerId: r.reviewer_id,
    reviewerName: r.reviewer_name,
    at: r.at,
  });
}

class SqliteTaxonomyRepository implements TaxonomyRepository {
  constructor(private readonly db: Db) {}

  async listDimensions(): Promise<Dimension[]> {
    const rows = this.db.prepare('SELECT id, label, description FROM dimensions ORDER BY sort').all();
    return rows.map((row) => dimensionSchema.parse(row));
  }

  async listTags(): Promise<Tag[]> {
    return this.db.prepare('SELECT * FROM tags ORDER BY sort, id').all().map(tagFromRow);
  }

  async seed({ dimensions, tags }: { dimensions: Dimension[]; tags: Tag[] }): Promise<void> {
    const insertDimension = this.db.prepare(
      'INSERT OR IGNORE INTO dimensions (id, label, description, sort) VALUES (?, ?, ?, ?)',
    );
    const now = new Date().toISOString();
    mapConstraint(() =>
      this.db.transaction(() => {
        dimensions.forEach((d, i) => insertDimension.run(d.id, d.label, d.description, i));
        for (const tag of tags) {
          const exists = this.db.prepare('SELECT 1 FROM tags WHERE id = ?').get(tag.id);
          if (!exists) this.insertTagRow({ ...tag, updatedAt: tag.updatedAt ?? now });
        }
      })(),
    );
  }

  async insertTag(tag: Tag): Promise<void> {
    mapConstraint(() => this.insertTagRow(tag));
  }

  private insertTagRow(tag: Tag): void {
    this.db
      .prepare(
        `INSERT INTO tags (id, dimension, label, synonyms, parent, deprecated, merged_into, sort, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sort), 0) + 1 FROM tags), ?)`,
      )
      .run(
        tag.id,
        tag.dimension,
        tag.label,
        JSON.stringify(tag.synonyms),
        tag.parent,
        tag.deprecated ? 1 : 0,
        tag.mergedInto,
        tag.updatedAt ?? new Date().toISOString(),
      );
  }

  async updateTag(tag: Tag): Promise<void> {
    mapConstraint(() =>
      this.db
        .prepare(
          `UPDATE tags SET label = ?, synonyms = ?, parent = ?, deprecated = ?, merged_into = ?, updated_at = ? WHERE id = ?`,
        )
        .run(
          tag.label,
          JSON.stringify(tag.synonyms),
          tag.parent,
          tag.deprecated ? 1 : 0,
          tag.mergedInto,
          tag.updatedAt ?? new Date().toISOString(),
          tag.id,
        ),
    );
  }

  /** Runs inside the merge transaction: profiles and subscription criteria follow the merged tag. */
  private mergeIntoSubscribers({ fromId, intoId, at }: { fromId: string; intoId: string; at: string }) {
    const subscriberIds = this.db
      .prepare(`SELECT DISTINCT s.id FROM subscribers s, json_tree(s.doc, '$.profile') t WHERE t.value = ?`)
      .pluck()
      .all(fromId)
      .map((id) => z.string().parse(id));
    for (const id of subscriberIds) {
      const doc = subscriberSchema.omit({ contacts: true }).parse(JSON.parse(z.string().parse(this.db.prepare('SELECT doc FROM subscribers WHERE id = ?').pluck().get(id))));
      const updated = { ...doc, profile: rewriteProfile({ profile: doc.profile, fromId, intoId }), updatedAt: at };
      this.db.prepare('UPDATE subscribers SET doc = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(updated), at, id);
      touchSubscriber(this.db, id);
    }
    const subscriptionRows = this.db
      .prepare(`SELECT DISTINCT s.id, s.doc FROM subscriptions s, json_tree(s.doc, '$.criteria') t WHERE t.value = ?`)
      .all(fromId)
      .map((row) => z.object({ id: z.string(), doc: z.string() }).parse(row));
    for (const row of subscriptionRows) {
      const subscription = subscriptionSchema.parse(JSON.parse(row.doc));
      const updated = { ...subscription, criteria: rewriteCriteria({ criteria: subscription.criteria, fromId, intoId }) };
      this.db.prepare('UPDATE subscriptions SET doc = ? WHERE id = ?').run(JSON.stringify(updated), row.id);
      touchSubscriber(this.db, subscription.subscriberId);
    }
    return { subscribersRewritten: subscriberIds.length, subscriptionsRewritten: subscriptionRows.length };
  }

  async mergeTag({ fromId, intoId, at }: { fromId: string; intoId: string; at: string }) {
    return mapConstraint(() =>
      this.db.transaction(() => {
        // Children of the merged tag move up to the surviving tag so the hierarchy stays whole.
        this.db.prepare('UPDATE tags SET parent = ?, updated_at = ? WHERE parent = ?').run(intoId, at, fromId);
        this.db
          .prepare('UPDATE tags SET deprecated = 1, merged_into = ?, updated_at = ? WHERE id = ?')
          .run(intoId, at, fromId);
        const ids = this.db
          .prepare(
            `SELECT DISTINCT p.id FROM policies p, json_tree(p.doc) t
             WHERE t.value = ? AND (t.path LIKE '$.criteria%' OR t.path = '$.tags' OR t.fullkey = '$.level')`,
          )
          .pluck()
          .all(fromId)
          .map((id) => z.string().parse(id));
        const seq = nextChangeSeq(this.db, ids.length);
        ids.forEach((id, i) => {
          const policy = policyFromRow(this.db.prepare('SELECT doc FROM policies WHERE id = ?').get(id));
          const rewritten = { ...policy, ...rewriteTagReferences({ content: policy, fromId, intoId }), updatedAt: at };
          this.db
            .prepare('UPDATE policies SET doc = ?, change_seq = ?, updated_at = ? WHERE id = ?')
            .run(JSON.stringify(rewritten), seq + i, at, id);
          const versions = this.db.prepare('SELECT doc FROM policy_versions WHERE policy_id = ?').all(id).map(versionFromRow);
          for (const version of versions) {
            const updated = { ...version, ...rewriteTagReferences({ content: version, fromId, intoId }) };
            this.db
              .prepare('UPDATE policy_versions SET doc = ? WHERE policy_id = ? AND version = ?')
              .run(JSON.stringify(updated), id, version.version);
          }
        });
        return { policiesRewritten: ids.length, ...this.mergeIntoSubscribers({ fromId, intoId, at }) };
      })(),
    );
  }
}

class SqlitePolicyRepository implements PolicyRepository {
  private readonly reads: StatementCache;
  private readonly policyDocs = decodedPolicies();
  private readonly versionDocs = decodedVersions();

  /** The stored text's bytes are its UTF-8 encoding only in a UTF-8 database (every database this code creates). */
  private readonly utf8: boolean;

  constructor(private readonly db: Db) {
    this.reads = new StatementCache(db);
    this.utf8 = String(db.pragma('encoding', { simple: true })) === 'UTF-8';
  }

  private read(sql: string): Database.Statement<unknown[]> {
    return this.reads.get(sql);
  }

  async get(id: string): Promise<PolicyRecord | null> {
    if (!this.utf8) {
      const row = this.read('SELECT doc FROM policies WHERE id = ?').get(id);
      return row ? policyFromRow(row) : null;
    }
    const row = this.read('SELECT CAST(doc AS BLOB) AS doc FROM policies WHERE id = ?').get(id);
    return row ? this.policyDocs.decode({ key: id, bytes: docBytesRowSchema.parse(row).doc }) : null;
  }

  async insert(policy: PolicyRecord, options?: { audit?: NewAuditEntry }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.insertRow(policy);
        if (options?.audit) appendAuditRow(this.db, options.audit);
      })(),
    );
  }

  private insertRow(policy: PolicyRecord): void {
    this.db
      .prepare(
        `INSERT INTO policies (id, doc_number, status, revision, change_seq, created_at, updated_at, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        policy.id,
        policy.docNumber,
        policy.status,
        policy.revision,
        nextChangeSeq(this.db),
        policy.createdAt,
        policy.updatedAt,
        JSON.stringify(policy),
      );
  }

  async update({ policy, expectedRevision, audit }: { policy: PolicyRecord; expectedRevision: number; audit?: NewAuditEntry }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.updateRow({ policy, expectedRevision });
        if (audit) appendAuditRow(this.db, audit);
      })(),
    );
  }

  private updateRow({ policy, expectedRevision }: { policy: PolicyRecord; expectedRevision: number }): void {
    const result = this.db
      .prepare(
        `UPDATE policies SET doc_number = ?, status = ?, revision = ?, change_seq = ?, updated_at = ?, doc = ?
         WHERE id = ? AND revision = ?`,
      )
      .run(
        policy.docNumber,
        policy.status,
        policy.revision,
        nextChangeSeq(this.db),
        policy.updatedAt,
        JSON.stringify(policy),
        policy.id,
        expectedRevision,
      );
    if (result.changes === 0) {
      throw new DomainError({
        type: 'conflict',
        code: 'stale_revision',
        message: '该政策已被他人修改，请刷新后重试',
        details: { id: policy.id, expectedRevision },
      });
    }
  }

  async publish(input: {
    policy: PolicyRecord;
    expectedRevision: number;
    version: PolicyVersion;
    predecessor?: { policy: PolicyRecord; expectedRevision: number };
    interpretation?: InterpretationPublication;
    audit?: NewAuditEntry;
  }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.updateRow({ policy: input.policy, expectedRevision: input.expectedRevision });
        this.insertVersionRow(input.version);
        if (input.predecessor) this.updateRow(input.predecessor);
        if (input.interpretation) writePublication(this.db, input.interpretation);
        if (input.audit) appendAuditRow(this.db, input.audit);
      })(),
    );
  }

  async importPolicy(input: PolicyImport): Promise<void> {
    mapConstraint(() => this.db.transaction(() => this.importRows(input))());
  }

  async importBatch(items: PolicyImport[]) {
    return writeBatch(this.db, { items, write: (item) => this.importRows(item) });
  }

  private importRows(input: PolicyImport): void {
    this.insertRow(input.policy);
    for (const version of input.versions) this.insertVersionRow(version);
    for (const review of input.reviews) this.insertReviewRow({ policyId: input.policy.id, review });
    if (input.predecessor) this.updateRow(input.predecessor);
    if (input.audit) appendAuditRow(this.db, input.audit);
  }

  private insertVersionRow(version: PolicyVersion): void {
    this.db
      .prepare('INSERT INTO policy_versions (policy_id, version, published_at, doc) VALUES (?, ?, ?, ?)')
      .run(version.policyId, version.version, version.publishedAt, JSON.stringify(version));
  }

  private insertReviewRow({ policyId, review }: { policyId: string; review: Omit<ReviewRecord, 'id'> }): number {
    const result = this.db
      .prepare(
        `INSERT INTO policy_reviews (policy_id, round, kind, decision, comment, reviewer_id, reviewer_name, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(policyId, review.round, review.kind, review.decision, review.comment, review.reviewerId, review.reviewerName, review.at);
    return Number(result.lastInsertRowid);
  }

  async addReview({
    policyId,
    review,
    policyUpdate,
    interpretationDigest,
    audit,
  }: {
    policyId: string;
    review: Omit<ReviewRecord, 'id'>;
    policyUpdate?: { policy: PolicyRecord; expectedRevision: number };
    interpretationDigest?: string | null;
    audit?: NewAuditEntry;
  }): Promise<ReviewRecord> {
    return mapConstraint(() =>
      this.db.transaction(() => {
        if (policyUpdate) this.updateRow(policyUpdate);
        const id = this.insertReviewRow({ policyId, review });
        if (interpretationDigest !== undefined) writeReviewDigest(this.db, { reviewId: id, policyId, round: review.round, digest: interpretationDigest });
        if (audit) appendAuditRow(this.db, audit);
        return { ...review, id };
      })(),
    );
  }

  async listReviews({ policyId, round }: { policyId: string; round?: number }): Promise<ReviewRecord[]> {
    const rows =
      round === undefined
        ? this.db.prepare('SELECT * FROM policy_reviews WHERE policy_id = ? ORDER BY id').all(policyId)
        : this.db.prepare('SELECT * FROM policy_reviews WHERE policy_id = ? AND round = ? ORDER BY id').all(policyId, round);
    return rows.map(reviewFromRow);
  }

  async getVersion({ policyId, version }: { policyId: string; version: number }): Promise<PolicyVersion | null> {
    if (!this.utf8) {
      const row = this.read('SELECT doc FROM policy_versions WHERE policy_id = ? AND version = ?').get(policyId, version);
      return row ? versionFromRow(row) : null;
    }
    const row = this.read('SELECT CAST(doc AS BLOB) AS doc FROM policy_versions WHERE policy_id = ? AND version = ?').get(policyId, version);
    return row ? this.versionDocs.decode({ key: `${policyId}\n${version}`, bytes: docBytesRowSchema.parse(row).doc }) : null;
  }

  async listVersions({ policyId }: { policyId: string }): Promise<PolicyVersion[]> {
    if (!this.utf8) return this.read('SELECT doc FROM policy_versions WHERE policy_id = ? ORDER BY version').all(policyId).map(versionFromRow);
    return this.read('SELECT version, CAST(doc AS BLOB) AS doc FROM policy_versions WHERE policy_id = ? ORDER BY version')
      .all(policyId)
      .map((row) => {
        const { version, doc } = versionBytesRowSchema.parse(row);
        return this.versionDocs.decode({ key: `${policyId}\n${version}`, bytes: doc });
      });
  }

  async list({ status, limit, offset }: { status?: PolicyRecord['status']; limit: number; offset: number }) {
    const where = status ? 'WHERE status = ?' : '';
    const args = status ? [status] : [];
    const total = Number(this.db.prepare(`SELECT COUNT(*) FROM policies ${where}`).pluck().get(...args));
    const items = this.db
      .prepare(`SELECT doc FROM policies ${where} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`)
      .all(...args, limit, offset)
      .map(policyFromRow);
    return { total, items };
  }

  async count(): Promise<number> {
    return Number(this.db.prepare('SELECT COUNT(*) FROM policies').pluck().get());
  }

  async changesSince({ afterSeq, limit }: { afterSeq: number; limit: number }): Promise<PolicyChange[]> {
    return this.db
      .prepare('SELECT id, change_seq AS seq FROM policies WHERE change_seq > ? ORDER BY change_seq LIMIT ?')
      .all(afterSeq, limit)
      .map((row) => z.object({ id: z.string(), seq: z.number() }).parse(row));
  }

  async listPublishedIds(): Promise<string[]> {
    return this.db
      .prepare('SELECT DISTINCT policy_id FROM policy_versions ORDER BY policy_id')
      .pluck()
      .all()
      .map((id) => z.string().parse(id));
  }

  async latestSeq(): Promise<number> {
    return readSeq(this.db, 'policy_change_seq');
  }

  async listCurrentVersions() {
    return this.db
      .prepare(
        `SELECT v.doc AS doc, json_extract(p.doc, '$.validity') AS validity FROM policies p
         JOIN policy_versions v ON v.policy_id = p.id AND v.version = json_extract(p.doc, '$.currentVersion')
         ORDER BY v.published_at DESC, p.id`,
      )
      .all()
      .map((row) => {
        const r = z.object({ doc: z.string(), validity: validitySchema }).parse(row);
        return { version: versionFromRow({ doc: r.doc }), validity: r.validity };
      });
  }
}

class SqliteUserRepository implements UserRepository {
  constructor(private readonly db: Db) {}

  async insert(user: StoredUser): Promise<void> {
    mapConstraint(() =>
      this.db
        .prepare('INSERT INTO users (id, name, role, token_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(user.id, user.name, user.role, user.tokenHash, user.disabled ? 1 : 0, user.createdAt),
    );
  }

  async get(id: string): Promise<StoredUser | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id);
    return row ? userFromRow(row) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<StoredUser | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE token_hash = ?').get(tokenHash);
    return row ? userFromRow(row) : null;
  }

  async list(): Promise<User[]> {
    return this.db
      .prepare('SELECT * FROM users ORDER BY created_at, id')
      .all()
      .map(userFromRow)
      .map(({ tokenHash: _hash, ...user }) => user);
  }

  async upsertWithToken({ id, name, role, tokenHash, at }: { id: string; name: string; role: StoredUser['role']; tokenHash: string; at: string }) {
    mapConstraint(() =>
      this.db
        .prepare(
          `INSERT INTO users (id, name, role, token_hash, disabled, created_at) VALUES (?, ?, ?, ?, 0, ?)
           ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, role = excluded.role, disabled = 0`,
        )
        .run(id, name, role, tokenHash, at),
    );
  }

  async setDisabled({ id, disabled, audit }: { id: string; disabled: boolean; audit: NewAuditEntry }): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, id).changes === 0) return false;
      // Browser sessions of a disabled user end now, not at their expiry.
      if (disabled) this.db.prepare('DELETE FROM web_sessions WHERE user_id = ?').run(id);
      appendAuditRow(this.db, audit);
      return true;
    })();
  }

  async replaceToken({ id, tokenHash, audit }: { id: string; tokenHash: string; audit: NewAuditEntry }): Promise<boolean> {
    return mapConstraint(() =>
      this.db.transaction(() => {
        if (this.db.prepare('UPDATE users SET token_hash = ? WHERE id = ?').run(tokenHash, id).changes === 0) return false;
        this.db.prepare('DELETE FROM web_sessions WHERE user_id = ?').run(id);
        appendAuditRow(this.db, audit);
        return true;
      })(),
    );
  }
}

/** The embedded default: one SQLite file in WAL mode. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly taxonomy: TaxonomyRepository;
  readonly policies: PolicyRepository;
  readonly users: UserRepository;
  readonly subscribers: SubscriberRepository;
  readonly subscriptions: SubscriptionRepository;
  readonly outbox: OutboxRepository;
  readonly deliveryLeases: DeliveryLeaseRepository;
  readonly digests: DigestRepository;
  readonly deliveryLog: DeliveryLogRepository;
  readonly pushSettings: PushSettingsRepository;
  readonly matchingJobs: MatchingJobRepository;
  readonly webAccounts: WebAccountRepository;
  readonly interpretation: InterpretationRepository;
  readonly audit: AuditRepository;
  readonly pushTracking: PushTrackingRepository;
  readonly wechatChannels: WechatChannelRepository;
  readonly textFindings: TextFindingsRepository;
  readonly calendarAdjustments: CalendarAdjustmentRepository;
  readonly disclosureRequests: DisclosureRequestRepository;
  readonly consultations: ConsultationRepository;
  readonly reportFigures: ReportFigureRepository;
  private readonly db: Db;

  constructor({ file, busyTimeoutMs }: { file: string; busyTimeoutMs?: number }) {
    this.db = openDatabase({ file, ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) });
    this.db.pragma('foreign_keys = ON');
    // 64 MB of page cache keeps the outbox indexes in memory during large fan-outs.
    this.db.pragma('cache_size = -65536');
    this.taxonomy = new SqliteTaxonomyRepository(this.db);
    this.policies = new SqlitePolicyRepository(this.db);
    this.users = new SqliteUserRepository(this.db);
    this.subscribers = new SqliteSubscriberRepository(this.db);
    this.subscriptions = new SqliteSubscriptionRepository(this.db);
    this.outbox = new SqliteOutboxRepository(this.db);
    this.deliveryLeases = new SqliteDeliveryLeaseRepository(this.db);
    this.digests = new SqliteDigestRepository(this.db);
    this.deliveryLog = new SqliteDeliveryLogRepository(this.db);
    this.pushSettings = new SqlitePushSettingsRepository(this.db);
    this.matchingJobs = new SqliteMatchingJobRepository(this.db);
    this.webAccounts = new SqliteWebAccountRepository(this.db);
    this.interpretation = new SqliteInterpretationRepository(this.db);
    this.audit = new SqliteAuditRepository(this.db);
    this.pushTracking = new SqlitePushTrackingRepository(this.db);
    this.wechatChannels = new SqliteWechatChannelRepository(this.db);
    this.textFindings = new SqliteTextFindingsRepository(this.db);
    this.calendarAdjustments = new SqliteCalendarAdjustmentRepository(this.db);
    this.disclosureRequests = new SqliteDisclosureRequestRepository(this.db);
    this.consultations = new SqliteConsultationRepository(this.db);
    this.reportFigures = new SqliteReportFigureRepository(this.db);
    // Web, workers and the import commands may share the file: a lock held past the timeout is a 503, not a 500.
    return guardBusy(this);
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set(
      this.db
        .prepare('SELECT version FROM schema_migrations')
        .pluck()
        .all()
        .map((v) => Number(v)),
    );
    const appliedMeanwhile = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.db.transaction(() => {
        // Processes started together (web and workers) race here; the loser finds the version applied.
        if (appliedMeanwhile.get(migration.version)) return;
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, new Date().toISOString());
      })();
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
