import { expect } from 'chai';
import { createPolicyBodySchema, type PolicyRecord } from '../../schemas/policy.schema.js';
import {
  completenessSchema,
  packageContentSchema,
  type FaqItem,
  type InterpretationDraft,
  type InterpretationRelease,
  type QuestionGroup,
  type StoredImage,
  type StoredQuestion,
} from '../../schemas/interpretation.schema.js';
import { DomainError } from '../../server/errors.js';
import type { InterpretationPublication } from '../../server/ports/interpretation.port.js';
import type { Store } from '../../server/ports/store.port.js';
import { newPolicyRecord, publishTransition } from '../../server/services/policy-workflow.js';

const t = (minutes: number) => new Date(Date.parse('2026-05-01T00:00:00.000Z') + minutes * 60_000).toISOString();
const AT = t(0);
const ACTOR = { id: 'drafter', name: '起草', role: 'drafter' as const };

function policyOf(id: string): PolicyRecord {
  const body = createPolicyBodySchema.parse({ id, title: `测试政策${id}`, issuer: '测试机关', body: '第一条　内容。' });
  return newPolicyRecord({ id, body, actor: ACTOR, at: AT });
}

function faq(policyId: string, id: string, overrides: Partial<FaqItem> = {}): FaqItem {
  return {
    id,
    policyId,
    position: 0,
    question: `问题${id}？`,
    answer: '答案。',
    category: null,
    source: 'drafter',
    questionGroupId: null,
    status: 'draft',
    publishedAt: null,
    createdAt: AT,
    updatedAt: AT,
    updatedBy: 'drafter',
    revision: 1,
    ...overrides,
  };
}

function draft(policyId: string, revision: number, overrides: Partial<InterpretationDraft> = {}): InterpretationDraft {
  return { policyId, content: packageContentSchema.parse({ keyPoints: [`要点${revision}`] }), exemption: null, basedOnVersion: null, revision, updatedAt: AT, updatedBy: 'drafter', ...overrides };
}

function publication(policyId: string, version = 1): InterpretationPublication {
  const next = draft(policyId, 2, { basedOnVersion: version });
  const release: InterpretationRelease = {
    policyId,
    version,
    content: next.content,
    exemption: null,
    digest: 'digest-of-package',
    completeness: completenessSchema.parse({ complete: true, policyTypes: [], required: [], missing: [], warnings: [] }),
    faqs: [],
    comparison: null,
    reviews: [],
    publishedAt: AT,
  };
  return { draft: next, release };
}

function group(policyId: string, id: string, overrides: Partial<QuestionGroup> = {}): QuestionGroup {
  return {
    id,
    policyId,
    question: `问题${id}`,
    terms: ['专利', '资助'],
    askedCount: 1,
    firstAskedAt: AT,
    lastAskedAt: AT,
    status: 'open',
    answer: null,
    answeredAt: null,
    answeredBy: null,
    replyPublished: false,
    faqId: null,
    dismissReason: null,
    revision: 1,
    ...overrides,
  };
}

function question(policyId: string, id: string, groupId: string, askedAt: string): StoredQuestion {
  return { id, policyId, groupId, text: `能申请吗${id}`, nickname: null, terms: ['申请'], askedAt };
}

