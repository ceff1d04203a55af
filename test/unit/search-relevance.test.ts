import { expect } from 'chai';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import type { PolicySearchDoc, PolicySearchRequest } from '../../server/ports/search-index.port.js';

/**
 * A judged relevance set: each query names the policies a reader expects at the top. The fixture
 * is one policy per subject, titled for it, among several hundred distractors whose bodies mention
 * the same words in passing, as a real library's boilerplate does. The same set runs against the
 * in-memory word index and against FTS5's own bm25() (the reference), which must agree.
 */

const TODAY = '2025-06-30';

interface Target {
  id: string;
  title: string;
  body: string;
  docNumber?: string;
  issuer?: string;
  tagText?: string;
}

const TARGETS: Target[] = [
  { id: 'patent-subsidy', title: '上海市专利资助管理办法', body: '对获得发明专利授权的企业给予专利资助，每件不超过五千元。专利资助资金实行总额控制。', docNumber: '沪知局〔2023〕7号' },
  { id: 'ip-pledge', title: '关于开展知识产权质押融资入园惠企行动的通知', body: '为缓解中小企业融资难题，企业以专利权、商标专用权进行知识产权质押融资的，按照实际支付利息的百分之五十给予贴息。' },
  { id: 'little-giant', title: '专精特新“小巨人”企业培育实施细则', body: '小巨人企业应当专注细分市场，创新能力强，掌握关键核心技术。' },
  { id: 'hnte', title: '高新技术企业认定管理工作指引', body: '高新技术企业认定由认定机构组织专家评审，认定结果向社会公示。' },
  { id: 'rd-deduction', title: '研发费用加计扣除政策办事指引', body: '企业发生的研发费用，在按规定据实扣除的基础上加计扣除。研发费用归集范围以本指引为准。' },
  { id: 'open-licence', title: '专利开放许可试点工作方案', body: '鼓励高校和科研院所通过专利开放许可方式向中小企业许可专利技术，开放许可声明应当公告。' },
  { id: 'data-ip', title: '数据知识产权登记管理办法（试行）', body: '数据知识产权登记证书可作为数据持有的初步证明，用于数据流通交易和收益分配。' },
  { id: 'overseas', title: '海外知识产权纠纷应对指导工作规程', body: '对遭遇海外知识产权纠纷的企业提供应诉指导，海外纠纷应对费用给予补贴。' },
  { id: 'gi', title: '地理标志产品保护办法', body: '地理标志产品生产者应当规范使用专用标志，地理标志保护实行统一管理。' },
  { id: 'ic-layout', title: '集成电路布图设计专有权登记资助指南', body: '符合条件的集成电路布图设计登记费用给予全额资助。' },
  { id: 'first-set', title: '首台套重大技术装备保险补偿实施办法', body: '首台套重大技术装备投保的，按照保费的百分之八十给予补贴。' },
  { id: 'ip-insurance', title: '知识产权保险保费补贴申报通知', body: '知识产权保险保费补贴比例不超过实际缴纳保费的百分之五十。' },
  { id: 'trade-secret', title: '商业秘密保护示范站点建设指引', body: '商业秘密保护示范站点建设应当与园区企业服务相结合。' },
  { id: 'navigation', title: '专利导航项目管理办法', body: '支持企业开展专利导航，围绕产业链部署创新链，专利导航成果应当用于决策。' },
  { id: 'pct', title: 'PCT国际专利申请资助办法', body: '通过PCT途径提交国际专利申请并进入国家阶段的，每件给予不超过三万元资助。' },
  { id: 'madrid', title: '马德里商标国际注册资助申报指南', body: '通过马德里体系取得商标国际注册的，每件给予不超过五千元资助。' },
  { id: 'software', title: '软件著作权登记办事指引', body: '软件著作权登记实行网上申请，登记机构自受理之日起三十个工作日内完成审查。' },
  { id: 'plant', title: '植物新品种保护条例实施细则', body: '植物新品种权人可以许可他人生产或者销售授权品种的繁殖材料。' },
  { id: 'voucher', title: '科技创新券管理办法', body: '创新券可用于购买检验检测、研究开发、技术转移等科技服务，创新券有效期一年。' },
  { id: 'first-purchase', title: '首购首用产品目录管理办法', body: '首购首用产品目录每年更新一次，政府采购项目优先采购目录内产品。' },
  { id: 'unveil', title: '揭榜挂帅项目组织实施方案', body: '揭榜挂帅项目实行榜单制，不设门槛，能者上、强者上。' },
  { id: 'tech-contract', title: '技术合同登记办事指引', body: '技术合同经认定登记后，技术开发和技术转让收入可享受增值税减免。' },
  { id: 'brand', title: '老字号传承保护若干措施', body: '老字号企业应当传承传统技艺，加强商标和字号保护。' },
  { id: 'well-known', title: '驰名商标保护工作指引', body: '驰名商标保护坚持个案认定、被动保护的原则。' },
  { id: 'exhibition', title: '展会知识产权保护办法', body: '展会期间设立知识产权投诉工作站，快速处理侵权投诉。' },
  { id: 'credit', title: '知识产权信用管理规定', body: '知识产权信用管理实行分级分类，严重失信主体列入黑名单。' },
  { id: 'agency', title: '专利代理机构监督管理办法', body: '专利代理机构应当依法执业，不得代理非正常专利申请。' },
  { id: 'digital', title: '中小企业数字化转型试点实施方案', body: '数字化转型试点城市对服务商实行分类管理和绩效考核。' },
  { id: 'assistance', title: '知识产权维权援助工作办法', body: '维权援助中心为中小微企业提供免费的侵权判定咨询服务。' },
  { id: 'zhangjiang', title: '张江科学城知识产权服务办法', body: '张江科学城内集成电路、生物医药企业优先支持。', tagText: '张江科学城' },
  { id: 'securitisation', title: '知识产权证券化试点工作方案', body: '知识产权证券化产品发行规模和底层资产应当符合监管要求。' },
  { id: 'fast-track', title: '专利快速预审服务指南', body: '专利快速预审服务面向在保护中心备案的企业，发明专利授权周期可缩短。' },
  { id: 'talent', title: '知识产权人才培养计划', body: '对引进的高层次知识产权人才，在落户、住房等方面给予支持。' },
  { id: 'traditional', title: '關於專利轉化運用的實施辦法', body: '鼓勵高校院所加快專利轉化運用，對轉化收益給予獎勵。' },
];

