import type { SuspectLine } from '../ingest.types.js';
import { normalizeText } from '../../text/text-normalizer.js';
import { isPinyinWord } from './pinyin.js';

/**
 * Lines that look injected into an official text by a compromised CMS or a careless copy: gambling
 * and lottery advertisements, contact details of unrelated parties, links to unrelated sites,
 * runs of bare pinyin, and the same junk line repeated. Each rule errs towards silence on real
 * policy wording (the demo library has to come out clean): the drafter confirms every flag, so a
 * miss costs a reader a spam line while a false flag costs every drafter time.
 */

/** Gambling words that have no business in a policy text whatever surrounds them. */
const GAMBLING_TERMS = [
  '博彩', '六合彩', '时时彩', '百家乐', '娱乐城', '老虎机', '真人荷官', '北京赛车', 'pk10', '赌场', '网上赌', '线上赌', '赌球', '赌博网',
  '彩票平台', '彩票网', '购彩', '彩金', '投注网', '体育投注', '棋牌游戏', '棋牌平台', '捕鱼游戏', '电子游艺', '威尼斯人', '葡京', '太阳城', '金沙',
];

/** Words that are gambling only next to an advertising cue (彩票 in 体育彩票公益金 is real policy money). */
const CONTEXT_GAMBLING_TERMS = ['彩票', '棋牌', '开奖', '下注', '投注', '赔率', '赌'];

/** Advertising cues: what a spam line asks the reader to do or promises. */
const AD_CUES = [
  '注册送', '注册即送', '注册就送', '开户', '充值', '返水', '首存', '送彩金', '加我', '加微', '加q', '在线客服', '日赚', '稳赚', '包赢',
  '包过', '代写', '代开', '办证', '刷单', '兼职', '秒到', '提现', '回血', '返利', '低价出售', '最新地址', '永久地址', '无抵押',
  '私聊', '免费领取', '招代理', '官方网址', '娱乐', '下注', '网投',
];

/** Labels an official notice puts before its own contact details (联系人：…，联系电话：…). */
const CONTACT_LABELS = ['联系', '老师', '同志', '先生', '女士', '咨询', '联系电话', '电话', '传真', '咨询电话', '联系方式', '手机', '邮箱', '电子邮件', '地址', '邮编', '热线', '办公电话', '服务电话'];

const MOBILE_RE = /(?<![0-9])1[3-9][0-9]{9}(?![0-9])/u;
const QQ_RE = /(?:qq|扣扣)(?:号|群)?\s*[:：]?\s*[1-9][0-9]{4,11}/u;
const WECHAT_RE = /(?:微信|vx|wx|v信|薇信|威信)(?:号)?\s*[:：]\s*[a-z][-_a-z0-9]{5,19}/u;
const URL_RE = /(?:https?:\/\/)?((?:[a-z0-9-]+\.)+(?:com|net|cn|org|cc|vip|top|xyz|info|biz|me|tv|co|io|app|club|site|online|shop|win|bet|asia|hk|tw))(?![a-z0-9-])(?::\d+)?(?:\/[^\s，。；、）)]*)?/giu;

/** Hosts an official text may link to without a flag: government sites and any the caller names. */
const OFFICIAL_SUFFIXES = ['.gov.cn', '.gov'];

const REPEAT_MIN_LENGTH = 8;
const REPEAT_MIN_COUNT = 3;
const PINYIN_RUN_MIN_WORDS = 4;

export interface SuspectOptions {
  /** Hosts of the issuer (besides any *.gov.cn), e.g. the office's own service portal. */
  allowedHosts?: readonly string[];
}

function has({ text, words }: { text: string; words: readonly string[] }): string | null {
  return words.find((word) => text.includes(word)) ?? null;
}

function gambling({ text }: { text: string }): string | null {
  const strong = has({ text, words: GAMBLING_TERMS });
  if (strong) return `含博彩类词语“${strong}”`;
  const weak = has({ text, words: CONTEXT_GAMBLING_TERMS });
  const cue = weak ? has({ text, words: AD_CUES }) : null;
  if (weak && cue) return `“${weak}”与“${cue}”同时出现，像是博彩广告`;
  return null;
}

