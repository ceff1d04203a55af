/**
 * Audience matching at city scale: a million enterprise profiles and about as many subscriptions
 * in the embedded engine, against the naive scan of every profile through match-semantics.
 *
 * Run alone with `npx tsx bench/matching.bench.ts` (under a minute; fits Node's default heap).
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PROFILE_DIMENSIONS, type Channel, type ProfileDimension } from '../schemas/subscriber.schema.js';
import type { Frequency, SubscriptionCriteria } from '../schemas/subscription.schema.js';
import { taxonomySchema } from '../schemas/taxonomy.schema.js';
import { EmbeddedAudienceIndex } from '../server/adapters/embedded-search/embedded.audience-index.js';
import {
  buildAudiencePolicy,
  evaluateAudience,
  summarizeAudience,
  type MatchSubscription,
} from '../server/matching/match-semantics.js';
import type { AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../server/ports/audience-index.port.js';
import { Taxonomy } from '../server/services/taxonomy.js';
import { segmentQuery } from '../server/text/segmenter.js';
import { type BenchRow, printTable } from './bench-table.js';

const PROFILE_COUNT = 1_000_000;
const LOAD_BATCH = 10_000;
const WARM_UP_RUNS = 3;
const TIMED_RUNS = 20;
/** The naive scan takes about a second a run; five runs give a stable median. */
const NAIVE_RUNS = 5;
const FULL_RUNS = 3;
const SAMPLE_SIZE = 20;
const TARGETS = { narrowMs: 20, broadMs: 200, speedUp: 20, peakRssMb: 1536, eligibleShare: 0.3 } as const;

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

/** Picks from a fixed list with Zipf-like weights 1/(rank+1)^s: a few values hold most of the population. */
class Zipf<T> {
  private readonly cumulative: Float64Array;

  constructor(
    private readonly items: readonly T[],
    exponent: number,
  ) {
    this.cumulative = new Float64Array(items.length);
    let total = 0;
    items.forEach((_, rank) => {
      total += 1 / (rank + 1) ** exponent;
      this.cumulative[rank] = total;
    });
    for (let i = 0; i < items.length; i++) this.cumulative[i] = (this.cumulative[i] ?? 0) / total;
  }

  pick(random: () => number): T {
    const roll = random();
    let low = 0;
    let high = this.items.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.cumulative[mid] ?? 1) < roll) low = mid + 1;
      else high = mid;
    }
    const item = this.items[low];
    if (item === undefined) throw new Error('empty Zipf list');
    return item;
  }
}

// ---------------------------------------------------------------------------------------------
// Population shaped like the demo taxonomy

function loadTaxonomy(): Taxonomy {
  const raw: unknown = JSON.parse(fs.readFileSync(new URL('../server/demo/taxonomy.json', import.meta.url), 'utf8'));
  return new Taxonomy(taxonomySchema.parse(raw));
}

/** Districts by enterprise count, largest first. */
const DISTRICTS = [
  'region-pudong', 'region-minhang', 'region-jiading', 'region-songjiang', 'region-baoshan', 'region-qingpu', 'region-fengxian',
  'region-jinshan', 'region-xuhui', 'region-yangpu', 'region-jingan', 'region-putuo', 'region-changning', 'region-hongkou',
  'region-huangpu', 'region-chongming',
];
const PARK_SHARE = 0.45;
const UNSTATED_SHARE = 0.1;

const KEYWORDS = [
  '专利资助', '知识产权质押融资', '高新技术企业认定', '专精特新', '研发费用加计扣除', '贯标', '专利开放许可', '数据知识产权',
  '海外纠纷', '地理标志', '集成电路布图设计', '首台套', '知识产权保险', '商业秘密', '专利导航', '高价值专利', 'PCT', '马德里商标',
  '软件著作权', '技术合同登记', '创新券', '小巨人', '知识产权证券化', '维权援助', '专利转化', '商标品牌', '人才培养', '标准制定',
  '快速预审', '示范企业',
];

interface Vocabulary {
  taxonomy: Taxonomy;
  /** Arrays shared by every profile with the same value: a million copies would dominate memory. */
  expandedCache: Map<string, string[]>;
  regions: { districts: Zipf<string>; parksOf: Map<string, Zipf<string>> };
  industries: Zipf<string>;
  needs: Zipf<string>;
  keywordTerms: Map<string, string[]>;
}

