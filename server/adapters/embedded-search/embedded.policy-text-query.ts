/** A search query as FTS5 expressions: each word whole or through its parts, plus a bigram phrase for recall. */
import { highlightTerms } from '../../text/highlight.js';
import { compoundParts, recallGrams, segmentQuery } from '../../text/segmenter.js';

// ---------------------------------------------------------------------------------------------
// Query text

/** One query word as FTS5 syntax: the word whole, or all of its parts. */
export interface WordGroup {
  word: string;
  expression: string;
  phrases: number;
  /** The smaller words the word also matches through, all of them together; empty when none. */
  parts: readonly string[];
  /** Bigram phrase for the recall table, when the word index alone can miss the word. */
  grams: string | null;
}

export interface TextQuery {
  groups: WordGroup[];
  /** Normalised words to paint in the snippet, longest first. */
  highlightTerms: string[];
}

/** A double-quoted FTS5 string is always a plain phrase, whatever it contains. */
export function quote(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

/** A word matches whole, or through all of its parts when the document was segmented differently. */
export function wordGroup(word: string): WordGroup {
  const parts = compoundParts(word);
  const bigrams = recallGrams(word);
  // A quoted string of several bigrams is a phrase: the bigrams one after another, i.e. the word.
  const grams = bigrams.length > 0 ? quote(bigrams.join(' ')) : null;
  if (parts.length === 0) return { word, expression: quote(word), phrases: 1, parts, grams };
  return { word, expression: `(${quote(word)} OR (${parts.map(quote).join(' AND ')}))`, phrases: 1 + parts.length, parts, grams };
}

export function parseTextQuery(q: string | undefined): TextQuery | null {
  if (!q || q.trim() === '') return null;
  const words = segmentQuery(q);
  if (words.length === 0) return null;
  return { groups: words.map(wordGroup), highlightTerms: highlightTerms(words) };
}
