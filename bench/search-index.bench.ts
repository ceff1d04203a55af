/**
 * Query latency of the embedded search index over 10,000 synthetic policies.
 * Target: p99 ≤ 20 ms per query for keyword, keyword + filters and facets-only queries.
 *
 * Run alone with `npx tsx bench/search-index.bench.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { DimensionId } from '../schemas/taxonomy.schema.js';
import type { PolicySort, Validity } from '../schemas/policy.schema.js';
import { EmbeddedSearchIndex } from '../server/adapters/embedded-search/embedded.search-index.js';
import type { PolicySearchDoc, PolicySearchRequest, SearchIndex } from '../server/ports/search-index.port.js';
import { type BenchRow, printTable } from './bench-table.js';

const POLICY_COUNT = 10_000;
const BATCH_SIZE = 500;
const WARM_UP_QUERIES = 50;
const TIMED_QUERIES = 300;
const TODAY = '2025-06-30';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness, so runs are comparable.

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Picker {
  one<T>(items: readonly T[]): T;
  some<T>(items: readonly T[], count: number): T[];
  chance(probability: number): boolean;
  int(min: number, max: number): number;
}

function picker(seed: number): Picker {
  const random = seededRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const one = <T,>(items: readonly T[]): T => {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  };
  const some = <T,>(items: readonly T[], count: number): T[] => {
    const chosen = new Set<T>();
    while (chosen.size < Math.min(count, items.length)) chosen.add(one(items));
    return [...chosen];
  };
  return { one, some, chance: (probability) => random() < probability, int };
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const TOPICS = [
  '专利资助', '知识产权质押融资', '专精特新“小巨人”企业认定', '高新技术企业认定', '研发费用加计扣除', '知识产权贯标',
  '专利开放许可试点', '数据知识产权登记', '海外知识产权纠纷应对指导', '地理标志产品保护', '集成电路布图设计登记',
  '科技型中小企业评价', '首台套重大技术装备保险补偿', '知识产权保险', '商业秘密保护', '专利导航项目', '高价值专利培育',
  '知识产权示范企业评定', '商标品牌建设', '专利转化运用', '知识产权维权援助', '专利快速预审', '技术合同登记',
  '软件著作权登记', '植物新品种保护', 'PCT国际专利申请资助', '马德里商标国际注册', '知识产权证券化', '中小企业数字化转型',
  '创新券', '首购首用', '揭榜挂帅项目', '知识产权运营服务体系建设', '知识产权保护中心备案',
];
const ACTIONS = ['开展', '做好', '组织申报', '印发', '进一步加强', '推进', '实施', '深化'];
const DOC_TYPES = ['工作的通知', '管理办法', '实施细则', '若干措施', '申报指南', '办事指引', '的公告', '实施方案'];
const YEARS = ['2019年度', '2020年度', '2021年度', '2022年度', '2023年度', '2024年度', '2025年度', ''];

const SENTENCES = [
  '为深入贯彻落实《知识产权强国建设纲要（2021—2035年）》，全面提升知识产权创造、运用、保护、管理和服务水平',
  '申报主体应当是在本市依法登记注册、具有独立法人资格的企业，统一社会信用代码真实有效',
  '对获得发明专利授权的企业，按照每件不超过五千元的标准给予资助',
  '企业以专利权、商标专用权等知识产权进行质押融资的，按照实际支付利息的百分之五十给予贴息',
  '申报材料包括申请表、营业执照复印件、专利证书复印件及费用缴纳凭证',
  '各区知识产权管理部门负责本辖区申报材料的受理和初审工作',
  '对通过知识产权管理体系认证的企业，一次性给予不超过十万元的奖励',
  '鼓励高校和科研院所通过专利开放许可方式向中小企业转化专利技术',
  '企业发生的研发费用，未形成无形资产计入当期损益的，在按规定据实扣除的基础上加计扣除',
  '对遭遇海外知识产权纠纷的企业，提供应诉指导和维权费用补贴',
  '申报单位须对所提交材料的真实性负责，如有弄虚作假，取消资助资格并追回资金',
  '本办法自发布之日起施行，有效期五年',
  '专精特新中小企业应当专注细分市场，创新能力强，市场占有率高，掌握关键核心技术',
  '支持企业开展专利导航，围绕产业链部署创新链，培育高价值专利组合',
  '对新认定的国家级知识产权示范企业给予一次性奖励',
  '符合条件的集成电路布图设计专有权登记费用给予全额资助',
  '数据知识产权登记证书可作为数据持有的初步证明，用于数据流通交易、收益分配和权益保护',
  '商业秘密保护示范站点建设应当与园区企业服务相结合',
  '申请人可通过政务服务网在线提交申请，也可至窗口现场办理',
  '首台套重大技术装备投保的，按照保费的百分之八十给予补贴',
  '地理标志产品生产者应当按照相关标准组织生产，规范使用专用标志',
  '资助资金实行总额控制，年度预算用完即止',
  '知识产权保险保费补贴比例不超过实际缴纳保费的百分之五十',
  '企业应建立健全知识产权管理制度，配备专职知识产权管理人员',
  '对获得中国专利奖金奖的单位给予五十万元奖励',
  '鼓励金融机构创新知识产权质押融资产品，扩大融资规模',
  '科技型中小企业评价结果作为享受研发费用加计扣除优惠政策的依据',
  '本通知由市知识产权局负责解释',
];

const ISSUERS = [
  '国家知识产权局', '上海市知识产权局', '上海市科学技术委员会', '上海市经济和信息化委员会', '上海市财政局',
  '浦东新区知识产权局', '徐汇区科学技术委员会', '闵行区市场监督管理局', '张江科学城建设管理办公室', '临港新片区管理委员会',
  '国家税务总局上海市税务局', '上海市市场监督管理局', '嘉定区科学技术委员会', '杨浦区知识产权局', '松江区经济委员会',
];

const ISSUER_PREFIX: Record<string, string> = {
  国家知识产权局: '国知发',
  上海市知识产权局: '沪知局',
  上海市科学技术委员会: '沪科规',
  上海市经济和信息化委员会: '沪经信规',
  上海市财政局: '沪财',
};

interface SyntheticTag {
  id: string;
  label: string;
  parent: string | null;
}

/** A small taxonomy with a hierarchy in region and industry, as the core expands it. */
const TAXONOMY: Partial<Record<DimensionId, SyntheticTag[]>> = {
  region: [
    { id: 'reg-shanghai', label: '上海市', parent: null },
    ...['pudong', 'xuhui', 'minhang', 'jiading', 'yangpu', 'songjiang', 'lingang'].map((name) => ({ id: `reg-${name}`, label: name, parent: 'reg-shanghai' })),
    { id: 'reg-zhangjiang', label: '张江科学城', parent: 'reg-pudong' },
    { id: 'reg-jinqiao', label: '金桥开发区', parent: 'reg-pudong' },
    { id: 'reg-caohejing', label: '漕河泾开发区', parent: 'reg-xuhui' },
  ],
  industry: [
    { id: 'ind-manufacturing', label: '制造业', parent: null },
    { id: 'ind-ic', label: '集成电路', parent: 'ind-manufacturing' },
    { id: 'ind-biomed', label: '生物医药', parent: 'ind-manufacturing' },
    { id: 'ind-auto', label: '新能源汽车', parent: 'ind-manufacturing' },
    { id: 'ind-it', label: '信息技术服务', parent: null },
    { id: 'ind-software', label: '软件', parent: 'ind-it' },
    { id: 'ind-ai', label: '人工智能', parent: 'ind-it' },
    { id: 'ind-finance', label: '金融业', parent: null },
    { id: 'ind-agri', label: '农业', parent: null },
  ],
  size: ['large', 'medium', 'small', 'micro'].map((name) => ({ id: `size-${name}`, label: name, parent: null })),
  qualification: ['hnte', 'srdi', 'little-giant', 'ip-demo', 'ip-advantage', 'tech-sme'].map((name) => ({ id: `qual-${name}`, label: name, parent: null })),
  subject_type: ['enterprise', 'university', 'research-institute', 'individual', 'ip-agency'].map((name) => ({ id: `subj-${name}`, label: name, parent: null })),
  stage: ['startup', 'growth', 'mature', 'listing'].map((name) => ({ id: `stage-${name}`, label: name, parent: null })),
  need: ['funding', 'financing', 'protection', 'transfer', 'talent', 'overseas', 'certification'].map((name) => ({ id: `need-${name}`, label: name, parent: null })),
  policy_type: ['subsidy', 'reward', 'recognition', 'regulation', 'notice', 'rules', 'plan', 'guide'].map((name) => ({ id: `ptype-${name}`, label: name, parent: null })),
  ip_type: ['patent', 'trademark', 'copyright', 'gi', 'ic-layout', 'trade-secret', 'plant-variety', 'data-ip'].map((name) => ({ id: `ipt-${name}`, label: name, parent: null })),
  issuer_level: ['national', 'municipal', 'district', 'park'].map((name) => ({ id: `lvl-${name}`, label: name, parent: null })),
};