/** Query → the targets expected at the top, in any order, and how many top hits may hold them. */
const JUDGED: { q: string; expected: string[]; within: number }[] = [
  { q: '专利资助', expected: ['patent-subsidy'], within: 1 },
  { q: '知识产权质押融资', expected: ['ip-pledge'], within: 1 },
  { q: '小巨人', expected: ['little-giant'], within: 1 },
  { q: '高新技术企业认定', expected: ['hnte'], within: 1 },
  { q: '研发费用加计扣除', expected: ['rd-deduction'], within: 1 },
  { q: '专利开放许可', expected: ['open-licence'], within: 1 },
  { q: '数据知识产权', expected: ['data-ip'], within: 1 },
  { q: '海外纠纷应对', expected: ['overseas'], within: 1 },
  { q: '地理标志', expected: ['gi'], within: 1 },
  { q: '集成电路布图设计', expected: ['ic-layout'], within: 1 },
  { q: '首台套', expected: ['first-set'], within: 1 },
  { q: '知识产权保险', expected: ['ip-insurance'], within: 1 },
  { q: '商业秘密', expected: ['trade-secret'], within: 1 },
  { q: '专利导航', expected: ['navigation'], within: 1 },
  { q: 'PCT 国际专利申请', expected: ['pct'], within: 1 },
  { q: '马德里商标', expected: ['madrid'], within: 1 },
  { q: '软件著作权登记', expected: ['software'], within: 1 },
  { q: '植物新品种', expected: ['plant'], within: 1 },
  { q: '创新券', expected: ['voucher'], within: 1 },
  { q: '首购首用', expected: ['first-purchase'], within: 1 },
  { q: '揭榜挂帅', expected: ['unveil'], within: 1 },
  { q: '技术合同登记 办事指引', expected: ['tech-contract'], within: 1 },
  { q: '老字号', expected: ['brand'], within: 1 },
  { q: '驰名商标', expected: ['well-known'], within: 1 },
  { q: '展会 侵权投诉', expected: ['exhibition'], within: 1 },
  { q: '信用 黑名单', expected: ['credit'], within: 1 },
  { q: '专利代理机构', expected: ['agency'], within: 1 },
  { q: '数字化转型', expected: ['digital'], within: 1 },
  { q: '维权援助', expected: ['assistance'], within: 1 },
  { q: '张江', expected: ['zhangjiang'], within: 1 },
  { q: '知识产权证券化', expected: ['securitisation'], within: 1 },
  { q: '专利快速预审', expected: ['fast-track'], within: 1 },
  { q: '人才 落户', expected: ['talent'], within: 1 },
  // Questions in plain words, Traditional script and document numbers.
  { q: '我们公司能申请专利资助吗', expected: ['patent-subsidy'], within: 1 },
  { q: '中小企业如何办理知识产权质押融资', expected: ['ip-pledge'], within: 1 },
  { q: '專利資助', expected: ['patent-subsidy'], within: 1 },
  { q: '专利转化运用', expected: ['traditional'], within: 1 },
  { q: '沪知局〔2023〕7号', expected: ['patent-subsidy'], within: 1 },
  { q: '知識產權保險', expected: ['ip-insurance'], within: 1 },
];