function contact({ text }: { text: string }): string | null {
  const found = QQ_RE.exec(text)?.[0] ?? WECHAT_RE.exec(text)?.[0] ?? MOBILE_RE.exec(text)?.[0] ?? null;
  if (!found) return null;
  const cue = has({ text, words: AD_CUES });
  const labelled = has({ text, words: CONTACT_LABELS }) !== null;
  // An official notice labels its own contact (联系人/联系电话); an advert invites the reader to act.
  if (labelled && !cue) return null;
  return cue ? `联系方式“${found}”与广告用语“${cue}”同时出现` : `出现与正文无关的联系方式“${found}”`;
}

function isAllowedHost({ host, allowedHosts }: { host: string; allowedHosts: readonly string[] }): boolean {
  const lower = host.toLowerCase();
  if (OFFICIAL_SUFFIXES.some((suffix) => lower.endsWith(suffix))) return true;
  return allowedHosts.some((allowed) => {
    const a = allowed.toLowerCase();
    return lower === a || lower.endsWith(`.${a}`);
  });
}

function foreignLink({ text, allowedHosts }: { text: string; allowedHosts: readonly string[] }): string | null {
  for (const m of text.matchAll(URL_RE)) {
    const host = m[1] ?? '';
    // A bare "x.cn" without www or a scheme is more often a file name or a typo than a link.
    if (!m[0].includes('://') && !host.startsWith('www.') && host.split('.').length < 3) continue;
    if (!isAllowedHost({ host, allowedHosts })) return `链接指向与发文机关无关的网站“${host}”`;
  }
  return null;
}

function pinyinRun({ text }: { text: string }): string | null {
  const words = text.split(/[^a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü1-5]+/u).filter((word) => word !== '');
  if (words.length < PINYIN_RUN_MIN_WORDS) return null;
  const pinyin = words.filter((word) => isPinyinWord(word)).length;
  const han = (text.match(/\p{Script=Han}/gu) ?? []).length;
  // Mostly pinyin words and little Chinese around them: a line of pinyin, not a sentence quoting one.
  if (pinyin / words.length < 0.8 || han > pinyin) return null;
  return '整行为拼音，不是正文内容';
}

function lineKey(normalized: string): string {
  return normalized.replace(/\s+/gu, '');
}

/** Flags each suspect line of the text (1-based line numbers of this text). */
export function findSuspectLines({ text, options = {} }: { text: string; options?: SuspectOptions }): SuspectLine[] {
  const lines = text.split('\n');
  // The normaliser keeps every character's length (and the line breaks), so one pass serves all lines.
  const normalizedLines = normalizeText(text).split('\n');
  const allowedHosts = options.allowedHosts ?? [];
  const counts = new Map<string, number>();
  for (const line of normalizedLines) {
    const key = lineKey(line);
    if (Array.from(key).length >= REPEAT_MIN_LENGTH) counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  const suspects: SuspectLine[] = [];
  lines.forEach((line, index) => {
    const normalized = normalizedLines[index] ?? normalizeText(line);
    const text = normalized.trim();
    if (text === '') return;
    const flag = (code: string, reason: string | null): boolean => {
      if (reason === null) return false;
      suspects.push({ line: index + 1, text: line, code, reason });
      return true;
    };
    if (flag('gambling', gambling({ text }))) return;
    if (flag('contact', contact({ text }))) return;
    if (flag('foreign_link', foreignLink({ text, allowedHosts }))) return;
    if (flag('pinyin_run', pinyinRun({ text }))) return;
    const repeats = counts.get(lineKey(normalized)) ?? 0;
    flag('repeated_line', repeats >= REPEAT_MIN_COUNT ? `同一行在文中重复出现 ${repeats} 次` : null);
  });
  return suspects;
}