function vocabulary(taxonomy: Taxonomy): Vocabulary {
  const parksOf = new Map<string, Zipf<string>>();
  for (const district of DISTRICTS) {
    const parks = taxonomy.children(district);
    if (parks.length > 0) parksOf.set(district, new Zipf(parks, 1));
  }
  const ofDimension = (dimension: string): string[] => taxonomy.tags.filter((tag) => tag.dimension === dimension).map((tag) => tag.id);
  const keywordTerms = new Map(KEYWORDS.map((keyword) => [keyword, [...segmentQuery(keyword)]]));
  return {
    taxonomy,
    expandedCache: new Map(),
    regions: { districts: new Zipf(DISTRICTS, 0.9), parksOf },
    industries: new Zipf(ofDimension('industry'), 0.8),
    needs: new Zipf(ofDimension('need'), 0.7),
    keywordTerms,
  };
}

function expandedShared({ words, ids }: { words: Vocabulary; ids: string[] }): string[] {
  const key = ids.join('|');
  let shared = words.expandedCache.get(key);
  if (!shared) {
    // withAncestors accepts any id; a tag renamed in the demo taxonomy must fail loudly instead.
    const unknown = ids.filter((id) => words.taxonomy.get(id) === undefined);
    if (unknown.length > 0) throw new Error(`bench tags missing from the demo taxonomy: ${unknown.join(', ')}`);
    shared = [...new Set(ids.flatMap((id) => words.taxonomy.withAncestors(id)))];
    words.expandedCache.set(key, shared);
  }
  return shared;
}

function weighted<T>({ random, options }: { random: () => number; options: readonly [T, number][] }): T {
  let roll = random();
  for (const [value, share] of options) {
    if (roll < share) return value;
    roll -= share;
  }
  const last = options[options.length - 1];
  if (!last) throw new Error('no options');
  return last[0];
}

function regionOf({ words, random }: { words: Vocabulary; random: () => number }): string {
  const district = words.regions.districts.pick(random);
  const parks = words.regions.parksOf.get(district);
  return parks && random() < PARK_SHARE ? parks.pick(random) : district;
}

/** 高新技术企业 about 15%, 专精特新 about 5% (a fifth of them 小巨人), most enterprises none. */
function qualificationsOf(random: () => number): string[] {
  const held: string[] = [];
  if (random() < 0.15) held.push('qual-high-tech');
  if (random() < 0.05) held.push(random() < 0.2 ? 'qual-little-giant' : 'qual-srdi-sme');
  if (random() < 0.2) held.push('qual-tech-sme');
  if (random() < 0.02) held.push('qual-ip-advantage');
  if (random() < 0.01) held.push('qual-ip-demo');
  return held;
}

function distinctPicks({ zipf, random, count }: { zipf: Zipf<string>; random: () => number; count: number }): string[] {
  const chosen = new Set<string>();
  for (let tries = 0; chosen.size < count && tries < count * 4; tries++) chosen.add(zipf.pick(random));
  return [...chosen].sort();
}

const REACHABLE: readonly [Channel[], number][] = [
  [['email', 'wechat'], 0.4],
  [['email'], 0.3],
  [['wechat'], 0.25],
  [[], 0.05],
];

function generateProfile({ words, random, index }: { words: Vocabulary; random: () => number; index: number }): ProfileDoc {
  const values: Record<ProfileDimension, string[]> = {
    subject_type: [weighted({ random, options: [['subj-enterprise', 0.92], ['subj-foreign-invested', 0.06], ['subj-hk-macao-enterprise', 0.02]] })],
    industry: distinctPicks({ zipf: words.industries, random, count: random() < 0.2 ? 2 : 1 }),
    region: [regionOf({ words, random })],
    size: [weighted({ random, options: [['size-micro', 0.5], ['size-small', 0.3], ['size-medium', 0.15], ['size-large', 0.05]] })],
    qualification: qualificationsOf(random),
    stage: [weighted({ random, options: [['stage-startup', 0.3], ['stage-growth', 0.4], ['stage-mature', 0.25], ['stage-pre-ipo', 0.05]] })],
    need: distinctPicks({ zipf: words.needs, random, count: 1 + Math.floor(random() * 3) }),
  };
  const unstated = random() < UNSTATED_SHARE ? PROFILE_DIMENSIONS[Math.floor(random() * PROFILE_DIMENSIONS.length)] : undefined;
  const attributes: ProfileDoc['attributes'] = {};
  for (const dimension of PROFILE_DIMENSIONS) {
    if (dimension === unstated) continue;
    attributes[dimension] = expandedShared({ words, ids: values[dimension] });
  }
  return {
    subscriberId: `ent-${String(index).padStart(7, '0')}`,
    kind: 'enterprise',
    parkId: null,
    attributes,
    reachable: weighted({ random, options: REACHABLE }),
  };
}

