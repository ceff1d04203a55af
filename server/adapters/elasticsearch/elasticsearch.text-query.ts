/**
 * Full-text queries shared by policy and FAQ search, built from the same query words as the
 * embedded engine (`segmentQuery`: normalised, stop words removed), so both engines agree on what
 * a query asks for:
 * - every word must match (AND), and when no document holds them all, any word (OR); the caller
 *   decides which, from a count over the text alone, as the embedded engine does;
 * - a word matches as a phrase in any text field, or through all of its compound parts
 *   (知识产权质押融资 → 知识产权/质押/融资) where the text put other characters between them.
 *
 * Phrase queries over the bigram analysis find a word inside longer words (张江 in 张江科学城),
 * which the embedded engine gets from its bigram recall table. Field boosts are the embedded bm25
 * column weights; a field's `.cjk` recall subfield (plugin analyzers only) counts for less, so a
 * match on the plugin's own word boundaries ranks first.
 */
import type { estypes } from '@elastic/elasticsearch';
import { compoundParts, segmentQuery } from '../../text/segmenter.js';
import type { AnalyzerChoice } from './elasticsearch.mappings.js';

/** Share of a field's weight given to its `.cjk` recall subfield. */
export const RECALL_SUBFIELD_WEIGHT = 0.5;

export interface WeightedField {
  field: string;
  boost: number;
}

export type TextMode = 'all' | 'any';

/** The fields a word is looked up in: each text column, and its recall subfield under a plugin analyzer. */
export function weightedTextFields({ weights, analyzer }: { weights: Readonly<Record<string, number>>; analyzer: AnalyzerChoice }): WeightedField[] {
  return Object.entries(weights).flatMap(([column, boost]) => {
    const field = `text.${column}`;
    return analyzer === 'cjk' ? [{ field, boost }] : [{ field, boost }, { field: `${field}.cjk`, boost: boost * RECALL_SUBFIELD_WEIGHT }];
  });
}

/** The text in any of the fields, as a phrase; scores add up over the fields it is found in. */
function phraseInAnyField({ text, fields }: { text: string; fields: readonly WeightedField[] }): estypes.QueryDslQueryContainer {
  return {
    bool: {
      should: fields.map(({ field, boost }) => ({ match_phrase: { [field]: { query: text, boost } } })),
      minimum_should_match: 1,
    },
  };
}

/** One query word: whole, or all of its parts. */
export function wordQuery({ word, fields }: { word: string; fields: readonly WeightedField[] }): estypes.QueryDslQueryContainer {
  const whole = phraseInAnyField({ text: word, fields });
  const parts = compoundParts(word);
  if (parts.length === 0) return whole;
  return {
    bool: {
      should: [whole, { bool: { must: parts.map((part) => phraseInAnyField({ text: part, fields })) } }],
      minimum_should_match: 1,
    },
  };
}

/** Every word (`all`) or at least one (`any`); scoring, so the words' scores add up as bm25's do. */
export function textQuery({ words, fields, mode }: { words: readonly string[]; fields: readonly WeightedField[]; mode: TextMode }): estypes.QueryDslQueryContainer {
  const clauses = words.map((word) => wordQuery({ word, fields }));
  return mode === 'all' ? { bool: { must: clauses } } : { bool: { should: clauses, minimum_should_match: 1 } };
}

/** The query's words, or null when it has none worth searching (only punctuation, say). */
export function queryWords(q: string | undefined): readonly string[] | null {
  if (q === undefined || q.trim() === '') return null;
  const words = segmentQuery(q);
  return words.length > 0 ? words : null;
}
