import type { Dimension, Tag } from '../../schemas/taxonomy.schema.js';
import type { PolicyRecord, PolicyVersion, ReviewRecord } from '../../schemas/policy.schema.js';
import type { Role, User } from '../../schemas/user.schema.js';
import type { Contact, ParkRequestStatus, Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import type { MatchingJob } from '../../schemas/delivery.schema.js';
import type { DomainError } from '../errors.js';
import type { DeliveryLeaseRepository, DeliveryLogRepository, DigestRepository, OutboxRepository, PushSettingsRepository } from './push-queue.port.js';
import type { WebAccountRepository } from './web-account.port.js';
import type { InterpretationPublication, InterpretationRepository } from './interpretation.port.js';
import type { AuditRepository } from './audit.port.js';
import type { NewAuditEntry } from '../../schemas/audit.schema.js';
import type { PushTrackingRepository } from './push-tracking.port.js';
import type { WechatChannelRepository } from './wechat-channels.port.js';
import type { TextFindingsRepository } from './text-findings.port.js';
import type { CalendarAdjustmentRepository, DisclosureRequestRepository } from './disclosure.port.js';
import type { ConsultationRepository } from './consultation.port.js';
import type { ReportFigureRepository } from './report-figures.port.js';

/**
 * The source of truth. Every method that writes more than one row is atomic inside the adapter,
 * so the core never needs a transaction handle and any engine can implement the port.
 * Adapters turn uniqueness violations into `DomainError` of type `conflict`, naming the conflict from
 * the catalogue in server/conflict-catalog.ts.
 */
export interface Store {
  readonly kind: string;
  readonly taxonomy: TaxonomyRepository;
  readonly policies: PolicyRepository;
  readonly users: UserRepository;
  readonly subscribers: SubscriberRepository;
  readonly subscriptions: SubscriptionRepository;
  /** What is queued for push (deliveries, reminders, confirmations). */
  readonly outbox: OutboxRepository;
  /** The dispatcher's claims, results and leases. */
  readonly deliveryLeases: DeliveryLeaseRepository;
  readonly digests: DigestRepository;
  readonly deliveryLog: DeliveryLogRepository;
  readonly pushSettings: PushSettingsRepository;
  readonly matchingJobs: MatchingJobRepository;
  /** Web portal sign-in accounts and browser sessions. */
  readonly webAccounts: WebAccountRepository;
  /** Interpretation packages, images, FAQ lists and public questions. */
  readonly interpretation: InterpretationRepository;
  /** Append-only trail of staff actions; write methods below take an `audit` entry to record in their transaction. */
  readonly audit: AuditRepository;
  /** First opens and 与我无关 feedback of pushes, and the statistics over them. */
  readonly pushTracking: PushTrackingRepository;
  /** 服务号 settings, park group robots and the platform access tokens the workers share. */
  readonly wechatChannels: WechatChannelRepository;
  /** Repairs and suspect-line decisions of each draft's text (document hygiene). */
  readonly textFindings: TextFindingsRepository;
  /** Local working-day adjustments an administrator keeps (the official schedule comes from the calendar). */
  readonly calendarAdjustments: CalendarAdjustmentRepository;
  /** 依申请公开 cases and the mail they send. */
  readonly disclosureRequests: DisclosureRequestRepository;
  /** 征求意见: drafts out for comment, comments, adoption decisions, notice opt-ins. */
  readonly consultations: ConsultationRepository;
  /** Yearly report figures staff enter (reconsideration, litigation). */
  readonly reportFigures: ReportFigureRepository;
  /** Creates or upgrades the schema; safe to call on every start. */
  migrate(): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface TaxonomyRepository {
  listDimensions(): Promise<Dimension[]>;
  listTags(): Promise<Tag[]>;
  /** Replaces nothing: inserts dimensions and tags that do not exist yet (demo data, first start). */
  seed(input: { dimensions: Dimension[]; tags: Tag[] }): Promise<void>;
  insertTag(tag: Tag): Promise<void>;
  updateTag(tag: Tag): Promise<void>;
  /**
   * Marks `fromId` merged into `intoId` and rewrites every policy working copy and version, every
   * subscriber profile and every subscription that referenced it, in one transaction.
   */
  mergeTag(input: { fromId: string; intoId: string; at: string }): Promise<{ policiesRewritten: number; subscribersRewritten: number; subscriptionsRewritten: number }>;
}

export interface PolicyChange {
  id: string;
  seq: number;
}

export interface PolicyRepository {
  get(id: string): Promise<PolicyRecord | null>;
  /** Conflict if the id exists. */
  insert(policy: PolicyRecord, options?: { audit?: NewAuditEntry }): Promise<void>;
  /**
   * Optimistic concurrency: writes only if the stored revision equals `expectedRevision`
   * (conflict otherwise). The adapter stores `policy.revision` as given.
   */
  update(input: { policy: PolicyRecord; expectedRevision: number; audit?: NewAuditEntry }): Promise<void>;
  /**
   * Atomically: updates the working copy (as `update`), inserts the immutable version
   * (conflict if that version number exists) and, when given, updates the predecessor.
   */
  publish(input: {
    policy: PolicyRecord;
    expectedRevision: number;
    version: PolicyVersion;
    predecessor?: { policy: PolicyRecord; expectedRevision: number };
    /** The interpretation package frozen with the version; its draft FAQs become public. */
    interpretation?: InterpretationPublication;
    audit?: NewAuditEntry;
  }): Promise<void>;
  /** Records a review and, when the decision moves the workflow, the updated working copy, atomically. */
  /**
   * Writes a document that arrives with its history (bulk import): the working copy, its versions
   * and review records, and the predecessor it supersedes, all or nothing.
   */
  importPolicy(input: PolicyImport): Promise<void>;
  /** Many imported documents in one transaction (a batch of a bulk import); see `BatchWriteResult`. */
  importBatch(items: PolicyImport[]): Promise<BatchWriteResult>;
  addReview(input: {
    policyId: string;
    review: Omit<ReviewRecord, 'id'>;
    policyUpdate?: { policy: PolicyRecord; expectedRevision: number };
    /** The interpretation package digest the reviewer saw (null: the policy had no package). */
    interpretationDigest?: string | null;
    audit?: NewAuditEntry;
  }): Promise<ReviewRecord>;
  listReviews(input: { policyId: string; round?: number }): Promise<ReviewRecord[]>;
  getVersion(input: { policyId: string; version: number }): Promise<PolicyVersion | null>;
  listVersions(input: { policyId: string }): Promise<PolicyVersion[]>;
  /** Working copies for staff lists, newest first. */
  list(input: { status?: PolicyRecord['status']; limit: number; offset: number }): Promise<{ total: number; items: PolicyRecord[] }>;
  count(): Promise<number>;
  /**
   * Policies whose public face changed after `afterSeq` (published, revised, repealed, retagged),
   * in change order. Feeds the search index and, later, the matcher.
   */
  changesSince(input: { afterSeq: number; limit: number }): Promise<PolicyChange[]>;
  /** Ids of every policy with at least one published version, for full rebuilds. */
  listPublishedIds(): Promise<string[]>;
  latestSeq(): Promise<number>;
  /** The current published version of every policy, with the policy's validity (feeds, catalogs). */
  listCurrentVersions(): Promise<{ version: PolicyVersion; validity: PolicyRecord['validity'] }[]>;
}

export interface StoredUser extends User {
  tokenHash: string;
}

export interface UserRepository {
  insert(user: StoredUser): Promise<void>;
  get(id: string): Promise<StoredUser | null>;
  findByTokenHash(tokenHash: string): Promise<StoredUser | null>;
  list(): Promise<User[]>;
  /** Creates or re-keys a user, used to bootstrap the first admin from ADMIN_TOKEN. */
  upsertWithToken(input: { id: string; name: string; role: Role; tokenHash: string; at: string }): Promise<void>;
  /** Disables or enables the account and records `audit`, atomically; false when there is no such user. */
  setDisabled(input: { id: string; disabled: boolean; audit: NewAuditEntry }): Promise<boolean>;
  /** Replaces the token hash (the old token stops working) and records `audit`, atomically; false when there is no such user. */
  replaceToken(input: { id: string; tokenHash: string; audit: NewAuditEntry }): Promise<boolean>;
}

/** A document that arrives with its history (bulk import). */
export interface PolicyImport {
  policy: PolicyRecord;
  versions: PolicyVersion[];
  reviews: Omit<ReviewRecord, 'id'>[];
  predecessor?: { policy: PolicyRecord; expectedRevision: number };
  /** The import's audit entry, written in the same transaction. */
  audit?: NewAuditEntry;
}

/**
 * A batch written in one transaction. An item refused by a domain rule (a uniqueness conflict, a
 * stale revision) is left out whole and listed by its position; every other item commits together.
 * Any other failure (the store unreachable or busy) rejects the call and writes nothing.
 */
export interface BatchWriteResult {
  refused: { index: number; error: DomainError }[];
}

export interface ChangedId {
  id: string;
  seq: number;
}

export interface SubscriberRepository {
  /** Inserts the subscriber with its contacts and first token, atomically. Conflicts: credit code, email. */
  insert(input: { subscriber: Subscriber; tokenHash: string }): Promise<void>;
  /** Many subscribers in one transaction (a batch of a bulk import); see `BatchWriteResult`. */
  insertBatch(items: { subscriber: Subscriber; tokenHash: string }[]): Promise<BatchWriteResult>;
  get(id: string): Promise<Subscriber | null>;
  findByTokenHash(tokenHash: string): Promise<Subscriber | null>;
  findByCreditCode(creditCode: string): Promise<Subscriber | null>;
  /** Replaces profile, name, park and contacts; optimistic on `revision` like policies. */
  update(input: { subscriber: Subscriber; expectedRevision: number }): Promise<void>;
  addToken(input: { subscriberId: string; tokenHash: string; at: string }): Promise<void>;
  /** With `parkId`: that park's confirmed members (requests are never members). */
  list(input: { kind?: Subscriber['kind']; parkId?: string; limit: number; offset: number }): Promise<{ total: number; items: Subscriber[] }>;
  /** Enterprises whose request to join the park has the status, oldest first. */
  listParkRequests(input: { parkId: string; status: ParkRequestStatus; limit: number; offset: number }): Promise<{ total: number; items: Subscriber[] }>;
  count(): Promise<number>;
  /** Subscribers whose profile, contacts or subscriptions changed after `afterSeq`, in change order. */
  changesSince(input: { afterSeq: number; limit: number }): Promise<ChangedId[]>;
  latestSeq(): Promise<number>;
  /** Loads many at once (audience rebuilds, outbox explanations). Missing ids are left out. */
  getMany(ids: string[]): Promise<Subscriber[]>;
  setContactState(input: { contactId: string; confirmedAt?: string | null; invalidAt?: string | null; at: string }): Promise<Contact | null>;
}

export interface SubscriptionRepository {
  insert(subscription: Subscription): Promise<void>;
  get(id: string): Promise<Subscription | null>;
  /** Updates a live subscription in place (criteria, keywords, channels, name). */
  update(subscription: Subscription): Promise<void>;
  /** Ends one row and starts its successor in one transaction (a frequency change keeps history). */
  replace(input: { ended: Subscription; started: Subscription }): Promise<void>;
  listBySubscriber(input: { subscriberId: string; includeEnded: boolean }): Promise<Subscription[]>;
  /** Many subscribers' subscriptions at once (audience rebuilds). */
  listBySubscribers(input: { subscriberIds: string[]; includeEnded: boolean }): Promise<Subscription[]>;
}

export interface MatchingJobRepository {
  /** Published versions with no finished job whose lease (if any) has expired, oldest first. */
  listDue(input: { now: string; limit: number }): Promise<{ policyId: string; version: number }[]>;
  /** Takes the job if nobody holds a live lease on it and it is not finished. */
  claim(input: { policyId: string; version: number; now: string; leaseUntil: string }): Promise<boolean>;
  extendLease(input: { policyId: string; version: number; leaseUntil: string }): Promise<void>;
  finish(input: { policyId: string; version: number; status: 'done' | 'skipped'; reason: string | null; matched: number; written: number; at: string }): Promise<void>;
  get(input: { policyId: string; version: number }): Promise<MatchingJob | null>;
}