const CHANNEL_CHOICES: readonly [SubscriptionDoc['channels'], number][] = [
  [['email'], 0.55],
  [['wechat'], 0.3],
  [['email', 'wechat'], 0.15],
];
const FREQUENCY_CHOICES: readonly [Frequency, number][] = [
  ['immediate', 0.6],
  ['daily', 0.25],
  ['weekly', 0.15],
];

/** Mostly needs and industries, some regional feeds, `all` combinations and keywords. */
function generateSubscription({
  words,
  random,
  profile,
  id,
  criteriaCache,
}: {
  words: Vocabulary;
  random: () => number;
  profile: ProfileDoc;
  id: string;
  criteriaCache: Map<string, SubscriptionCriteria>;
}): SubscriptionDoc {
  const ownNeeds = profile.attributes.need ?? [words.needs.pick(random)];
  const ownIndustry = profile.attributes.industry?.[0] ?? words.industries.pick(random);
  const kind = weighted({
    random,
    options: [['need', 0.55], ['industry', 0.25], ['need+industry', 0.07], ['region', 0.04], ['need-all', 0.03], ['keyword', 0.03], ['need+keyword', 0.03]] as const,
  });
  const needTags = ownNeeds.slice(0, 1 + Math.floor(random() * 2));
  const criteriaKey = `${kind}|${needTags.join(',')}|${ownIndustry}`;
  let criteria = criteriaCache.get(criteriaKey);
  if (!criteria) {
    criteria = {};
    if (kind === 'need' || kind === 'need+industry' || kind === 'need+keyword') criteria.need = { mode: 'any', tags: needTags };
    if (kind === 'need-all') criteria.need = { mode: 'all', tags: ownNeeds.slice(0, 2) };
    if (kind === 'industry' || kind === 'need+industry') criteria.industry = { mode: 'any', tags: [ownIndustry] };
    if (kind === 'region') criteria.region = { mode: 'any', tags: [(profile.attributes.region ?? ['region-shanghai']).at(-2) ?? 'region-shanghai'] };
    criteriaCache.set(criteriaKey, criteria);
  }
  const keywords = kind === 'keyword' || kind === 'need+keyword' ? [KEYWORDS[Math.floor(random() * KEYWORDS.length)] ?? '专利资助'] : [];
  return {
    id,
    subscriberId: profile.subscriberId,
    criteria,
    keywords,
    keywordTerms: keywords.map((keyword) => words.keywordTerms.get(keyword) ?? []),
    channels: weighted({ random, options: CHANNEL_CHOICES }),
    frequency: weighted({ random, options: FREQUENCY_CHOICES }),
    eligibleOnly: random() < 0.92,
  };
}

interface Population {
  profiles: ProfileDoc[];
  /** Aligned with `profiles`. */
  subscriptionsByProfile: SubscriptionDoc[][];
  subscriptionCount: number;
}

/**
 * The same population on every call, batch by batch: the index is loaded as the sync service
 * would load it, without the whole population in memory, and the baseline regenerates it later.
 */
function* populationBatches(words: Vocabulary): Generator<Population> {
  const random = seededRandom(20260301);
  const criteriaCache = new Map<string, SubscriptionCriteria>();
  const none: SubscriptionDoc[] = [];
  for (let start = 0; start < PROFILE_COUNT; start += LOAD_BATCH) {
    const batch: Population = { profiles: [], subscriptionsByProfile: [], subscriptionCount: 0 };
    for (let i = start; i < Math.min(PROFILE_COUNT, start + LOAD_BATCH); i++) {
      const profile = generateProfile({ words, random, index: i });
      const roll = random();
      const count = roll < 0.05 ? 0 : roll < 0.93 ? 1 : 2;
      const owned = count === 0 ? none : [];
      for (let j = 0; j < count; j++) owned.push(generateSubscription({ words, random, profile, id: `sub-${i}-${j}`, criteriaCache }));
      batch.profiles.push(profile);
      batch.subscriptionsByProfile.push(owned);
      batch.subscriptionCount += count;
    }
    yield batch;
  }
}

function wholePopulation(words: Vocabulary): Population {
  const whole: Population = { profiles: [], subscriptionsByProfile: [], subscriptionCount: 0 };
  for (const batch of populationBatches(words)) {
    for (const profile of batch.profiles) whole.profiles.push(profile);
    for (const owned of batch.subscriptionsByProfile) whole.subscriptionsByProfile.push(owned);
    whole.subscriptionCount += batch.subscriptionCount;
  }
  return whole;
}

