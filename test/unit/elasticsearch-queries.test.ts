import { expect } from 'chai';
import type { estypes } from '@elastic/elasticsearch';
import { PROFILE_DIMENSIONS } from '../../schemas/subscriber.schema.js';
import { DIMENSION_IDS } from '../../schemas/taxonomy.schema.js';
import { buildFaqCandidatesRequest, buildFaqListRequest, rankFaqCandidates } from '../../server/adapters/elasticsearch/elasticsearch.faq-query.js';
import {
  CJK_INDEX_ANALYZER,
  CJK_SEARCH_ANALYZER,
  INDEX_KINDS,
  MAX_RESULT_WINDOW,
  PLUGIN_ANALYZERS,
  indexMappings,
  indexSettings,
  indexTemplate,
  type AnalyzerChoice,
  type IndexKind,
} from '../../server/adapters/elasticsearch/elasticsearch.mappings.js';
import {
  buildPercolateSearch,
  buildProfileLookup,
  buildSubscriptionsOf,
  eligibilityFilters,
  percolatedPolicy,
  subscriptionPercolatorQuery,
  toProfileEsDoc,
} from '../../server/adapters/elasticsearch/elasticsearch.audience-query.js';
import {
  buildPolicySearchRequest,
  buildPolicyTextCountQuery,
  derivedValidity,
  toPolicyEsDoc,
  validityClause,
} from '../../server/adapters/elasticsearch/elasticsearch.policy-query.js';
import { highlightTerms } from '../../server/text/highlight.js';
import { queryWords, textQuery, weightedTextFields, wordQuery } from '../../server/adapters/elasticsearch/elasticsearch.text-query.js';
import { loadConfig } from '../../server/config.js';
import type { AudiencePolicy, SubscriptionDoc } from '../../server/ports/audience-index.port.js';
import type { PolicySearchRequest } from '../../server/ports/search-index.port.js';
import { CONTRACT_POLICIES, CONTRACT_TODAY } from '../contract/search-index.contract.js';
import { matches, stored } from '../support/es-query-model.js';

const ANALYZERS: AnalyzerChoice[] = ['cjk', 'smartcn', 'ik'];

function request(overrides: Partial<PolicySearchRequest> = {}): PolicySearchRequest {
  return { tagFilters: {}, sort: 'relevance', offset: 0, limit: 20, facets: false, today: CONTRACT_TODAY, ...overrides };
}

function phrase(field: string, query: string, boost: number): estypes.QueryDslQueryContainer {
  return { match_phrase: { [field]: { query, boost } } };
}

/** The phrase in any policy text field with the embedded engine's weights (cjk analyzer: no subfields). */
function anyPolicyField(text: string): estypes.QueryDslQueryContainer {
  return {
    bool: {
      should: [phrase('text.title', text, 10), phrase('text.tagText', text, 4), phrase('text.body', text, 1), phrase('text.docNumber', text, 3), phrase('text.issuer', text, 2)],
      minimum_should_match: 1,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Mapping resolution: every field a query names must exist in the index it runs against

function mappedProperty(mapping: estypes.MappingTypeMapping, path: string): estypes.MappingProperty | undefined {
  let properties: Record<string, estypes.MappingProperty> | undefined = mapping.properties;
  let found: estypes.MappingProperty | undefined;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const next: estypes.MappingProperty | undefined = properties?.[part] ?? (found && 'fields' in found ? found.fields?.[part] : undefined);
    if (!next) return undefined;
    found = next;
    properties = 'properties' in next ? next.properties : undefined;
  }
  return found;
}

const FIELD_QUERIES = new Set(['term', 'terms', 'range', 'match_phrase', 'match', 'prefix']);
const SKIPPED_KEYS = new Set(['boost', '_name', 'minimum_should_match', 'document']);

/** Field names of leaf queries, sorts and aggregations anywhere in a request body. */
function referencedFields(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) referencedFields(item, out);
    return out;
  }
  if (typeof node !== 'object' || node === null) return out;
  for (const [key, value] of Object.entries(node)) {
    if (SKIPPED_KEYS.has(key)) continue;
    if (FIELD_QUERIES.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // A `terms` aggregation names its field; a `terms` query is keyed by it.
      if ('field' in value && typeof value.field === 'string') out.add(value.field);
      else for (const field of Object.keys(value)) if (!SKIPPED_KEYS.has(field)) out.add(field);
      continue;
    }
    if ((key === 'exists' || key === 'percolate') && typeof value === 'object' && value !== null && 'field' in value) out.add(String(value.field));
    if (key === 'field' && typeof value === 'string') out.add(value);
    if (key === 'sort') {
      for (const entry of Array.isArray(value) ? value : [value]) {
        if (typeof entry === 'string') out.add(entry);
        else if (typeof entry === 'object' && entry !== null) for (const field of Object.keys(entry)) if (!field.startsWith('_')) out.add(field);
      }
      continue;
    }
    referencedFields(value, out);
  }
  return out;
}

