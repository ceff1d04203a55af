import fs from 'node:fs';
import { demoPushImportLines } from '../../server/demo/demo-pushes.js';
import { recordExemption } from '../support/interpretation.js';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Article } from '../../schemas/article.schema.js';
import type { ErrorBody } from '../../schemas/common.schema.js';
import {
  policyImportLineSchema,
  VALIDITY_LABELS,
  type PolicyImportLine,
  type PolicySearchResponse,
  type PublicPolicy,
  type Validity,
} from '../../schemas/policy.schema.js';
import { taxonomySchema, type DimensionId, type Tag } from '../../schemas/taxonomy.schema.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startPlatform, type RunningPlatform } from '../../server/platform.js';
import { normalizeText } from '../../server/text/text-normalizer.js';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

// ---------------------------------------------------------------------------------------------
// What the demo files say: every expectation below is computed from them, so the test follows
// the demo data when it changes.

type SearchHit = PolicySearchResponse['hits'][number];
type VersionContent = Omit<PolicyImportLine, 'id' | 'state' | 'publishedAt' | 'repeal' | 'revisions' | 'predecessorId'>;

interface DemoPolicy {
  id: string;
  line: PolicyImportLine;
  /** Content of every published version, oldest first (empty for drafts). */
  versions: VersionContent[];
  latest: VersionContent;
  /** Published (or repealed) and public in its latest version: what anyone may see. */
  listed: boolean;
  successorId: string | null;
  /** Criteria, tags and level of the latest version. */
  directTags: string[];
  /** The direct tags and all their ancestors. */
  expandedTags: Set<string>;
}

const DEMO_DIR = new URL('../../server/demo/', import.meta.url);
const taxonomy = taxonomySchema.parse(JSON.parse(fs.readFileSync(new URL('taxonomy.json', DEMO_DIR), 'utf8')));
const demoLines: PolicyImportLine[] = fs
  .readFileSync(new URL('policies.jsonl', DEMO_DIR), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => policyImportLineSchema.parse(JSON.parse(line)))
  // A fresh demo start also publishes the two push demo policies through the workflow.
  .concat(demoPushImportLines());

const tagById = new Map<string, Tag>(taxonomy.tags.map((tag) => [tag.id, tag]));

function ancestorsOf(id: string): string[] {
  const out: string[] = [];
  let parent = tagById.get(id)?.parent ?? null;
  while (parent && !out.includes(parent)) {
    out.push(parent);
    parent = tagById.get(parent)?.parent ?? null;
  }
  return out;
}

function contentOf(line: PolicyImportLine): VersionContent {
  const { id: _id, state: _state, publishedAt: _at, repeal: _repeal, revisions: _revisions, predecessorId: _pred, ...content } = line;
  return content;
}

function revisedContent(previous: VersionContent, changes: PolicyImportLine['revisions'][number]['changes']): VersionContent {
  const next: VersionContent = { ...previous };
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  return { ...next, ...defined };
}

const successors = new Map<string, string>();
for (const line of demoLines) if (line.state !== 'draft' && line.predecessorId) successors.set(line.predecessorId, line.id);

const demo: DemoPolicy[] = demoLines.map((line) => {
  const versions: VersionContent[] = [];
  if (line.state !== 'draft') {
    versions.push(contentOf(line));
    for (const revision of line.revisions) versions.push(revisedContent(versions[versions.length - 1] ?? contentOf(line), revision.changes));
  }
  const latest = versions[versions.length - 1] ?? contentOf(line);
  const directTags = [...new Set([...Object.values(latest.criteria).flat(), ...latest.tags, ...(latest.level ? [latest.level] : [])])];
  return {
    id: line.id,
    line,
    versions,
    latest,
    listed: line.state !== 'draft' && latest.disclosure === 'public',
    successorId: successors.get(line.id) ?? null,
    directTags,
    expandedTags: new Set(directTags.flatMap((id) => [id, ...ancestorsOf(id)])),
  };
});

const listed = demo.filter((p) => p.listed);
const hidden = demo.filter((p) => !p.listed);
const demoById = new Map(demo.map((p) => [p.id, p]));

function demoPolicy(id: string): DemoPolicy {
  const found = demoById.get(id);
  if (!found) throw new Error(`the demo data has no policy ${id}`);
  return found;
}

function shanghaiDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

function expectedValidity(p: DemoPolicy, today: string): Validity {
  if (p.line.state === 'repealed') return 'repealed';
  if (p.successorId) return 'revised';
  if (p.latest.expiresAt !== null && p.latest.expiresAt < today) return 'expired';
  return 'effective';
}

/** Listed policies matching tag filters given as groups: OR inside a group, AND across groups. */
function expectedForTags(groups: string[][]): string[] {
  return listed.filter((p) => groups.every((group) => group.some((id) => p.expandedTags.has(id)))).map((p) => p.id);
}

function dimensionOf(tagId: string): DimensionId {
  const tag = tagById.get(tagId);
  if (!tag) throw new Error(`the demo taxonomy has no tag ${tagId}`);
  return tag.dimension;
}

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

// ---------------------------------------------------------------------------------------------
// Snippet checks

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#96;': '`' };

function escapeText(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => Object.entries(ENTITIES).find(([, plain]) => plain === char)?.[0] ?? char);
}

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (entity) => ENTITIES[entity] ?? entity);
}

