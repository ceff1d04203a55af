import { normalizeText } from './text-normalizer.js';

/**
 * How closely a FAQ's question is worded like a plain-language query, shared by every engine so
 * FAQ ranking is the same whatever answers the search.
 *
 * bm25 alone cannot rank a plain question: its content words (专利资助) are in most FAQs of the
 * policy and get almost no weight, while the words that carry the intent (能不能申请, 多少, 哪些材料)
 * are stop words. Character bigrams of the whole query, stop words included, capture that intent.
 */

/** Share of the final score taken by the wording comparison; the rest is the engine's text relevance. */
export const WORDING_WEIGHT = 0.6;

/** Everyday words for the things FAQs name formally, for the wording comparison only. */
const PLAIN_WORDS: readonly [RegExp, string][] = [
  [/我们公司|本公司|我司|公司/g, '企业'],
  [/咋|怎么样/g, '怎么'],
];

export function wordingBigrams(text: string): Map<string, number> {
  let folded = normalizeText(text);
  for (const [pattern, replacement] of PLAIN_WORDS) folded = folded.replace(pattern, replacement);
  const chars = [...folded.replace(/[\s\p{P}\p{S}]/gu, '')];
  const grams = new Map<string, number>();
  for (let i = 0; i + 1 < chars.length; i++) {
    const gram = `${chars[i]}${chars[i + 1]}`;
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/** Sørensen–Dice coefficient over bigram multisets: 1 for the same wording, 0 for nothing shared. */
export function dice(a: Map<string, number>, b: Map<string, number>): number {
  let common = 0;
  let total = 0;
  for (const [gram, count] of a) {
    common += Math.min(count, b.get(gram) ?? 0);
    total += count;
  }
  for (const count of b.values()) total += count;
  return total === 0 ? 0 : (2 * common) / total;
}
