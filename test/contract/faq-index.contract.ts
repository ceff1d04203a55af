import { expect } from 'chai';
import type { FaqIndex, FaqSearchDoc } from '../../server/ports/faq-index.port.js';

function faq(overrides: Partial<FaqSearchDoc> & Pick<FaqSearchDoc, 'faqId' | 'policyId' | 'question' | 'answer'>): FaqSearchDoc {
  return {
    policyVersion: 1,
    policyTitle: '上海市专利资助办法',
    docNumber: '沪知局规〔2024〕5号',
    issuer: '上海市知识产权局',
    validity: 'effective',
    expiresAt: null,
    category: null,
    position: 0,
    updatedAt: '2026-01-01T00:00:00.000Z',
    tagText: '专利资助',
    tagsByDimension: { need: ['need-funding', 'need-patent-funding'], region: ['region-shanghai'] },
    ...overrides,
  };
}

const DOCS: FaqSearchDoc[] = [
  faq({ faqId: 'f-who', policyId: 'p-subsidy', question: '企业可以申请专利资助吗？', answer: '本市登记注册的企业、事业单位和社会团体均可申请。' }),
  faq({ faqId: 'f-materials', policyId: 'p-subsidy', position: 1, question: '专利资助需要提交哪些材料？', answer: '资助申请表、授权公告文本和费用凭证。' }),
  faq({
    faqId: 'f-pledge',
    policyId: 'p-pledge',
    policyTitle: '浦东新区知识产权质押融资贴息办法',
    tagText: '知识产权质押融资',
    tagsByDimension: { need: ['need-pledge'], region: ['region-shanghai', 'region-pudong'] },
    question: '小微企业质押贷款的利息能补贴多少？',
    answer: '按实际支付利息的60%贴息。',
  }),
  faq({ faqId: 'f-expired', policyId: 'p-old', expiresAt: '2020-12-31', question: '旧办法的专利资助标准是多少？', answer: '每件1500元。' }),
];

/** The FAQ half of the SearchIndex port; every adapter must pass it. */
export function faqIndexContract({ name, open }: { name: string; open: () => Promise<{ index: FaqIndex; close: () => Promise<void> }> }) {
  describe(`FaqIndex contract: ${name}`, () => {
    let index: FaqIndex;
    let close: () => Promise<void>;
    const today = '2026-06-01';
    const ids = async (request: { q?: string; tagFilters?: Record<string, string[]>; policyId?: string }) =>
      (await index.searchFaqs({ tagFilters: {}, offset: 0, limit: 50, today, ...request })).hits.map((h) => h.doc.faqId);

    beforeEach(async () => {
      ({ index, close } = await open());
      await index.replaceFaqs({ policyIds: [], docs: DOCS });
    });
    afterEach(async () => close());

    it('finds FAQs by Chinese words inside the question and answer, best question first', async () => {
      expect((await ids({ q: '我们公司能申请专利资助吗' }))[0]).to.equal('f-who');
      expect(await ids({ q: '贴息' })).to.deep.equal(['f-pledge']);
    });

    it('falls back to any word when no FAQ has them all', async () => {
      expect(await ids({ q: '贷款利息 材料' })).to.have.members(['f-pledge', 'f-materials']);
    });

    it('filters by tags (OR within a dimension, AND across), by policy, and drops expired policies', async () => {
      expect(await ids({ tagFilters: { region: ['region-pudong'] } })).to.deep.equal(['f-pledge']);
      expect(await ids({ tagFilters: { need: ['need-pledge', 'need-patent-funding'], region: ['region-shanghai'] } })).to.have.members(['f-who', 'f-materials', 'f-pledge']);
      expect(await ids({ policyId: 'p-subsidy' })).to.have.members(['f-who', 'f-materials']);
      expect(await ids({ q: '旧办法' })).to.deep.equal([]);
    });

    it('replaces a policy’s FAQs as a whole and removes them with an empty list', async () => {
      await index.replaceFaqs({ policyIds: ['p-subsidy'], docs: [faq({ faqId: 'f-new', policyId: 'p-subsidy', question: '资助多久到账？', answer: '公示后拨付。' })] });
      expect(await ids({ policyId: 'p-subsidy' })).to.deep.equal(['f-new']);
      await index.replaceFaqs({ policyIds: ['p-subsidy'], docs: [] });
      expect(await ids({ policyId: 'p-subsidy' })).to.deep.equal([]);
      expect(await index.countFaqs()).to.equal(2);
    });

    it('ranks identically after the same FAQs are applied again (re-applies must not skew relevance)', async () => {
      const scored = async () =>
        (await index.searchFaqs({ q: '贷款利息 材料 专利', tagFilters: {}, offset: 0, limit: 50, today })).hits.map((h) => `${h.doc.faqId}:${h.score}`);
      const before = await scored();
      for (let round = 0; round < 10; round += 1) {
        await index.replaceFaqs({ policyIds: [...new Set(DOCS.map((d) => d.policyId))], docs: DOCS });
      }
      expect(await scored()).to.deep.equal(before);
    });

    it('escapes question and snippet HTML and treats search syntax as text', async () => {
      await index.replaceFaqs({ policyIds: [], docs: [faq({ faqId: 'f-html', policyId: 'p-html', question: '<b>资助</b> & "引号"', answer: '<script>x</script>资助' })] });
      const hit = (await index.searchFaqs({ q: '资助', tagFilters: {}, offset: 0, limit: 50, today })).hits.find((h) => h.doc.faqId === 'f-html');
      expect(hit?.questionHtml).to.equal('&lt;b&gt;<mark>资助</mark>&lt;/b&gt; &amp; &quot;引号&quot;');
      expect(hit?.answerSnippet).to.not.include('<script>');
      for (const q of ['"', 'NEAR(资助', '资助 OR', '*', '{question}:资助']) expect(await ids({ q })).to.be.an('array');
    });

    it('keeps the watermark until clearFaqs empties the index', async () => {
      await index.setFaqWatermark(42);
      expect(await index.getFaqWatermark()).to.equal(42);
      await index.clearFaqs();
      expect(await index.getFaqWatermark()).to.equal(0);
      expect(await index.countFaqs()).to.equal(0);
    });
  });
}