function marksOf(snippet: string): string[] {
  return [...snippet.matchAll(/<mark>(.*?)<\/mark>/g)].map((m) => unescapeHtml(m[1] ?? ''));
}

/**
 * Whether a highlighted run is made of pieces of the query of at least two characters (adjacent
 * highlights are merged, so 加计扣除研发费用 is a fair highlight for 研发费用加计扣除).
 */
function madeOfPiecesOf(marked: string, query: string): boolean {
  const minimum = Math.min(2, query.length);
  const reachable = new Array<boolean>(marked.length + 1).fill(false);
  reachable[0] = true;
  for (let end = 1; end <= marked.length; end++) {
    for (let start = 0; start <= end - minimum && !reachable[end]; start++) {
      if (reachable[start] && query.includes(marked.slice(start, end))) reachable[end] = true;
    }
  }
  return marked.length > 0 && reachable[marked.length] === true;
}

/** Only `<mark>` is markup; everything else is escaped text taken from the body. */
function expectSafeSnippet({ snippet, body, context }: { snippet: string; body: string; context: string }): void {
  expect(snippet.split('<mark>').length, `${context}: balanced <mark> in ${snippet}`).to.equal(snippet.split('</mark>').length);
  const text = snippet.replaceAll('<mark>', '').replaceAll('</mark>', '');
  expect(text, `${context}: raw markup in ${snippet}`).not.to.match(/[<>"']/);
  expect(text, `${context}: bare & in ${snippet}`).not.to.match(/&(?!(amp|lt|gt|quot|#39);)/);
  const plain = unescapeHtml(text).replace(/^…/, '').replace(/…$/, '');
  expect(body.replace(/\s+/g, ' '), `${context}: snippet is not an excerpt of the body`).to.include(plain);
}

// ---------------------------------------------------------------------------------------------

describe('the demo library, as a newcomer uses it over HTTP', () => {
  let t: TestPlatform;
  const today = shanghaiDate(new Date());

  before(async () => {
    t = await startTestPlatform({ demo: true });
  });
  after(async () => t.close());

  async function search(params: Record<string, string | number>): Promise<PolicySearchResponse> {
    const query = new URLSearchParams(Object.entries(params).map(([key, value]): [string, string] => [key, String(value)]));
    const res = await t.api<PolicySearchResponse>({ path: `/api/v1/policies?${query.toString()}` });
    expect(res.status, `${query.toString()}: ${JSON.stringify(res.body).slice(0, 300)}`).to.equal(200);
    return res.body;
  }

  /** Every hit of a query, page by page. */
  async function searchAll(params: Record<string, string | number>): Promise<{ total: number; hits: SearchHit[]; ids: string[] }> {
    const hits: SearchHit[] = [];
    let total = 0;
    for (let page = 1; page <= 100; page++) {
      const res = await search({ ...params, page, pageSize: 100 });
      total = res.total;
      hits.push(...res.hits);
      if (res.hits.length === 0 || hits.length >= total) break;
    }
    expect(hits.length, 'every hit is reachable through the pages').to.equal(total);
    return { total, hits, ids: hits.map((h) => h.id) };
  }

  async function view(id: string, version?: number) {
    return t.api<PublicPolicy & ErrorBody>({ path: `/api/v1/policies/${id}${version === undefined ? '' : `?version=${version}`}` });
  }

  function expectNoHidden(ids: string[], context: string): void {
    for (const p of hidden) expect(ids, `${context} shows ${p.id}`).not.to.include(p.id);
  }

  it('lists every published public policy of the demo, and nothing else', async () => {
    expect(listed.length, 'the demo data should hold at least 40 public policies').to.be.at.least(40);
    const all = await searchAll({});
    expect(all.total).to.equal(listed.length);
    expect(sorted(all.ids)).to.deep.equal(sorted(listed.map((p) => p.id)));
    for (const hit of all.hits) {
      const p = demoPolicy(hit.id);
      expect(hit.title, hit.id).to.equal(p.latest.title);
      expect(hit.version, hit.id).to.equal(p.versions.length);
      expect(hit.validity, hit.id).to.equal(expectedValidity(p, today));
      expect(hit.validityLabel, hit.id).to.equal(VALIDITY_LABELS[hit.validity]);
    }
  });

  describe('keyword search in Chinese', () => {
    /** Hits whose title holds the query come before every other hit. */
    function expectTitleMatchesFirst(hits: SearchHit[], term: string): void {
      const wanted = normalizeText(term);
      const inTitle = hits.map((h) => normalizeText(h.title).includes(wanted));
      const firstOther = inTitle.indexOf(false);
      if (firstOther === -1) return;
      expect(
        inTitle.slice(firstOther),
        `title matches for ${term} come first: ${hits.map((h) => `${h.id}(${h.score.toFixed(2)})`).join(' ')}`,
      ).not.to.include(true);
    }

    function expectMarkedSnippets(hits: SearchHit[], term: string): void {
      const wanted = normalizeText(term);
      for (const hit of hits) {
        const body = demoPolicy(hit.id).latest.body;
        expectSafeSnippet({ snippet: hit.snippet, body, context: `${term} → ${hit.id}` });
        if (normalizeText(body).includes(wanted)) expect(hit.snippet, `${term} → ${hit.id}`).to.include('<mark>');
        for (const marked of marksOf(hit.snippet)) {
          expect(madeOfPiecesOf(normalizeText(marked), wanted), `${term} → ${hit.id} highlights ${marked}`).to.equal(true);
        }
      }
    }

    for (const term of ['知识产权质押融资', '专利资助', '研发费用加计扣除', '专精特新']) {
      it(`finds ${term}: every policy with it in the title, ranked first, with highlighted excerpts`, async () => {
        const inTitle = listed.filter((p) => normalizeText(p.latest.title).includes(normalizeText(term))).map((p) => p.id);
        expect(inTitle, `the demo data has policies titled with ${term}`).not.to.be.empty;
        const res = await searchAll({ q: term });
        expect(res.ids, `${term} finds the policies titled with it`).to.include.members(inTitle);
        expect(res.ids.slice(0, inTitle.length), `${term} ranks title matches first`).to.have.members(inTitle);
        expectTitleMatchesFirst(res.hits, term);

        // A policy tagged with a tag of that name is found through its tag, whatever its text says.
        const tags = taxonomy.tags.filter((tag) => tag.label === term).map((tag) => tag.id);
        const tagged = listed.filter((p) => p.directTags.some((id) => tags.includes(id))).map((p) => p.id);
        expect(res.ids, `${term} finds the policies tagged ${tags.join(',')}`).to.include.members(tagged);

        expectMarkedSnippets(res.hits, term);
        expectNoHidden(res.ids, term);
      });
    }

    it('finds 高新技术企业 policies when asked for 高企, a synonym of the tag', async () => {
      const synonymTags = taxonomy.tags.filter((tag) => tag.synonyms.includes('高企'));
      expect(synonymTags.map((tag) => tag.id)).not.to.be.empty;
      const tagged = listed.filter((p) => p.directTags.some((id) => synonymTags.some((tag) => tag.id === id))).map((p) => p.id);
      const titled = listed.filter((p) => synonymTags.some((tag) => p.latest.title.includes(tag.label))).map((p) => p.id);
      expect([...tagged, ...titled], 'the demo data has 高新技术企业 policies').not.to.be.empty;
      const res = await searchAll({ q: '高企' });
      expect(res.ids).to.include.members(tagged);
      expect(res.ids).to.include.members(titled);
      for (const hit of res.hits) expectSafeSnippet({ snippet: hit.snippet, body: demoPolicy(hit.id).latest.body, context: `高企 → ${hit.id}` });
      expectNoHidden(res.ids, '高企');
    });

    it('answers a plain-words question with the 专利资助 policies, highlighting only the meaningful words', async () => {
      const question = '我们公司能申请专利资助吗';
      const inTitle = listed.filter((p) => p.latest.title.includes('专利资助')).map((p) => p.id);
      const tagged = listed.filter((p) => p.directTags.includes('need-patent-funding')).map((p) => p.id);
      const res = await searchAll({ q: question });
      expect(res.ids.slice(0, inTitle.length)).to.have.members(inTitle);
      expect(res.ids).to.include.members(tagged);
      for (const hit of res.hits) {
        expectSafeSnippet({ snippet: hit.snippet, body: demoPolicy(hit.id).latest.body, context: `${question} → ${hit.id}` });
        for (const marked of marksOf(hit.snippet)) expect(madeOfPiecesOf(marked, '专利资助'), `${hit.id} highlights ${marked}`).to.equal(true);
      }
    });

    it('finds the Traditional-Chinese policy with a Simplified query, showing its original text', async () => {
      const traditional = demoPolicy('sh-ipa-2025-088');
      expect(traditional.listed).to.equal(true);
      expect(normalizeText(traditional.latest.title), 'sh-ipa-2025-088 is written in Traditional Chinese').not.to.equal(traditional.latest.title);

      const res = await search({ q: '香港企业 知识产权布局' });
      expect(res.hits[0]?.id).to.equal(traditional.id);
      const snippet = res.hits[0]?.snippet ?? '';
      expectSafeSnippet({ snippet, body: traditional.latest.body, context: 'Simplified query → Traditional policy' });
      expect(marksOf(snippet), 'the highlight is painted on the Traditional original').to.include('香港企業');

      const pledge = await searchAll({ q: '知识产权质押融资' });
      const hit = pledge.hits.find((h) => h.id === traditional.id);
      expect(hit, 'a Simplified keyword reaches the Traditional body').not.to.equal(undefined);
      expect(hit?.snippet).to.include('<mark>知識產權質押融資</mark>');
    });

    it('finds Simplified policies with a Traditional query, exactly as the Simplified query does', async () => {
      for (const [traditional, simplified] of [
        ['專利資助', '专利资助'],
        ['知識產權質押融資', '知识产权质押融资'],
        ['數據知識產權登記', '数据知识产权登记'],
      ] as const) {
        const fromTraditional = await searchAll({ q: traditional });
        const fromSimplified = await searchAll({ q: simplified });
        expect(fromSimplified.total, simplified).to.be.greaterThan(0);
        expect(fromTraditional.ids, traditional).to.deep.equal(fromSimplified.ids);
        expect(fromTraditional.hits.map((h) => h.snippet), traditional).to.deep.equal(fromSimplified.hits.map((h) => h.snippet));
      }
    });

    it('normalises full-width characters and the ideographic space in the query', async () => {
      for (const [fullWidth, halfWidth] of [
        ['ＰＣＴ', 'PCT'],
        ['ｐｃｔ', 'PCT'],
        ['２０２６年度　专利资助', '2026年度 专利资助'],
      ] as const) {
        const wide = await searchAll({ q: fullWidth });
        const narrow = await searchAll({ q: halfWidth });
        expect(narrow.total, halfWidth).to.be.greaterThan(0);
        expect(wide.ids, fullWidth).to.deep.equal(narrow.ids);
      }
    });
  });

  describe('tag filters', () => {
    it('region-shanghai finds the policies tagged with a district or a park of Shanghai', async () => {
      const expected = expectedForTags([['region-shanghai']]);
      const viaDescendant = listed.filter((p) => p.expandedTags.has('region-shanghai') && !p.directTags.includes('region-shanghai'));
      const depthOf = (id: string) => ancestorsOf(id).length;
      const regionDepths = viaDescendant.flatMap((p) => p.directTags.filter((id) => dimensionOf(id) === 'region').map(depthOf));
      expect(regionDepths, 'the demo data tags some policies with districts only').to.include(1);
      expect(regionDepths, 'the demo data tags some policies with parks only').to.include(2);

      const res = await searchAll({ tags: 'region-shanghai' });
      expect(sorted(res.ids)).to.deep.equal(sorted(expected));
      expect(res.ids).to.include.members(viaDescendant.map((p) => p.id));
    });

    it('a park filter finds the park and nothing of its district or of other districts', async () => {
      const park = 'region-zhangjiang';
      const district = tagById.get(park)?.parent ?? '';
      const districtOnly = listed.filter((p) => p.expandedTags.has(district) && !p.expandedTags.has(park)).map((p) => p.id);
      expect(districtOnly, `the demo data has ${district} policies outside ${park}`).not.to.be.empty;
      const res = await searchAll({ tags: park });
      expect(sorted(res.ids)).to.deep.equal(sorted(expectedForTags([[park]])));
      expect(res.ids).not.to.be.empty;
      for (const id of res.ids) expect(demoPolicy(id).expandedTags.has(park), id).to.equal(true);
      for (const id of districtOnly) expect(res.ids).not.to.include(id);
    });

    it('ORs tags within a dimension and ANDs across dimensions, levels included', async () => {
      const xuhui = await searchAll({ tags: 'region-xuhui' });
      const minhang = await searchAll({ tags: 'region-minhang' });
      const either = await searchAll({ tags: 'region-xuhui,region-minhang' });
      expect(sorted(either.ids)).to.deep.equal(sorted(expectedForTags([['region-xuhui', 'region-minhang']])));
      expect(sorted(either.ids)).to.deep.equal(sorted(new Set([...xuhui.ids, ...minhang.ids])));
      expect(either.total).to.be.greaterThan(Math.max(xuhui.total, minhang.total));

      const both = await searchAll({ tags: 'region-pudong,need-ip-pledge-financing' });
      const expectedBoth = expectedForTags([['region-pudong'], ['need-ip-pledge-financing']]);
      expect(expectedBoth, 'the demo data has Pudong pledge-financing policies').not.to.be.empty;
      expect(sorted(both.ids)).to.deep.equal(sorted(expectedBoth));
      expect(both.total).to.be.lessThan(Math.min(expectedForTags([['region-pudong']]).length, expectedForTags([['need-ip-pledge-financing']]).length));

      // Repeated parameters read like a comma list; levels are one more dimension.
      const repeated = await t.api<PolicySearchResponse>({ path: '/api/v1/policies?tags=region-xuhui&tags=region-minhang&pageSize=100' });
      expect(sorted(repeated.body.hits.map((h) => h.id))).to.deep.equal(sorted(either.ids));
      const parkFunding = await searchAll({ level: 'level-park', tags: 'need-patent-funding' });
      expect(sorted(parkFunding.ids)).to.deep.equal(sorted(expectedForTags([['level-park'], ['need-patent-funding']])));
    });
  });

  describe('facets', () => {
    function facetCounts(res: PolicySearchResponse): Record<string, Record<string, number>> {
      const out: Record<string, Record<string, number>> = {};
      for (const dimension of res.facets?.dimensions ?? []) {
        out[dimension.dimension] = Object.fromEntries(dimension.buckets.map((b) => [b.tagId, b.count]));
      }
      return out;
    }

    it('counts every public policy under each tag and its ancestors, and nothing that is not public', async () => {
      const expected: Record<string, Record<string, number>> = {};
      for (const p of listed) {
        for (const id of p.expandedTags) {
          const dimension = dimensionOf(id);
          const counts = (expected[dimension] ??= {});
          counts[id] = (counts[id] ?? 0) + 1;
        }
      }
      const res = await search({ pageSize: 1 });
      expect(facetCounts(res)).to.deep.equal(expected);

      const validity = Object.fromEntries((res.facets?.validity ?? []).map((v) => [v.validity, v.count]));
      const expectedValidities: Record<string, number> = { effective: 0, revised: 0, repealed: 0, expired: 0 };
      for (const p of listed) {
        const v = expectedValidity(p, today);
        expectedValidities[v] = (expectedValidities[v] ?? 0) + 1;
      }
      expect(validity).to.deep.equal(expectedValidities);
      for (const v of res.facets?.validity ?? []) expect(v.label).to.equal(VALIDITY_LABELS[v.validity]);
    });

    it('gives exactly a bucket’s count when the bucket is clicked', async () => {
      const selected = 'need-patent-funding';
      const res = await search({ tags: selected, pageSize: 1 });
      expect(res.total).to.equal(expectedForTags([[selected]]).length);
      let clicked = 0;
      for (const dimension of res.facets?.dimensions ?? []) {
        for (const bucket of dimension.buckets) {
          // Counts in the filtered dimension itself are disjunctive: what the tag would show instead.
          const tags = dimension.dimension === dimensionOf(selected) ? bucket.tagId : `${selected},${bucket.tagId}`;
          const after = await search({ tags, pageSize: 1, facets: 'false' });
          expect(after.total, `${dimension.dimension}/${bucket.tagId}`).to.equal(bucket.count);
          clicked += 1;
        }
      }
      expect(clicked).to.be.greaterThan(10);
      const ownBucket = res.facets?.dimensions.find((d) => d.dimension === dimensionOf(selected))?.buckets.find((b) => b.tagId === selected);
      expect(ownBucket?.count).to.equal(res.total);

      let sum = 0;
      for (const v of res.facets?.validity ?? []) {
        sum += v.count;
        const after = await search({ tags: selected, validity: v.validity, pageSize: 1, facets: 'false' });
        expect(after.total, v.validity).to.equal(v.count);
      }
      expect(sum).to.equal(res.total);
    });

    it('keeps counts consistent with a keyword query', async () => {
      const q = '知识产权质押融资';
      const res = await search({ q, pageSize: 1 });
      const regions = res.facets?.dimensions.find((d) => d.dimension === 'region')?.buckets ?? [];
      expect(regions).not.to.be.empty;
      for (const bucket of regions) {
        const after = await searchAll({ q, tags: bucket.tagId });
        expect(after.total, bucket.tagId).to.equal(bucket.count);
        for (const id of after.ids) expect(demoPolicy(id).expandedTags.has(bucket.tagId), `${bucket.tagId}: ${id}`).to.equal(true);
      }
    });
  });

  describe('validity', () => {
    it('shows predecessors as revised, linked to their successor', async () => {
      const revised = listed.filter((p) => expectedValidity(p, today) === 'revised');
      expect(revised, 'the demo data has revised policies').not.to.be.empty;
      const res = await searchAll({ validity: 'revised' });
      expect(sorted(res.ids)).to.deep.equal(sorted(revised.map((p) => p.id)));
      for (const hit of res.hits) expect(hit.validityLabel).to.equal('已修订');
      for (const p of revised) {
        const page = await view(p.id);
        expect(page.status, p.id).to.equal(200);
        expect(page.body.validity, p.id).to.equal('revised');
        expect(page.body.validityLabel, p.id).to.equal('已修订');
        expect(page.body.successorId, p.id).to.equal(p.successorId);
        const successor = await view(p.successorId ?? '');
        expect(successor.body.predecessorId, `${p.successorId} names its predecessor`).to.equal(p.id);
        expect(successor.body.validity).to.equal(expectedValidity(demoPolicy(p.successorId ?? ''), today));
      }
    });

    it('shows the repealed policy as 已废止 with its date and reason', async () => {
      const repealed = listed.filter((p) => p.line.state === 'repealed');
      expect(repealed, 'the demo data has a repealed policy').not.to.be.empty;
      const res = await searchAll({ validity: 'repealed' });
      expect(sorted(res.ids)).to.deep.equal(sorted(repealed.map((p) => p.id)));
      for (const p of repealed) {
        const page = await view(p.id);
        expect(page.body.validity).to.equal('repealed');
        expect(page.body.validityLabel).to.equal('已废止');
        expect(page.body.repeal).to.deep.equal(p.line.repeal);
      }
    });

    it('derives effective and expired from the expiry dates as of today in Shanghai', async () => {
      for (const validity of ['effective', 'expired'] as const) {
        const expected = listed.filter((p) => expectedValidity(p, today) === validity).map((p) => p.id);
        const res = await searchAll({ validity });
        expect(sorted(res.ids), validity).to.deep.equal(sorted(expected));
        for (const hit of res.hits) expect(hit.validityLabel).to.equal(VALIDITY_LABELS[validity]);
      }
      const several = await searchAll({ validity: 'revised,repealed' });
      expect(several.total).to.equal(listed.filter((p) => ['revised', 'repealed'].includes(expectedValidity(p, today))).length);
      expectNoHidden(several.ids, 'validity=revised,repealed');
    });
  });

  describe('issuer and date filters, sorting and pagination', () => {
    it('filters by issuer, in Simplified or Traditional writing', async () => {
      const issuer = '上海市知识产权局';
      const exact = listed.filter((p) => p.latest.issuer === issuer).map((p) => p.id);
      expect(exact.length).to.be.greaterThan(1);
      const res = await searchAll({ issuer });
      expect(res.ids).to.include.members(exact);
      for (const hit of res.hits) expect(hit.issuer.split(/\s+/), hit.id).to.include(issuer);
      const traditional = await searchAll({ issuer: '上海市知識產權局' });
      expect(traditional.ids).to.deep.equal(res.ids);
      expect((await search({ issuer: '不存在的发文机关' })).total).to.equal(0);
    });

    it('filters by issue date, both ends inclusive', async () => {
      const dates = [...new Set(listed.flatMap((p) => (p.latest.issuedAt ? [p.latest.issuedAt] : [])))].sort();
      const from = dates[Math.floor(dates.length / 4)] ?? '';
      const to = dates[Math.floor((dates.length * 3) / 4)] ?? '';
      const within = (p: DemoPolicy, lo: string, hi: string) => p.latest.issuedAt !== null && p.latest.issuedAt >= lo && p.latest.issuedAt <= hi;
      const expected = listed.filter((p) => within(p, from, to)).map((p) => p.id);
      const res = await searchAll({ issuedFrom: from, issuedTo: to });
      expect(sorted(res.ids)).to.deep.equal(sorted(expected));
      expect(res.hits.map((h) => h.issuedAt)).to.include.members([from, to]);

      const onlyFrom = await searchAll({ issuedFrom: to });
      expect(sorted(onlyFrom.ids)).to.deep.equal(sorted(listed.filter((p) => within(p, to, '9999-12-31')).map((p) => p.id)));
      const onlyTo = await searchAll({ issuedTo: from });
      expect(sorted(onlyTo.ids)).to.deep.equal(sorted(listed.filter((p) => within(p, '0000-01-01', from)).map((p) => p.id)));
      const withKeyword = await searchAll({ q: '专利资助', issuedFrom: from, issuedTo: to });
      expect(withKeyword.total).to.be.greaterThan(0);
      for (const hit of withKeyword.hits) expect(within(demoPolicy(hit.id), from, to), hit.id).to.equal(true);
    });

    it('sorts by issue date both ways, newest first by default', async () => {
      const desc = await searchAll({ sort: 'issued_desc' });
      const asc = await searchAll({ sort: 'issued_asc' });
      const byDefault = await searchAll({});
      expect(byDefault.ids).to.deep.equal(desc.ids);
      const dates = (hits: SearchHit[]) => hits.map((h) => h.issuedAt ?? '');
      expect(dates(desc.hits)).to.deep.equal([...dates(desc.hits)].sort().reverse());
      expect(dates(asc.hits)).to.deep.equal([...dates(asc.hits)].sort());
      expect(sorted(asc.ids)).to.deep.equal(sorted(desc.ids));
      if (listed.every((p) => p.latest.issuedAt !== null)) expect(asc.ids).to.deep.equal([...desc.ids].reverse());

      const relevance = await searchAll({ q: '专利资助' });
      const oldestFirst = await searchAll({ q: '专利资助', sort: 'issued_asc' });
      expect(sorted(oldestFirst.ids)).to.deep.equal(sorted(relevance.ids));
      expect(dates(oldestFirst.hits)).to.deep.equal([...dates(oldestFirst.hits)].sort());
    });

    it('pages without overlaps or gaps and with a stable total', async () => {
      for (const params of [{}, { q: '知识产权' }, { tags: 'region-shanghai', sort: 'issued_asc' }] as Record<string, string>[]) {
        const whole = await searchAll(params);
        const pageSize = 7;
        const seen: string[] = [];
        const pages = Math.ceil(whole.total / pageSize);
        for (let page = 1; page <= pages + 1; page++) {
          const res = await search({ ...params, page, pageSize, facets: 'false' });
          expect(res.total, `${JSON.stringify(params)} page ${page}`).to.equal(whole.total);
          expect(res.page).to.equal(page);
          expect(res.pageSize).to.equal(pageSize);
          if (page <= pages) expect(res.hits.length).to.equal(page < pages ? pageSize : whole.total - pageSize * (pages - 1));
          else expect(res.hits).to.be.empty;
          seen.push(...res.hits.map((h) => h.id));
        }
        expect(new Set(seen).size, `${JSON.stringify(params)}: no overlaps`).to.equal(seen.length);
        expect(seen, JSON.stringify(params)).to.deep.equal(whole.ids);
      }
    });
  });

  describe('the policy page', () => {
    const CHAPTER_LINE = /^(第[〇零一二两三四五六七八九十百千]+章)/;
    const ARTICLE_LINE = /^(第[〇零一二两三四五六七八九十百千]+条)/;

    function walk(nodes: Article[], visit: (node: Article, parent: Article | null) => void, parent: Article | null = null): void {
      for (const node of nodes) {
        visit(node, parent);
        walk(node.children, visit, node);
      }
    }

    it('returns the articles as a tree of chapters and articles with unique anchors', async () => {
      const chapterCount = (p: DemoPolicy) => p.latest.body.split('\n').filter((line) => CHAPTER_LINE.test(line.trim())).length;
      const p = [...listed].sort((a, b) => chapterCount(b) - chapterCount(a))[0];
      if (!p) throw new Error('no listed policy');
      const lines = p.latest.body.split('\n').map((line) => line.trim());
      const chapters = lines.flatMap((line) => CHAPTER_LINE.exec(line)?.[1] ?? []);
      const articles = lines.flatMap((line) => ARTICLE_LINE.exec(line)?.[1] ?? []);
      expect(chapters.length, `${p.id} has chapters`).to.be.at.least(2);

      const page = await view(p.id);
      expect(page.status).to.equal(200);
      expect(page.body.body).to.equal(p.latest.body);
      expect(page.body.articles.filter((a) => a.kind === 'chapter').map((a) => a.label)).to.deep.equal(chapters);
      const anchors: string[] = [];
      const articleLabels: string[] = [];
      walk(page.body.articles, (node, parent) => {
        anchors.push(node.anchor);
        expect(node.anchor).to.match(/^[a-z][a-z0-9-]*$/);
        if (parent) expect(node.anchor, `${node.anchor} sits under ${parent.anchor}`).to.satisfy((a: string) => a.startsWith(`${parent.anchor}-`));
        if (node.kind === 'article') {
          articleLabels.push(node.label);
          expect(parent?.kind, `${node.label} sits in a chapter`).to.equal('chapter');
        }
      });
      expect(new Set(anchors).size, 'anchors are unique').to.equal(anchors.length);
      expect(articleLabels).to.deep.equal(articles);
    });

    it('shows the latest content, tags and version list of every listed policy', async () => {
      for (const p of listed) {
        const page = await view(p.id);
        expect(page.status, p.id).to.equal(200);
        expect(page.body).to.include({ id: p.id, title: p.latest.title, body: p.latest.body, issuer: p.latest.issuer, version: p.versions.length });
        expect(page.body.validity, p.id).to.equal(expectedValidity(p, today));
        expect(sorted(page.body.tagRefs.map((r) => r.id)), p.id).to.deep.equal(sorted(p.directTags));
        expect(page.body.versions.map((v) => v.version), p.id).to.deep.equal(p.versions.map((_, i) => i + 1));
        expect(page.body).not.to.have.property('disclosureReason');
      }
    });

    it('keeps the earlier text of the revised demo policies under ?version=1', async () => {
      const withRevisions = listed.filter((p) => p.versions.length > 1);
      expect(withRevisions.length, 'the demo data has policies revised in place').to.be.at.least(2);
      for (const p of withRevisions) {
        const first = p.versions[0];
        const last = p.latest;
        if (!first) throw new Error(p.id);
        const latest = await view(p.id);
        expect(latest.body.version, p.id).to.equal(p.versions.length);
        expect(latest.body.versions.map((v) => v.version)).to.deep.equal(p.versions.map((_, i) => i + 1));
        expect(latest.body.body).to.equal(last.body);
        expect(latest.body.body).not.to.equal(first.body);

        const old = await view(p.id, 1);
        expect(old.status, p.id).to.equal(200);
        expect(old.body.version).to.equal(1);
        expect(old.body.title).to.equal(first.title);
        expect(old.body.body).to.equal(first.body);
        expect(old.body.applicationWindow).to.deep.equal(first.applicationWindow);
        expect(old.body.versions).to.deep.equal(latest.body.versions);

        const missing = await view(p.id, p.versions.length + 1);
        expect(missing.status).to.equal(404);

        const hit = (await searchAll({})).hits.find((h) => h.id === p.id);
        expect(hit, 'search shows the latest version').to.include({ version: p.versions.length, title: last.title });
      }
    });
  });

  describe('三同步 in the demo', () => {
    const published = demo.filter((p) => p.line.state !== 'draft');
    const adminHeaders = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

    it('gives every published demo policy an interpretation package or a recorded exemption with its reason', async () => {
      expect(published.length, 'published demo policies, the two workflow ones included').to.be.at.least(50);
      const missing: string[] = [];
      for (const p of published) {
        const res = await t.api<{ draft: { exemption: { reason: string } | null } | null; releases: { version: number; exempt: boolean }[] }>({
          path: `/api/v1/staff/policies/${p.id}/interpretation`,
          headers: adminHeaders,
        });
        expect(res.status, p.id).to.equal(200);
        const release = res.body.releases.find((r) => r.version === p.versions.length);
        if (!release) {
          missing.push(p.id);
          continue;
        }
        if (release.exempt) expect(res.body.draft?.exemption?.reason ?? '', `${p.id}: exemption without a reason`).to.have.length.greaterThan(10);
      }
      expect(missing, 'published demo policies with neither a package nor an exemption').to.deep.equal([]);
    });

    it('shows on the page of an exempted public policy why it has no package', async () => {
      const exempted: { id: string; reason: string }[] = [];
      for (const p of published.filter((candidate) => candidate.listed)) {
        const res = await t.api<{ exempt: { reason: string } | null }>({ path: `/api/v1/policies/${p.id}/interpretation` });
        expect(res.status, p.id).to.equal(200);
        if (res.body.exempt) exempted.push({ id: p.id, reason: res.body.exempt.reason });
      }
      expect(exempted.length).to.be.greaterThan(0);
      for (const { id, reason } of exempted) {
        const page = await t.api<string>({ path: `/policies/${id}`, headers: { accept: 'text/html' } });
        expect(page.body, id).to.include('本文件没有发布解读材料').and.include(escapeText(reason));
      }
      const packaged = await t.api<string>({ path: '/policies/sh-ipa-2024-005', headers: { accept: 'text/html' } });
      expect(packaged.body).to.not.include('本文件没有发布解读材料');
    });
  });

  describe('non-public documents and drafts', () => {
    it('include the two withheld or on-request documents and the two drafts of the demo', () => {
      expect(hidden.map((p) => p.id)).to.include.members(['sh-ipa-2025-033', 'sh-ipa-2026-012', 'sh-ipa-2026-draft-01', 'lg-2026-draft-01']);
    });

    it('never appear in a GET, any listing, any search or any facet', async () => {
      for (const p of hidden) {
        for (const version of [undefined, 1]) {
          const res = await view(p.id, version);
          expect(res.status, `${p.id} v${version ?? 'latest'}`).to.equal(404);
          expect(res.body.error.code).to.equal('policy_not_found');
          expect(JSON.stringify(res.body)).not.to.include(p.latest.title);
          if (p.latest.disclosureReason) expect(JSON.stringify(res.body)).not.to.include(p.latest.disclosureReason);
        }
        for (const q of [p.latest.title, p.latest.docNumber, ...p.directTags.map((id) => tagById.get(id)?.label)]) {
          if (!q) continue;
          const res = await searchAll({ q });
          expect(res.ids, `q=${q}`).not.to.include(p.id);
          expect(JSON.stringify(res.hits), `q=${q}`).not.to.include(p.latest.title);
        }
        for (const tag of p.directTags) {
          const res = await searchAll({ tags: tag });
          expect(res.total, tag).to.equal(expectedForTags([[tag]]).length);
          expect(res.ids).not.to.include(p.id);
        }
      }
      for (const validity of ['effective', 'revised', 'repealed', 'expired']) expectNoHidden((await searchAll({ validity })).ids, validity);
      expectNoHidden((await searchAll({ issuer: '上海市知识产权局' })).ids, 'issuer');
    });
  });
});

describe('the demo library on a later day', () => {
  const later = new Date('2027-01-15T04:00:00Z');
  const laterDay = shanghaiDate(later);
  let platform: RunningPlatform;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-later-'));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, DEMO_DATA: '1', LOG_LEVEL: 'silent' });
    platform = await startPlatform({ config, logger: createLogger({ level: 'silent' }), now: () => later, indexCatchUp: 'before_return' });
  });
  after(async () => {
    await platform.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function get<T>(route: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${platform.url ?? ''}${route}`);
    return { status: res.status, body: (await res.json()) as T };
  }

  it('reports effective policies past their expiry date as 失效, and leaves revised and repealed ones alone', async () => {
    const expired = listed.filter((p) => expectedValidity(p, laterDay) === 'expired');
    expect(expired, `some demo policies have expired by ${laterDay}`).not.to.be.empty;
    const pastExpiryButRevised = listed.filter((p) => p.successorId && p.latest.expiresAt !== null && p.latest.expiresAt < laterDay);
    expect(pastExpiryButRevised, 'some revised demo policies are past their expiry date too').not.to.be.empty;

    const res = await get<PolicySearchResponse>('/api/v1/policies?validity=expired&pageSize=100');
    expect(sorted(res.body.hits.map((h) => h.id))).to.deep.equal(sorted(expired.map((p) => p.id)));
    const facets = await get<PolicySearchResponse>('/api/v1/policies?pageSize=1');
    expect(facets.body.facets?.validity.find((v) => v.validity === 'expired')?.count).to.equal(expired.length);

    for (const p of expired) {
      const page = await get<PublicPolicy>(`/api/v1/policies/${p.id}`);
      expect(page.body.validity, p.id).to.equal('expired');
      expect(page.body.validityLabel, p.id).to.equal('失效');
    }
    for (const p of pastExpiryButRevised) {
      const page = await get<PublicPolicy>(`/api/v1/policies/${p.id}`);
      expect(page.body.validity, p.id).to.equal('revised');
    }
  });
});

describe('search snippets of text that looks like HTML', () => {
  let t: TestPlatform;

  before(async () => {
    t = await startTestPlatform();
  });
  after(async () => t.close());

  it('escapes the body text around <mark>', async () => {
    const drafter = await t.user({ id: 'drafter-html', role: 'drafter' });
    const reviewer = await t.user({ id: 'reviewer-html', role: 'reviewer' });
    const legalReviewer = await t.user({ id: 'reviewer-html-legal', role: 'reviewer' });
    // Real tags are stripped when the draft is saved (document hygiene); text that only looks like markup stays and must be escaped.
    const body = `第一条　对<b>知识产权质押融资</b>给予贴息（单笔<5万元>）& 补助，详见"附件一"与'附件二'。\n第二条　<script>alert(1)</script>本办法自发布之日起施行。`;
    const created = await t.api<{ id: string; body: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ body }) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id;
    const stored = created.body.body;
    expect(stored).not.to.include('<b>').and.not.to.include('<script>');
    await recordExemption({ t, id, token: drafter });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter });
    for (const kind of ['confidentiality', 'legality']) {
      await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
    }
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter })).status).to.equal(200);

    for (const q of ['知识产权质押融资', '<b>知识产权质押融资</b>', '贴息 & 补助 <script>']) {
      const res = await t.api<PolicySearchResponse>({ path: `/api/v1/policies?q=${encodeURIComponent(q)}` });
      const snippet = res.body.hits.find((h) => h.id === id)?.snippet ?? '';
      expect(snippet, q).to.include('<mark>');
      expectSafeSnippet({ snippet, body: stored, context: q });
      expect(snippet, q).not.to.include('<b>');
      expect(snippet, q).not.to.include('<script>');
    }
    const res = await t.api<PolicySearchResponse>({ path: `/api/v1/policies?q=${encodeURIComponent('知识产权质押融资')}` });
    const snippet = res.body.hits.find((h) => h.id === id)?.snippet ?? '';
    expect(snippet).to.include('对<mark>知识产权质押融资</mark>给予贴息（单笔&lt;5万元&gt;）');
    expect(snippet).to.include('&amp;');
    expect(snippet).to.include('&quot;附件一&quot;');
    expect(snippet).to.include('&#39;附件二&#39;');
  });
});