function expectMapped({ kind, analyzer, body }: { kind: IndexKind; analyzer: AnalyzerChoice; body: unknown }): void {
  const mapping = indexMappings({ kind, analyzer });
  for (const field of referencedFields(body)) {
    expect(mappedProperty(mapping, field), `${kind} (${analyzer}) maps ${field}`).to.not.equal(undefined);
  }
}

const AUDIENCE_POLICY: AudiencePolicy = {
  criteria: { region: ['r-pd'], size: ['s-small', 's-micro'], ip_type: ['ip-patent'] },
  tags: { region: ['r-pd', 'r-sh'], need: ['n-patent', 'n-fund'], ip_type: ['ip-patent'] },
  terms: new Set(['专利', '资助', '专利资助', '浦东新区']),
};

const KEYWORD_SUBSCRIPTION: SubscriptionDoc = {
  id: 's-1',
  subscriberId: 'ent-1',
  criteria: { need: { mode: 'any', tags: ['n-fund', 'n-pledge'] }, ip_type: { mode: 'all', tags: ['ip-patent', 'ip-mark'] } },
  keywords: ['知识产权质押融资', '！？', '贴息'],
  keywordTerms: [['知识产权质押融资'], [], ['贴息']],
  channels: ['email'],
  frequency: 'daily',
  eligibleOnly: true,
};

