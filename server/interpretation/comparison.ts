import type { Article } from '../../schemas/article.schema.js';
import {
  CHANGE_KIND_LABELS,
  type ChangeKind,
  type ComparisonChange,
  type ComparisonNote,
  type ComparisonUnit,
} from '../../schemas/interpretation.schema.js';
import { chineseNumeralToNumber } from '../text/article-parser.js';
import { normalizeText } from '../text/text-normalizer.js';
import { wordDiff } from './word-diff.js';

/**
 * New-vs-old comparison (新旧对照), article by article.
 *
 * Units are aligned by content first and by number second, because numbers are exactly what an
 * amendment disturbs: one inserted article renumbers every later one, and a comparison by number
 * alone would call all of them changed. The steps:
 * 1. an order-preserving alignment that maximises total similarity (a little extra for an equal
 *    number), so renumbered articles pair with their old selves;
 * 2. pairs left out because they cross the alignment are moves;
 * 3. a leftover old article whose text sits inside a new one was merged into it, and a leftover new
 *    article whose text sits inside an old one was split from it;
 * 4. a leftover pair with the same number and some common text was rewritten;
 * 5. the rest are added or removed.
 */

/** Dice similarity over character bigrams needed to pair two articles in order. */
const PAIR_THRESHOLD = 0.45;
/** Out of order, a pair must be clearly the same article to count as moved rather than removed + added. */
const MOVE_THRESHOLD = 0.6;
/** Share of an article's bigrams found in another for it to count as merged into (or split from) it. */
const CONTAINMENT_THRESHOLD = 0.7;
/** Same number, rewritten: enough common text that it is still "that article". */
const REWRITE_THRESHOLD = 0.2;
const SAME_NUMBER_BONUS = 0.1;
/** Beyond this many candidate pairs only a band around the diagonal is scored. */
const FULL_MATRIX_LIMIT = 250_000;
const BAND = 60;
const PREAMBLE_LABEL = '序言';

interface Unit {
  index: number;
  anchor: string;
  label: string;
  path: string;
  /** The unit's number path without chapters and sections (a5, i2-s1): articles number across chapters. */
  numberKey: string;
  text: string;
  /** Text as compared: folded, without spaces. */
  compareText: string;
  bigrams: Map<string, number>;
  bigramCount: number;
}

const REFERENCE = /第([〇零一二两三四五六七八九十百千万0-9０-９]+)条/gu;
const STRIP_FOR_SIMILARITY = /[\s\p{P}\p{S}]/gu;

function fullText(node: Article): string {
  const own = [node.title, node.text].filter((part): part is string => Boolean(part)).join('\n');
  const children = node.children.map((child) => `${child.label}${fullText(child)}`);
  return [own, ...children].filter((part) => part !== '').join('\n');
}

function numberKeyOf(anchor: string): string {
  return anchor
    .split('-')
    .filter((segment) => !/^(c|sec)\d/.test(segment))
    .join('-');
}

function bigramsOf(text: string): { bigrams: Map<string, number>; count: number } {
  const chars = [...text.replace(STRIP_FOR_SIMILARITY, '')];
  const bigrams = new Map<string, number>();
  if (chars.length === 1) bigrams.set(chars[0] ?? '', 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    const gram = `${chars[i]}${chars[i + 1]}`;
    bigrams.set(gram, (bigrams.get(gram) ?? 0) + 1);
  }
  let count = 0;
  for (const value of bigrams.values()) count += value;
  return { bigrams, count };
}

function commonBigrams(a: Unit, b: Unit): number {
  const [small, large] = a.bigrams.size <= b.bigrams.size ? [a, b] : [b, a];
  let common = 0;
  for (const [gram, count] of small.bigrams) common += Math.min(count, large.bigrams.get(gram) ?? 0);
  return common;
}

function similarity(a: Unit, b: Unit): number {
  if (a.compareText === b.compareText) return 1;
  const total = a.bigramCount + b.bigramCount;
  return total === 0 ? 0 : (2 * commonBigrams(a, b)) / total;
}

/** Share of `part`'s text found in `whole`. */
function containment(part: Unit, whole: Unit): number {
  return part.bigramCount === 0 ? 0 : commonBigrams(part, whole) / part.bigramCount;
}

