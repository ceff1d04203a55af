import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { POLICY_TERMS } from './policy-terms.js';
import { normalizeText } from './text-normalizer.js';

/**
 * High enough to keep a domain term whole against jieba's own words (申请/专利资助 rather than
 * 申请专利/资助), low enough not to glue across word boundaries (提高/企业 stays, not 提/高企/业).
 */
const USER_TERM_FREQUENCY = 20_000;

/**
 * Words that carry no meaning in a policy question (我们公司能申请专利资助吗). 申请 is here on
 * purpose: nearly every policy mentions it, so in a query it only narrows results to nothing.
 */
const QUERY_STOP_WORDS = new Set([
  '我', '我们', '我司', '本公司', '公司', '你', '你们', '您', '他', '她', '它', '他们', '咱们',
  '能', '能否', '能不能', '可以', '可否', '是否', '有没有', '会', '要', '想', '想要', '需要',
  '吗', '呢', '吧', '啊', '呀', '么', '嘛',
  '的', '地', '得', '了', '着', '过', '是', '有', '在', '和', '与', '及', '或', '或者', '对', '把', '被', '给', '从', '向', '就', '都', '也', '还', '又',
  '怎么', '怎么办', '怎样', '如何', '什么', '哪些', '哪个', '哪里', '哪儿', '多少', '为什么',
  '请问', '请', '一下', '这个', '那个', '这些', '那些', '关于',
  '申请',
]);

const MEANINGFUL = /[\p{L}\p{N}]/u;

let jieba: Jieba | null = null;
const loadedTerms = new Set<string>();

function loadTerms({ instance, terms }: { instance: Jieba; terms: readonly string[] }): void {
  const lines: string[] = [];
  for (const term of terms) {
    const word = normalizeText(term.trim());
    // The dictionary format is whitespace-separated, and a one-character "term" would only split words.
    if (word.length < 2 || /\s/.test(word) || loadedTerms.has(word)) continue;
    loadedTerms.add(word);
    lines.push(`${word} ${USER_TERM_FREQUENCY} n`);
  }
  if (lines.length > 0) instance.loadDict(Buffer.from(lines.join('\n'), 'utf8'));
}

function segmenter(): Jieba {
  if (jieba !== null) return jieba;
  const instance = Jieba.withDict(dict);
  loadTerms({ instance, terms: POLICY_TERMS });
  jieba = instance;
  return instance;
}

/**
 * Teaches the segmenter more whole words, typically taxonomy labels and synonyms at start.
 * Documents indexed before the call keep their old tokens; queries still reach them through
 * {@link compoundParts}, but a rebuild gives the best ranking.
 */
export function addUserTerms(terms: string[]): void {
  loadTerms({ instance: segmenter(), terms });
}

function isMeaningful(token: string): boolean {
  return MEANINGFUL.test(token);
}

/**
 * Tokens to index for a text: jieba's search mode emits a compound and its parts
 * (知识产权质押融资 → 知识/产权/知识产权/质押/融资/知识产权质押融资), so both find the document.
 */
export function segmentForIndex(text: string): string[] {
  return segmenter()
    .cutForSearch(normalizeText(text), true)
    .filter(isMeaningful)
    .map((token) => token.toLowerCase());
}

function withoutStopWords(tokens: string[]): string[] {
  const kept = tokens.filter((token) => !QUERY_STOP_WORDS.has(token));
  // A query made only of stop words ("如何申请") still means something to its author.
  return kept.length > 0 ? kept : tokens;
}

/**
 * The words of a query, whole (precise mode, so 知识产权质押融资 stays one word), normalised, with
 * punctuation and stop words removed and duplicates dropped. The index matches each word either
 * whole or through its {@link compoundParts}, so a compound never demands more than its parts.
 */
export function segmentQuery(text: string): string[] {
  const tokens = segmenter()
    .cut(normalizeText(text), true)
    .filter(isMeaningful)
    .map((token) => token.toLowerCase());
  return [...new Set(withoutStopWords(tokens))];
}

/**
 * The shortest cover of a word by the longest smaller words jieba knows inside it
 * (知识产权质押融资 → 知识产权/质押/融资). Lets a query word match a document in which the
 * same characters were segmented differently (申请专利/资助 rather than 申请/专利资助). Empty when
 * the word has no smaller words.
 */
export function compoundParts(word: string): string[] {
  const chars = [...word];
  if (chars.length <= 2) return [];
  const inner = segmenter()
    .cutForSearch(word, false)
    .filter((token) => token !== word && token.length < word.length);
  const parts: string[] = [];
  let at = 0;
  while (at < word.length) {
    const longest = inner.filter((token) => word.startsWith(token, at)).sort((a, b) => b.length - a.length)[0];
    const next = longest ?? String.fromCodePoint(word.codePointAt(at) ?? 0);
    parts.push(next);
    at += next.length;
  }
  const meaningful = parts.filter(isMeaningful);
  return meaningful.length > 1 && meaningful.some((part) => [...part].length > 1) ? meaningful : [];
}
