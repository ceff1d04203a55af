import { expect } from 'chai';
import type { PolicySearchDoc, PolicySearchRequest, PolicySearchResult, SearchIndex } from '../../server/ports/search-index.port.js';

/**
 * Realistic policies: Simplified and Traditional text, a region hierarchy already expanded to
 * ancestors (浦东新区 → 上海市, 张江科学城 → 浦东新区 → 上海市), mixed validity and one undated
 * national notice.
 */
export const CONTRACT_TODAY = '2025-06-30';

function policy(doc: Partial<PolicySearchDoc> & Pick<PolicySearchDoc, 'id' | 'title' | 'issuer' | 'body'>): PolicySearchDoc {
  return {
    version: 1,
    docNumber: null,
    level: null,
    issuedAt: null,
    expiresAt: null,
    validity: 'effective',
    applicationWindow: null,
    tagText: '',
    tagsByDimension: {},
    ...doc,
  };
}

export const CONTRACT_POLICIES: PolicySearchDoc[] = [
  policy({
    id: 'sh-ip-pledge-2024',
    title: '上海市知识产权局关于开展2024年度知识产权质押融资入园惠企行动的通知',
    docNumber: '沪知局〔2024〕15号',
    issuer: '上海市知识产权局',
    level: 'municipal',
    issuedAt: '2024-03-15',
    body:
      '各区知识产权局、各有关单位：为缓解科技型中小企业融资难题，市知识产权局决定开展知识产权质押融资入园惠企行动。' +
      '对以专利权、商标专用权出质取得贷款的企业，按照实际支付利息的百分之五十给予贴息，单户企业年度贴息不超过五十万元。' +
      '鼓励银行业金融机构创新知识产权质押融资产品，扩大首贷户覆盖面。',
    tagText: '融资 知识产权质押 通知公告 专利 商标',
    tagsByDimension: {
      region: ['reg-shanghai'],
      need: ['need-financing'],
      policy_type: ['ptype-notice'],
      ip_type: ['ipt-patent', 'ipt-trademark'],
      issuer_level: ['lvl-municipal'],
    },
  }),
  policy({
    id: 'pd-patent-subsidy-2022',
    title: '浦东新区专利资助办法',
    docNumber: '浦知规〔2022〕3号',
    issuer: '浦东新区知识产权局',
    level: 'district',
    issuedAt: '2022-06-01',
    expiresAt: '2024-12-31',
    applicationWindow: { opensAt: '2022-07-01', closesAt: '2022-09-30' },
    body:
      '第一条 为鼓励发明创造，提升浦东新区企业专利质量，制定本办法。' +
      '第二条 注册在浦东新区（含张江科学城）的企业获得发明专利授权的，每件资助五千元；通过PCT途径提交国际专利申请的，每件资助三万元。' +
      '第三条 同一项专利不得重复申请资助。',
    tagText: '资金补贴 专利 资助',
    tagsByDimension: {
      region: ['reg-shanghai', 'reg-pudong', 'reg-zhangjiang'],
      need: ['need-funding'],
      policy_type: ['ptype-subsidy'],
      ip_type: ['ipt-patent'],
      issuer_level: ['lvl-district'],
    },
  }),
  policy({
    id: 'sh-innovation-voucher-2023',
    title: '上海市科技创新券管理办法',
    docNumber: '沪科规〔2023〕1号',
    issuer: '上海市科学技术委员会',
    level: 'municipal',
    issuedAt: '2023-01-10',
    body:
      '创新券用于支持科技型中小企业和创业团队购买科技服务。企业使用创新券购买检验检测、研究开发和技术转移服务的，按合同金额给予补助。' +
      '已享受专利资助的同一服务事项，不得重复使用创新券。',
    tagText: '资金补贴 科技服务',
    tagsByDimension: {
      region: ['reg-shanghai'],
      need: ['need-funding'],
      policy_type: ['ptype-regulation'],
      issuer_level: ['lvl-municipal'],
    },
  }),
  policy({
    id: 'gba-ip-insurance-2023',
    title: '關於推進粵港澳大灣區知識產權保險試點工作的通知',
    issuer: '粵港澳大灣區知識產權合作辦公室',
    issuedAt: '2023-08-20',
    body:
      '為支持企業開展海外知識產權維權，試點地區對投保知識產權保險的企業，按照實際繳納保費的百分之五十給予補貼。' +
      '臺灣及香港地區企業在區內設立的分支機構可參照執行。',
    tagText: '知識產權保險 海外維權',
    tagsByDimension: {
      region: ['reg-gba'],
      need: ['need-protection'],
      policy_type: ['ptype-notice'],
      ip_type: ['ipt-patent'],
    },
  }),
  policy({
    id: 'xh-hnte-award-2021',
    title: '徐汇区高新技术企业认定奖励实施细则',
    docNumber: '徐科委〔2021〕12号',
    issuer: '徐汇区科学技术委员会',
    level: 'district',
    issuedAt: '2021-09-01',
    validity: 'revised',
    body:
      '对首次通过高新技术企业认定的企业，一次性给予二十万元奖励；对重新认定的企业给予十万元奖励。' +
      '申请奖励的企业应当在漕河泾开发区或徐汇区其他区域实际经营。',
    tagText: '奖励 高企 高新技术企业',
    tagsByDimension: {
      region: ['reg-shanghai', 'reg-xuhui'],
      need: ['need-funding'],
      policy_type: ['ptype-reward'],
      qualification: ['qual-hnte'],
      issuer_level: ['lvl-district'],
    },
  }),
  policy({
    id: 'pd-patent-subsidy-2018',
    title: '浦东新区专利资助办法（2018年修订）',
    docNumber: '浦知规〔2018〕2号',
    issuer: '浦东新区知识产权局',
    level: 'district',
    issuedAt: '2018-05-01',
    validity: 'repealed',
    body: '本办法已被《浦东新区专利资助办法》（浦知规〔2022〕3号）废止。原办法规定发明专利每件资助三千元。',
    tagText: '资金补贴 专利',
    tagsByDimension: {
      region: ['reg-shanghai', 'reg-pudong'],
      need: ['need-funding'],
      policy_type: ['ptype-subsidy'],
      ip_type: ['ipt-patent'],
      issuer_level: ['lvl-district'],
    },
  }),
  policy({
    id: 'cnipa-open-licensing',
    title: '国家知识产权局关于印发专利开放许可实施细则的通知',
    issuer: '国家知识产权局',
    level: 'national',
    body:
      '专利权人自愿以书面方式声明愿意许可任何单位或者个人实施其专利，并明确许可使用费支付方式、标准的，由国务院专利行政部门予以公告，实行开放许可。',
    tagText: '专利转化 开放许可',
    tagsByDimension: {
      need: ['need-transfer'],
      policy_type: ['ptype-rules'],
      ip_type: ['ipt-patent'],
      issuer_level: ['lvl-national'],
    },
  }),
  policy({
    id: 'sh-trade-secret-guide',
    title: '上海市商业秘密保护工作指引',
    issuer: '上海市市场监督管理局',
    level: 'municipal',
    issuedAt: '2020-11-11',
    body:
      '企业应当对<商业秘密>采取"合理的保密措施"，包括签订保密协议&竞业限制条款，并对涉密载体进行\'分级\'管理。' +
      '发现商业秘密被侵犯的，可以向市场监督管理部门举报。',
    tagText: '商业秘密 维权',
    tagsByDimension: {
      region: ['reg-shanghai'],
      need: ['need-protection'],
      policy_type: ['ptype-guide'],
      ip_type: ['ipt-trade-secret'],
      issuer_level: ['lvl-municipal'],
    },
  }),
];

