import type { AdoptionDecision, CommentStatus, Consultation, ConsultationComment, ConsultationStatus } from '../../schemas/consultation.schema.js';
import type { Explanation, PushMessage } from '../../schemas/delivery.schema.js';
import type { Channel } from '../../schemas/subscriber.schema.js';

/** One consultation notice to queue: unique per (consultation, subscriber, channel). */
export interface NewConsultationNotice {
  consultationId: string;
  subscriberId: string;
  channel: Channel;
  subscriptionIds: string[];
  explanation: Explanation;
}

/**
 * 征求意见: drafts put out for comment, the public's comments, and the adoption decisions. Every
 * method that writes more than one row is atomic inside the adapter. A comment belongs to exactly
 * one adoption decision: the store's unique key refuses a second (conflict `comment_already_decided`).
 */
export interface ConsultationRepository {
  /** Conflict if the id exists. */
  insert(consultation: Consultation): Promise<void>;
  /** Optimistic on `revision` (conflict when the stored revision differs). */
  update(input: { consultation: Consultation; expectedRevision: number }): Promise<void>;
  get(id: string): Promise<Consultation | null>;
  /** Newest window first. */
  list(input: { statuses?: readonly ConsultationStatus[] }): Promise<Consultation[]>;
  /** Consultations whose final policy is this one (the policy page links their adoption reports). */
  listByFinalPolicy(policyId: string): Promise<Consultation[]>;

  insertComment(comment: ConsultationComment): Promise<void>;
  getComment(id: string): Promise<ConsultationComment | null>;
  /** In submission order. */
  listComments(input: { consultationId: string; status?: CommentStatus }): Promise<ConsultationComment[]>;
  /**
   * Moves a pending comment to approved or rejected; returns the updated comment, or null when it is
   * not pending any more (someone moderated it first).
   */
  moderateComment(input: { commentId: string; status: Exclude<CommentStatus, 'pending'>; reason: string | null; by: string; at: string }): Promise<ConsultationComment | null>;

  /** Writes the decision and claims each of its comments, all or nothing. */
  insertDecision(decision: AdoptionDecision): Promise<void>;
  listDecisions(consultationId: string): Promise<AdoptionDecision[]>;

  /** The subscriber's consultation-notice opt-in; null when they never chose. */
  getNoticePreference(subscriberId: string): Promise<boolean | null>;
  setNoticePreference(input: { subscriberId: string; wanted: boolean; at: string }): Promise<void>;
  /** Queues notices as push messages; a notice that exists already is skipped. */
  enqueueNotices(input: { notices: NewConsultationNotice[]; at: string }): Promise<{ inserted: number }>;
  /** The notices queued for one consultation (staff reach figures, the yearly report). */
  listNotices(consultationId: string): Promise<PushMessage[]>;
}
