/**
 * FAQ search says so when no FAQ answers a question, instead of listing unrelated answers. The rule
 * lives in the core, so it is checked over the demo library with each engine.
 */
import { expect } from 'chai';
import { FakeElasticsearch } from '../support/fake-elasticsearch.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

interface SearchResponse {
  total: number;
  noRelevantAnswer: boolean;
  askQuestion: { message: string; href: string } | null;
  hits: { question: string; policy: { id: string } }[];
}

const COVERED: [string, string][] = [
  ['我们公司能申请专利资助吗', '企业可以申请专利资助吗？个人发明人还能申请吗？'],
  ['国内专利授权了还给钱吗', '国内发明专利授权后还能拿到资助吗？'],
  ['小微企业贷款利息能补贴多少', '小微企业用专利质押贷款，利息能补贴多少？'],
  ['今年专利资助什么时候开始申报', '2026年度专利资助什么时候申报？'],
];
const UNRELATED = ['如何办理护照', '今天天气怎么样', '食堂几点开饭', '孩子上小学怎么报名', '驾照到期了去哪里换'];

const engines: { name: string; env: () => Promise<{ env: Record<string, string>; stop: () => Promise<void> }> }[] = [
  { name: 'embedded engine', env: async () => ({ env: {}, stop: async () => {} }) },
  {
    name: 'Elasticsearch adapter (model cluster)',
    env: async () => {
      const fake = await new FakeElasticsearch().start();
      return { env: { SEARCH: 'elasticsearch', ELASTICSEARCH_URL: fake.url }, stop: () => fake.stop() };
    },
  },
];

for (const engine of engines) {
  describe(`FAQ search relevance on the demo library, ${engine.name}`, function () {
    this.timeout(120_000);
    let t: TestPlatform;
    let stop: () => Promise<void> = async () => {};

    before(async () => {
      const setup = await engine.env();
      stop = setup.stop;
      t = await startTestPlatform({ demo: true, env: setup.env });
    });
    after(async () => {
      await t?.close();
      await stop();
    });

    const search = async (q: string, extra = '') => {
      const res = await t.api<SearchResponse>({ path: `/api/v1/faqs?q=${encodeURIComponent(q)}${extra}` });
      expect(res.status, q).to.equal(200);
      return res.body;
    };

    it('still answers questions a FAQ covers with that FAQ', async () => {
      for (const [q, expected] of COVERED) {
        const result = await search(q);
        expect(result.noRelevantAnswer, q).to.equal(false);
        expect(result.askQuestion, q).to.equal(null);
        expect(result.hits[0]?.question, `${q} → ${result.hits.map((h) => h.question).join(' | ')}`).to.equal(expected);
      }
    });

    it('returns nothing, says so and offers the question form for questions no FAQ covers', async () => {
      for (const q of UNRELATED) {
        const result = await search(q);
        expect(result.hits.map((h) => h.question), q).to.deep.equal([]);
        expect(result.total, q).to.equal(0);
        expect(result.noRelevantAnswer, q).to.equal(true);
        expect(result.askQuestion?.href, q).to.equal('/search');
        expect(result.askQuestion?.message, q).to.match(/没有足够相关的解答.*留言提问/);
      }
      const scoped = await search('如何办理护照', '&policyId=sh-ipa-2024-005');
      expect(scoped.askQuestion?.href).to.equal('/policies/sh-ipa-2024-005/questions');
    });

    it('keeps the total and the pages to the relevant answers', async () => {
      const all = await search('专利资助', '&pageSize=100');
      expect(all.total).to.equal(all.hits.length);
      const second = await search('专利资助', '&pageSize=2&page=2');
      expect(second.total).to.equal(all.total);
      expect(second.hits.map((h) => h.question)).to.deep.equal(all.hits.slice(2, 4).map((h) => h.question));
    });

    it('lists FAQs without a query as before, and the portal says in Chinese that nothing answers the question', async () => {
      const list = await t.api<SearchResponse>({ path: '/api/v1/faqs?pageSize=5' });
      expect(list.body.noRelevantAnswer).to.equal(false);
      expect(list.body.hits.length).to.equal(5);
      const page = await t.api<string>({ path: `/faq?q=${encodeURIComponent('食堂几点开饭')}`, headers: { accept: 'text/html' } });
      expect(page.body).to.include('没有找到与您的问题足够相关的解答');
      expect(page.body).to.include(`href="/search?q=${encodeURIComponent('食堂几点开饭')}"`);
      expect(page.body).to.not.include('<li class="card">');
    });
  });
}
