import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

interface Hit {
  faqId: string;
  question: string;
  questionHtml: string;
  answerSnippet: string;
  policy: { id: string; title: string; validity: string };
}
interface SearchResponse {
  total: number;
  hits: Hit[];
}
interface Asked {
  id: string;
  status: string;
  statusLabel: string;
  age: { hours: number; workingDays: number; dueAt: string; overdue: boolean; label: string } | null;
  similarCount: number;
  reply: { answer: string } | null;
  question: string;
}
interface Group {
  id: string;
  question: string;
  askedCount: number;
  firstAskedAt: string;
  status: string;
  age: { label: string; dueAt: string } | null;
  questions: { id: string; text: string }[];
  faqId: string | null;
}

const POLICY = 'sh-ipa-2024-005';

describe('FAQ search and public questions on the demo library', () => {
  let t: TestPlatform;
  let drafter: string;

  before(async () => {
    t = await startTestPlatform({ demo: true, env: { QUESTION_RATE_LIMIT: '50', QUESTION_DAILY_LIMIT: '100' } });
    drafter = await t.user({ id: 'drafter-faq', role: 'drafter', name: '周起草' });
  });
  after(async () => t.close());

  const search = async (q: string, extra = '') => (await t.api<SearchResponse>({ path: `/api/v1/faqs?q=${encodeURIComponent(q)}${extra}` })).body;
  const ask = (question: string, policyId = POLICY, headers: Record<string, string> = {}) =>
    t.api<{ question: Asked; suggestedFaqs: Hit[] } & { error: { code: string; message: string } }>({
      method: 'POST',
      path: `/api/v1/policies/${policyId}/questions`,
      body: { question },
      headers,
    });

  describe('FAQ search', () => {
    it('answers plain-language questions with the FAQ that answers them, and names the policy', async () => {
      const cases: [string, string][] = [
        ['我们公司能申请专利资助吗', '企业可以申请专利资助吗？个人发明人还能申请吗？'],
        ['国内专利授权了还给钱吗', '国内发明专利授权后还能拿到资助吗？'],
        ['专利还在无效宣告中能不能申请资助', '专利正在无效宣告程序中，可以申请资助吗？'],
        ['小微企业贷款利息能补贴多少', '小微企业用专利质押贷款，利息能补贴多少？'],
        ['今年专利资助什么时候开始申报', '2026年度专利资助什么时候申报？'],
        ['数据知识产权能不能质押贷款', '数据知识产权可以质押融资并享受贴息吗？'],
      ];
      for (const [query, expected] of cases) {
        const result = await search(query);
        expect(result.hits[0]?.question, `${query} → ${result.hits.map((h) => h.question).join(' | ')}`).to.equal(expected);
      }
      const [top] = (await search('我们公司能申请专利资助吗')).hits;
      expect(top?.policy).to.include({ id: POLICY, title: '上海市专利资助办法', validity: 'effective' });
      expect(top?.questionHtml).to.include('<mark>专利资助</mark>');
    });

    it('filters by tag, ORing within a dimension and including descendants', async () => {
      const pudong = await search('贴息', '&tags=region-pudong');
      expect(pudong.total).to.be.greaterThan(0);
      expect(pudong.hits.every((h) => ['pd-ipa-2025-002', 'demo-pudong-pledge-2026'].includes(h.policy.id))).to.equal(true);
      const all = await t.api<SearchResponse>({ path: '/api/v1/faqs?tags=need-patent-funding&pageSize=100' });
      expect(all.body.hits.map((h) => h.policy.id)).to.include(POLICY);
      expect(all.body.hits.map((h) => h.policy.id)).to.not.include('pd-ipa-2025-002');
      const unknown = await t.api({ path: '/api/v1/faqs?tags=no-such-tag' });
      expect(unknown.status).to.equal(400);
    });

    it('leaves out FAQs of policies that have been revised', async () => {
      // 2021 专利资助办法 was replaced by the 2024 one; the search must not answer from it.
      const ids = (await t.api<SearchResponse>({ path: '/api/v1/faqs?pageSize=100' })).body.hits.map((h) => h.policy.id);
      expect(ids).to.not.include('sh-ipa-2021-003');
      expect(ids).to.include.members(['sh-ipa-2024-005', 'pd-ipa-2025-002', 'sh-ipa-2026-058', 'demo-pudong-pledge-2026']);
    });

    it('treats search syntax and markup as text', async () => {
      for (const q of ['"专利 OR', '<script>alert(1)</script>', 'NEAR(专利', '***']) {
        const res = await t.api<SearchResponse>({ path: `/api/v1/faqs?q=${encodeURIComponent(q)}` });
        expect(res.status, q).to.equal(200);
        for (const hit of res.body.hits) expect(hit.questionHtml + hit.answerSnippet).to.not.include('<script>');
      }
    });
  });

  describe('public questions', () => {
    it('stores a question as plain text, groups the same question and surfaces the most asked first', async () => {
      const first = await ask('<b>我们公司</b>能申请国外专利资助吗？');
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body.question.question).to.equal('<b>我们公司</b>能申请国外专利资助吗？');
      expect(first.body.question.status).to.equal('open');
      expect(first.body.question.age?.label).to.equal('已等待 不到 1 小时');
      expect(first.body.suggestedFaqs.map((f) => f.question)).to.include('国外发明专利最多能资助多少钱？');

      const same = ['企业申请国外专利资助可以吗', '请问公司可以申请国外专利的资助吗？'];
      for (const text of same) expect((await ask(text)).body.question.similarCount).to.be.greaterThan(1);
      const other = await ask('高价值专利组合项目的评审由谁来做？');
      expect(other.body.question.similarCount).to.equal(1);

      const demand = await t.api<{ items: Group[] }>({ path: `/api/v1/staff/questions?policyId=${POLICY}&sort=demand`, token: drafter });
      expect(demand.body.items.map((g) => g.askedCount)).to.deep.equal([3, 1]);
      expect(demand.body.items[0]?.questions.map((q) => q.text)).to.deep.equal(['<b>我们公司</b>能申请国外专利资助吗？', ...same]);
      const byAge = await t.api<{ items: Group[] }>({ path: `/api/v1/staff/questions?policyId=${POLICY}`, token: drafter });
      const asked = byAge.body.items.map((g) => g.firstAskedAt);
      expect(asked).to.deep.equal([...asked].sort());
      expect(byAge.body.items[0]?.age?.dueAt).to.be.a('string');
    });

    it('refuses questions that are too short, too long or empty, and limits how often one client asks', async () => {
      expect((await ask('资助？')).body.error.code).to.equal('question_too_short');
      expect((await ask('问'.repeat(501))).body.error.code).to.equal('question_too_long');
      expect((await ask('？？？ ！！！')).body.error.code).to.equal('question_empty');
      expect((await ask('\u202e\u200b   ')).status).to.equal(400);
    });

    it('publishes an answer as a reply and promotes it to the FAQ list, which search then finds', async () => {
      const asked = await ask('申请国外专利资助，国家数量有没有上限？');
      const queue = await t.api<{ items: Group[] }>({ path: `/api/v1/staff/questions?policyId=${POLICY}&sort=demand`, token: drafter });
      const group = queue.body.items.find((g) => g.questions.some((q) => q.id === asked.body.question.id));
      expect(group).to.not.equal(undefined);
      const answered = await t.api<Group>({
        method: 'POST',
        path: `/api/v1/staff/question-groups/${group?.id}/answer`,
        token: drafter,
        body: { answer: '同一件发明专利最多资助5个国家或者地区。', publishReply: true, promoteToFaq: true, faqQuestion: '国外专利资助最多覆盖几个国家？', category: '资助标准' },
      });
      expect(answered.status, JSON.stringify(answered.body)).to.equal(200);
      expect(answered.body.status).to.equal('answered');
      expect(answered.body.faqId).to.be.a('string');

      const status = await t.api<Asked>({ path: `/api/v1/questions/${asked.body.question.id}` });
      expect(status.body.status).to.equal('answered');
      expect(status.body.age).to.equal(null);
      expect(status.body.reply?.answer).to.include('5个国家');

      const replies = await t.api<{ question: string; answer: string }[]>({ path: `/api/v1/policies/${POLICY}/questions` });
      expect(replies.body.map((r) => r.answer)).to.include('同一件发明专利最多资助5个国家或者地区。');
      const faqs = await t.api<{ question: string; source: string }[]>({ path: `/api/v1/policies/${POLICY}/faqs` });
      expect(faqs.body.at(-1)).to.include({ question: '国外专利资助最多覆盖几个国家？', source: 'public_question' });
      const found = await search('国外专利最多资助几个国家');
      expect(found.hits[0]?.question).to.equal('国外专利资助最多覆盖几个国家？');

      // Someone asking the same later reads the reply at once.
      const later = await ask('国外专利资助的国家数量上限是多少？');
      expect(later.body.question.status).to.equal('answered');
      expect(later.body.question.reply?.answer).to.include('5个国家');
    });

    it('limits the rate per client', async () => {
      const limited = await startTestPlatform({ demo: true, env: { QUESTION_RATE_LIMIT: '2' } });
      try {
        const post = (question: string) => limited.api<{ error?: { code: string } }>({ method: 'POST', path: `/api/v1/policies/${POLICY}/questions`, body: { question } });
        expect((await post('国外专利资助怎么申请？')).status).to.equal(201);
        expect((await post('高价值专利组合项目怎么评审？')).status).to.equal(201);
        const third = await post('资助资金什么时候到账？');
        expect(third.status).to.equal(429);
        expect(third.body.error?.code).to.equal('question_rate_limited');
        expect(third.headers.get('retry-after')).to.equal('600');
      } finally {
        await limited.close();
      }
    });

    it('does not take questions on a policy that is not public', async () => {
      expect((await ask('这个征求意见稿什么时候发布？', 'sh-ipa-2026-draft-01')).status).to.equal(404);
      expect((await ask('已经废止的细则还能申请吗？', 'mh-ipa-2022-001')).status).to.equal(409);
    });
  });
});