/**
 * The comparable units of a document: articles (with their items), the preamble, and in notices
 * without articles the innermost numbered paragraphs; chapters and bare headings only give context.
 */
export function comparableUnits(articles: readonly Article[]): Omit<Unit, 'index'>[] {
  const units: Omit<Unit, 'index'>[] = [];
  const add = (node: Article, context: string[], text: string, label: string) => {
    const compareText = normalizeText(text).replace(/\s+/g, '');
    if (compareText === '') return;
    const { bigrams, count } = bigramsOf(compareText);
    units.push({ anchor: node.anchor, label, path: context.join(' '), numberKey: numberKeyOf(node.anchor), text, compareText, bigrams, bigramCount: count });
  };
  const visit = (node: Article, context: string[], labelPrefix: string) => {
    const heading = `${node.label}${node.title ? ` ${node.title}` : ''}`.trim();
    if (node.kind === 'chapter' || node.kind === 'section') {
      for (const child of node.children) visit(child, [...context, heading], '');
      return;
    }
    const label = node.kind === 'paragraph' && node.label === '' ? PREAMBLE_LABEL : `${labelPrefix}${node.label}`;
    if (node.kind === 'article' || node.kind === 'paragraph' || node.children.length === 0) {
      add(node, context, fullText(node), label);
      return;
    }
    // An enumeration with children: its own lines (if any) are one unit, each child another.
    const own = [node.title, node.text].filter((part): part is string => Boolean(part)).join('\n');
    if (node.text.trim() !== '') add(node, context, own, label);
    for (const child of node.children) visit(child, [...context, heading], label);
  };
  for (const node of articles) visit(node, [], '');
  return units;
}

function indexed(articles: readonly Article[]): Unit[] {
  return comparableUnits(articles).map((unit, index) => ({ ...unit, index }));
}

/** The highest-scoring order-preserving set of pairs (Needleman–Wunsch without gap costs). */
function monotoneAlignment({ olds, news, score }: { olds: Unit[]; news: Unit[]; score: (o: Unit, n: Unit) => number }): [number, number][] {
  const n = olds.length;
  const m = news.length;
  const banded = n * m > FULL_MATRIX_LIMIT;
  const best = new Float64Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  const pairScore = new Map<number, number>();
  for (let i = 1; i <= n; i++) {
    const centre = Math.round((i * m) / Math.max(n, 1));
    for (let j = 1; j <= m; j++) {
      let value = Math.max(best[at(i - 1, j)] ?? 0, best[at(i, j - 1)] ?? 0);
      if (!banded || Math.abs(j - centre) <= BAND) {
        const s = score(olds[i - 1] as Unit, news[j - 1] as Unit);
        if (s > 0) {
          pairScore.set(at(i, j), s);
          value = Math.max(value, (best[at(i - 1, j - 1)] ?? 0) + s);
        }
      }
      best[at(i, j)] = value;
    }
  }
  const pairs: [number, number][] = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    const here = best[at(i, j)] ?? 0;
    const s = pairScore.get(at(i, j));
    if (s !== undefined && Math.abs(here - ((best[at(i - 1, j - 1)] ?? 0) + s)) < 1e-9) {
      pairs.push([i - 1, j - 1]);
      i -= 1;
      j -= 1;
    } else if (Math.abs(here - (best[at(i - 1, j)] ?? 0)) < 1e-9) {
      i -= 1;
    } else {
      j -= 1;
    }
  }
  return pairs.reverse();
}

function articleNumber(key: string): number | null {
  const match = /^a(\d+)$/.exec(key);
  return match ? Number(match[1]) : null;
}

/**
 * True when two texts differ only in article references that follow the renumbering (第五条 became
 * 第六条 because the article it cites moved from 5 to 6).
 */
function sameUpToReferences({ before, after, renumbering }: { before: string; after: string; renumbering: Map<number, number> }): boolean {
  const split = (text: string) => {
    const literal: string[] = [];
    const numbers: (number | null)[] = [];
    let last = 0;
    for (const match of text.matchAll(REFERENCE)) {
      literal.push(text.slice(last, match.index));
      numbers.push(chineseNumeralToNumber({ numeral: match[1] ?? '' }));
      last = (match.index ?? 0) + match[0].length;
    }
    literal.push(text.slice(last));
    return { literal, numbers };
  };
  const a = split(before);
  const b = split(after);
  if (a.numbers.length === 0 || a.numbers.length !== b.numbers.length) return false;
  if (a.literal.some((part, i) => part !== b.literal[i])) return false;
  return a.numbers.every((number, i) => {
    const next = b.numbers[i];
    return number !== null && next !== null && next !== undefined && (next === number || renumbering.get(number) === next);
  });
}

