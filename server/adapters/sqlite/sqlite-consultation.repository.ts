import Database from 'better-sqlite3';
import { z } from 'zod';
import {
  adoptionDecisionSchema,
  consultationCommentSchema,
  consultationSchema,
  type AdoptionDecision,
  type CommentStatus,
  type Consultation,
  type ConsultationComment,
  type ConsultationStatus,
} from '../../../schemas/consultation.schema.js';
import type { PushMessage } from '../../../schemas/delivery.schema.js';
import { DomainError } from '../../errors.js';
import type { ConsultationRepository, NewConsultationNotice } from '../../ports/consultation.port.js';
import { consultationNoticeKey, consultationNoticePrefix } from '../../open-government/consultations/consultation-notice-key.js';
import { insertMessage, messageFromRow } from './sqlite-delivery.rows.js';
import { StatementCache } from './statement-cache.js';
import { mapConstraint, type Db } from './sqlite.support.js';

const docRow = z.object({ doc: z.string() });
const revisionRow = z.object({ revision: z.number().int() });

const consultationOf = (row: unknown): Consultation => consultationSchema.parse(JSON.parse(docRow.parse(row).doc));
const commentOf = (row: unknown): ConsultationComment => consultationCommentSchema.parse(JSON.parse(docRow.parse(row).doc));
const decisionOf = (row: unknown): AdoptionDecision => adoptionDecisionSchema.parse(JSON.parse(docRow.parse(row).doc));

export const commentAlreadyDecided = (details?: unknown) =>
  new DomainError({ type: 'conflict', code: 'comment_already_decided', message: '所选意见中有已记录过采纳情况的意见，请刷新后重新选择', details });