function request(overrides: Partial<PolicySearchRequest> = {}): PolicySearchRequest {
  return { tagFilters: {}, sort: 'relevance', offset: 0, limit: 50, facets: false, today: CONTRACT_TODAY, ...overrides };
}

function ids(result: PolicySearchResult): string[] {
  return result.hits.map((hit) => hit.id);
}

function byIdSorted(values: string[]): string[] {
  return [...values].sort();
}

/**
 * What an engine guarantees beyond the behaviour every adapter shares. Cases that depend on one are
 * engine-specific: their title says so, and an engine without the guarantee skips them.
 */
export interface SearchIndexTraits {
  /**
   * Scores are a function of the live documents only, so re-applying or removing and re-adding
   * documents leaves every score, and hence every relevance order, exactly as it was. True of the
   * embedded engine (FTS5 subtracts a deleted row's statistics); not of Lucene, whose BM25
   * statistics count deleted documents until their segment is merged away. Every engine keeps
   * totals, facets, the matching documents and date orders unchanged.
   */
  exactScoresAcrossRewrites: boolean;
}

const EMBEDDED_TRAITS: SearchIndexTraits = { exactScoresAcrossRewrites: true };

/** A case that holds only for engines with the trait; marked in its title and skipped elsewhere. */
function engineSpecific({ supported, trait, title, test }: { supported: boolean; trait: keyof SearchIndexTraits; title: string; test: () => Promise<void> }): void {
  const marked = `[engine-specific: ${trait}] ${title}`;
  it(marked, async function () {
    if (!supported) {
      console.log(`      skipped: this engine does not promise ${trait} (its scores may differ after rewrites)`);
      this.skip();
    }
    await test();
  });
}