// ---------------------------------------------------------------------------------------------
// Policies

type PolicyInput = Omit<Parameters<typeof buildAudiencePolicy>[0], 'taxonomy'>;

const NARROW: PolicyInput = {
  criteria: { region: ['region-zhangjiang'], qualification: ['qual-high-tech'] },
  tags: ['need-patent-funding', 'ptype-subsidy', 'ip-invention-patent'],
  level: 'level-park',
  title: '张江科学城高新技术企业专利资助实施细则',
  body: '对注册在张江科学城的高新技术企业，获得发明专利授权的，每件资助五千元；通过PCT途径提交国际专利申请的，每件资助三万元。',
};

const BROAD: PolicyInput = {
  criteria: { region: ['region-shanghai'] },
  tags: ['need-ip-pledge-financing', 'need-patent-funding', 'ptype-notice', 'ip-invention-patent', 'ip-trademark'],
  level: 'level-municipal',
  title: '上海市知识产权局关于开展知识产权质押融资入园惠企行动的通知',
  body: '对以专利权、商标专用权出质取得贷款的企业，按照实际支付利息的百分之五十给予贴息；对获得发明专利授权的企业给予专利资助。',
};

function benchPolicies(taxonomy: Taxonomy): { narrow: AudiencePolicy; broad: AudiencePolicy } {
  // buildAudiencePolicy drops ids the taxonomy does not know; a renamed demo tag must fail loudly here.
  const used = [...DISTRICTS, ...[NARROW, BROAD].flatMap((input) => [...Object.values(input.criteria).flat(), ...input.tags, input.level ?? ''])];
  const unknown = used.filter((id) => taxonomy.get(id) === undefined);
  if (unknown.length > 0) throw new Error(`bench tags missing from the demo taxonomy: ${unknown.join(', ')}`);
  return { narrow: buildAudiencePolicy({ taxonomy, ...NARROW }), broad: buildAudiencePolicy({ taxonomy, ...BROAD }) };
}

// ---------------------------------------------------------------------------------------------
// Timing

function percentile({ sorted, fraction }: { sorted: number[]; fraction: number }): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

interface Timing<T> {
  p50: number;
  p99: number;
  n: number;
  last: T;
}

async function timed<T>({ runs, warmUp, work }: { runs: number; warmUp: number; work: () => Promise<T> | T }): Promise<Timing<T>> {
  let last: T | undefined;
  for (let i = 0; i < warmUp; i++) last = await work();
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await work();
    durations.push(performance.now() - started);
  }
  if (last === undefined) throw new Error('no runs');
  durations.sort((a, b) => a - b);
  return { p50: percentile({ sorted: durations, fraction: 0.5 }), p99: percentile({ sorted: durations, fraction: 0.99 }), n: runs, last };
}

function naiveSummary({ policy, population, subscriptionsOf }: { policy: AudiencePolicy; population: Population; subscriptionsOf: (id: string) => readonly MatchSubscription[] }): AudienceSummary {
  const matches = evaluateAudience({ policy, profiles: population.profiles, subscriptionsOf });
  return summarizeAudience({ policy, matches, sampleSize: SAMPLE_SIZE });
}

