import type { DiffSegment } from '../../schemas/interpretation.schema.js';
import { segmentForIndex } from '../text/segmenter.js';
import { normalizeText } from '../text/text-normalizer.js';

/** Above this many token pairs the middle of a diff is compared sentence by sentence instead. */
const MAX_CELLS = 4_000_000;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Splits a text into words that concatenate back to it exactly. The engine's index segmentation
 * emits every word of a text together with its parts, so taking the longest of its words at each
 * position rebuilds jieba's own partition; characters it dropped (punctuation, spaces) stand alone.
 */
export function diffTokens(text: string): string[] {
  if (text === '') return [];
  const normalized = normalizeText(text);
  // normalizeText keeps the UTF-16 length, so offsets in the folded text are offsets in the original.
  const aligned = normalized.length === text.length ? normalized.toLowerCase() : text.toLowerCase();
  const vocabulary = new Set(segmentForIndex(text).filter((token) => token.length > 1));
  let longest = 1;
  for (const word of vocabulary) longest = Math.max(longest, word.length);
  const tokens: string[] = [];
  let at = 0;
  while (at < text.length) {
    let take = isHighSurrogate(text.charCodeAt(at)) ? 2 : 1;
    for (let length = Math.min(longest, text.length - at); length > take; length--) {
      if (vocabulary.has(aligned.slice(at, at + length))) {
        take = length;
        break;
      }
    }
    tokens.push(text.slice(at, at + take));
    at += take;
  }
  return tokens;
}

function push(segments: DiffSegment[], op: DiffSegment['op'], text: string): void {
  if (text === '') return;
  const last = segments[segments.length - 1];
  if (last && last.op === op) last.text += text;
  else segments.push({ op, text });
}

/** Longest common subsequence over tokens, as equal / delete / insert runs. */
function lcsDiff({ before, after, segments }: { before: string[]; after: string[]; segments: DiffSegment[] }): void {
  const n = before.length;
  const m = after.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[at(i, j)] =
        before[i] === after[j] ? (table[at(i + 1, j + 1)] ?? 0) + 1 : Math.max(table[at(i + 1, j)] ?? 0, table[at(i, j + 1)] ?? 0);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      push(segments, 'equal', before[i] ?? '');
      i += 1;
      j += 1;
    } else if ((table[at(i + 1, j)] ?? 0) >= (table[at(i, j + 1)] ?? 0)) {
      push(segments, 'delete', before[i] ?? '');
      i += 1;
    } else {
      push(segments, 'insert', after[j] ?? '');
      j += 1;
    }
  }
  for (; i < n; i++) push(segments, 'delete', before[i] ?? '');
  for (; j < m; j++) push(segments, 'insert', after[j] ?? '');
}

function sentences(tokens: string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const token of tokens) {
    current += token;
    if (/[。；;！？!?\n]$/u.test(token)) {
      out.push(current);
      current = '';
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/**
 * Word-level changes between two texts: common head and tail first (most amendments touch a few
 * words), then an LCS over the segmented middle.
 */
export function wordDiff({ before, after }: { before: string; after: string }): DiffSegment[] {
  const a = diffTokens(before);
  const b = diffTokens(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const segments: DiffSegment[] = [];
  push(segments, 'equal', a.slice(0, head).join(''));
  let middleA = a.slice(head, a.length - tail);
  let middleB = b.slice(head, b.length - tail);
  if (middleA.length * middleB.length > MAX_CELLS) {
    middleA = sentences(middleA);
    middleB = sentences(middleB);
  }
  if (middleA.length * middleB.length > MAX_CELLS) {
    push(segments, 'delete', middleA.join(''));
    push(segments, 'insert', middleB.join(''));
  } else {
    lcsDiff({ before: middleA, after: middleB, segments });
  }
  push(segments, 'equal', a.slice(a.length - tail).join(''));
  return segments;
}