function unitView(unit: Unit): ComparisonUnit {
  return { anchor: unit.anchor, label: unit.label, path: unit.path, text: unit.text };
}

export function changeKey({ olds, next }: { olds: readonly { anchor: string }[]; next: { anchor: string } | null }): string {
  return `${olds.map((o) => o.anchor).join('+') || '-'}>${next?.anchor ?? '-'}`;
}

interface Draft {
  kind: ChangeKind;
  olds: Unit[];
  next: Unit | null;
  similarity: number;
  merged: boolean;
  split: boolean;
  order: number;
}

export interface ComparisonResult {
  changes: ComparisonChange[];
  summary: Record<ChangeKind, number>;
  orphanNotes: ComparisonNote[];
}

/** Compares two article trees; `notes` are the drafter's, matched to changes by key. */
export function compareArticles({
  before,
  after,
  notes = [],
}: {
  before: readonly Article[];
  after: readonly Article[];
  notes?: readonly ComparisonNote[];
}): ComparisonResult {
  const olds = indexed(before);
  const news = indexed(after);
  const simCache = new Map<number, number>();
  const sim = (o: Unit, n: Unit) => {
    const key = o.index * (news.length + 1) + n.index;
    let value = simCache.get(key);
    if (value === undefined) {
      value = similarity(o, n);
      simCache.set(key, value);
    }
    return value;
  };

  // 1. Order-preserving pairs.
  const aligned = monotoneAlignment({
    olds,
    news,
    score: (o, n) => {
      const s = sim(o, n);
      return s >= PAIR_THRESHOLD ? s + (o.numberKey === n.numberKey ? SAME_NUMBER_BONUS : 0) : 0;
    },
  });
  const oldTaken = new Map<number, Draft>();
  const newTaken = new Map<number, Draft>();
  const drafts: Draft[] = [];
  const take = (draft: Draft) => {
    drafts.push(draft);
    for (const o of draft.olds) oldTaken.set(o.index, draft);
    if (draft.next) newTaken.set(draft.next.index, draft);
  };
  for (const [i, j] of aligned) {
    const o = olds[i] as Unit;
    const n = news[j] as Unit;
    take({ kind: 'modified', olds: [o], next: n, similarity: sim(o, n), merged: false, split: false, order: j });
  }

  // 2. Moves: strong pairs among the leftovers, best first.
  const candidates: { o: Unit; n: Unit; s: number }[] = [];
  for (const o of olds) {
    if (oldTaken.has(o.index)) continue;
    for (const n of news) {
      if (newTaken.has(n.index)) continue;
      const s = sim(o, n);
      if (s >= MOVE_THRESHOLD) candidates.push({ o, n, s });
    }
  }
  candidates.sort((a, b) => b.s - a.s || a.n.index - b.n.index);
  for (const { o, n, s } of candidates) {
    if (oldTaken.has(o.index) || newTaken.has(n.index)) continue;
    take({ kind: 'moved', olds: [o], next: n, similarity: s, merged: false, split: false, order: n.index });
  }

  // 3. Merges (old text now inside a new article) and splits (new text carved out of an old one).
  for (const o of olds) {
    if (oldTaken.has(o.index)) continue;
    let target: Unit | null = null;
    let bestShare = CONTAINMENT_THRESHOLD;
    for (const n of news) {
      const share = containment(o, n);
      if (share >= bestShare && n.bigramCount > o.bigramCount) {
        bestShare = share;
        target = n;
      }
    }
    if (!target) continue;
    const draft = newTaken.get(target.index);
    if (!draft) {
      // The new article grew around this old one.
      take({ kind: 'modified', olds: [o], next: target, similarity: sim(o, target), merged: false, split: false, order: target.index });
      continue;
    }
    draft.olds.push(o);
    draft.olds.sort((a, b) => a.index - b.index);
    draft.merged = true;
    oldTaken.set(o.index, draft);
  }
  for (const n of news) {
    if (newTaken.has(n.index)) continue;
    let source: Unit | null = null;
    let bestShare = CONTAINMENT_THRESHOLD;
    for (const o of olds) {
      const share = containment(n, o);
      if (share >= bestShare && o.bigramCount > n.bigramCount) {
        bestShare = share;
        source = o;
      }
    }
    if (source) take({ kind: 'modified', olds: [source], next: n, similarity: sim(source, n), merged: false, split: true, order: n.index });
  }

  // 4. Rewritten in place: same number, some common text.
  for (const n of news) {
    if (newTaken.has(n.index)) continue;
    const o = olds.find((candidate) => !oldTaken.has(candidate.index) && candidate.numberKey === n.numberKey);
    if (o && sim(o, n) >= REWRITE_THRESHOLD) take({ kind: 'modified', olds: [o], next: n, similarity: sim(o, n), merged: false, split: false, order: n.index });
  }

  // 5. Added and removed.
  for (const n of news) {
    if (!newTaken.has(n.index)) take({ kind: 'added', olds: [], next: n, similarity: 0, merged: false, split: false, order: n.index });
  }
  for (const o of olds) {
    if (oldTaken.has(o.index)) continue;
    // A removed article is listed where it stood: after the change of the nearest earlier old article.
    let anchorOrder = -1;
    for (let i = o.index - 1; i >= 0; i--) {
      const earlier = oldTaken.get(i);
      if (earlier && earlier.kind !== 'removed') {
        anchorOrder = earlier.order;
        break;
      }
    }
    take({ kind: 'removed', olds: [o], next: null, similarity: 0, merged: false, split: false, order: anchorOrder + 0.5 + o.index / 1e6 });
  }

  // Where an old article number now lives, for references that follow the renumbering.
  const renumbering = new Map<number, number>();
  for (const draft of drafts) {
    if (!draft.next || draft.olds.length !== 1) continue;
    const from = articleNumber(draft.olds[0]?.numberKey ?? '');
    const to = articleNumber(draft.next.numberKey);
    if (from !== null && to !== null) renumbering.set(from, to);
  }

  const notesByKey = new Map(notes.map((note) => [note.key, note.note]));
  const usedKeys = new Set<string>();
  const changes = drafts
    .sort((a, b) => a.order - b.order)
    .map((draft): ComparisonChange => {
      const beforeText = draft.olds.map((o) => o.text).join('\n');
      const afterText = draft.next?.text ?? '';
      const oldCompare = draft.olds.map((o) => o.compareText).join('');
      const identical = draft.next !== null && draft.olds.length > 0 && oldCompare === draft.next.compareText;
      const referencesRenumbered =
        !identical && draft.next !== null && draft.olds.length === 1 && sameUpToReferences({ before: oldCompare, after: draft.next.compareText, renumbering });
      const textChanged = draft.next !== null && draft.olds.length > 0 && !identical && !referencesRenumbered;
      let kind = draft.kind;
      if (kind === 'modified' && !textChanged && !draft.merged && !draft.split) kind = 'unchanged';
      const renumbered = draft.next !== null && draft.olds.length > 0 && draft.olds.some((o) => o.label !== draft.next?.label);
      const key = changeKey({ olds: draft.olds, next: draft.next });
      usedKeys.add(key);
      return {
        key,
        kind,
        kindLabel: CHANGE_KIND_LABELS[kind],
        old: draft.olds.map(unitView),
        new: draft.next ? unitView(draft.next) : null,
        similarity: Math.round(draft.similarity * 1000) / 1000,
        renumbered,
        referencesRenumbered,
        textChanged,
        merged: draft.merged,
        split: draft.split,
        diff: textChanged ? wordDiff({ before: beforeText, after: afterText }) : null,
        note: notesByKey.get(key) ?? null,
      };
    });
  const summary: Record<ChangeKind, number> = { added: 0, removed: 0, modified: 0, moved: 0, unchanged: 0 };
  for (const change of changes) summary[change.kind] += 1;
  return { changes, summary, orphanNotes: notes.filter((note) => !usedKeys.has(note.key)) };
}
