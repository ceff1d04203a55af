import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { POLICY_TERMS } from './policy-terms.js';
import { normalizeText } from './text-normalizer.js';
import { BoundedMemo } from '../bounded-memo.js';

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

/** Words are short; a query may be 200 characters, so fewer of those are kept. */
const WORD_MEMO_LIMIT = 50_000;
const QUERY_MEMO_LIMIT = 10_000;
const NONE: readonly string[] = Object.freeze([]);
/**
 * What jieba answered per text, kept because the same few texts are asked again and again: long
 * words recur throughout a library, and a query's words come back on every page and filter of a
 * search and for every policy a subscription keyword is checked against. Emptied whenever the
 * dictionary changes, since every answer depends on it.
 */
const memos = {
  longWordTerms: new BoundedMemo<LongWordTerms | null>(WORD_MEMO_LIMIT),
  compoundParts: new BoundedMemo<readonly string[]>(WORD_MEMO_LIMIT),
  recallGrams: new BoundedMemo<readonly string[]>(WORD_MEMO_LIMIT),
  queryWords: new BoundedMemo<readonly string[]>(QUERY_MEMO_LIMIT),
};

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
  if (lines.length > 0) {
    instance.loadDict(Buffer.from(lines.join('\n'), 'utf8'));
    for (const memo of Object.values(memos)) memo.clear();
  }
}

function segmenter(): Jieba {
  if (jieba !== null) return jieba;
  const instance = Jieba.withDict(dict);
  loadTerms({ instance, terms: POLICY_TERMS });
  jieba = instance;
  return instance;
}

/** Every term taught through `addUserTerms`, in the order first taught. */
const taughtTerms = new Set<string>();
const termListeners = new Set<(terms: string[]) => void>();

/**
 * Teaches the segmenter more whole words, typically taxonomy labels and synonyms at start.
 * Documents indexed before the call keep their old tokens; queries still reach them through
 * {@link compoundParts}, but a rebuild gives the best ranking.
 */
export function addUserTerms(terms: string[]): void {
  loadTerms({ instance: segmenter(), terms });
  for (const term of terms) taughtTerms.add(term);
  for (const listener of termListeners) listener(terms);
}

/**
 * Hands `listener` every term taught so far, then each later batch as it is taught; returns how to
 * stop. A thread has its own segmenter (module state is per thread), and one that segments for
 * this one (the search index's) must know the same words, or it would split 专利资助 where this
 * thread keeps it whole.
 */
export function followUserTerms(listener: (terms: string[]) => void): () => void {
  if (taughtTerms.size > 0) listener([...taughtTerms]);
  termListeners.add(listener);
  return () => termListeners.delete(listener);
}

function isMeaningful(token: string): boolean {
  return MEANINGFUL.test(token);
}

const HAN = /\p{Script=Han}/u;

/** A one-character token between two words' bigrams: no query bigram can match it. */
const GRAM_BOUNDARY = '0';

/** What the index stores for a text: words for matching and ranking, bigrams for recall. */
export interface IndexTerms {
  words: string[];
  grams: string[];
}

/** Adjacent pairs of letters and digits, e.g. 张江科学城 → 张江/江科/科学/学城. */
function charBigrams(word: string): string[] {
  const chars = [...word];
  const grams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) {
    const pair = `${chars[i] ?? ''}${chars[i + 1] ?? ''}`;
    if (/^[\p{L}\p{N}]{2}$/u.test(pair)) grams.push(pair);
  }
  return grams;
}

/** What a word of three or more characters holding Chinese adds to the index. */
interface LongWordTerms {
  /** Every dictionary word inside it, shorter than it, one per occurrence. */
  inner: string[];
  grams: string[];
  /** The first character of the first bigram and the last of the last one. */
  firstChar: string;
  lastChar: string;
}

/**
 * jieba's search mode gives only the two- and three-character words inside a word, so a title
 * holding 专精特新中小企业 (a taxonomy label, hence one word) was never found as 专精特新; the full
 * scan gives them all. Scanning the word alone, not the whole text, keeps out words that straddle
 * two words (高企 is not inside 提高/企业).
 */
