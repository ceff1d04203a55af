import { expect } from 'chai';
import type { AdoptionDecision, Consultation, ConsultationComment } from '../../schemas/consultation.schema.js';
import { EMPTY_REVIEW_FIGURES } from '../../schemas/annual-report.schema.js';
import { DomainError } from '../../server/errors.js';
import type { Store } from '../../server/ports/store.port.js';

const AT = '2026-05-01T02:00:00.000Z';

function consultation(id: string, overrides: Partial<Consultation> = {}): Consultation {
  return {
    id,
    title: `草案 ${id}`,
    draftText: '第一条　适用范围。\n第二条　施行日期。',
    articles: [{ anchor: 'a1', kind: 'article', label: '第一条', title: null, text: '适用范围。', children: [] }],
    explanation: '起草说明',
    tags: ['need-pledge'],
    major: true,
    startDate: '2026-05-01',
    endDate: '2026-06-05',
    shortWindowReason: null,
    status: 'open',
    finalPolicyId: null,
    feedbackSummary: null,
    createdBy: 'drafter-a',
    createdAt: AT,
    updatedAt: AT,
    openedAt: AT,
    closedAt: null,
    feedbackPublishedAt: null,
    revision: 1,
    ...overrides,
  };
}

function comment(id: string, consultationId: string, overrides: Partial<ConsultationComment> = {}): ConsultationComment {
  return {
    id,
    consultationId,
    articleAnchor: null,
    articleLabel: null,
    text: '一条意见',
    name: null,
    anonymous: true,
    status: 'pending',
    rejectReason: null,
    moderatedBy: null,
    moderatedAt: null,
    submittedAt: AT,
    ...overrides,
  };
}

function decision(id: string, consultationId: string, commentIds: string[]): AdoptionDecision {
  return { id, consultationId, commentIds, summary: '概要', outcome: 'adopted', reason: '理由', decidedBy: 'drafter-a', decidedAt: AT };
}

async function expectConflict(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    expect((error as DomainError).code).to.equal(code);
    return;
  }
  expect.fail(`expected a ${code} conflict`);
}

