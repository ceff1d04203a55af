/**
 * The one generator of realistic policy libraries every search benchmark uses: Chinese titles in
 * the 公文 pattern (发文机关 + 关于 + action + topic + document type), bodies of about 1,600
 * characters structured as 一、/（一） sections, a document number for most issuers, tags in ten
 * dimensions with region and industry hierarchies, mixed validity (现行有效 / 已修订 / 已废止 /
 * 失效) and mixed disclosure (主动公开 / 依申请公开 / 不予公开).
 *
 * Deterministic (seeded), so runs and machines compare. Word frequencies are skewed as in a real
 * library: a few words (企业, 知识产权, 专利) are in nearly every policy, most topics in a few
 * percent, and the body mixes topic sentences with boilerplate, so some query words match most
 * documents and others a handful — the spread that decides how search cost grows.
 */
import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import type { Validity } from '../../schemas/policy.schema.js';
import type { PolicySearchDoc } from '../../server/ports/search-index.port.js';

export type Disclosure = 'public' | 'on_request' | 'withheld';

/** A generated policy: the search document plus what only the store keeps. */
export interface CorpusPolicy extends PolicySearchDoc {
  disclosure: Disclosure;
  /** The topic the title is about, for judged queries. */
  topic: string;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Picker {
  one<T>(items: readonly T[]): T;
  some<T>(items: readonly T[], count: number): T[];
  chance(probability: number): boolean;
  int(min: number, max: number): number;
  /** Skewed towards the start of the list (Zipf-like), as word use is in real text. */
  skewed<T>(items: readonly T[]): T;
}

export function picker(seed: number): Picker {
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
  const skewed = <T,>(items: readonly T[]): T => {
    const item = items[Math.floor(items.length * random() ** 2)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  };
  return { one, some, chance: (probability) => random() < probability, int, skewed };
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

export const TOPICS = [
  '专利资助', '知识产权质押融资', '专精特新“小巨人”企业认定', '高新技术企业认定', '研发费用加计扣除', '知识产权贯标',
  '专利开放许可试点', '数据知识产权登记', '海外知识产权纠纷应对指导', '地理标志产品保护', '集成电路布图设计登记',
  '科技型中小企业评价', '首台套重大技术装备保险补偿', '知识产权保险', '商业秘密保护', '专利导航项目', '高价值专利培育',
  '知识产权示范企业评定', '商标品牌建设', '专利转化运用', '知识产权维权援助', '专利快速预审', '技术合同登记',
  '软件著作权登记', '植物新品种保护', 'PCT国际专利申请资助', '马德里商标国际注册', '知识产权证券化', '中小企业数字化转型',
  '创新券', '首购首用', '揭榜挂帅项目', '知识产权运营服务体系建设', '知识产权保护中心备案', '专利代理机构监管',
  '知识产权人才培养', '老字号保护传承', '驰名商标保护', '知识产权信用管理', '展会知识产权保护',
] as const;

const ACTIONS = ['开展', '做好', '组织申报', '印发', '进一步加强', '推进', '实施', '深化', '规范', '公布'];
const DOC_TYPES = ['工作的通知', '管理办法', '实施细则', '若干措施', '申报指南', '办事指引', '的公告', '实施方案', '暂行规定', '工作方案'];
const YEARS = ['2019年度', '2020年度', '2021年度', '2022年度', '2023年度', '2024年度', '2025年度', ''];

const SECTION_HEADINGS = ['总体要求', '支持对象', '支持内容和标准', '申报条件', '申报材料', '办理程序', '资金管理', '监督管理', '保障措施', '附则'];

/** Boilerplate: most policies carry several of these, so their words are common. */
const COMMON_SENTENCES = [
  '为深入贯彻落实《知识产权强国建设纲要（2021—2035年）》，全面提升知识产权创造、运用、保护、管理和服务水平',
  '申报主体应当是在本市依法登记注册、具有独立法人资格的企业，统一社会信用代码真实有效',
  '各区知识产权管理部门负责本辖区申报材料的受理和初审工作',
  '申报单位须对所提交材料的真实性负责，如有弄虚作假，取消资助资格并追回资金',
  '本办法自发布之日起施行，有效期五年',
  '申请人可通过政务服务网在线提交申请，也可至窗口现场办理',
  '资助资金实行总额控制，年度预算用完即止',
  '企业应建立健全知识产权管理制度，配备专职知识产权管理人员',
  '本通知由市知识产权局负责解释',
  '各有关单位要高度重视，加强组织领导，明确责任分工，确保各项工作落到实处',
  '对违反本办法规定的，依照有关法律法规予以处理；构成犯罪的，依法追究刑事责任',
  '财政部门会同有关部门对资金使用情况进行绩效评价，评价结果作为以后年度预算安排的重要依据',
];

/** Sentences about one subject: fewer policies hold them, so their words are selective. */
const TOPIC_SENTENCES = [
  '对获得发明专利授权的企业，按照每件不超过五千元的标准给予资助',
  '企业以专利权、商标专用权等知识产权进行质押融资的，按照实际支付利息的百分之五十给予贴息',
  '申报材料包括申请表、营业执照复印件、专利证书复印件及费用缴纳凭证',
  '对通过知识产权管理体系认证的企业，一次性给予不超过十万元的奖励',
  '鼓励高校和科研院所通过专利开放许可方式向中小企业转化专利技术',
  '企业发生的研发费用，未形成无形资产计入当期损益的，在按规定据实扣除的基础上加计扣除',
  '对遭遇海外知识产权纠纷的企业，提供应诉指导和维权费用补贴',
  '专精特新中小企业应当专注细分市场，创新能力强，市场占有率高，掌握关键核心技术',
  '支持企业开展专利导航，围绕产业链部署创新链，培育高价值专利组合',
  '对新认定的国家级知识产权示范企业给予一次性奖励',
  '符合条件的集成电路布图设计专有权登记费用给予全额资助',
  '数据知识产权登记证书可作为数据持有的初步证明，用于数据流通交易、收益分配和权益保护',
  '商业秘密保护示范站点建设应当与园区企业服务相结合',
  '首台套重大技术装备投保的，按照保费的百分之八十给予补贴',
  '地理标志产品生产者应当按照相关标准组织生产，规范使用专用标志',
  '知识产权保险保费补贴比例不超过实际缴纳保费的百分之五十',
  '对获得中国专利奖金奖的单位给予五十万元奖励',
  '鼓励金融机构创新知识产权质押融资产品，扩大融资规模',
  '科技型中小企业评价结果作为享受研发费用加计扣除优惠政策的依据',
  '对通过PCT途径提交国际专利申请并进入国家阶段的，每件给予不超过三万元资助',
  '通过马德里体系取得商标国际注册的，每件给予不超过五千元资助',
  '软件著作权登记实行网上申请，登记机构自受理之日起三十个工作日内完成审查',
  '植物新品种权人可以许可他人生产或者销售授权品种的繁殖材料',
  '创新券可用于购买检验检测、研究开发、技术转移等科技服务',
  '首购首用产品目录每年更新一次，政府采购项目优先采购目录内产品',
  '揭榜挂帅项目实行榜单制，不设门槛，能者上、强者上',
  '技术合同经认定登记后，技术开发和技术转让收入可享受增值税减免',
  '专利快速预审服务面向在保护中心备案的企业，发明专利授权周期可缩短至三个月左右',
  '知识产权证券化产品发行规模和底层资产应当符合监管要求',
  '专利代理机构应当依法执业，不得代理非正常专利申请',
  '对引进的高层次知识产权人才，在落户、住房、子女入学等方面给予支持',
  '老字号企业应当传承传统技艺，加强商标和字号保护',
  '展会期间设立知识产权投诉工作站，快速处理侵权投诉',
  '知识产权信用管理实行分级分类，严重失信主体列入黑名单',
  '驰名商标保护应当坚持个案认定、被动保护的原则',
  '中小企业数字化转型试点城市对服务商实行分类管理和绩效考核',
  '维权援助中心为中小微企业提供免费的侵权判定咨询服务',
  '张江科学城内集成电路、生物医药、人工智能企业优先支持',
  '临港新片区对新注册的知识产权服务机构给予房租补贴',
  '漕河泾开发区重点支持软件和信息技术服务企业开展软件著作权登记',
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
  上海市市场监督管理局: '沪市监',
};

export interface CorpusTag {
  id: string;
  label: string;
  parent: string | null;
}

/** A small taxonomy with a hierarchy in region and industry, as the core expands it. */
export const CORPUS_TAXONOMY: Partial<Record<DimensionId, CorpusTag[]>> = {
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
  const tags = CORPUS_TAXONOMY[dimension] ?? [];
  const chain: string[] = [];
  let current: string | null = tagId;
  while (current !== null) {
    chain.push(current);
    const parent: string | null = tags.find((tag) => tag.id === current)?.parent ?? null;
    current = parent;
  }
  return chain;
}

export function corpusDimensions(): DimensionId[] {
  return Object.keys(CORPUS_TAXONOMY) as DimensionId[];
}

export function corpusTagIds(dimension: DimensionId): string[] {
  return (CORPUS_TAXONOMY[dimension] ?? []).map((tag) => tag.id);
}

export { ISSUERS as CORPUS_ISSUERS };

// ---------------------------------------------------------------------------------------------
// Documents

const CHINESE_NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

function isoDate({ pick, fromYear, toYear }: { pick: Picker; fromYear: number; toYear: number }): string {
  const year = pick.int(fromYear, toYear);
  const month = String(pick.int(1, 12)).padStart(2, '0');
  const day = String(pick.int(1, 28)).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

function syntheticTags(pick: Picker): Partial<Record<DimensionId, string[]>> {
  const tags: Partial<Record<DimensionId, string[]>> = {};
  for (const dimension of corpusDimensions()) {
    if (!pick.chance(0.75)) continue;
    const chosen = pick.some(corpusTagIds(dimension), pick.int(1, 2));
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

function syntheticDisclosure(pick: Picker): Disclosure {
  const roll = pick.int(1, 100);
  if (roll <= 85) return 'public';
  if (roll <= 95) return 'on_request';
  return 'withheld';
}

const SUBJECTS = ['企业', '中小微企业', '高校', '科研院所', '知识产权服务机构', '园区运营主体', '行业协会', '创新联合体'];
const SUPPORTS = ['资助', '奖励', '补贴', '贴息', '后补助', '配套支持'];
const DEPARTMENTS = ['市知识产权局', '市科委', '市经济信息化委', '市财政局', '市市场监管局', '区知识产权局', '区科委', '园区管委会'];
const PERIODS = ['每年三月', '每年六月底前', '每季度', '项目完成后三个月内', '自受理之日起二十个工作日内', '年度终了后'];

/** A sentence built from slots, so a library holds many distinct sentences, as a real one does. */
function templatedSentence({ pick, topic }: { pick: Picker; topic: string }): string {
  const amount = `${pick.int(1, 100)}万元`;
  const templates = [
    () => `对开展${topic}的${pick.one(SUBJECTS)}，按照不超过${amount}的标准给予${pick.one(SUPPORTS)}`,
    () => `${pick.one(DEPARTMENTS)}负责${topic}的组织实施和监督检查，${pick.one(PERIODS)}公布结果`,
    () => `申报${topic}的${pick.one(SUBJECTS)}应当于${pick.one(PERIODS)}向${pick.one(DEPARTMENTS)}提交申请材料`,
    () => `${topic}所需资金从${pick.one(DEPARTMENTS)}年度预算中列支，单个项目${pick.one(SUPPORTS)}金额最高${amount}`,
    () => `鼓励${pick.one(SUBJECTS)}与${pick.one(SUBJECTS)}合作开展${topic}，形成可复制可推广的经验`,
  ];
  return pick.one(templates)();
}

/** Sections 一、… with numbered items （一）…, about `targetChars` characters in all. */
function syntheticBody({ pick, topic, targetChars }: { pick: Picker; topic: string; targetChars: number }): string {
  const lines: string[] = [`各有关单位：\n为做好${topic}工作，现将有关事项通知如下。`];
  let length = lines[0]?.length ?? 0;
  const headings = pick.some(SECTION_HEADINGS, pick.int(4, 7));
  // Each policy speaks mostly of its own subject: a few of the subject sentences, templated
  // sentences about its topic, boilerplate, and now and then another topic.
  const ownSentences = pick.some(TOPIC_SENTENCES, pick.int(1, 3));
  for (let section = 0; length < targetChars; section++) {
    const heading = headings[section % headings.length] ?? '其他事项';
    const sectionLine = `${CHINESE_NUMERALS[section % CHINESE_NUMERALS.length]}、${heading}`;
    lines.push(sectionLine);
    length += sectionLine.length;
    const items = pick.int(2, 4);
    for (let item = 0; item < items && length < targetChars; item++) {
      const roll = pick.int(1, 100);
      const sentence =
        roll <= 35 ? pick.skewed(COMMON_SENTENCES)
        : roll <= 60 ? pick.one(ownSentences)
        : roll <= 92 ? templatedSentence({ pick, topic })
        : roll <= 97 ? templatedSentence({ pick, topic: pick.skewed(TOPICS) })
        : pick.one(TOPIC_SENTENCES);
      const line = `（${CHINESE_NUMERALS[item]}）${sentence}。`;
      lines.push(line);
      length += line.length;
    }
  }
  return lines.join('\n');
}

function syntheticPolicy({ pick, index, bodyChars }: { pick: Picker; index: number; bodyChars: number }): CorpusPolicy {
  const issuer = pick.one(ISSUERS);
  const topic = pick.skewed(TOPICS);
  const issuedAt = pick.chance(0.95) ? isoDate({ pick, fromYear: 2012, toYear: 2025 }) : null;
  const year = issuedAt?.slice(0, 4) ?? '2024';
  const title = `${issuer}关于${pick.one(ACTIONS)}${pick.one(YEARS)}${topic}${pick.one(DOC_TYPES)}`;
  const tagsByDimension = syntheticTags(pick);
  const prefix = ISSUER_PREFIX[issuer];
  return {
    id: `policy-${String(index).padStart(6, '0')}`,
    version: pick.int(1, 3),
    title,
    docNumber: prefix ? `${prefix}〔${year}〕${pick.int(1, 200)}号` : null,
    issuer,
    level: pick.one(['national', 'municipal', 'district', 'park']),
    issuedAt,
    expiresAt: pick.chance(0.4) ? isoDate({ pick, fromYear: 2020, toYear: 2030 }) : null,
    validity: syntheticValidity(pick),
    applicationWindow: pick.chance(0.2) ? { opensAt: `${year}-03-01`, closesAt: `${year}-05-31` } : null,
    body: syntheticBody({ pick, topic, targetChars: pick.int(Math.round(bodyChars * 0.8), Math.round(bodyChars * 1.2)) }),
    tagText: `${topic} ${Object.values(tagsByDimension).flat().slice(0, 6).join(' ')}`,
    tagsByDimension,
    disclosure: syntheticDisclosure(pick),
    topic,
  };
}

export const DEFAULT_CORPUS_SEED = 20250630;
/** The body length the issue measured with. */
export const REALISTIC_BODY_CHARS = 1_600;

/** `count` generated policies, every disclosure included (the store keeps them all). */
export function corpusPolicies({ count, seed = DEFAULT_CORPUS_SEED, bodyChars = REALISTIC_BODY_CHARS }: { count: number; seed?: number; bodyChars?: number }): CorpusPolicy[] {
  const pick = picker(seed);
  return Array.from({ length: count }, (_, index) => syntheticPolicy({ pick, index, bodyChars }));
}

/** What the search index holds: only 主动公开 policies are ever handed to it. */
export function corpusSearchDocs({ policies }: { policies: readonly CorpusPolicy[] }): PolicySearchDoc[] {
  return policies.filter((policy) => policy.disclosure === 'public').map(({ disclosure: _disclosure, topic: _topic, ...doc }) => doc);
}

/** Public search documents for a library of about `count` policies. */
export function syntheticPolicies({ count, seed = DEFAULT_CORPUS_SEED, bodyChars = REALISTIC_BODY_CHARS }: { count: number; seed?: number; bodyChars?: number }): PolicySearchDoc[] {
  return corpusSearchDocs({ policies: corpusPolicies({ count, seed, bodyChars }) });
}

// ---------------------------------------------------------------------------------------------
// Queries

/** What people type: topic words, short words matching most of the library, questions, Traditional script, numbers. */
export const CORPUS_KEYWORDS = [
  '专利资助', '知识产权质押融资', '小巨人', '高新技术企业', '研发费用加计扣除', '贯标', '专利开放许可', '数据知识产权',
  '海外纠纷应对', '地理标志', '集成电路布图设计', '首台套', '知识产权保险', '商业秘密', '专利', '知识产权', '资助 奖励',
  '我们公司能申请专利资助吗', '中小企业如何办理知识产权质押融资', '關於申請專利資助的通知', '知識產權保險 補貼',
  'PCT 国际专利申请', '马德里商标', '技术合同登记 办事指引', '申报材料 营业执照', '专精特新 研发费用', '软件著作权登记',
  '国知发', '沪知局〔2023〕', '发明专利授权 五千元', '植物新品种', '创新券', '首购首用', '揭榜挂帅', '张江 集成电路',
  '企业', '申报', '资金', '知识产权 企业 申报', '老字号', '驰名商标', '展会 侵权投诉', '信用 黑名单', '人才 落户',
  '专利代理', '数字化转型', '维权援助', '质押 贴息', '临港 房租补贴', '漕河泾 软件',
] as const;
