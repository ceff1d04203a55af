import { z } from 'zod';
import {
  faqItemSchema,
  interpretationDraftSchema,
  interpretationReleaseSchema,
  questionGroupSchema,
  storedImageSchema,
  storedQuestionSchema,
  type FaqItem,
  type InterpretationDraft,
  type InterpretationRelease,
  type QuestionGroup,
  type QuestionStatus,
  type StoredImage,
  type StoredQuestion,
} from '../../../schemas/interpretation.schema.js';
import { DomainError } from '../../errors.js';
import type { InterpretationPublication, InterpretationRepository } from '../../ports/interpretation.port.js';
import { mapConstraint, nextChangeSeq, type Db } from './sqlite.support.js';
import { StatementCache } from './statement-cache.js';

const docSchema = z.object({ doc: z.string() });

function parseDoc<T>(schema: z.ZodType<T>, row: unknown): T {
  return schema.parse(JSON.parse(docSchema.parse(row).doc));
}

function stale(what: string, details: Record<string, unknown>): DomainError {
  return new DomainError({ type: 'conflict', code: 'stale_revision', message: `${what}已被他人修改，请刷新后重试`, details });
}

/**
 * A FAQ or a published reply changed the policy's public face: move the policy's change sequence so
 * derived data that follows policy changes (the FAQ index) picks it up.
 */
export function touchPolicy(db: Db, policyId: string): void {
  db.prepare('UPDATE policies SET change_seq = ? WHERE id = ?').run(nextChangeSeq(db), policyId);
}

/** Runs inside the policy publication's transaction. */
export function writePublication(db: Db, publication: InterpretationPublication): void {
  const { release, draft } = publication;
  db.prepare('INSERT INTO interpretation_releases (policy_id, version, published_at, exempt, doc) VALUES (?, ?, ?, ?, ?)').run(
    release.policyId,
    release.version,
    release.publishedAt,
    release.exemption ? 1 : 0,
    JSON.stringify(release),
  );
  const drafts = db
    .prepare("SELECT doc FROM faqs WHERE policy_id = ? AND status = 'draft'")
    .all(release.policyId)
    .map((row) => parseDoc(faqItemSchema, row));
  for (const faq of drafts) {
    const published: FaqItem = { ...faq, status: 'published', publishedAt: release.publishedAt, revision: faq.revision + 1 };
    db.prepare('UPDATE faqs SET status = ?, revision = ?, doc = ? WHERE id = ?').run(published.status, published.revision, JSON.stringify(published), faq.id);
  }
  upsertDraft(db, { draft, expectedRevision: null });
}

/** Records which package a review saw; runs inside the review's transaction. */
export function writeReviewDigest(db: Db, input: { reviewId: number; policyId: string; round: number; digest: string | null }): void {
  db.prepare('INSERT INTO interpretation_reviews (review_id, policy_id, round, digest) VALUES (?, ?, ?, ?)').run(
    input.reviewId,
    input.policyId,
    input.round,
    input.digest,
  );
}

function upsertDraft(db: Db, { draft, expectedRevision }: { draft: InterpretationDraft; expectedRevision: number | null }): void {
  const json = JSON.stringify(draft);
  if (expectedRevision === 0) {
    const exists = db.prepare('SELECT 1 FROM interpretation_drafts WHERE policy_id = ?').get(draft.policyId);
    if (exists) throw stale('解读材料', { policyId: draft.policyId, expectedRevision });
    db.prepare('INSERT INTO interpretation_drafts (policy_id, revision, updated_at, doc) VALUES (?, ?, ?, ?)').run(draft.policyId, draft.revision, draft.updatedAt, json);
    return;
  }
  if (expectedRevision === null) {
    db.prepare(
      `INSERT INTO interpretation_drafts (policy_id, revision, updated_at, doc) VALUES (?, ?, ?, ?)
       ON CONFLICT (policy_id) DO UPDATE SET revision = excluded.revision, updated_at = excluded.updated_at, doc = excluded.doc`,
    ).run(draft.policyId, draft.revision, draft.updatedAt, json);
    return;
  }
  const result = db
    .prepare('UPDATE interpretation_drafts SET revision = ?, updated_at = ?, doc = ? WHERE policy_id = ? AND revision = ?')
    .run(draft.revision, draft.updatedAt, json, draft.policyId, expectedRevision);
  if (result.changes === 0) throw stale('解读材料', { policyId: draft.policyId, expectedRevision });
}