/** 征求意见 and yearly-report figures: what every store adapter must provide. */
export function consultationContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`consultation repositories contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
      await store.migrate();
    });
    afterEach(async () => store.close());

    it('stores consultations whole, lists them newest window first and by status, and refuses a duplicate id', async () => {
      const first = consultation('c-aaaaaaaa');
      await store.consultations.insert(first);
      await store.consultations.insert(consultation('c-bbbbbbbb', { endDate: '2026-07-01', status: 'draft' }));
      expect(await store.consultations.get('c-aaaaaaaa')).to.deep.equal(first);
      expect(await store.consultations.get('c-missing1')).to.equal(null);
      expect((await store.consultations.list({})).map((c) => c.id)).to.deep.equal(['c-bbbbbbbb', 'c-aaaaaaaa']);
      expect((await store.consultations.list({ statuses: ['open'] })).map((c) => c.id)).to.deep.equal(['c-aaaaaaaa']);
      try {
        await store.consultations.insert({ ...first, title: '重复' });
        expect.fail('a duplicate id must be refused');
      } catch (error) {
        expect(error).to.be.instanceOf(DomainError);
        expect((error as DomainError).type).to.equal('conflict');
      }
      expect((await store.consultations.get(first.id))?.title).to.equal(first.title);
    });

    it('updates only at the expected revision and finds consultations by their final policy', async () => {
      const first = consultation('c-aaaaaaaa');
      await store.consultations.insert(first);
      const closed = { ...first, status: 'feedback_published' as const, finalPolicyId: 'p-final', revision: 2 };
      await store.consultations.update({ consultation: closed, expectedRevision: 1 });
      await expectConflict(store.consultations.update({ consultation: { ...closed, title: '过期的修改', revision: 3 }, expectedRevision: 1 }), 'consultation_changed');
      expect((await store.consultations.get(first.id))?.title).to.equal(first.title);
      expect((await store.consultations.listByFinalPolicy('p-final')).map((c) => c.id)).to.deep.equal([first.id]);
      expect(await store.consultations.listByFinalPolicy('p-other')).to.deep.equal([]);
    });

    it('keeps comments in submission order, filters by status and moderates a pending comment once', async () => {
      await store.consultations.insert(consultation('c-aaaaaaaa'));
      await store.consultations.insertComment(comment('cc-second1', 'c-aaaaaaaa', { submittedAt: '2026-05-02T00:00:00.000Z' }));
      await store.consultations.insertComment(comment('cc-first01', 'c-aaaaaaaa', { articleAnchor: 'a1', articleLabel: '第一条', name: '王先生' }));
      expect((await store.consultations.listComments({ consultationId: 'c-aaaaaaaa' })).map((c) => c.id)).to.deep.equal(['cc-first01', 'cc-second1']);
      const approved = await store.consultations.moderateComment({ commentId: 'cc-first01', status: 'approved', reason: null, by: 'reviewer-a', at: AT });
      expect(approved).to.deep.include({ status: 'approved', moderatedBy: 'reviewer-a', name: '王先生', articleLabel: '第一条' });
      expect(await store.consultations.moderateComment({ commentId: 'cc-first01', status: 'rejected', reason: '重复', by: 'reviewer-b', at: AT })).to.equal(null);
      expect((await store.consultations.listComments({ consultationId: 'c-aaaaaaaa', status: 'approved' })).map((c) => c.id)).to.deep.equal(['cc-first01']);
      expect((await store.consultations.getComment('cc-first01'))?.status).to.equal('approved');
    });

    it('lets a comment belong to one adoption decision only, writing nothing of a refused decision', async () => {
      await store.consultations.insert(consultation('c-aaaaaaaa'));
      for (const id of ['cc-one0001', 'cc-two0002']) await store.consultations.insertComment(comment(id, 'c-aaaaaaaa', { status: 'approved' }));
      await store.consultations.insertDecision(decision('ad-first01', 'c-aaaaaaaa', ['cc-one0001']));
      await expectConflict(store.consultations.insertDecision(decision('ad-second1', 'c-aaaaaaaa', ['cc-two0002', 'cc-one0001'])), 'comment_already_decided');
      expect((await store.consultations.listDecisions('c-aaaaaaaa')).map((d) => d.id)).to.deep.equal(['ad-first01']);
      // The refused decision claimed nothing: its other comment can still be decided.
      await store.consultations.insertDecision(decision('ad-third01', 'c-aaaaaaaa', ['cc-two0002']));
      expect((await store.consultations.listDecisions('c-aaaaaaaa')).map((d) => d.commentIds)).to.deep.equal([['cc-one0001'], ['cc-two0002']]);
    });

    it('remembers the notice opt-in and queues one notice per consultation, subscriber and channel', async () => {
      expect(await store.consultations.getNoticePreference('sub-a')).to.equal(null);
      await store.consultations.setNoticePreference({ subscriberId: 'sub-a', wanted: true, at: AT });
      await store.consultations.setNoticePreference({ subscriberId: 'sub-a', wanted: false, at: AT });
      expect(await store.consultations.getNoticePreference('sub-a')).to.equal(false);
      const explanation = { eligible: true, eligibility: {}, unknown: [], subscriptions: [{ subscriptionId: 's-1', matchedTags: { need: ['need-pledge'] }, matchedKeywords: [] }] };
      const notice = { consultationId: 'c-aaaaaaaa', subscriberId: 'sub-a', channel: 'email' as const, subscriptionIds: ['s-1'], explanation };
      expect(await store.consultations.enqueueNotices({ notices: [notice, { ...notice, channel: 'wechat' }], at: AT })).to.deep.equal({ inserted: 2 });
      expect(await store.consultations.enqueueNotices({ notices: [notice, { ...notice, consultationId: 'c-bbbbbbbb' }], at: AT })).to.deep.equal({ inserted: 1 });
      const queued = await store.consultations.listNotices('c-aaaaaaaa');
      expect(queued.map((m) => [m.kind, m.channel, m.status, m.subscriberId])).to.deep.equal([
        ['consultation', 'email', 'pending', 'sub-a'],
        ['consultation', 'wechat', 'pending', 'sub-a'],
      ]);
      expect(queued[0]?.payload).to.deep.equal({ kind: 'consultation', consultationId: 'c-aaaaaaaa', subscriptionIds: ['s-1'], explanation });
      expect(await store.consultations.listNotices('c-bbbbbbbb')).to.have.length(1);
    });

    it('stores the yearly reconsideration and litigation figures, replacing them per year', async () => {
      expect(await store.reportFigures.get(2026)).to.equal(null);
      await store.reportFigures.put({ year: 2026, figures: EMPTY_REVIEW_FIGURES, updatedBy: '管理员', updatedAt: AT });
      const changed = { ...EMPTY_REVIEW_FIGURES, reconsideration: { upheld: 2, corrected: 1, other: 0, pending: 1 } };
      await store.reportFigures.put({ year: 2026, figures: changed, updatedBy: '管理员乙', updatedAt: '2026-06-01T00:00:00.000Z' });
      expect(await store.reportFigures.get(2026)).to.deep.equal({ figures: changed, updatedBy: '管理员乙', updatedAt: '2026-06-01T00:00:00.000Z' });
      expect(await store.reportFigures.get(2025)).to.equal(null);
    });
  });
}