export class SqliteConsultationRepository implements ConsultationRepository {
  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  async insert(consultation: Consultation): Promise<void> {
    mapConstraint(() =>
      this.db
        .prepare('INSERT INTO consultations (id, status, start_date, end_date, final_policy_id, revision, doc) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(consultation.id, consultation.status, consultation.startDate, consultation.endDate, consultation.finalPolicyId, consultation.revision, JSON.stringify(consultation)),
    );
  }

  async update({ consultation, expectedRevision }: { consultation: Consultation; expectedRevision: number }): Promise<void> {
    this.db
      .transaction(() => {
        const stored = this.db.prepare('SELECT revision FROM consultations WHERE id = ?').get(consultation.id);
        if (!stored || revisionRow.parse(stored).revision !== expectedRevision) {
          throw new DomainError({ type: 'conflict', code: 'consultation_changed', message: '征求意见已被他人修改，请刷新后重试' });
        }
        this.db
          .prepare('UPDATE consultations SET status = ?, start_date = ?, end_date = ?, final_policy_id = ?, revision = ?, doc = ? WHERE id = ?')
          .run(consultation.status, consultation.startDate, consultation.endDate, consultation.finalPolicyId, consultation.revision, JSON.stringify(consultation), consultation.id);
      })
      .immediate();
  }

  async get(id: string): Promise<Consultation | null> {
    const row = this.db.prepare('SELECT doc FROM consultations WHERE id = ?').get(id);
    return row ? consultationOf(row) : null;
  }

  async list({ statuses }: { statuses?: readonly ConsultationStatus[] }): Promise<Consultation[]> {
    const filter = statuses ? `WHERE status IN (${statuses.map(() => '?').join(', ') || 'NULL'})` : '';
    return this.db
      .prepare(`SELECT doc FROM consultations ${filter} ORDER BY end_date DESC, id`)
      .all(...(statuses ?? []))
      .map(consultationOf);
  }

  async listByFinalPolicy(policyId: string): Promise<Consultation[]> {
    return this.statements.get('SELECT doc FROM consultations WHERE final_policy_id = ? ORDER BY end_date DESC, id').all(policyId).map(consultationOf);
  }

  async insertComment(comment: ConsultationComment): Promise<void> {
    mapConstraint(() =>
      this.db
        .prepare('INSERT INTO consultation_comments (id, consultation_id, status, submitted_at, doc) VALUES (?, ?, ?, ?, ?)')
        .run(comment.id, comment.consultationId, comment.status, comment.submittedAt, JSON.stringify(comment)),
    );
  }

  async getComment(id: string): Promise<ConsultationComment | null> {
    const row = this.db.prepare('SELECT doc FROM consultation_comments WHERE id = ?').get(id);
    return row ? commentOf(row) : null;
  }

  async listComments({ consultationId, status }: { consultationId: string; status?: CommentStatus }): Promise<ConsultationComment[]> {
    const rows = status
      ? this.db.prepare('SELECT doc FROM consultation_comments WHERE consultation_id = ? AND status = ? ORDER BY submitted_at, id').all(consultationId, status)
      : this.db.prepare('SELECT doc FROM consultation_comments WHERE consultation_id = ? ORDER BY submitted_at, id').all(consultationId);
    return rows.map(commentOf);
  }

  async moderateComment({ commentId, status, reason, by, at }: { commentId: string; status: Exclude<CommentStatus, 'pending'>; reason: string | null; by: string; at: string }) {
    return this.db
      .transaction((): ConsultationComment | null => {
        const row = this.db.prepare("SELECT doc FROM consultation_comments WHERE id = ? AND status = 'pending'").get(commentId);
        if (!row) return null;
        const updated: ConsultationComment = { ...commentOf(row), status, rejectReason: reason, moderatedBy: by, moderatedAt: at };
        this.db.prepare('UPDATE consultation_comments SET status = ?, doc = ? WHERE id = ?').run(status, JSON.stringify(updated), commentId);
        return updated;
      })
      .immediate();
  }

  async insertDecision(decision: AdoptionDecision): Promise<void> {
    try {
      this.db
        .transaction(() => {
          this.db
            .prepare('INSERT INTO consultation_adoptions (id, consultation_id, decided_at, doc) VALUES (?, ?, ?, ?)')
            .run(decision.id, decision.consultationId, decision.decidedAt, JSON.stringify(decision));
          const claim = this.db.prepare('INSERT INTO consultation_adoption_comments (comment_id, adoption_id) VALUES (?, ?)');
          for (const commentId of decision.commentIds) claim.run(commentId, decision.id);
        })
        .immediate();
    } catch (error) {
      if (error instanceof Database.SqliteError && error.message.includes('consultation_adoption_comments.comment_id')) throw commentAlreadyDecided({ constraint: error.message });
      throw mapConstraintError(error);
    }
  }

  async listDecisions(consultationId: string): Promise<AdoptionDecision[]> {
    return this.db.prepare('SELECT doc FROM consultation_adoptions WHERE consultation_id = ? ORDER BY decided_at, id').all(consultationId).map(decisionOf);
  }

  async getNoticePreference(subscriberId: string): Promise<boolean | null> {
    const wanted = this.db.prepare('SELECT wanted FROM consultation_notice_preferences WHERE subscriber_id = ?').pluck().get(subscriberId);
    return wanted === undefined ? null : wanted === 1;
  }

  async setNoticePreference({ subscriberId, wanted, at }: { subscriberId: string; wanted: boolean; at: string }): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO consultation_notice_preferences (subscriber_id, wanted, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (subscriber_id) DO UPDATE SET wanted = excluded.wanted, updated_at = excluded.updated_at`,
      )
      .run(subscriberId, wanted ? 1 : 0, at);
  }

  async enqueueNotices({ notices, at }: { notices: NewConsultationNotice[]; at: string }): Promise<{ inserted: number }> {
    return this.db
      .transaction(() => {
        let inserted = 0;
        for (const notice of notices) {
          const id = insertMessage(this.statements, {
            kind: 'consultation',
            dedupeKey: consultationNoticeKey(notice),
            subscriberId: notice.subscriberId,
            channel: notice.channel,
            payload: { kind: 'consultation', consultationId: notice.consultationId, subscriptionIds: notice.subscriptionIds, explanation: notice.explanation },
            at,
            urgent: false,
          });
          if (id !== null) inserted += 1;
        }
        return { inserted };
      })
      .immediate();
  }

  async listNotices(consultationId: string): Promise<PushMessage[]> {
    return this.db
      .prepare(`SELECT * FROM push_messages WHERE kind = 'consultation' AND substr(dedupe_key, 1, length(?)) = ? ORDER BY id`)
      .all(consultationNoticePrefix(consultationId), consultationNoticePrefix(consultationId))
      .map(messageFromRow);
  }
}

function mapConstraintError(error: unknown): unknown {
  try {
    return mapConstraint(() => {
      throw error;
    });
  } catch (mapped) {
    return mapped;
  }
}
