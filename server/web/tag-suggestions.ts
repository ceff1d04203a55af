import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import type { Taxonomy } from '../services/taxonomy.js';
import { segmentForIndex } from '../text/segmenter.js';
import { normalizeText } from '../text/text-normalizer.js';

/** Where a suggested tag goes in the editor: who the policy applies to, or what it is about. */
export type SuggestionTarget = 'criteria' | 'tags';

export interface TagSuggestion {
  tagId: string;
  label: string;
  dimension: DimensionId;
  target: SuggestionTarget;
  /** The label or synonym found in the text. */
  term: string;
  inTitle: boolean;
  /** Occurrences in the body. */
  inBody: number;
  /** For ranking: occurrences, a term in the title counting three times. */
  weight: number;
}

/**
 * Dimensions a text reveals. Region, qualification, enterprise type, size and stage named in a
 * policy usually say whom it applies to; need, policy type, kind of IP and industry what it is about.
 * The issuer level has its own field.
 */
const TARGETS: Partial<Record<DimensionId, SuggestionTarget>> = {
  region: 'criteria',
  qualification: 'criteria',
  subject_type: 'criteria',
  size: 'criteria',
  stage: 'criteria',
  need: 'tags',
  policy_type: 'tags',
  ip_type: 'tags',
  industry: 'tags',
};

/** A document names its own type in its title (…办法, …细则, …通知); the body mentions others in passing. */
const TITLE_ONLY: ReadonlySet<DimensionId> = new Set(['policy_type']);

const TITLE_WEIGHT = 3;
const MAX_SUGGESTIONS = 15;

function counts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const word of segmentForIndex(text)) out.set(word, (out.get(word) ?? 0) + 1);
  return out;
}

function occurrences({ text, term }: { text: string; term: string }): number {
  let n = 0;
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + term.length)) n += 1;
  return n;
}

/**
 * Tags whose label or synonym appears in the title or body. Words are matched against the
 * segmented text (labels are dictionary words, so 高新技术企业 is one token and 区 inside 园区 is
 * not a hit); a longer term the segmenter split differently is still found in the plain text.
 * When a tag and one of its ancestors both match, only the more specific one is suggested: the
 * ancestor is implied.
 */
export function suggestTags({ title, body, taxonomy }: { title: string; body: string; taxonomy: Taxonomy }): TagSuggestion[] {
  const titleText = normalizeText(title).toLowerCase();
  const bodyText = normalizeText(body).toLowerCase();
  if (!titleText && !bodyText) return [];
  const titleWords = counts(titleText);
  const bodyWords = counts(bodyText);
  const found = new Map<string, TagSuggestion>();
  for (const tag of taxonomy.tags) {
    const target = TARGETS[tag.dimension];
    if (!target || tag.deprecated) continue;
    let best: { term: string; weight: number; inTitle: boolean; inBody: number } | null = null;
    for (const raw of [tag.label, ...tag.synonyms]) {
      const term = normalizeText(raw).toLowerCase().trim();
      if ([...term].length < 2) continue;
      const long = [...term].length >= 4;
      const inTitle = (titleWords.get(term) ?? 0) || (long ? occurrences({ text: titleText, term }) : 0);
      const inBody = TITLE_ONLY.has(tag.dimension) ? 0 : (bodyWords.get(term) ?? 0) || (long ? occurrences({ text: bodyText, term }) : 0);
      const weight = inTitle * TITLE_WEIGHT + inBody;
      if (weight > 0 && (!best || weight > best.weight)) best = { term: raw, weight, inTitle: inTitle > 0, inBody };
    }
    if (best) found.set(tag.id, { tagId: tag.id, label: tag.label, dimension: tag.dimension, target, ...best });
  }
  const implied = new Set([...found.keys()].flatMap((id) => taxonomy.ancestors(id)));
  return [...found.values()]
    .filter((s) => !implied.has(s.tagId))
    .sort((a, b) => b.weight - a.weight || a.label.localeCompare(b.label, 'zh-CN'))
    .slice(0, MAX_SUGGESTIONS);
}