/**
 * What must survive rewrites on every engine: totals, facets, the matching set, and date orders. A
 * page cut out of a relevance order holds whichever documents rank there, so only its total counts.
 */
function withoutScores(result: PolicySearchResult, probe: Partial<PolicySearchRequest>): unknown {
  const relevance = probe.q !== undefined && (probe.sort ?? 'relevance') === 'relevance';
  const partial = (probe.offset ?? 0) > 0 || result.hits.length < result.total;
  if (relevance && partial) return { total: result.total, facets: result.facets };
  return {
    total: result.total,
    facets: result.facets,
    ids: relevance ? byIdSorted(ids(result)) : ids(result),
    hits: result.hits.map(({ score: _score, ...hit }) => hit).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

/**
 * Behaviour every `SearchIndex` adapter must show. `create` returns a new adapter over storage the
 * suite may empty; the suite opens it, clears it, loads the fixtures and closes it after each test.
 * Ranking is compared by order on clear cases (a title match before a body match), never by score
 * values, which differ between engines.
 */
export function searchIndexContract({ name, create, traits = EMBEDDED_TRAITS }: { name: string; create: () => Promise<SearchIndex>; traits?: SearchIndexTraits }): void {
  describe(`SearchIndex contract: ${name}`, function () {
    let index: SearchIndex;

    const search = (overrides: Partial<PolicySearchRequest> = {}): Promise<PolicySearchResult> => index.searchPolicies(request(overrides));

    beforeEach(async function () {
      index = await create();
      await index.open();
      await index.clear();
      await index.upsertPolicies(CONTRACT_POLICIES);
    });

    afterEach(async function () {
      await index.close();
    });

    describe('lifecycle', function () {
      it('answers ping and counts the documents', async function () {
        await index.ping();
        expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length);
      });

      it('keeps the watermark and resets it on clear, with every document', async function () {
        await index.setWatermark(42);
        expect(await index.getWatermark()).to.equal(42);
        await index.clear();
        expect(await index.getWatermark()).to.equal(0);
        expect(await index.countPolicies()).to.equal(0);
        const result = await search({ q: '专利资助', facets: true });
        expect(result.total).to.equal(0);
        expect(result.hits).to.deep.equal([]);
      });
    });

    describe('keyword search', function () {
      it('finds Chinese words inside longer text', async function () {
        const result = await search({ q: '知识产权质押融资' });
        expect(ids(result)).to.include('sh-ip-pledge-2024');
      });

      it('ranks a title match above a body-only match', async function () {
        const found = ids(await search({ q: '专利资助' }));
        expect(found).to.include.members(['pd-patent-subsidy-2022', 'sh-innovation-voucher-2023']);
        expect(found.indexOf('pd-patent-subsidy-2022')).to.be.lessThan(found.indexOf('sh-innovation-voucher-2023'));
      });

      it('reports a higher score for a better match when sorting by relevance', async function () {
        const result = await search({ q: '专利资助' });
        const scores = result.hits.map((hit) => hit.score);
        expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
      });

      it('requires every query word (AND)', async function () {
        const found = ids(await search({ q: '专利资助 张江' }));
        expect(found).to.deep.equal(['pd-patent-subsidy-2022']);
      });

      it('understands a question in plain words', async function () {
        const found = ids(await search({ q: '我们公司能申请专利资助吗' }));
        expect(found).to.include('pd-patent-subsidy-2022');
      });

      it('finds a Traditional document with a Simplified query', async function () {
        const found = ids(await search({ q: '知识产权保险' }));
        expect(found).to.include('gba-ip-insurance-2023');
      });

      it('finds a Simplified document with a Traditional query', async function () {
        const found = ids(await search({ q: '專利資助' }));
        expect(found).to.include('pd-patent-subsidy-2022');
      });

      it('normalises full-width and upper-case queries', async function () {
        expect(ids(await search({ q: 'ＰＣＴ' }))).to.include('pd-patent-subsidy-2022');
        expect(ids(await search({ q: 'pct' }))).to.include('pd-patent-subsidy-2022');
      });

      it('searches document numbers and issuers', async function () {
        expect(ids(await search({ q: '沪知局〔2024〕15号' }))[0]).to.equal('sh-ip-pledge-2024');
        expect(ids(await search({ q: '市场监督管理局' }))).to.include('sh-trade-secret-guide');
      });

      it('searches tag text', async function () {
        expect(ids(await search({ q: '海外维权' }))).to.include('gba-ip-insurance-2023');
      });

      it('returns nothing for a word no document has', async function () {
        const result = await search({ q: '量子通信卫星' });
        expect(result.total).to.equal(0);
        expect(result.hits).to.deep.equal([]);
      });

      for (const q of ['"AND OR NEAR(', '*', '知识产权" OR "', '-专利', 'title:专利', '^专利', '(((', 'NOT', '{title}: 专利', '\'; DROP TABLE docs; --']) {
        it(`treats FTS syntax as text: ${q}`, async function () {
          const result = await search({ q, facets: true });
          expect(result.total).to.be.a('number');
        });
      }
    });

    describe('filters', function () {
      it('lists every policy by issue date when there is no query', async function () {
        const result = await search();
        expect(result.total).to.equal(CONTRACT_POLICIES.length);
      });

      it('ORs tags within a dimension, including tags expanded to ancestors', async function () {
        const found = ids(await search({ tagFilters: { region: ['reg-zhangjiang', 'reg-xuhui'] } }));
        expect(byIdSorted(found)).to.deep.equal(['pd-patent-subsidy-2022', 'xh-hnte-award-2021']);
        const shanghai = ids(await search({ tagFilters: { region: ['reg-shanghai'] } }));
        expect(shanghai).to.include.members(['pd-patent-subsidy-2022', 'xh-hnte-award-2021', 'sh-ip-pledge-2024']);
        expect(shanghai).to.not.include('gba-ip-insurance-2023');
      });

      it('ANDs tags across dimensions', async function () {
        const found = ids(await search({ tagFilters: { region: ['reg-pudong'], policy_type: ['ptype-subsidy'], ip_type: ['ipt-patent'] } }));
        expect(byIdSorted(found)).to.deep.equal(['pd-patent-subsidy-2018', 'pd-patent-subsidy-2022']);
        const none = await search({ tagFilters: { region: ['reg-xuhui'], ip_type: ['ipt-trade-secret'] } });
        expect(none.total).to.equal(0);
      });

      it('combines tag filters with a query', async function () {
        const found = ids(await search({ q: '专利资助', tagFilters: { region: ['reg-pudong'] }, validity: ['effective', 'expired'] }));
        expect(found).to.deep.equal(['pd-patent-subsidy-2022']);
      });

      it('filters by issuer', async function () {
        const found = ids(await search({ issuer: '浦东新区知识产权局' }));
        expect(byIdSorted(found)).to.deep.equal(['pd-patent-subsidy-2018', 'pd-patent-subsidy-2022']);
      });

      it('filters by issue date range, inclusive, leaving out undated policies', async function () {
        const found = ids(await search({ issuedFrom: '2022-06-01', issuedTo: '2023-08-20' }));
        expect(byIdSorted(found)).to.deep.equal(['gba-ip-insurance-2023', 'pd-patent-subsidy-2022', 'sh-innovation-voucher-2023']);
        const from = ids(await search({ issuedFrom: '2024-01-01' }));
        expect(from).to.deep.equal(['sh-ip-pledge-2024']);
      });

      it('reports an effective policy past its expiry date as expired', async function () {
        const later = await search({ q: '专利资助', tagFilters: { region: ['reg-pudong'] } });
        expect(later.hits.find((hit) => hit.id === 'pd-patent-subsidy-2022')?.validity).to.equal('expired');
        const earlier = await search({ q: '专利资助', tagFilters: { region: ['reg-pudong'] }, today: '2024-06-30' });
        expect(earlier.hits.find((hit) => hit.id === 'pd-patent-subsidy-2022')?.validity).to.equal('effective');
      });

      it('filters by derived validity', async function () {
        const effective = ids(await search({ validity: ['effective'] }));
        expect(effective).to.not.include('pd-patent-subsidy-2022');
        expect(effective).to.not.include('pd-patent-subsidy-2018');
        expect(effective).to.not.include('xh-hnte-award-2021');
        expect(effective).to.include('sh-ip-pledge-2024');
        expect(ids(await search({ validity: ['expired'] }))).to.deep.equal(['pd-patent-subsidy-2022']);
        expect(byIdSorted(ids(await search({ validity: ['revised', 'repealed'] })))).to.deep.equal(['pd-patent-subsidy-2018', 'xh-hnte-award-2021']);
        expect(ids(await search({ validity: ['effective'], today: '2024-06-30' }))).to.include('pd-patent-subsidy-2022');
      });
    });

    describe('facets', function () {
      it('returns null facets unless asked', async function () {
        expect((await search()).facets).to.equal(null);
      });

      it('counts tags and validity over the matching policies', async function () {
        const result = await search({ facets: true });
        expect(result.facets?.tags.region?.['reg-shanghai']).to.equal(6);
        expect(result.facets?.tags.region?.['reg-pudong']).to.equal(2);
        expect(result.facets?.tags.ip_type?.['ipt-patent']).to.equal(5);
        expect(result.facets?.validity).to.deep.equal({ effective: 5, revised: 1, repealed: 1, expired: 1 });
      });

      it('keeps a filtered dimension disjunctive and narrows the others', async function () {
        const result = await search({ facets: true, tagFilters: { region: ['reg-pudong'] } });
        expect(result.total).to.equal(2);
        // Other regions still show what choosing them would add.
        expect(result.facets?.tags.region?.['reg-xuhui']).to.equal(1);
        expect(result.facets?.tags.region?.['reg-shanghai']).to.equal(6);
        expect(result.facets?.tags.region?.['reg-pudong']).to.equal(2);
        // Other dimensions count only within 浦东新区.
        expect(result.facets?.tags.policy_type?.['ptype-subsidy']).to.equal(2);
        expect(result.facets?.tags.policy_type?.['ptype-notice'] ?? 0).to.equal(0);
        expect(result.facets?.validity).to.deep.equal({ expired: 1, repealed: 1 });
      });

      it('counts validity across every validity while filtering by one', async function () {
        const result = await search({ facets: true, validity: ['effective'] });
        expect(result.total).to.equal(5);
        expect(result.facets?.validity).to.deep.equal({ effective: 5, revised: 1, repealed: 1, expired: 1 });
        expect(result.facets?.tags.region?.['reg-pudong'] ?? 0).to.equal(0);
      });

      it('with a tag filter and a validity filter, counts each facet under every filter but its own', async function () {
        const result = await search({ facets: true, tagFilters: { region: ['reg-pudong'] }, validity: ['expired'] });
        expect(result.total).to.equal(1);
        // A region's count is what choosing that region instead would find, still only expired.
        for (const region of ['reg-pudong', 'reg-xuhui', 'reg-shanghai']) {
          const alone = await search({ tagFilters: { region: [region] }, validity: ['expired'] });
          expect(result.facets?.tags.region?.[region] ?? 0, region).to.equal(alone.total);
        }
        // A validity's count is what choosing it instead would find, still only in 浦东新区.
        for (const validity of ['effective', 'revised', 'repealed', 'expired'] as const) {
          const alone = await search({ tagFilters: { region: ['reg-pudong'] }, validity: [validity] });
          expect(result.facets?.validity[validity] ?? 0, validity).to.equal(alone.total);
        }
        expect(result.facets?.validity).to.deep.equal({ expired: 1, repealed: 1 });
      });

      it('counts facets over a keyword match', async function () {
        const result = await search({ facets: true, q: '专利资助', tagFilters: { need: ['need-funding'] } });
        const total = result.total;
        expect(total).to.be.greaterThan(0);
        expect(result.facets?.tags.need?.['need-funding']).to.equal(total);
        expect(result.facets?.tags.region?.['reg-shanghai']).to.equal(total);
      });
    });

    describe('sorting and pagination', function () {
      it('sorts by issue date, newest first, undated last', async function () {
        const result = await search({ sort: 'issued_desc' });
        const dates = result.hits.map((hit) => hit.issuedAt);
        expect(dates[dates.length - 1]).to.equal(null);
        const dated = dates.filter((date): date is string => date !== null);
        expect(dated).to.deep.equal([...dated].sort().reverse());
      });

      it('sorts by issue date, oldest first, undated last', async function () {
        const result = await search({ sort: 'issued_asc' });
        const dates = result.hits.map((hit) => hit.issuedAt);
        expect(dates[0]).to.equal('2018-05-01');
        expect(dates[dates.length - 1]).to.equal(null);
        const dated = dates.filter((date): date is string => date !== null);
        expect(dated).to.deep.equal([...dated].sort());
      });

      it('sorts a keyword match by date when asked', async function () {
        const result = await search({ q: '专利', sort: 'issued_desc' });
        const dated = result.hits.map((hit) => hit.issuedAt).filter((date): date is string => date !== null);
        expect(dated.length).to.be.greaterThan(1);
        expect(dated).to.deep.equal([...dated].sort().reverse());
      });

      it('pages through a stable order with a constant total', async function () {
        const all = await search({ sort: 'issued_desc' });
        const first = await search({ sort: 'issued_desc', offset: 0, limit: 3 });
        const second = await search({ sort: 'issued_desc', offset: 3, limit: 3 });
        const beyond = await search({ sort: 'issued_desc', offset: 100, limit: 3 });
        expect(first.total).to.equal(all.total);
        expect(second.total).to.equal(all.total);
        expect(beyond.total).to.equal(all.total);
        expect([...ids(first), ...ids(second)]).to.deep.equal(ids(all).slice(0, 6));
        expect(beyond.hits).to.deep.equal([]);
      });

      it('pages a relevance order', async function () {
        const all = ids(await search({ q: '专利' }));
        const pages = [...ids(await search({ q: '专利', limit: 2 })), ...ids(await search({ q: '专利', offset: 2, limit: 2 }))];
        expect(pages).to.deep.equal(all.slice(0, 4));
      });
    });

    describe('hits', function () {
      it('carries the display fields', async function () {
        const result = await search({ q: '专利资助', tagFilters: { region: ['reg-pudong'] }, validity: ['expired'] });
        const hit = result.hits[0];
        expect(hit).to.include({
          id: 'pd-patent-subsidy-2022',
          version: 1,
          title: '浦东新区专利资助办法',
          docNumber: '浦知规〔2022〕3号',
          issuer: '浦东新区知识产权局',
          level: 'district',
          issuedAt: '2022-06-01',
          validity: 'expired',
        });
        expect(hit?.applicationWindow).to.deep.equal({ opensAt: '2022-07-01', closesAt: '2022-09-30' });
      });

      it('marks query words in the snippet and escapes HTML', async function () {
        const result = await search({ q: '商业秘密' });
        const snippet = result.hits.find((hit) => hit.id === 'sh-trade-secret-guide')?.snippet ?? '';
        expect(snippet).to.contain('<mark>商业秘密</mark>');
        expect(snippet).to.contain('&lt;');
        expect(snippet).to.contain('&gt;');
        expect(snippet).to.contain('&quot;');
        expect(snippet).to.contain('&amp;');
        expect(snippet).to.contain('&#39;');
        expect(snippet.replaceAll('<mark>', '').replaceAll('</mark>', '')).to.not.match(/[<>"']/);
      });

      it('marks the original characters of a Traditional document', async function () {
        const result = await search({ q: '知识产权保险' });
        const snippet = result.hits.find((hit) => hit.id === 'gba-ip-insurance-2023')?.snippet ?? '';
        expect(snippet).to.contain('<mark>知識產權保險</mark>');
      });

      it('starts the snippet at the beginning of the body without a query', async function () {
        const result = await search({ issuer: '上海市市场监督管理局' });
        const snippet = result.hits[0]?.snippet ?? '';
        expect(snippet.startsWith('企业应当对&lt;商业秘密&gt;')).to.equal(true);
        expect(snippet).to.not.contain('<mark>');
      });

      it('keeps snippets short', async function () {
        const result = await search({ q: '知识产权质押融资' });
        const snippet = result.hits[0]?.snippet ?? '';
        const text = snippet.replace(/<\/?mark>/g, '').replace(/&[a-z#0-9]+;/g, 'x');
        expect(text.length).to.be.at.most(160);
      });
    });

    describe('updates', function () {
      it('replaces a policy on upsert of the same id', async function () {
        const original = CONTRACT_POLICIES.find((doc) => doc.id === 'pd-patent-subsidy-2022');
        if (!original) throw new Error('fixture missing');
        await index.upsertPolicies([
          {
            ...original,
            version: 2,
            title: '浦东新区知识产权奖励办法',
            body: '对获得中国专利奖的企业给予奖励。',
            tagText: '奖励',
            tagsByDimension: { region: ['reg-shanghai', 'reg-xuhui'], policy_type: ['ptype-reward'] },
          },
        ]);
        expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length);
        expect(ids(await search({ q: '张江' }))).to.not.include('pd-patent-subsidy-2022');
        const updated = await search({ q: '中国专利奖' });
        expect(updated.hits[0]).to.include({ id: 'pd-patent-subsidy-2022', version: 2, title: '浦东新区知识产权奖励办法' });
        expect(ids(await search({ tagFilters: { region: ['reg-pudong'] } }))).to.deep.equal(['pd-patent-subsidy-2018']);
        expect(byIdSorted(ids(await search({ tagFilters: { region: ['reg-xuhui'] } })))).to.deep.equal(['pd-patent-subsidy-2022', 'xh-hnte-award-2021']);
      });

      it('keeps the last copy when one batch holds an id twice', async function () {
        const base = CONTRACT_POLICIES[0];
        if (!base) throw new Error('fixture missing');
        await index.upsertPolicies([
          { ...base, id: 'dup-policy', title: '第一稿 专利导航' },
          { ...base, id: 'dup-policy', title: '第二稿 专利导航' },
        ]);
        const found = await search({ q: '专利导航' });
        expect(found.hits.map((hit) => hit.title)).to.deep.equal(['第二稿 专利导航']);
      });

      it('removes policies and ignores unknown ids', async function () {
        await index.removePolicies(['pd-patent-subsidy-2022', 'no-such-policy']);
        expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length - 1);
        expect(ids(await search({ q: '专利资助' }))).to.not.include('pd-patent-subsidy-2022');
        const facets = await search({ facets: true });
        expect(facets.facets?.tags.region?.['reg-pudong']).to.equal(1);
        expect(facets.facets?.validity.expired ?? 0).to.equal(0);
      });

      describe('re-applying documents the index already holds', function () {
        /** Relevance-ranked and filtered searches whose results must not move (scores too, where the engine promises it). */
        const PROBES: Partial<PolicySearchRequest>[] = [
          { q: '专利资助', facets: true },
          { q: '知识产权', facets: true },
          { q: '专利 资助 张江' },
          { q: '知识产权质押融资' },
          { q: '專利資助', tagFilters: { region: ['reg-shanghai'] }, facets: true },
          { q: '专利', offset: 2, limit: 3 },
          { facets: true, validity: ['effective', 'expired'] },
        ];

        const snapshot = async (): Promise<PolicySearchResult[]> => Promise.all(PROBES.map((probe) => search(probe)));

        const sameDocuments = async (): Promise<void> => {
          await index.upsertPolicies(CONTRACT_POLICIES);
          await index.upsertPolicies([...CONTRACT_POLICIES].reverse());
          expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length);
        };

        const churn = async (): Promise<void> => {
          const churned = CONTRACT_POLICIES.filter((doc) => ['pd-patent-subsidy-2022', 'sh-ip-pledge-2024', 'gba-ip-insurance-2023'].includes(doc.id));
          const base = CONTRACT_POLICIES[0];
          if (!base) throw new Error('fixture missing');
          for (let round = 0; round < 3; round++) {
            await index.removePolicies(churned.map((doc) => doc.id));
            await index.upsertPolicies([{ ...base, id: `passing-${round}`, title: '专利资助临时通知' }]);
            await index.upsertPolicies(churned);
            await index.removePolicies([`passing-${round}`]);
          }
          expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length);
        };

        const expectUnchangedScores = (before: PolicySearchResult[], after: PolicySearchResult[]): void => {
          PROBES.forEach((probe, i) => {
            expect(after[i]?.hits.map((hit) => hit.score), `scores of ${JSON.stringify(probe)}`).to.deep.equal(before[i]?.hits.map((hit) => hit.score));
          });
          expect(after).to.deep.equal(before);
        };

        const expectUnchangedMatches = (before: PolicySearchResult[], after: PolicySearchResult[]): void => {
          PROBES.forEach((probe, i) => {
            const was = before[i];
            const now = after[i];
            if (!was || !now) throw new Error('probe missing');
            expect(withoutScores(now, probe), JSON.stringify(probe)).to.deep.equal(withoutScores(was, probe));
          });
        };

        it('changes no total, facet, match or date order when the same documents are upserted again', async function () {
          const before = await snapshot();
          await sameDocuments();
          expectUnchangedMatches(before, await snapshot());
        });

        it('changes no total, facet, match or date order after removing documents and upserting them back', async function () {
          const before = await snapshot();
          await churn();
          expectUnchangedMatches(before, await snapshot());
        });

        engineSpecific({
          supported: traits.exactScoresAcrossRewrites,
          trait: 'exactScoresAcrossRewrites',
          title: 'changes no result and no score when the same documents are upserted again',
          test: async () => {
            const before = await snapshot();
            await sameDocuments();
            expectUnchangedScores(before, await snapshot());
          },
        });

        engineSpecific({
          supported: traits.exactScoresAcrossRewrites,
          trait: 'exactScoresAcrossRewrites',
          title: 'changes no result and no score after removing documents and upserting them back',
          test: async () => {
            const before = await snapshot();
            await churn();
            expectUnchangedScores(before, await snapshot());
          },
        });
      });

      it('accepts new policies after removals', async function () {
        await index.removePolicies(['sh-trade-secret-guide', 'cnipa-open-licensing']);
        const base = CONTRACT_POLICIES[0];
        if (!base) throw new Error('fixture missing');
        await index.upsertPolicies([
          { ...base, id: 'new-one', title: '数据知识产权登记办事指引', tagsByDimension: { ip_type: ['ipt-data'] } },
          { ...base, id: 'new-two', title: '地理标志产品保护办法', tagsByDimension: { ip_type: ['ipt-gi'] } },
          { ...base, id: 'new-three', title: '集成电路布图设计登记指南', tagsByDimension: { ip_type: ['ipt-ic-layout'] } },
        ]);
        expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length + 1);
        expect(ids(await search({ q: '数据知识产权' }))[0]).to.equal('new-one');
        expect(ids(await search({ q: '地理标志' }))[0]).to.equal('new-two');
        expect(ids(await search({ q: '集成电路布图设计' }))[0]).to.equal('new-three');
        expect(ids(await search({ q: '商业秘密' }))).to.not.include('sh-trade-secret-guide');
        expect(ids(await search({ tagFilters: { ip_type: ['ipt-gi'] } }))).to.deep.equal(['new-two']);
      });
    });
  });
}
