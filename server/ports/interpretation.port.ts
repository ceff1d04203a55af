import type {
  FaqItem,
  InterpretationDraft,
  InterpretationRelease,
  QuestionGroup,
  QuestionStatus,
  StoredImage,
  StoredQuestion,
} from '../../schemas/interpretation.schema.js';

/**
 * What a policy publication freezes besides the version: the package as reviewed and the FAQs
 * written for it, which become public in the same transaction.
 */
export interface InterpretationPublication {
  release: InterpretationRelease;
  /** The working package afterwards: the same content, now based on the new version. */
  draft: InterpretationDraft;
}

/**
 * Interpretation packages, images, FAQ lists and public questions. FAQ and reply changes count as
 * changes of their policy's public face (the policy's change sequence moves), so everything that
 * follows policy changes (the FAQ search index) follows them too.
 */
export interface InterpretationRepository {
  getDraft(policyId: string): Promise<InterpretationDraft | null>;
  /** Inserts when `expectedRevision` is 0, otherwise writes only over that revision (conflict `stale_revision`). */
  saveDraft(input: { draft: InterpretationDraft; expectedRevision: number }): Promise<void>;
  getRelease(input: { policyId: string; version: number }): Promise<InterpretationRelease | null>;
  listReleases(policyId: string): Promise<{ version: number; publishedAt: string; exempt: boolean }[]>;
  /**
   * Attaches a package to a version published earlier without one (historical documents, demo data):
   * the release, the working package and the FAQs, already public, in one transaction.
   */
  importRelease(input: { publication: InterpretationPublication; faqs: FaqItem[] }): Promise<void>;
  /** The package digest each review of a round saw (recorded atomically with the review). */
  reviewDigests(input: { policyId: string; round?: number }): Promise<{ reviewId: number; digest: string | null }[]>;

  /** Content-addressed: inserting an image that exists already does nothing. */
  insertImage(image: StoredImage): Promise<void>;
  getImages(ids: readonly string[]): Promise<StoredImage[]>;
  /**
   * The published versions whose frozen package shows a media file (a variant of a graphic or a
   * video poster), found by the file's hash; the public may see a file only through one of them.
   */
  releasesShowingMedia(input: { hash: string }): Promise<{ policyId: string; version: number }[]>;

  listFaqs(input: { policyId: string; statuses: readonly FaqItem['status'][] }): Promise<FaqItem[]>;
  getFaq(id: string): Promise<FaqItem | null>;
  insertFaq(faq: FaqItem): Promise<void>;
  updateFaq(input: { faq: FaqItem; expectedRevision: number }): Promise<void>;
  /** Sets positions in the given order, atomically. */
  reorderFaqs(input: { policyId: string; ids: readonly string[]; at: string; by: string }): Promise<void>;

  /** Stores a question and either joins it to a group (counts move) or opens a new group, atomically. */
  addQuestion(input: { question: StoredQuestion; clientHash: string; group: { join: QuestionGroup } | { open: QuestionGroup } }): Promise<void>;
  countQuestionsSince(input: { clientHash: string; since: string }): Promise<number>;
  getQuestion(id: string): Promise<StoredQuestion | null>;
  listQuestions(groupIds: readonly string[]): Promise<StoredQuestion[]>;
  getGroup(id: string): Promise<QuestionGroup | null>;
  /** Groups of a policy in the given states, for grouping a new question. */
  listGroupsOfPolicy(input: { policyId: string; statuses: readonly QuestionStatus[] }): Promise<QuestionGroup[]>;
  /** The drafter queue: `age` oldest first, `demand` most asked first. */
  listGroups(input: {
    policyId?: string;
    status: QuestionStatus;
    sort: 'age' | 'demand';
    limit: number;
    offset: number;
  }): Promise<{ total: number; items: QuestionGroup[] }>;
  /** Answered groups whose reply is public, most asked first. */
  listPublishedReplies(policyId: string): Promise<QuestionGroup[]>;
  /** Updates a group (optimistic on `revision`) and, when given, inserts the FAQ promoted from it. */
  updateGroup(input: { group: QuestionGroup; expectedRevision: number; faq?: FaqItem }): Promise<void>;
  /** Moves a question from one group to another (or a new one); counts follow, empty groups are deleted. */
  moveQuestion(input: {
    question: StoredQuestion;
    from: { group: QuestionGroup; expectedRevision: number };
    to: { join: QuestionGroup; expectedRevision: number } | { open: QuestionGroup };
  }): Promise<void>;
}