/** Distractors: generic titles, bodies that mention the judged words in passing. */
const FILLER_WORDS = ['专利', '资助', '知识产权', '企业', '申报', '补贴', '商标', '登记', '保护', '融资', '认定', '服务', '管理', '试点', '办法'];
const FILLER_TITLES = ['关于做好年度有关工作的通知', '关于印发工作要点的通知', '关于开展专项检查的通知', '关于公布年度名单的公告', '关于进一步优化营商环境的若干措施'];

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

function corpus(): PolicySearchDoc[] {
  const random = seeded(42);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const base = (id: string, index: number): Omit<PolicySearchDoc, 'title' | 'body'> => ({
    id,
    version: 1,
    docNumber: null,
    issuer: pick(['上海市知识产权局', '浦东新区知识产权局', '国家知识产权局']),
    level: null,
    issuedAt: `20${String(10 + (index % 15)).padStart(2, '0')}-0${1 + (index % 9)}-1${index % 9}`,
    expiresAt: null,
    validity: 'effective',
    applicationWindow: null,
    tagText: '',
    tagsByDimension: {},
  });
  const targets = TARGETS.map((target, index) => ({
    ...base(target.id, index),
    title: target.title,
    body: `${target.body}各有关单位按照本办法执行。`,
    docNumber: target.docNumber ?? null,
    ...(target.issuer ? { issuer: target.issuer } : {}),
    tagText: target.tagText ?? '',
  }));
  // Sentences of the targets, in other policies' bodies: the judged words appear in passing.
  const sentences = TARGETS.map((target) => target.body);
  const distractors = Array.from({ length: 400 }, (_, index) => ({
    ...base(`filler-${index}`, index),
    title: `${pick(['上海市', '浦东新区', '徐汇区'])}${pick(FILLER_TITLES)}`,
    body: Array.from({ length: 6 }, () => (random() < 0.3 ? pick(sentences) : `加强${pick(FILLER_WORDS)}${pick(FILLER_WORDS)}工作，提升${pick(FILLER_WORDS)}水平。`)).join(''),
  }));
  return [...distractors.slice(0, 200), ...targets, ...distractors.slice(200)];
}

function request(q: string): PolicySearchRequest {
  return { q, tagFilters: {}, sort: 'relevance', offset: 0, limit: 10, facets: false, today: TODAY };
}