/** JSON with object keys sorted, so counts compare whatever order each side filled them in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1))) : inner,
  );
}

function counts(summary: AudienceSummary): string {
  return canonical([summary.subscribers, summary.byChannel, summary.unknownByDimension, summary.breakdown]);
}

interface IndexTimings {
  eligibleShare: number;
  summary: Timing<AudienceSummary>;
  full: Timing<number>;
}

async function timeIndex({ policy, index }: { policy: AudiencePolicy; index: EmbeddedAudienceIndex }): Promise<IndexTimings> {
  const eligibleShare = index.countEligible({ policy }) / index.countProfiles();
  const summary = await timed({ runs: TIMED_RUNS, warmUp: WARM_UP_RUNS, work: () => index.audienceSummary({ policy, sampleSize: SAMPLE_SIZE }) });
  const full = await timed({
    runs: FULL_RUNS,
    warmUp: 1,
    work: async () => {
      let count = 0;
      for await (const batch of index.audienceBatches({ policy, batchSize: 1000 })) count += batch.length;
      return count;
    },
  });
  return { eligibleShare, summary, full };
}

function policyRows({ label, engine, naive, targetMs }: { label: string; engine: IndexTimings; naive: Timing<AudienceSummary>; targetMs: number }): BenchRow[] {
  const { summary, full, eligibleShare } = engine;
  if (counts(summary.last) !== counts(naive.last) || full.last !== naive.last.subscribers) {
    throw new Error(`${label}: the engine and the naive scan disagree:\n${counts(summary.last)}\n${counts(naive.last)}`);
  }
  const speedUp = naive.p50 / summary.p50;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  return [
    {
      name: `${label}: audienceSummary (sample ${SAMPLE_SIZE})`,
      p50Ms: summary.p50,
      p99Ms: summary.p99,
      n: summary.n,
      ratio: speedUp,
      note:
        `audience ${summary.last.subscribers.toLocaleString('en')}, eligible ${(eligibleShare * 100).toFixed(1)}% of profiles; ` +
        `target ≤ ${targetMs} ms ${verdict(summary.p50 <= targetMs)}; ratio = naive ÷ index`,
    },
    {
      name: `${label}: every match via audienceBatches(1000)`,
      p50Ms: full.p50,
      p99Ms: full.p99,
      n: full.n,
      note: `${full.last.toLocaleString('en')} AudienceMatch objects materialised (the outbox path)`,
    },
    {
      name: `${label}: naive scan (match-semantics)`,
      p50Ms: naive.p50,
      p99Ms: naive.p99,
      n: naive.n,
      note: `same counts as the index; speed-up ${speedUp.toFixed(0)}×`,
    },
  ];
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export async function benchMatching(): Promise<BenchRow[]> {
  const taxonomy = loadTaxonomy();
  const words = vocabulary(taxonomy);
  const { narrow, broad } = benchPolicies(taxonomy);

  const index = new EmbeddedAudienceIndex();
  let buildMs = 0;
  let subscriptionCount = 0;
  for (const batch of populationBatches(words)) {
    const started = performance.now();
    await index.upsertProfiles(batch.profiles);
    await index.upsertSubscriptions(batch.subscriptionsByProfile.flat());
    buildMs += performance.now() - started;
    subscriptionCount += batch.subscriptionCount;
  }
  const engine = { narrow: await timeIndex({ policy: narrow, index }), broad: await timeIndex({ policy: broad, index }) };
  // Read before the baseline holds the whole population as documents, which production never does.
  const indexRssMb = peakRssMb();

  const population = wholePopulation(words);
  const bySubscriber = new Map<string, SubscriptionDoc[]>();
  population.profiles.forEach((profile, i) => bySubscriber.set(profile.subscriberId, population.subscriptionsByProfile[i] ?? []));
  const subscriptionsOf = (id: string): readonly MatchSubscription[] => bySubscriber.get(id) ?? [];
  const naive = {
    narrow: await timed({ runs: NAIVE_RUNS, warmUp: 0, work: () => naiveSummary({ policy: narrow, population, subscriptionsOf }) }),
    broad: await timed({ runs: NAIVE_RUNS, warmUp: 0, work: () => naiveSummary({ policy: broad, population, subscriptionsOf }) }),
  };

  if (engine.broad.eligibleShare < TARGETS.eligibleShare) throw new Error(`broad policy reaches only ${(engine.broad.eligibleShare * 100).toFixed(1)}% eligible`);
  const narrowRows = policyRows({ label: 'narrow (张江 + 高企)', engine: engine.narrow, naive: naive.narrow, targetMs: TARGETS.narrowMs });
  const broadRows = policyRows({ label: 'broad (上海市, any size)', engine: engine.broad, naive: naive.broad, targetMs: TARGETS.broadMs });
  const narrowSpeedUp = narrowRows[0]?.ratio ?? 0;
  return [
    {
      name: 'build: upsert profiles + subscriptions',
      p50Ms: buildMs,
      p99Ms: buildMs,
      n: 1,
      note: `${index.countProfiles().toLocaleString('en')} profiles, ${subscriptionCount.toLocaleString('en')} subscriptions, batches of ${LOAD_BATCH.toLocaleString('en')} (generation not timed)`,
    },
    ...narrowRows,
    ...broadRows,
    {
      name: 'peak RSS: index built and queried',
      peakRssMb: indexRssMb,
      note: `maxRSS before the baseline; target ≤ ${TARGETS.peakRssMb} MB ${indexRssMb <= TARGETS.peakRssMb ? 'met' : 'MISSED'}; narrow speed-up ≥ ${TARGETS.speedUp}× ${narrowSpeedUp >= TARGETS.speedUp ? 'met' : 'MISSED'}`,
    },
    {
      name: 'peak RSS: with the naive baseline',
      peakRssMb: peakRssMb(),
      note: 'adds a million ProfileDoc and SubscriptionDoc objects and the baseline\'s garbage',
    },
  ];
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  printTable(await benchMatching());
}