function withAncestors({ dimension, tagId }: { dimension: DimensionId; tagId: string }): string[] {
  const tags = TAXONOMY[dimension] ?? [];
  const chain: string[] = [];
  let current: string | null = tagId;
  while (current !== null) {
    chain.push(current);
    const parent: string | null = tags.find((tag) => tag.id === current)?.parent ?? null;
    current = parent;
  }
  return chain;
}

function dimensions(): DimensionId[] {
  return Object.keys(TAXONOMY) as DimensionId[];
}

function tagIds(dimension: DimensionId): string[] {
  return (TAXONOMY[dimension] ?? []).map((tag) => tag.id);
}

// ---------------------------------------------------------------------------------------------
// Documents

function isoDate({ pick, fromYear, toYear }: { pick: Picker; fromYear: number; toYear: number }): string {
  const year = pick.int(fromYear, toYear);
  const month = String(pick.int(1, 12)).padStart(2, '0');
  const day = String(pick.int(1, 28)).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

function syntheticTags(pick: Picker): Partial<Record<DimensionId, string[]>> {
  const tags: Partial<Record<DimensionId, string[]>> = {};
  for (const dimension of dimensions()) {
    if (!pick.chance(0.75)) continue;
    const chosen = pick.some(tagIds(dimension), pick.int(1, 2));
    tags[dimension] = [...new Set(chosen.flatMap((tagId) => withAncestors({ dimension, tagId })))];
  }
  return tags;
}

function syntheticValidity(pick: Picker): Validity {
  const roll = pick.int(1, 100);
  if (roll <= 70) return 'effective';
  if (roll <= 82) return 'revised';
  if (roll <= 92) return 'repealed';
  return 'expired';
}

function syntheticPolicy({ pick, index }: { pick: Picker; index: number }): PolicySearchDoc {
  const issuer = pick.one(ISSUERS);
  const topic = pick.one(TOPICS);
  const issuedAt = pick.chance(0.95) ? isoDate({ pick, fromYear: 2015, toYear: 2025 }) : null;
  const year = issuedAt?.slice(0, 4) ?? '2024';
  const title = `${issuer}关于${pick.one(ACTIONS)}${pick.one(YEARS)}${topic}${pick.one(DOC_TYPES)}`;
  const body = pick
    .some(SENTENCES, pick.int(12, 28))
    .map((sentence) => (pick.chance(0.3) ? `${sentence}，重点支持${pick.one(TOPICS)}` : sentence))
    .join('。\n');
  const tagsByDimension = syntheticTags(pick);
  const prefix = ISSUER_PREFIX[issuer];
  return {
    id: `policy-${String(index).padStart(5, '0')}`,
    version: pick.int(1, 3),
    title,
    docNumber: prefix ? `${prefix}〔${year}〕${pick.int(1, 200)}号` : null,
    issuer,
    level: pick.one(['national', 'municipal', 'district', 'park']),
    issuedAt,
    expiresAt: pick.chance(0.4) ? isoDate({ pick, fromYear: 2020, toYear: 2030 }) : null,
    validity: syntheticValidity(pick),
    applicationWindow: pick.chance(0.2) ? { opensAt: `${year}-03-01`, closesAt: `${year}-05-31` } : null,
    body: `${body}。`,
    tagText: `${topic} ${Object.values(tagsByDimension).flat().slice(0, 6).join(' ')}`,
    tagsByDimension,
  };
}

export function syntheticPolicies({ count, seed = 20250630 }: { count: number; seed?: number }): PolicySearchDoc[] {
  const pick = picker(seed);
  return Array.from({ length: count }, (_, index) => syntheticPolicy({ pick, index }));
}

// ---------------------------------------------------------------------------------------------
// Queries

const KEYWORDS = [
  '专利资助', '知识产权质押融资', '小巨人', '高新技术企业', '研发费用加计扣除', '贯标', '专利开放许可', '数据知识产权',
  '海外纠纷应对', '地理标志', '集成电路布图设计', '首台套', '知识产权保险', '商业秘密', '专利', '知识产权', '资助 奖励',
  '我们公司能申请专利资助吗', '中小企业如何办理知识产权质押融资', '關於申請專利資助的通知', '知識產權保險 補貼',
  'PCT 国际专利申请', '马德里商标', '技术合同登记 办事指引', '申报材料 营业执照', '专精特新 研发费用', '软件著作权登记',
  '国知发', '沪知局〔2023〕', '发明专利授权 五千元', '植物新品种', '创新券', '首购首用', '揭榜挂帅', '张江 集成电路',
];

const SORTS: readonly PolicySort[] = ['relevance', 'relevance', 'issued_desc', 'issued_asc'];
const VALIDITY_CHOICES: readonly Validity[][] = [['effective'], ['effective', 'revised'], ['expired'], ['repealed', 'expired']];

function randomTagFilters(pick: Picker): Partial<Record<DimensionId, string[]>> {
  const filters: Partial<Record<DimensionId, string[]>> = {};
  for (const dimension of pick.some(dimensions(), pick.int(1, 3))) filters[dimension] = pick.some(tagIds(dimension), pick.int(1, 2));
  return filters;
}

function baseRequest(): PolicySearchRequest {
  return { tagFilters: {}, sort: 'relevance', offset: 0, limit: 20, facets: true, today: TODAY };
}

function keywordRequest(pick: Picker): PolicySearchRequest {
  return { ...baseRequest(), q: pick.one(KEYWORDS), offset: pick.chance(0.2) ? 20 : 0 };
}

function filteredRequest(pick: Picker): PolicySearchRequest {
  const request: PolicySearchRequest = {
    ...baseRequest(),
    q: pick.one(KEYWORDS),
    tagFilters: randomTagFilters(pick),
    sort: pick.one(SORTS),
  };
  if (pick.chance(0.5)) request.validity = pick.one(VALIDITY_CHOICES);
  if (pick.chance(0.3)) request.issuer = pick.one(ISSUERS);
  if (pick.chance(0.4)) {
    request.issuedFrom = '2019-01-01';
    request.issuedTo = '2023-12-31';
  }
  return request;
}

function facetsOnlyRequest(pick: Picker): PolicySearchRequest {
  const request: PolicySearchRequest = { ...baseRequest(), tagFilters: pick.chance(0.7) ? randomTagFilters(pick) : {}, sort: pick.one(SORTS) };
  if (pick.chance(0.4)) request.validity = pick.one(VALIDITY_CHOICES);
  return request;
}

// ---------------------------------------------------------------------------------------------
// Timing

function percentile({ sorted, fraction }: { sorted: number[]; fraction: number }): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

function summarize({ name, durations, note }: { name: string; durations: number[]; note?: string }): BenchRow {
  const sorted = [...durations].sort((a, b) => a - b);
  const row: BenchRow = {
    name,
    p50Ms: percentile({ sorted, fraction: 0.5 }),
    p99Ms: percentile({ sorted, fraction: 0.99 }),
    n: sorted.length,
  };
  if (note !== undefined) row.note = note;
  return row;
}

async function timeQueries({ index, name, next }: { index: SearchIndex; name: string; next: () => PolicySearchRequest }): Promise<BenchRow> {
  for (let i = 0; i < WARM_UP_QUERIES; i++) await index.searchPolicies(next());
  const durations: number[] = [];
  let totalHits = 0;
  for (let i = 0; i < TIMED_QUERIES; i++) {
    const request = next();
    const started = performance.now();
    const result = await index.searchPolicies(request);
    durations.push(performance.now() - started);
    totalHits += result.total;
  }
  return summarize({ name, durations, note: `avg total ${Math.round(totalHits / TIMED_QUERIES)}` });
}

async function timeIndexing({ index, docs }: { index: SearchIndex; docs: PolicySearchDoc[] }): Promise<BenchRow> {
  const durations: number[] = [];
  const started = performance.now();
  for (let at = 0; at < docs.length; at += BATCH_SIZE) {
    const batchStarted = performance.now();
    await index.upsertPolicies(docs.slice(at, at + BATCH_SIZE));
    durations.push(performance.now() - batchStarted);
  }
  const seconds = (performance.now() - started) / 1000;
  return summarize({ name: `upsert batch of ${BATCH_SIZE}`, durations, note: `${docs.length} policies in ${seconds.toFixed(1)} s` });
}

/** Closing and opening again reloads every document's filter fields into memory. */
async function timeReopen(index: SearchIndex): Promise<BenchRow> {
  const started = performance.now();
  await index.close();
  await index.open();
  const elapsed = performance.now() - started;
  return { name: 'reopen (load metadata)', p50Ms: elapsed, p99Ms: elapsed, n: 1 };
}

export async function benchSearchIndex(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search-bench-'));
  const index = new EmbeddedSearchIndex({ file: path.join(dir, 'search.sqlite') });
  try {
    await index.open();
    const docs = syntheticPolicies({ count: POLICY_COUNT });
    const indexing = await timeIndexing({ index, docs });
    const reopen = await timeReopen(index);
    const pick = picker(7);
    return [
      indexing,
      reopen,
      await timeQueries({ index, name: 'search: keyword', next: () => keywordRequest(pick) }),
      await timeQueries({ index, name: 'search: keyword + filters', next: () => filteredRequest(pick) }),
      await timeQueries({ index, name: 'search: facets only (no q)', next: () => facetsOnlyRequest(pick) }),
    ];
  } finally {
    await index.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  printTable(await benchSearchIndex());
}
