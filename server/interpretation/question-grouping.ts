import { compoundParts, segmentQuery } from '../text/segmenter.js';

/**
 * Grouping questions that ask the same thing. Two questions are compared by the words they share,
 * weighted by length (a four-character term says more than a two-character one). Words of the
 * policy's own title are discounted: on the page of 专利资助办法 nearly every question mentions
 * 专利资助, and without the discount "how do I apply" and "which materials" would look alike.
 */

const SAME_QUESTION = 0.6;
const TOPIC_WEIGHT = 0.3;
/** Halves of "能不能", "是不是" that the segmenter leaves behind: they ask, they do not say what. */
const ASKING_WORDS = new Set(['不能', '不可以', '可不可以', '是不是', '有没有', '行不行']);
/** Who is asking, on a platform for enterprises: weighs like the policy topic, not like the question. */
const ASKER_WORDS = ['企业', '单位', '公司'];

/** Terms weighted down for a policy: its title's words and the asker's. */
export function topicTerms(title: string): Set<string> {
  return new Set([...questionTerms(title), ...ASKER_WORDS]);
}

/** Content words of a text and their parts, normalised, without stop words. */
export function questionTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const word of segmentQuery(text)) {
    if (ASKING_WORDS.has(word)) continue;
    terms.add(word);
    for (const part of compoundParts(word)) if ([...part].length > 1) terms.add(part);
  }
  return [...terms].sort();
}

export function termSimilarity({ a, b, topic }: { a: readonly string[]; b: readonly string[]; topic: ReadonlySet<string> }): number {
  const weight = (term: string) => [...term].length * (topic.has(term) ? TOPIC_WEIGHT : 1);
  const setB = new Set(b);
  let shared = 0;
  let total = 0;
  for (const term of a) {
    total += weight(term);
    if (setB.has(term)) shared += weight(term);
  }
  for (const term of b) total += weight(term);
  return total === 0 ? 0 : (2 * shared) / total;
}

/** The group a question belongs to, or null for a new one: the most similar above the threshold. */
export function chooseGroup<G extends { terms: readonly string[] }>({ terms, groups, topic }: { terms: readonly string[]; groups: readonly G[]; topic: ReadonlySet<string> }): G | null {
  let best: G | null = null;
  let bestScore = SAME_QUESTION;
  for (const group of groups) {
    const score = termSimilarity({ a: terms, b: group.terms, topic });
    if (score >= bestScore) {
      best = group;
      bestScore = score;
    }
  }
  return best;
}