function termsOfLongWord({ instance, token }: { instance: Jieba; token: string }): LongWordTerms | null {
  // Per word rather than per occurrence: working them out at every occurrence made analysing a text
  // two and a half times slower.
  return memos.longWordTerms.get(token, () => {
    if ([...token].length < 3 || !HAN.test(token)) return null;
    const inner = instance.cutAll(token).filter((word) => word !== token && [...word].length >= 2 && HAN.test(word) && isMeaningful(word));
    const grams = charBigrams(token);
    return { inner, grams, firstChar: [...(grams[0] ?? '')][0] ?? '', lastChar: [...(grams.at(-1) ?? '')][1] ?? '' };
  });
}

/**
 * Terms to index for a text. Words: each word of jieba's precise mode, preceded by every dictionary
 * word inside it (知识产权质押融资 → 知识/知识产权/产权/质押/质押融资/融资/知识产权质押融资), so a
 * search for any of them finds the document. Grams: the character bigrams inside each word of three
 * or more characters holding Chinese, which let a word the dictionary does not know still be found
 * inside a longer word that it does (张江 in the taxonomy label 张江科学城); see {@link recallGrams}.
 */
export function analyzeForIndex(text: string): IndexTerms {
  const instance = segmenter();
  const words: string[] = [];
  const grams: string[] = [];
  let lastChar = '';
  for (const raw of instance.cut(normalizeText(text), true)) {
    if (!isMeaningful(raw)) continue;
    const token = raw.toLowerCase();
    // Fewer than three UTF-16 units is fewer than three characters: no need to look further.
    const long = token.length >= 3 ? termsOfLongWord({ instance, token }) : null;
    if (long) {
      words.push(...long.inner);
      if (long.grams.length > 0) {
        // Bigrams of neighbouring words sit next to each other; when one word ends with the
        // character the next begins with, a phrase could run across both (产业园 then 园艺场
        // would hold 业园艺), so a token no bigram equals goes between them.
        if (long.firstChar === lastChar) grams.push(GRAM_BOUNDARY);
        grams.push(...long.grams);
        lastChar = long.lastChar;
      }
    }
    words.push(token);
  }
  return { words, grams };
}

/** The words {@link analyzeForIndex} indexes for a text. */
export function segmentForIndex(text: string): string[] {
  return analyzeForIndex(text).words;
}

/**
 * The bigram phrase that finds a query word inside longer indexed words, or nothing when the word
 * index alone finds it everywhere: a dictionary word is indexed wherever it stands inside another
 * word, but a word jieba only guessed (张江, when 张江科学城 is a word) or one mixing letters and
 * Chinese is not.
 */
export function recallGrams(word: string): readonly string[] {
  return memos.recallGrams.get(word, () => {
    if ([...word].length < 2) return NONE;
    if (HAN.test(word) && segmenter().cutAll(word).includes(word)) return NONE;
    return Object.freeze(charBigrams(word));
  });
}

function withoutStopWords(tokens: string[]): string[] {
  const kept = tokens.filter((token) => !QUERY_STOP_WORDS.has(token));
  // A query made only of stop words ("如何申请") still means something to its author.
  return kept.length > 0 ? kept : tokens;
}

/**
 * The words of a query, whole (precise mode, so 知识产权质押融资 stays one word), normalised, with
 * punctuation and stop words removed and duplicates dropped. The index matches each word either
 * whole or through its {@link compoundParts}, so a compound never demands more than its parts, and
 * a word the dictionary does not know also through its {@link recallGrams}.
 */
export function segmentQuery(text: string): readonly string[] {
  return memos.queryWords.get(text, () => {
    const tokens = segmenter()
      .cut(normalizeText(text), true)
      .filter(isMeaningful)
      .map((token) => token.toLowerCase());
    return Object.freeze([...new Set(withoutStopWords(tokens))]);
  });
}

/**
 * The shortest cover of a word by the longest smaller words jieba knows inside it
 * (知识产权质押融资 → 知识产权/质押/融资). Lets a query word match a document in which the
 * same characters were segmented differently (申请专利/资助 rather than 申请/专利资助). Empty when
 * the word has no smaller words.
 */
export function compoundParts(word: string): readonly string[] {
  return memos.compoundParts.get(word, () => {
    if ([...word].length <= 2) return NONE;
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
    return meaningful.length > 1 && meaningful.some((part) => [...part].length > 1) ? Object.freeze(meaningful) : NONE;
  });
}