const groupColumns = (group: QuestionGroup) => [group.status, group.askedCount, group.firstAskedAt, group.replyPublished ? 1 : 0, group.revision, JSON.stringify(group)] as const;

export class SqliteInterpretationRepository implements InterpretationRepository {
  /** The policy page's reads: its release, FAQs and published replies. */
  private readonly reads: StatementCache;

  constructor(private readonly db: Db) {
    this.reads = new StatementCache(db);
  }

  async getDraft(policyId: string): Promise<InterpretationDraft | null> {
    const row = this.db.prepare('SELECT doc FROM interpretation_drafts WHERE policy_id = ?').get(policyId);
    return row ? parseDoc(interpretationDraftSchema, row) : null;
  }

  async saveDraft({ draft, expectedRevision }: { draft: InterpretationDraft; expectedRevision: number }): Promise<void> {
    mapConstraint(() => this.db.transaction(() => upsertDraft(this.db, { draft, expectedRevision }))());
  }

  async importRelease({ publication, faqs }: { publication: InterpretationPublication; faqs: FaqItem[] }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        for (const faq of faqs) this.insertFaqRow(faq);
        writePublication(this.db, publication);
        touchPolicy(this.db, publication.release.policyId);
      })(),
    );
  }

  async getRelease({ policyId, version }: { policyId: string; version: number }): Promise<InterpretationRelease | null> {
    const row = this.reads.get('SELECT doc FROM interpretation_releases WHERE policy_id = ? AND version = ?').get(policyId, version);
    return row ? parseDoc(interpretationReleaseSchema, row) : null;
  }

  async listReleases(policyId: string) {
    return this.db
      .prepare('SELECT version, published_at, exempt FROM interpretation_releases WHERE policy_id = ? ORDER BY version')
      .all(policyId)
      .map((row) => {
        const r = z.object({ version: z.number(), published_at: z.string(), exempt: z.number() }).parse(row);
        return { version: r.version, publishedAt: r.published_at, exempt: r.exempt === 1 };
      });
  }

  async reviewDigests({ policyId, round }: { policyId: string; round?: number }) {
    const rows =
      round === undefined
        ? this.db.prepare('SELECT review_id, digest FROM interpretation_reviews WHERE policy_id = ?').all(policyId)
        : this.db.prepare('SELECT review_id, digest FROM interpretation_reviews WHERE policy_id = ? AND round = ?').all(policyId, round);
    return rows.map((row) => {
      const r = z.object({ review_id: z.number(), digest: z.string().nullable() }).parse(row);
      return { reviewId: r.review_id, digest: r.digest };
    });
  }

  async insertImage(image: StoredImage): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO media_images (id, created_at, doc) VALUES (?, ?, ?)').run(image.id, image.createdAt, JSON.stringify(image));
  }

  async getImages(ids: readonly string[]): Promise<StoredImage[]> {
    if (ids.length === 0) return [];
    const unique = [...new Set(ids)];
    const rows = this.db.prepare(`SELECT doc FROM media_images WHERE id IN (${unique.map(() => '?').join(',')})`).all(...unique);
    return rows.map((row) => parseDoc(storedImageSchema, row));
  }

  async releasesShowingMedia({ hash }: { hash: string }): Promise<{ policyId: string; version: number }[]> {
    // A scan of the frozen packages: a media request is rare next to a page view, and releases are few.
    const rows = this.db
      .prepare(
        `WITH owners AS (
           SELECT m.id FROM media_images m, json_each(m.doc, '$.variants') v WHERE json_extract(v.value, '$.hash') = ?
         )
         SELECT DISTINCT r.policy_id, r.version FROM interpretation_releases r
         WHERE EXISTS (SELECT 1 FROM json_each(r.doc, '$.content.graphics') g WHERE json_extract(g.value, '$.imageId') IN (SELECT id FROM owners))
            OR EXISTS (SELECT 1 FROM json_each(r.doc, '$.content.videos') p WHERE json_extract(p.value, '$.posterImageId') IN (SELECT id FROM owners))
         ORDER BY r.policy_id, r.version`,
      )
      .all(hash);
    return rows.map((row) => {
      const r = z.object({ policy_id: z.string(), version: z.number() }).parse(row);
      return { policyId: r.policy_id, version: r.version };
    });
  }

  async listFaqs({ policyId, statuses }: { policyId: string; statuses: readonly FaqItem['status'][] }): Promise<FaqItem[]> {
    if (statuses.length === 0) return [];
    return this.reads
      .get(`SELECT doc FROM faqs WHERE policy_id = ? AND status IN (${statuses.map(() => '?').join(',')}) ORDER BY position, id`)
      .all(policyId, ...statuses)
      .map((row) => parseDoc(faqItemSchema, row));
  }

  async getFaq(id: string): Promise<FaqItem | null> {
    const row = this.db.prepare('SELECT doc FROM faqs WHERE id = ?').get(id);
    return row ? parseDoc(faqItemSchema, row) : null;
  }

  private insertFaqRow(faq: FaqItem): void {
    this.db
      .prepare('INSERT INTO faqs (id, policy_id, position, status, revision, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(faq.id, faq.policyId, faq.position, faq.status, faq.revision, faq.updatedAt, JSON.stringify(faq));
  }

  async insertFaq(faq: FaqItem): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.insertFaqRow(faq);
        touchPolicy(this.db, faq.policyId);
      })(),
    );
  }

  async updateFaq({ faq, expectedRevision }: { faq: FaqItem; expectedRevision: number }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        const result = this.db
          .prepare('UPDATE faqs SET position = ?, status = ?, revision = ?, updated_at = ?, doc = ? WHERE id = ? AND revision = ?')
          .run(faq.position, faq.status, faq.revision, faq.updatedAt, JSON.stringify(faq), faq.id, expectedRevision);
        if (result.changes === 0) throw stale('该常见问题', { id: faq.id, expectedRevision });
        touchPolicy(this.db, faq.policyId);
      })(),
    );
  }

  async reorderFaqs({ policyId, ids, at, by }: { policyId: string; ids: readonly string[]; at: string; by: string }): Promise<void> {
    this.db.transaction(() => {
      ids.forEach((id, position) => {
        const row = this.db.prepare('SELECT doc FROM faqs WHERE id = ? AND policy_id = ?').get(id, policyId);
        if (!row) return;
        const faq = parseDoc(faqItemSchema, row);
        const moved: FaqItem = { ...faq, position, revision: faq.revision + 1, updatedAt: at, updatedBy: by };
        this.db.prepare('UPDATE faqs SET position = ?, revision = ?, updated_at = ?, doc = ? WHERE id = ?').run(position, moved.revision, at, JSON.stringify(moved), id);
      });
      touchPolicy(this.db, policyId);
    })();
  }

  private insertGroupRow(group: QuestionGroup): void {
    this.db
      .prepare(
        'INSERT INTO question_groups (id, policy_id, status, asked_count, first_asked_at, reply_published, revision, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(group.id, group.policyId, ...groupColumns(group));
  }

  private updateGroupRow({ group, expectedRevision }: { group: QuestionGroup; expectedRevision: number }): void {
    const result = this.db
      .prepare(
        'UPDATE question_groups SET status = ?, asked_count = ?, first_asked_at = ?, reply_published = ?, revision = ?, doc = ? WHERE id = ? AND revision = ?',
      )
      .run(...groupColumns(group), group.id, expectedRevision);
    if (result.changes === 0) throw stale('该问题', { groupId: group.id, expectedRevision });
  }

  async addQuestion({
    question,
    clientHash,
    group,
  }: {
    question: StoredQuestion;
    clientHash: string;
    group: { join: QuestionGroup } | { open: QuestionGroup };
  }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        if ('open' in group) {
          this.insertGroupRow(group.open);
        } else {
          // Joining reads the counts inside the transaction, so two questions arriving together both count.
          const current = this.getGroupRow(group.join.id);
          if (!current) throw new DomainError({ type: 'conflict', code: 'question_group_gone', message: '问题组已不存在，请重试' });
          const merged: QuestionGroup = {
            ...current,
            askedCount: current.askedCount + 1,
            lastAskedAt: question.askedAt > current.lastAskedAt ? question.askedAt : current.lastAskedAt,
            revision: current.revision + 1,
          };
          this.updateGroupRow({ group: merged, expectedRevision: current.revision });
        }
        this.db
          .prepare('INSERT INTO questions (id, policy_id, group_id, client_hash, asked_at, doc) VALUES (?, ?, ?, ?, ?, ?)')
          .run(question.id, question.policyId, question.groupId, clientHash, question.askedAt, JSON.stringify(question));
      })(),
    );
  }

  async countQuestionsSince({ clientHash, since }: { clientHash: string; since: string }): Promise<number> {
    return Number(this.db.prepare('SELECT COUNT(*) FROM questions WHERE client_hash = ? AND asked_at >= ?').pluck().get(clientHash, since));
  }

  async getQuestion(id: string): Promise<StoredQuestion | null> {
    const row = this.db.prepare('SELECT doc FROM questions WHERE id = ?').get(id);
    return row ? parseDoc(storedQuestionSchema, row) : null;
  }

  async listQuestions(groupIds: readonly string[]): Promise<StoredQuestion[]> {
    if (groupIds.length === 0) return [];
    return this.db
      .prepare(`SELECT doc FROM questions WHERE group_id IN (${groupIds.map(() => '?').join(',')}) ORDER BY asked_at, id`)
      .all(...groupIds)
      .map((row) => parseDoc(storedQuestionSchema, row));
  }

  private getGroupRow(id: string): QuestionGroup | null {
    const row = this.db.prepare('SELECT doc FROM question_groups WHERE id = ?').get(id);
    return row ? parseDoc(questionGroupSchema, row) : null;
  }

  async getGroup(id: string): Promise<QuestionGroup | null> {
    return this.getGroupRow(id);
  }

  async listGroupsOfPolicy({ policyId, statuses }: { policyId: string; statuses: readonly QuestionStatus[] }): Promise<QuestionGroup[]> {
    if (statuses.length === 0) return [];
    return this.db
      .prepare(`SELECT doc FROM question_groups WHERE policy_id = ? AND status IN (${statuses.map(() => '?').join(',')}) ORDER BY first_asked_at, id`)
      .all(policyId, ...statuses)
      .map((row) => parseDoc(questionGroupSchema, row));
  }

  async listGroups({ policyId, status, sort, limit, offset }: { policyId?: string; status: QuestionStatus; sort: 'age' | 'demand'; limit: number; offset: number }) {
    const where = policyId ? 'WHERE status = ? AND policy_id = ?' : 'WHERE status = ?';
    const args = policyId ? [status, policyId] : [status];
    const order = sort === 'age' ? 'first_asked_at, id' : 'asked_count DESC, first_asked_at, id';
    const total = Number(this.db.prepare(`SELECT COUNT(*) FROM question_groups ${where}`).pluck().get(...args));
    const items = this.db
      .prepare(`SELECT doc FROM question_groups ${where} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...args, limit, offset)
      .map((row) => parseDoc(questionGroupSchema, row));
    return { total, items };
  }

  async listPublishedReplies(policyId: string): Promise<QuestionGroup[]> {
    return this.reads
      .get("SELECT doc FROM question_groups WHERE policy_id = ? AND status = 'answered' AND reply_published = 1 ORDER BY asked_count DESC, first_asked_at, id")
      .all(policyId)
      .map((row) => parseDoc(questionGroupSchema, row));
  }

  async updateGroup({ group, expectedRevision, faq }: { group: QuestionGroup; expectedRevision: number; faq?: FaqItem }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.updateGroupRow({ group, expectedRevision });
        if (faq) this.insertFaqRow(faq);
        touchPolicy(this.db, group.policyId);
      })(),
    );
  }

  async moveQuestion({
    question,
    from,
    to,
  }: {
    question: StoredQuestion;
    from: { group: QuestionGroup; expectedRevision: number };
    to: { join: QuestionGroup; expectedRevision: number } | { open: QuestionGroup };
  }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        const target = 'open' in to ? to.open : to.join;
        if ('open' in to) this.insertGroupRow(to.open);
        else this.updateGroupRow({ group: to.join, expectedRevision: to.expectedRevision });
        const moved: StoredQuestion = { ...question, groupId: target.id };
        this.db.prepare('UPDATE questions SET group_id = ?, doc = ? WHERE id = ?').run(target.id, JSON.stringify(moved), question.id);
        if (from.group.askedCount <= 0) {
          const result = this.db.prepare('DELETE FROM question_groups WHERE id = ? AND revision = ?').run(from.group.id, from.expectedRevision);
          if (result.changes === 0) throw stale('该问题', { groupId: from.group.id });
        } else {
          this.updateGroupRow(from);
        }
        touchPolicy(this.db, question.policyId);
      })(),
    );
  }
}