function image(id: string, createdBy: string): StoredImage {
  const hash = id.repeat(64).slice(0, 64);
  return { id: hash, sourceFormat: 'png', sourceBytes: 1000, width: 640, height: 480, variants: [{ width: 320, height: 240, format: 'webp', hash, bytes: 100 }], createdAt: AT, createdBy };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    expect((error as DomainError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

/** Interpretation packages, images, FAQ lists and public questions, as every store adapter must keep them. */
export function interpretationContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`Interpretation repository contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await create();
      await store.migrate();
    });
    afterEach(async () => store.close());

    async function changedSince(seq: number): Promise<string[]> {
      return (await store.policies.changesSince({ afterSeq: seq, limit: 100 })).map((c) => c.id);
    }

    it('saves the working package optimistically: first save creates, later saves need the read revision', async () => {
      await store.policies.insert(policyOf('p-draft'));
      expect(await store.interpretation.getDraft('p-draft')).to.equal(null);
      await store.interpretation.saveDraft({ draft: draft('p-draft', 1), expectedRevision: 0 });
      await expectCode(store.interpretation.saveDraft({ draft: draft('p-draft', 1), expectedRevision: 0 }), 'stale_revision');
      await store.interpretation.saveDraft({ draft: draft('p-draft', 2), expectedRevision: 1 });
      await expectCode(store.interpretation.saveDraft({ draft: draft('p-draft', 3), expectedRevision: 1 }), 'stale_revision');
      expect(await store.interpretation.getDraft('p-draft')).to.deep.equal(draft('p-draft', 2));
    });

    it('freezes the package and publishes draft FAQs in the publication transaction, or writes nothing', async () => {
      const policy = { ...policyOf('p-atomic'), status: 'approved' as const };
      await store.policies.insert(policy);
      await store.interpretation.insertFaq(faq('p-atomic', 'faq-1'));
      const result = publishTransition({ policy, actor: ACTOR, roundReviews: [], predecessor: null, at: AT, interpretation: { status: 'ready' } });
      await expectCode(
        store.policies.publish({ policy: result.policy, expectedRevision: policy.revision + 5, version: result.version, interpretation: publication('p-atomic') }),
        'stale_revision',
      );
      expect(await store.interpretation.getRelease({ policyId: 'p-atomic', version: 1 })).to.equal(null);
      expect((await store.interpretation.listFaqs({ policyId: 'p-atomic', statuses: ['draft'] })).map((f) => f.id)).to.deep.equal(['faq-1']);
      expect(await store.interpretation.getDraft('p-atomic')).to.equal(null);

      await store.policies.publish({ policy: result.policy, expectedRevision: policy.revision, version: result.version, interpretation: publication('p-atomic') });
      expect(await store.interpretation.getRelease({ policyId: 'p-atomic', version: 1 })).to.deep.equal(publication('p-atomic').release);
      expect((await store.interpretation.listFaqs({ policyId: 'p-atomic', statuses: ['published'] })).map((f) => [f.id, f.publishedAt, f.revision])).to.deep.equal([['faq-1', AT, 2]]);
      expect(await store.interpretation.getDraft('p-atomic')).to.deep.equal(publication('p-atomic').draft);
      expect(await store.interpretation.listReleases('p-atomic')).to.deep.equal([{ version: 1, publishedAt: AT, exempt: false }]);
    });

    it('records the package digest with the review, in the same transaction', async () => {
      const policy = { ...policyOf('p-review'), status: 'in_review' as const, reviewRound: 1 };
      await store.policies.insert(policy);
      const review = { round: 1, kind: 'legality' as const, decision: 'approved' as const, comment: '', reviewerId: 'r', reviewerName: '审查', at: AT };
      const recorded = await store.policies.addReview({ policyId: 'p-review', review, interpretationDigest: 'abc' });
      const second = await store.policies.addReview({ policyId: 'p-review', review: { ...review, kind: 'confidentiality' as const }, interpretationDigest: null });
      expect(await store.interpretation.reviewDigests({ policyId: 'p-review', round: 1 })).to.deep.equal([
        { reviewId: recorded.id, digest: 'abc' },
        { reviewId: second.id, digest: null },
      ]);
      await expectCode(store.policies.addReview({ policyId: 'p-review', review, policyUpdate: { policy, expectedRevision: 99 }, interpretationDigest: 'def' }), 'stale_revision');
      expect(await store.interpretation.reviewDigests({ policyId: 'p-review' })).to.have.length(2);
      expect(await store.interpretation.reviewDigests({ policyId: 'p-review', round: 2 })).to.deep.equal([]);
    });

    it('attaches a package to a version published earlier, with its FAQs public, and reports the policy as changed', async () => {
      const policy = { ...policyOf('p-import'), status: 'approved' as const };
      await store.policies.insert(policy);
      const result = publishTransition({ policy, actor: ACTOR, roundReviews: [], predecessor: null, at: AT, interpretation: { status: 'historical' } });
      await store.policies.publish({ policy: result.policy, expectedRevision: policy.revision, version: result.version });
      const before = await store.policies.latestSeq();
      const listed = faq('p-import', 'faq-i', { status: 'published', publishedAt: AT });
      await store.interpretation.importRelease({ publication: publication('p-import'), faqs: [listed] });
      expect((await store.interpretation.getRelease({ policyId: 'p-import', version: 1 }))?.digest).to.equal('digest-of-package');
      expect(await store.interpretation.listFaqs({ policyId: 'p-import', statuses: ['published'] })).to.deep.equal([listed]);
      expect(await changedSince(before)).to.deep.equal(['p-import']);
      // A release is frozen once.
      await expectCode(store.interpretation.importRelease({ publication: publication('p-import'), faqs: [] }), 'conflict');
    });

    it('keeps FAQ lists ordered and optimistic, and every FAQ write moves the policy in the change sequence', async () => {
      await store.policies.insert(policyOf('p-faq'));
      await store.policies.insert(policyOf('p-other'));
      await store.interpretation.insertFaq(faq('p-other', 'faq-foreign'));
      let seq = await store.policies.latestSeq();
      await store.interpretation.insertFaq(faq('p-faq', 'faq-a', { position: 0 }));
      await store.interpretation.insertFaq(faq('p-faq', 'faq-b', { position: 1, status: 'published', publishedAt: AT }));
      await store.interpretation.insertFaq(faq('p-faq', 'faq-c', { position: 2, status: 'withdrawn' }));
      expect(await changedSince(seq)).to.deep.equal(['p-faq']);
      await expectCode(store.interpretation.insertFaq(faq('p-faq', 'faq-a')), 'conflict');

      expect((await store.interpretation.listFaqs({ policyId: 'p-faq', statuses: ['draft', 'published'] })).map((f) => f.id)).to.deep.equal(['faq-a', 'faq-b']);
      expect(await store.interpretation.listFaqs({ policyId: 'p-faq', statuses: [] })).to.deep.equal([]);

      seq = await store.policies.latestSeq();
      const edited = { ...faq('p-faq', 'faq-a'), answer: '新的答案。', revision: 2, updatedAt: t(1) };
      await store.interpretation.updateFaq({ faq: edited, expectedRevision: 1 });
      await expectCode(store.interpretation.updateFaq({ faq: { ...edited, revision: 3 }, expectedRevision: 1 }), 'stale_revision');
      expect(await store.interpretation.getFaq('faq-a')).to.deep.equal(edited);
      expect(await changedSince(seq)).to.deep.equal(['p-faq']);

      seq = await store.policies.latestSeq();
      await store.interpretation.reorderFaqs({ policyId: 'p-faq', ids: ['faq-c', 'faq-a', 'faq-foreign', 'faq-b'], at: t(2), by: 'editor' });
      const all = await store.interpretation.listFaqs({ policyId: 'p-faq', statuses: ['draft', 'published', 'withdrawn'] });
      expect(all.map((f) => [f.id, f.position, f.revision, f.updatedBy])).to.deep.equal([
        ['faq-c', 0, 2, 'editor'],
        ['faq-a', 1, 3, 'editor'],
        ['faq-b', 3, 2, 'editor'],
      ]);
      expect(await store.interpretation.getFaq('faq-foreign')).to.include({ policyId: 'p-other', position: 0, revision: 1 });
      expect(await changedSince(seq)).to.deep.equal(['p-faq']);
      expect(await store.interpretation.getFaq('faq-missing')).to.equal(null);
    });

    it('stores each image once by its content hash', async () => {
      await store.interpretation.insertImage(image('a', 'first'));
      await store.interpretation.insertImage(image('a', 'second'));
      await store.interpretation.insertImage(image('b', 'first'));
      const found = await store.interpretation.getImages([image('b', '').id, image('a', '').id, image('c', '').id, image('a', '').id]);
      expect(found.map((i) => [i.id, i.createdBy]).sort()).to.deep.equal([
        [image('a', '').id, 'first'],
        [image('b', '').id, 'first'],
      ]);
      expect(found.find((i) => i.id === image('a', '').id)).to.deep.equal(image('a', 'first'));
      expect(await store.interpretation.getImages([])).to.deep.equal([]);
    });

    it('finds the published versions that show a media file, by any variant or video poster', async () => {
      const graphic = image('a', 'drafter');
      const poster = image('b', 'drafter');
      const second: StoredImage = { ...graphic, variants: [...graphic.variants, { width: 960, height: 720, format: 'jpeg', hash: 'd'.repeat(64), bytes: 300 }] };
      await store.interpretation.insertImage(second);
      await store.interpretation.insertImage(poster);
      for (const id of ['p-media', 'p-poster', 'p-plain']) {
        const policy = { ...policyOf(id), status: 'approved' as const };
        await store.policies.insert(policy);
        const result = publishTransition({ policy, actor: ACTOR, roundReviews: [], predecessor: null, at: AT, interpretation: { status: 'ready' } });
        const published = publication(id);
        const content =
          id === 'p-media'
            ? packageContentSchema.parse({ graphics: [{ imageId: graphic.id, alt: '流程图' }] })
            : id === 'p-poster'
              ? packageContentSchema.parse({ videos: [{ title: '政策解读视频', url: 'https://example.org/v.mp4', durationSeconds: 60, posterImageId: poster.id }] })
              : published.release.content;
        await store.policies.publish({
          policy: result.policy,
          expectedRevision: policy.revision,
          version: result.version,
          interpretation: { ...published, release: { ...published.release, content } },
        });
      }
      expect(await store.interpretation.releasesShowingMedia({ hash: graphic.id })).to.deep.equal([{ policyId: 'p-media', version: 1 }]);
      expect(await store.interpretation.releasesShowingMedia({ hash: 'd'.repeat(64) })).to.deep.equal([{ policyId: 'p-media', version: 1 }]);
      expect(await store.interpretation.releasesShowingMedia({ hash: poster.id })).to.deep.equal([{ policyId: 'p-poster', version: 1 }]);
      // Stored but shown by no release (an upload not attached, or only in a working package).
      await store.interpretation.insertImage(image('c', 'drafter'));
      await store.interpretation.saveDraft({ draft: draft('p-plain', 3, { content: packageContentSchema.parse({ graphics: [{ imageId: image('c', '').id, alt: '草稿图解' }] }) }), expectedRevision: 2 });
      expect(await store.interpretation.releasesShowingMedia({ hash: image('c', '').id })).to.deep.equal([]);
      expect(await store.interpretation.releasesShowingMedia({ hash: 'e'.repeat(64) })).to.deep.equal([]);
    });

    it('groups public questions, keeps counts under concurrency, lists the queue and publishes replies', async () => {
      await store.policies.insert(policyOf('p-q'));
      await store.policies.insert(policyOf('p-q2'));
      await store.interpretation.addQuestion({ question: question('p-q', 'q-1', 'g-1', t(1)), clientHash: 'client-a', group: { open: group('p-q', 'g-1', { firstAskedAt: t(1), lastAskedAt: t(1) }) } });
      const g1 = await store.interpretation.getGroup('g-1');
      if (!g1) throw new Error('group not stored');
      await Promise.all(
        ['q-2', 'q-3', 'q-4'].map((id, i) =>
          store.interpretation.addQuestion({ question: question('p-q', id, 'g-1', t(2 + i)), clientHash: i === 0 ? 'client-a' : 'client-b', group: { join: g1 } }),
        ),
      );
      expect(await store.interpretation.getGroup('g-1')).to.include({ askedCount: 4, lastAskedAt: t(4), revision: 4 });
      await expectCode(
        store.interpretation.addQuestion({ question: question('p-q', 'q-x', 'g-gone', t(5)), clientHash: 'client-a', group: { join: group('p-q', 'g-gone') } }),
        'question_group_gone',
      );
      expect(await store.interpretation.getQuestion('q-x')).to.equal(null);
      expect(await store.interpretation.countQuestionsSince({ clientHash: 'client-a', since: t(1) })).to.equal(2);
      expect(await store.interpretation.countQuestionsSince({ clientHash: 'client-a', since: t(2) })).to.equal(1);
      expect(await store.interpretation.getQuestion('q-1')).to.deep.equal(question('p-q', 'q-1', 'g-1', t(1)));

      await store.interpretation.addQuestion({ question: question('p-q', 'q-5', 'g-2', t(0)), clientHash: 'client-c', group: { open: group('p-q', 'g-2') } });
      await store.interpretation.addQuestion({ question: question('p-q2', 'q-6', 'g-3', t(9)), clientHash: 'client-c', group: { open: group('p-q2', 'g-3', { firstAskedAt: t(9), lastAskedAt: t(9) }) } });
      expect((await store.interpretation.listQuestions(['g-2', 'g-1'])).map((q) => q.id)).to.deep.equal(['q-5', 'q-1', 'q-2', 'q-3', 'q-4']);
      expect(await store.interpretation.listQuestions([])).to.deep.equal([]);

      const age = await store.interpretation.listGroups({ status: 'open', sort: 'age', limit: 2, offset: 0 });
      expect([age.total, age.items.map((g) => g.id)]).to.deep.equal([3, ['g-2', 'g-1']]);
      const demand = await store.interpretation.listGroups({ status: 'open', sort: 'demand', limit: 10, offset: 1 });
      expect([demand.total, demand.items.map((g) => g.id)]).to.deep.equal([3, ['g-2', 'g-3']]);
      const ofPolicy = await store.interpretation.listGroups({ policyId: 'p-q2', status: 'open', sort: 'age', limit: 10, offset: 0 });
      expect([ofPolicy.total, ofPolicy.items.map((g) => g.id)]).to.deep.equal([1, ['g-3']]);
      expect((await store.interpretation.listGroupsOfPolicy({ policyId: 'p-q', statuses: ['open', 'answered'] })).map((g) => g.id)).to.deep.equal(['g-2', 'g-1']);

      const seq = await store.policies.latestSeq();
      const current = await store.interpretation.getGroup('g-1');
      if (!current) throw new Error('group missing');
      const answered: QuestionGroup = { ...current, status: 'answered', answer: '可以。', answeredAt: t(10), answeredBy: 'drafter', replyPublished: true, faqId: 'faq-from-g1', revision: current.revision + 1 };
      const promoted = faq('p-q', 'faq-from-g1', { source: 'public_question', questionGroupId: 'g-1', status: 'published', publishedAt: t(10) });
      await store.interpretation.updateGroup({ group: answered, expectedRevision: current.revision, faq: promoted });
      await expectCode(store.interpretation.updateGroup({ group: answered, expectedRevision: current.revision }), 'stale_revision');
      expect(await store.interpretation.getGroup('g-1')).to.deep.equal(answered);
      expect(await store.interpretation.getFaq('faq-from-g1')).to.deep.equal(promoted);
      expect((await store.interpretation.listPublishedReplies('p-q')).map((g) => g.id)).to.deep.equal(['g-1']);
      expect(await changedSince(seq)).to.deep.equal(['p-q']);
      expect((await store.interpretation.listGroupsOfPolicy({ policyId: 'p-q', statuses: ['open'] })).map((g) => g.id)).to.deep.equal(['g-2']);
    });

    it('moves a question between groups atomically; a group left empty goes', async () => {
      await store.policies.insert(policyOf('p-move'));
      await store.interpretation.addQuestion({ question: question('p-move', 'q-1', 'g-1', t(1)), clientHash: 'c', group: { open: group('p-move', 'g-1') } });
      const g1 = await store.interpretation.getGroup('g-1');
      if (!g1) throw new Error('group missing');
      await store.interpretation.addQuestion({ question: question('p-move', 'q-2', 'g-1', t(2)), clientHash: 'c', group: { join: g1 } });
      const full = await store.interpretation.getGroup('g-1');
      if (!full) throw new Error('group missing');

      const q2 = question('p-move', 'q-2', 'g-1', t(2));
      const seq = await store.policies.latestSeq();
      await store.interpretation.moveQuestion({
        question: q2,
        from: { group: { ...full, askedCount: 1, revision: full.revision + 1 }, expectedRevision: full.revision },
        to: { open: group('p-move', 'g-2', { firstAskedAt: t(2), lastAskedAt: t(2) }) },
      });
      expect(await store.interpretation.getQuestion('q-2')).to.include({ groupId: 'g-2' });
      expect(await store.interpretation.getGroup('g-1')).to.include({ askedCount: 1, revision: full.revision + 1 });
      expect(await changedSince(seq)).to.deep.equal(['p-move']);

      // Stale source: nothing moves.
      const g2 = await store.interpretation.getGroup('g-2');
      if (!g2) throw new Error('group missing');
      const q1 = question('p-move', 'q-1', 'g-1', t(1));
      await expectCode(
        store.interpretation.moveQuestion({
          question: q1,
          from: { group: { ...full, askedCount: 0 }, expectedRevision: full.revision },
          to: { join: { ...g2, askedCount: 2, revision: g2.revision + 1 }, expectedRevision: g2.revision },
        }),
        'stale_revision',
      );
      expect(await store.interpretation.getQuestion('q-1')).to.include({ groupId: 'g-1' });
      expect(await store.interpretation.getGroup('g-2')).to.deep.equal(g2);

      const g1now = await store.interpretation.getGroup('g-1');
      if (!g1now) throw new Error('group missing');
      await store.interpretation.moveQuestion({
        question: q1,
        from: { group: { ...g1now, askedCount: 0 }, expectedRevision: g1now.revision },
        to: { join: { ...g2, askedCount: 2, revision: g2.revision + 1 }, expectedRevision: g2.revision },
      });
      expect(await store.interpretation.getGroup('g-1')).to.equal(null);
      expect(await store.interpretation.getGroup('g-2')).to.include({ askedCount: 2 });
      expect((await store.interpretation.listQuestions(['g-2'])).map((q) => q.id)).to.deep.equal(['q-1', 'q-2']);
    });
  });
}