describe('search relevance: judged queries', function () {
  const engines: { name: string; index: EmbeddedSearchIndex }[] = [
    { name: 'in-memory word index', index: new EmbeddedSearchIndex({ file: ':memory:', resultCacheSize: 0 }) },
    { name: 'FTS5 bm25 (reference)', index: new EmbeddedSearchIndex({ file: ':memory:', resultCacheSize: 0, wordIndex: false }) },
  ];

  before(async function () {
    const docs = corpus();
    for (const { index } of engines) {
      await index.open();
      await index.upsertPolicies(docs);
    }
  });

  after(async function () {
    for (const { index } of engines) await index.close();
  });

  it('has at least 30 judged queries', function () {
    expect(JUDGED.length).to.be.at.least(30);
  });

  for (const { name, index: engine } of engines) {
    describe(name, function () {
      for (const { q, expected, within } of JUDGED) {
        it(`puts ${expected.join(', ')} in the top ${within} for ${q}`, async function () {
          const ids = (await engine.searchPolicies(request(q))).hits.map((hit) => hit.id);
          expect(ids.slice(0, within), ids.join(', ')).to.include.members(expected);
        });
      }
    });
  }

  it('ranks the first page of every judged query exactly as FTS5 bm25 does, with the same scores and totals', async function () {
    const [memory, reference] = engines.map(({ index }) => index);
    if (!memory || !reference) throw new Error('engines missing');
    for (const { q } of JUDGED) {
      const fast = await memory.searchPolicies(request(q));
      const slow = await reference.searchPolicies(request(q));
      expect(fast.total, q).to.equal(slow.total);
      expect(fast.hits.map((hit) => hit.id), q).to.deep.equal(slow.hits.map((hit) => hit.id));
      fast.hits.forEach((hit, at) => expect(hit.score, `${q} #${at}`).to.be.closeTo(slow.hits[at]?.score ?? 0, 1e-9));
    }
  });

  it('ranks the first page of every judged query under filters that leave few of its matches exactly as FTS5 bm25 does', async function () {
    const [memory, reference] = engines.map(({ index }) => index);
    if (!memory || !reference) throw new Error('engines missing');
    const filters: Partial<PolicySearchRequest>[] = [
      { issuedFrom: '2020-01-01', issuedTo: '2021-12-31' },
      { issuer: '浦东新区知识产权局', issuedFrom: '2016-01-01', issuedTo: '2019-12-31' },
    ];
    for (const { q } of JUDGED) {
      for (const filter of filters) {
        const filtered = { ...request(q), ...filter };
        const fast = await memory.searchPolicies(filtered);
        const slow = await reference.searchPolicies(filtered);
        const label = `${q} ${JSON.stringify(filter)}`;
        expect(fast.total, label).to.equal(slow.total);
        expect(fast.hits.map((hit) => hit.id), label).to.deep.equal(slow.hits.map((hit) => hit.id));
        fast.hits.forEach((hit, at) => expect(hit.score, `${label} #${at}`).to.be.closeTo(slow.hits[at]?.score ?? 0, 1e-9));
      }
    }
  });

  it('scores a policy whose words outgrow the word table while it is being indexed, as FTS5 does', async function () {
    // Thousands of new words in one body make the index grow its per-word tallies mid-document.
    const words = Array.from({ length: 3_000 }, (_, i) => `term${i.toString(36)}x`);
    const doc: PolicySearchDoc = { ...corpus()[0], id: 'many-words', title: '词表增长测试', body: `${words.join(' ')} 词表增长测试` } as PolicySearchDoc;
    const other: PolicySearchDoc = { ...doc, id: 'few-words', title: '其他通知', body: `${words[0]} 其他内容` };
    const results: string[][] = [];
    for (const wordIndex of [true, false]) {
      const index = new EmbeddedSearchIndex({ file: ':memory:', resultCacheSize: 0, wordIndex });
      await index.open();
      try {
        await index.upsertPolicies([doc, other]);
        results.push((await index.searchPolicies(request(words[0] ?? ''))).hits.map((hit) => `${hit.id}:${hit.score.toFixed(9)}`));
      } finally {
        await index.close();
      }
    }
    expect(results[0]).to.have.length(2);
    expect(results[0]).to.deep.equal(results[1]);
  });

  it('pages a relevance order without gaps or repeats, as FTS5 bm25 does', async function () {
    const [memory, reference] = engines.map(({ index }) => index);
    if (!memory || !reference) throw new Error('engines missing');
    for (const q of ['专利', '知识产权 企业', '资助']) {
      const pages = async (index: EmbeddedSearchIndex): Promise<string[]> => {
        const ids: string[] = [];
        for (let offset = 0; offset < 60; offset += 20) {
          ids.push(...(await index.searchPolicies({ ...request(q), offset, limit: 20 })).hits.map((hit) => hit.id));
        }
        return ids;
      };
      const fast = await pages(memory);
      expect(new Set(fast).size, q).to.equal(fast.length);
      expect(fast, q).to.deep.equal(await pages(reference));
    }
  });
});