describe('Elasticsearch adapter: query builders', function () {
  describe('policy search', function () {
    it('turns a query with tag filters, validity and relevance sort into query, post_filter and facets', function () {
      const built = buildPolicySearchRequest({
        request: request({ q: '专利资助', tagFilters: { region: ['reg-pudong', 'reg-xuhui'], need: ['need-funding'] }, validity: ['effective', 'expired'], issuer: ' 浦东新区知识产权局 ', facets: true, offset: 20, limit: 10 }),
        text: { words: ['专利资助'], mode: 'all' },
        analyzer: 'cjk',
      });
      const validity: estypes.QueryDslQueryContainer = {
        bool: {
          should: [
            { bool: { filter: [{ term: { validity: 'effective' } }], must_not: [{ range: { expiresAt: { lt: '2025-06-30||/d' } } }] } },
            {
              bool: {
                should: [{ term: { validity: 'expired' } }, { bool: { filter: [{ term: { validity: 'effective' } }, { range: { expiresAt: { lt: '2025-06-30||/d' } } }] } }],
                minimum_should_match: 1,
              },
            },
          ],
          minimum_should_match: 1,
        },
      };
      const region: estypes.QueryDslQueryContainer = { terms: { 'tags.region': ['reg-pudong', 'reg-xuhui'] } };
      const need: estypes.QueryDslQueryContainer = { terms: { 'tags.need': ['need-funding'] } };
      expect(built.query).to.deep.equal({
        bool: {
          must: [{ bool: { must: [{ bool: { should: [anyPolicyField('专利资助'), { bool: { must: [anyPolicyField('专利'), anyPolicyField('资助')] } }], minimum_should_match: 1 } }] } }],
          filter: [{ term: { issuerKey: '浦东新区知识产权局' } }],
        },
      });
      expect(built.post_filter).to.deep.equal({ bool: { filter: [region, need, validity] } });
      expect(built.sort).to.deep.equal([{ _score: { order: 'desc' } }, { issuedAt: { order: 'desc', missing: '_last' } }, { id: { order: 'asc' } }]);
      expect(built).to.include({ from: 20, size: 10, track_total_hits: true, track_scores: true });
      const aggregations = built.aggregations ?? {};
      expect(Object.keys(aggregations)).to.have.members([...DIMENSION_IDS.map((d) => `facet_${d}`), 'facet_validity']);
      // Disjunctive: each dimension's counts apply every other filter, never its own.
      expect(aggregations.facet_region?.filter).to.deep.equal({ bool: { filter: [need, validity] } });
      expect(aggregations.facet_need?.filter).to.deep.equal({ bool: { filter: [region, validity] } });
      expect(aggregations.facet_size?.filter).to.deep.equal({ bool: { filter: [region, need, validity] } });
      expect(aggregations.facet_region?.aggs).to.deep.equal({ tags: { terms: { field: 'tags.region', size: 2000 } } });
      expect(aggregations.facet_validity?.filter).to.deep.equal({ bool: { filter: [region, need] } });
      expect(Object.keys(aggregations.facet_validity?.aggs?.validity?.filters?.filters ?? {})).to.deep.equal(['effective', 'revised', 'repealed', 'expired']);
    });

    it('sorts by date without scores, undated last and in id order in both directions', function () {
      const desc = buildPolicySearchRequest({ request: request({ q: '专利', sort: 'issued_desc' }), text: { words: ['专利'], mode: 'all' }, analyzer: 'cjk' });
      expect(desc.sort).to.deep.equal([{ issuedAt: { order: 'desc', missing: '_last' } }, { undatedId: { order: 'asc', missing: '_last' } }, { id: { order: 'desc' } }]);
      expect(desc).to.not.have.property('track_scores');
      const asc = buildPolicySearchRequest({ request: request({ sort: 'issued_asc' }), text: null, analyzer: 'cjk' });
      expect(asc.sort).to.deep.equal([{ issuedAt: { order: 'asc', missing: '_last' } }, { undatedId: { order: 'asc', missing: '_last' } }, { id: { order: 'asc' } }]);
      // Relevance without words is the newest-first list, as in the embedded engine.
      const browse = buildPolicySearchRequest({ request: request(), text: null, analyzer: 'cjk' });
      expect(browse.sort).to.deep.equal(desc.sort);
      expect(browse.query).to.deep.equal({ bool: { filter: [] } });
      expect(browse).to.not.have.property('post_filter');
      expect(browse).to.not.have.property('aggregations');
    });

    it('bounds issue dates by whole days and keeps the page inside the result window', function () {
      const built = buildPolicySearchRequest({ request: request({ issuedFrom: '2022-06-01', issuedTo: '2023-08-20', offset: MAX_RESULT_WINDOW - 5, limit: 20 }), text: null, analyzer: 'cjk' });
      expect(built.query).to.deep.equal({ bool: { filter: [{ range: { issuedAt: { gte: '2022-06-01||/d', lte: '2023-08-20||/d' } } }] } });
      expect(built).to.include({ from: MAX_RESULT_WINDOW - 5, size: 5 });
      expect(buildPolicySearchRequest({ request: request({ limit: 0 }), text: null, analyzer: 'cjk' })).to.include({ size: 0 });
    });

    it('ORs every word when asked, and looks words up in the plugin field and its cjk subfield', function () {
      expect(textQuery({ words: ['张江', '专利'], fields: weightedTextFields({ weights: { title: 10 }, analyzer: 'cjk' }), mode: 'any' })).to.deep.equal({
        bool: {
          should: [
            { bool: { should: [phrase('text.title', '张江', 10)], minimum_should_match: 1 } },
            { bool: { should: [phrase('text.title', '专利', 10)], minimum_should_match: 1 } },
          ],
          minimum_should_match: 1,
        },
      });
      expect(wordQuery({ word: '张江', fields: weightedTextFields({ weights: { title: 10, body: 1 }, analyzer: 'smartcn' }) })).to.deep.equal({
        bool: {
          should: [phrase('text.title', '张江', 10), phrase('text.title.cjk', '张江', 5), phrase('text.body', '张江', 1), phrase('text.body.cjk', '张江', 0.5)],
          minimum_should_match: 1,
        },
      });
      expect(buildPolicyTextCountQuery({ words: ['张江', '专利'], analyzer: 'cjk' })).to.deep.equal({
        bool: { must: [{ bool: { should: [phrase('text.title', '张江', 10), phrase('text.tagText', '张江', 4), phrase('text.body', '张江', 1), phrase('text.docNumber', '张江', 3), phrase('text.issuer', '张江', 2)], minimum_should_match: 1 } }, anyPolicyField('专利')] },
      });
    });

    it('reads the query as the embedded engine does: normalised words without stop words, or none', function () {
      expect(queryWords('我们公司能申请專利資助吗')).to.deep.equal(['专利资助']);
      expect(queryWords('ＰＣＴ')).to.deep.equal(['pct']);
      expect(queryWords('*（）！')).to.equal(null);
      expect(queryWords('   ')).to.equal(null);
      expect(highlightTerms(['知识产权质押融资', '贴息'])).to.deep.equal(['知识产权质押融资', '知识', '产权', '质押', '融资', '贴息']);
    });

    it('stores normalised text for matching and the original for display', function () {
      const source = CONTRACT_POLICIES.find((doc) => doc.id === 'gba-ip-insurance-2023');
      if (!source) throw new Error('fixture missing');
      const doc = toPolicyEsDoc(source);
      expect(doc.text.title).to.equal('关于推进粤港澳大湾区知识产权保险试点工作的通知');
      expect(doc.display.title).to.equal(source.title);
      expect(doc.display.body).to.equal(source.body);
      expect(doc.text.body.length).to.equal(source.body.length);
      expect(doc.issuerKey).to.equal('粤港澳大湾区知识产权合作办公室');
      expect(doc.undatedId).to.equal(null);
      expect(toPolicyEsDoc({ ...source, issuedAt: null }).undatedId).to.equal(source.id);
    });

    it('derives validity from the expiry date in the query exactly as in the hit', function () {
      const cases = [
        { validity: 'effective' as const, expiresAt: '2025-06-29' },
        { validity: 'effective' as const, expiresAt: '2025-06-30' },
        { validity: 'effective' as const, expiresAt: '2025-07-01' },
        { validity: 'effective' as const, expiresAt: null },
        { validity: 'expired' as const, expiresAt: null },
        { validity: 'revised' as const, expiresAt: '2020-01-01' },
        { validity: 'repealed' as const, expiresAt: null },
      ];
      for (const fields of cases) {
        const doc = stored('p', { validity: fields.validity, expiresAt: fields.expiresAt });
        const derived = derivedValidity({ ...fields, today: CONTRACT_TODAY });
        for (const validity of ['effective', 'revised', 'repealed', 'expired'] as const) {
          expect(matches(validityClause({ validity, today: CONTRACT_TODAY }), doc), `${JSON.stringify(fields)} as ${validity}`).to.equal(derived === validity);
        }
      }
      // The expiry day itself is still effective.
      expect(derivedValidity({ validity: 'effective', expiresAt: '2025-06-30', today: '2025-06-30' })).to.equal('effective');
    });
  });

  describe('FAQ search', function () {
    const faqRequest = { tagFilters: { region: ['region-pudong'] }, policyId: 'p-pledge', offset: 0, limit: 20, today: '2026-06-01' };

    it('lists in the FAQ order without words and leaves out expired policies', function () {
      const built = buildFaqListRequest(faqRequest);
      expect(built.query).to.deep.equal({
        bool: {
          filter: [{ term: { policyId: 'p-pledge' } }, { terms: { 'tags.region': ['region-pudong'] } }],
          must_not: [{ range: { expiresAt: { lt: '2026-06-01||/d' } } }],
        },
      });
      expect(built.sort).to.deep.equal([{ updatedAt: { order: 'desc' } }, { policyId: { order: 'asc' } }, { position: { order: 'asc' } }, { faqId: { order: 'asc' } }]);
    });

    it('fetches the best text matches with their questions for ranking', function () {
      const built = buildFaqCandidatesRequest({ request: faqRequest, words: ['贴息'], mode: 'all', analyzer: 'cjk' });
      expect(built._source).to.deep.equal(['faqId', 'doc.question', 'doc.updatedAt', 'doc.policyId', 'doc.position']);
      expect(built).to.include({ size: 10_000, track_total_hits: true, track_scores: true });
    });

    it('ranks a question worded like the query first, whatever the text scores', function () {
      const ranked = rankFaqCandidates({
        q: '我们公司能申请专利资助吗',
        candidates: [
          { faqId: 'f-materials', question: '专利资助需要提交哪些材料？', updatedAt: '2026-01-01', policyId: 'p', position: 1, score: 9 },
          { faqId: 'f-who', question: '企业可以申请专利资助吗？', updatedAt: '2026-01-01', policyId: 'p', position: 0, score: 7 },
          { faqId: 'f-other', question: '贴息比例是多少？', updatedAt: '2026-02-01', policyId: 'p', position: 2, score: 1 },
        ],
      });
      expect(ranked.map((c) => c.faqId)).to.deep.equal(['f-who', 'f-materials', 'f-other']);
      expect(ranked[0]?.score).to.be.within(0, 1);
    });
  });

  describe('audience', function () {
    it('turns the policy criteria into terms filters, letting unstated dimensions through', function () {
      expect(eligibilityFilters(AUDIENCE_POLICY.criteria)).to.deep.equal([
        { bool: { should: [{ terms: { 'attributes.region': ['r-pd'] } }, { bool: { must_not: [{ term: { stated: 'region' } }] } }], minimum_should_match: 1 } },
        { bool: { should: [{ terms: { 'attributes.size': ['s-small', 's-micro'] } }, { bool: { must_not: [{ term: { stated: 'size' } }] } }], minimum_should_match: 1 } },
      ]);
      const filters = eligibilityFilters(AUDIENCE_POLICY.criteria);
      const eligible = (attributes: Record<string, string[]>): boolean => {
        const doc = stored('x', toProfileEsDoc({ subscriberId: 'x', kind: 'enterprise', parkId: null, attributes, reachable: [] }));
        return filters.every((filter) => matches(filter, doc));
      };
      // Profiles carry ancestors, so a park in 浦东新区 holds r-pd.
      expect(eligible({ region: ['r-pd-park1', 'r-pd', 'r-sh'], size: ['s-small'] })).to.equal(true);
      expect(eligible({ region: ['r-xh', 'r-sh'], size: ['s-small'] })).to.equal(false);
      // Unknown (left out) passes; stated as none (an empty list) does not.
      expect(eligible({ size: ['s-micro'] })).to.equal(true);
      expect(eligible({ region: [], size: ['s-micro'] })).to.equal(false);
      expect(eligible({})).to.equal(true);
    });

    it('looks up any profile for loose subscribers and only eligible ones for strict ones', function () {
      const lookup = buildProfileLookup({ criteria: AUDIENCE_POLICY.criteria, strict: ['a', 'b'], loose: ['c'] });
      const query = lookup.query;
      if (!query) throw new Error('query missing');
      const found = (id: string, attributes: Record<string, string[]>): boolean =>
        matches(query, stored(id, toProfileEsDoc({ subscriberId: id, kind: 'enterprise', parkId: null, attributes, reachable: [] })));
      expect(found('a', { region: ['r-pd'] })).to.equal(true);
      expect(found('b', { region: ['r-xh'] })).to.equal(false);
      expect(found('c', { region: ['r-xh'] })).to.equal(true);
      expect(found('d', { region: ['r-pd'] })).to.equal(false);
      expect(lookup.size).to.equal(3);
      expect(buildProfileLookup({ criteria: {}, strict: ['a'], loose: [] }).query).to.deep.equal({ bool: { filter: [{ terms: { subscriberId: ['a'] } }] } });
    });

    it('stores a keyword subscription as a constant-score percolator query over tags and segmented words', function () {
      expect(subscriptionPercolatorQuery(KEYWORD_SUBSCRIPTION)).to.deep.equal({
        constant_score: {
          filter: {
            bool: {
              filter: [
                { terms: { 'policy.tags.need': ['n-fund', 'n-pledge'] } },
                { bool: { filter: [{ term: { 'policy.tags.ip_type': 'ip-patent' } }, { term: { 'policy.tags.ip_type': 'ip-mark' } }] } },
                {
                  bool: {
                    should: [
                      {
                        bool: {
                          filter: [
                            {
                              bool: {
                                should: [
                                  { term: { 'policy.terms': '知识产权质押融资' } },
                                  { bool: { filter: ['知识', '产权', '质押', '融资'].map((part) => ({ term: { 'policy.terms': part } })) } },
                                ],
                                minimum_should_match: 1,
                              },
                            },
                          ],
                        },
                      },
                      // The keyword made of punctuation has no words and is left out, as in the shared rules.
                      { bool: { filter: [{ term: { 'policy.terms': '贴息' } }] } },
                    ],
                    minimum_should_match: 1,
                  },
                },
              ],
            },
          },
        },
      });
      expect(subscriptionPercolatorQuery({ criteria: {}, keywordTerms: [[]] })).to.deep.equal({ match_none: {} });
    });

    it('percolates the policy as its expanded tags and words, paged in subscriber order', function () {
      const search = buildPercolateSearch({ policy: AUDIENCE_POLICY, size: 1000 });
      expect(search.query).to.deep.equal({
        bool: { filter: [{ percolate: { field: 'query', document: { policy: { tags: AUDIENCE_POLICY.tags, terms: [...AUDIENCE_POLICY.terms] } } } }] },
      });
      expect(search.sort).to.deep.equal([{ subscriberId: { order: 'asc' } }, { subscriptionId: { order: 'asc' } }]);
      expect(percolatedPolicy({ ...AUDIENCE_POLICY, tags: { need: ['n-fund', 'n-fund'], region: [] } }).policy.tags).to.deep.equal({ need: ['n-fund'] });
    });
  });

  describe('mappings', function () {
    const policyRequests = [
      buildPolicySearchRequest({ request: request({ q: '专利', tagFilters: { region: ['r'] }, validity: ['expired'], issuer: 'x', issuedFrom: '2020-01-01', facets: true }), text: { words: ['知识产权质押融资'], mode: 'all' }, analyzer: 'cjk' }),
      buildPolicySearchRequest({ request: request({ sort: 'issued_asc', facets: true }), text: null, analyzer: 'cjk' }),
    ];

    for (const analyzer of ANALYZERS) {
      it(`maps every field the queries name (${analyzer})`, function () {
        for (const body of policyRequests) expectMapped({ kind: 'policies', analyzer, body });
        expectMapped({ kind: 'policies', analyzer, body: buildPolicyTextCountQuery({ words: ['张江科学城'], analyzer }) });
        expectMapped({ kind: 'faqs', analyzer, body: buildFaqCandidatesRequest({ request: { tagFilters: { need: ['n'] }, policyId: 'p', offset: 0, limit: 5, today: '2026-01-01' }, words: ['贴息', '知识产权质押融资'], mode: 'any', analyzer }) });
        expectMapped({ kind: 'faqs', analyzer, body: buildFaqListRequest({ tagFilters: { need: ['n'] }, offset: 0, limit: 5, today: '2026-01-01' }) });
        expectMapped({ kind: 'subscriptions', analyzer, body: subscriptionPercolatorQuery(KEYWORD_SUBSCRIPTION) });
        expectMapped({ kind: 'subscriptions', analyzer, body: buildPercolateSearch({ policy: AUDIENCE_POLICY, size: 10 }) });
        expectMapped({ kind: 'subscriptions', analyzer, body: buildSubscriptionsOf({ subscriberId: 'a', size: 10 }) });
        expectMapped({ kind: 'profiles', analyzer, body: buildProfileLookup({ criteria: AUDIENCE_POLICY.criteria, strict: ['a'], loose: ['b'] }) });
      });

      it(`uses only analyzers the index defines or the configured plugin provides (${analyzer})`, function () {
        for (const kind of INDEX_KINDS) {
          const defined = new Set(Object.keys(indexSettings(kind).analysis?.analyzer ?? {}));
          const provided = analyzer === 'cjk' ? [] : [PLUGIN_ANALYZERS[analyzer]];
          const used = new Set<string>();
          const collect = (node: unknown): void => {
            if (Array.isArray(node)) node.forEach(collect);
            else if (typeof node === 'object' && node !== null) {
              for (const [key, value] of Object.entries(node)) {
                if ((key === 'analyzer' || key === 'search_analyzer') && typeof value === 'string') used.add(value);
                else collect(value);
              }
            }
          };
          collect(indexMappings({ kind, analyzer }).properties);
          for (const name of used) expect(defined.has(name) || provided.includes(name), `${kind} uses ${name}`).to.equal(true);
        }
      });
    }

    it('keeps bigram recall under a plugin analyzer and indexes single characters for the cjk one', function () {
      expect(indexMappings({ kind: 'policies', analyzer: 'cjk' }).properties?.text).to.deep.include({ dynamic: 'strict' });
      expect(mappedProperty(indexMappings({ kind: 'policies', analyzer: 'smartcn' }), 'text.body.cjk')).to.deep.equal({ type: 'text', analyzer: CJK_INDEX_ANALYZER, search_analyzer: CJK_SEARCH_ANALYZER });
      expect(mappedProperty(indexMappings({ kind: 'policies', analyzer: 'ik' }), 'text.title')).to.deep.include({ analyzer: 'ik_smart', search_analyzer: 'ik_smart' });
      expect(mappedProperty(indexMappings({ kind: 'policies', analyzer: 'cjk' }), 'text.title.cjk')).to.equal(undefined);
      expect(indexSettings('policies').analysis?.filter).to.deep.equal({ pp_cjk_bigram_unigrams: { type: 'cjk_bigram', output_unigrams: true } });
    });

    it('maps every dimension for tags and every profile dimension for attributes, strictly', function () {
      for (const dimension of DIMENSION_IDS) {
        expect(mappedProperty(indexMappings({ kind: 'policies', analyzer: 'cjk' }), `tags.${dimension}`)).to.deep.equal({ type: 'keyword' });
        expect(mappedProperty(indexMappings({ kind: 'subscriptions', analyzer: 'cjk' }), `policy.tags.${dimension}`)).to.deep.equal({ type: 'keyword' });
      }
      for (const dimension of PROFILE_DIMENSIONS) expect(mappedProperty(indexMappings({ kind: 'profiles', analyzer: 'cjk' }), `attributes.${dimension}`)).to.deep.equal({ type: 'keyword' });
      for (const kind of INDEX_KINDS) expect(indexMappings({ kind, analyzer: 'cjk' }).dynamic).to.equal('strict');
    });

    it('installs one template per kind over its own pattern, recording what built the index', function () {
      const template = indexTemplate({ prefix: 'policy-push', kind: 'profiles', analyzer: 'ik' });
      expect(template).to.deep.include({ name: 'policy-push-profiles', index_patterns: ['policy-push-profiles-*'], priority: 200 });
      // Profiles hold no analysed text: switching the analyzer must not rebuild them.
      expect(template.template?.mappings?._meta).to.deep.equal({ kind: 'profiles', schema: 1, analyzer: 'cjk' });
      expect(indexTemplate({ prefix: 'policy-push', kind: 'policies', analyzer: 'ik' }).template?.mappings?._meta).to.deep.include({ analyzer: 'ik' });
    });
  });

  describe('configuration', function () {
    it('defaults to the built-in cjk analyzer and the policy-push prefix, and refuses a bad prefix', function () {
      expect(loadConfig({})).to.include({ ELASTICSEARCH_ANALYZER: 'cjk', ELASTICSEARCH_INDEX_PREFIX: 'policy-push' });
      expect(loadConfig({ ELASTICSEARCH_ANALYZER: 'smartcn', ELASTICSEARCH_INDEX_PREFIX: 'prov_js-2' })).to.include({ ELASTICSEARCH_ANALYZER: 'smartcn' });
      expect(() => loadConfig({ ELASTICSEARCH_INDEX_PREFIX: 'Policy*Push' })).to.throw('ELASTICSEARCH_INDEX_PREFIX');
      expect(() => loadConfig({ ELASTICSEARCH_ANALYZER: 'jieba' })).to.throw('ELASTICSEARCH_ANALYZER');
    });
  });

  describe('types', function () {
    it('refuses malformed queries at compile time', function () {
      // @ts-expect-error a bool query takes query clauses, not text
      const malformedBool: estypes.QueryDslQueryContainer = { bool: { must: '专利' } };
      // @ts-expect-error a sort order is asc or desc
      const malformedSort: estypes.Sort = [{ issuedAt: { order: 'newest' } }];
      // @ts-expect-error minimum_should_match is a number or a string, not a flag
      const malformedShould: estypes.QueryDslQueryContainer = { bool: { should: [], minimum_should_match: true } };
      expect([malformedBool, malformedSort, malformedShould]).to.have.length(3);
    });
  });
});
