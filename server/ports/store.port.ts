import type { Dimension, Tag } from '../../schemas/taxonomy.schema.js';
import type { PolicyRecord, PolicyVersion, ReviewRecord } from '../../schemas/policy.schema.js';
import type { Role, User } from '../../schemas/user.schema.js';

/**
 * The source of truth. Every method that writes more than one row is atomic inside the adapter,
 * so the core never needs a transaction handle and any engine can implement the port.
 * Adapters turn uniqueness violations into `DomainError` of type `conflict`.
 */
export interface Store {
  readonly kind: string;
  readonly taxonomy: TaxonomyRepository;
  readonly policies: PolicyRepository;
  readonly users: UserRepository;
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
   * Marks `fromId` merged into `intoId` and rewrites every policy working copy and version that
   * referenced it, in one transaction. Returns how many policies changed.
   */
  mergeTag(input: { fromId: string; intoId: string; at: string }): Promise<{ policiesRewritten: number }>;
}

export interface PolicyChange {
  id: string;
  seq: number;
}

export interface PolicyRepository {
  get(id: string): Promise<PolicyRecord | null>;
  /** Conflict if the id exists. */
  insert(policy: PolicyRecord): Promise<void>;
  /**
   * Optimistic concurrency: writes only if the stored revision equals `expectedRevision`
   * (conflict otherwise). The adapter stores `policy.revision` as given.
   */
  update(input: { policy: PolicyRecord; expectedRevision: number }): Promise<void>;
  /**
   * Atomically: updates the working copy (as `update`), inserts the immutable version
   * (conflict if that version number exists) and, when given, updates the predecessor.
   */
  publish(input: {
    policy: PolicyRecord;
    expectedRevision: number;
    version: PolicyVersion;
    predecessor?: { policy: PolicyRecord; expectedRevision: number };
  }): Promise<void>;
  /** Records a review and, when the decision moves the workflow, the updated working copy, atomically. */
  /**
   * Writes a document that arrives with its history (bulk import): the working copy, its versions
   * and review records, and the predecessor it supersedes, all or nothing.
   */
  importPolicy(input: {
    policy: PolicyRecord;
    versions: PolicyVersion[];
    reviews: Omit<ReviewRecord, 'id'>[];
    predecessor?: { policy: PolicyRecord; expectedRevision: number };
  }): Promise<void>;
  addReview(input: {
    policyId: string;
    review: Omit<ReviewRecord, 'id'>;
    policyUpdate?: { policy: PolicyRecord; expectedRevision: number };
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
}
