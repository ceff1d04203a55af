/**
 * Snippets and highlighted questions, shared by every search engine so they answer identically.
 * Computed in the application rather than by an engine's highlighter because the indexed text is the
 * normalised (Simplified) copy: a highlighter would return Simplified fragments of a Traditional
 * document, while the ports promise the original characters inside `<mark>`. The query words are
 * found in the normalised text, which has the original's UTF-16 length character for character,
 * and painted onto the original by offset.
 */
import { escapeHtml, HTML_ESCAPES } from './markup-escape.js';
import { compoundParts } from './segmenter.js';
import { normalizeText } from './text-normalizer.js';

const POLICY_SNIPPET_WIDTH = 120;
const FAQ_SNIPPET_WIDTH = 100;
/** Bounds the work on a very long body full of a common query word. */
const MAX_SNIPPET_OCCURRENCES = 2_000;

/** The HTML escape of a character `escapeHtml` escapes, by UTF-16 code; undefined for any other. */
const ESCAPE_BY_CODE: (string | undefined)[] = [];
for (const [char, escaped] of Object.entries(HTML_ESCAPES)) ESCAPE_BY_CODE[char.charCodeAt(0)] = escaped;

/** Whether a UTF-16 code unit is one `\s` matches in a JavaScript regular expression. */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  // Han characters, most of a policy text, are past every other space.
  if (code > 0x3000) return code === 0xfeff;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/**
 * `escapeHtml(text.slice(from, to).replace(/\s+/g, ' '))` appended to `html`, in one pass over the
 * character codes. A snippet is built from a dozen short pieces of the body, and two regular
 * expressions (or a slice) per piece cost more than the scan.
 */
function appendDisplayText({ html, text, from, to }: { html: string; text: string; from: number; to: number }): string {
  let out = html;
  let kept = from;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    const escaped = code < ESCAPE_BY_CODE.length ? ESCAPE_BY_CODE[code] : undefined;
    if (escaped !== undefined) {
      out += text.slice(kept, i) + escaped;
      kept = i + 1;
      continue;
    }
    if (!isSpace(code)) continue;
    let end = i + 1;
    while (end < to && isSpace(text.charCodeAt(end))) end += 1;
    // A single plain space is already what the run becomes.
    if (end > i + 1 || code !== 0x20) {
      out += text.slice(kept, i) + ' ';
      kept = end;
    }
    i = end - 1;
  }
  return kept < to ? out + text.slice(kept, to) : out;
}

/** One alternation per set of terms, longest first, kept for the sets asked most recently. */
const KEPT_PATTERNS = 64;

interface TermPattern {
  pattern: RegExp;
  /** Term indexes, longest term first. */
  longestFirst: number[];
}

const patterns = new Map<string, TermPattern>();

function termPattern(terms: readonly string[]): TermPattern {
  const key = terms.join('\u0000');
  const kept = patterns.get(key);
  if (kept) return kept;
  // Stable, so of two equal terms the first is the one reported.
  const longestFirst = terms.map((_, index) => index).filter((index) => (terms[index] ?? '').length > 0).sort((a, b) => (terms[b] ?? '').length - (terms[a] ?? '').length);
  // An alternation tries its branches in order, so longest first makes each match the longest term there.
  const branches = longestFirst.map((index) => (terms[index] ?? '').replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  const made = { pattern: new RegExp(branches.length > 0 ? branches.join('|') : '(?!)', 'g'), longestFirst };
  patterns.set(key, made);
  if (patterns.size > KEPT_PATTERNS) patterns.delete(patterns.keys().next().value ?? key);
  return made;
}

/**
 * The disjoint occurrences found, in reused typed arrays: snippets are made synchronously, one at
 * a time, and a search page makes twenty, so arrays and match objects per occurrence were most of
 * the garbage a search left behind.
 */
class OccurrenceScratch {
  starts: Int32Array = new Int32Array(256);
  ends: Int32Array = new Int32Array(256);
  terms: Int32Array = new Int32Array(256);
  private perTerm: Int32Array = new Int32Array(16);

  /** A count per term, all zero, for `termCount` terms. */
  termCounts(termCount: number): Int32Array {
    if (this.perTerm.length < termCount) this.perTerm = new Int32Array(termCount);
    this.perTerm.fill(0, 0, termCount);
    return this.perTerm;
  }

  /** Positional: runs for every occurrence. */
  push(count: number, start: number, end: number, term: number): void {
    if (count >= this.starts.length) {
      const grow = (array: Int32Array): Int32Array => {
        const grown = new Int32Array(array.length * 2);
        grown.set(array);
        return grown;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.terms = grow(this.terms);
    }
    this.starts[count] = start;
    this.ends[count] = end;
    this.terms[count] = term;
  }
}

const scratch = new OccurrenceScratch();

/**
 * The occurrences of the terms from left to right into `scratch`, each the longest term starting
 * at the first position not inside the previous one; returns how many. One pass of one compiled
 * alternation: `test` finds where the match ends without building a match array, and the term is
 * the longest ending there that starts after the previous match (a longer one starting earlier
 * would have been the leftmost match).
 */
function findOccurrences({ haystack, terms }: { haystack: string; terms: readonly string[] }): number {
  const { pattern, longestFirst } = termPattern(terms);
  let count = 0;
  let previousEnd = 0;
  pattern.lastIndex = 0;
  while (count < MAX_SNIPPET_OCCURRENCES && pattern.test(haystack)) {
    const end = pattern.lastIndex;
    for (const term of longestFirst) {
      const text = terms[term] ?? '';
      const start = end - text.length;
      if (start < previousEnd || !haystack.startsWith(text, start)) continue;
      scratch.push(count, start, end, term);
      count += 1;
      break;
    }
    previousEnd = end;
  }
  return count;
}

/** Counts one occurrence of a term in or out of the window; returns the change in distinct terms. Positional: runs per occurrence. */
function tally(perTerm: Int32Array, term: number, delta: 1 | -1): number {
  const before = perTerm[term] ?? 0;
  const after = before + delta;
  perTerm[term] = after;
  if (delta > 0) return before === 0 ? 1 : 0;
  return after === 0 ? -1 : 0;
}

/**
 * The first window holding the most distinct query words, then the most occurrences, over the
 * `count` occurrences in `scratch`. One pass: the window slides keeping a count per word.
 */
function bestWindow({ count, termCount }: { count: number; termCount: number }): { first: number; last: number } {
  const { starts, ends, terms } = scratch;
  const perTerm = scratch.termCounts(termCount);
  let distinct = 0;
  let bestFirst = 0;
  let bestLast = 0;
  let bestScore = -1;
  // The window is occurrences[first..last]; empty while last < first.
  let last = -1;
  for (let first = 0; first < count; first++) {
    const start = starts[first] ?? 0;
    if (last < first) {
      last = first;
      distinct += tally(perTerm, terms[first] ?? 0, 1);
    }
    while (last + 1 < count && (ends[last + 1] ?? Infinity) <= start + POLICY_SNIPPET_WIDTH) {
      last += 1;
      distinct += tally(perTerm, terms[last] ?? 0, 1);
    }
    const score = distinct * 10_000 + (last - first + 1);
    if (score > bestScore) {
      bestFirst = first;
      bestLast = last;
      bestScore = score;
    }
    distinct += tally(perTerm, terms[first] ?? 0, -1);
  }
  return { first: bestFirst, last: bestLast };
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}

function windowBounds({ length, from, to }: { length: number; from: number; to: number }): { start: number; end: number } {
  const slack = Math.max(0, POLICY_SNIPPET_WIDTH - (to - from));
  let start = Math.max(0, from - Math.min(Math.floor(slack / 2), 30));
  const end = Math.min(length, Math.max(to, start + POLICY_SNIPPET_WIDTH));
  start = Math.max(0, Math.min(start, end - POLICY_SNIPPET_WIDTH));
  return { start, end };
}

function leadingSnippet(body: string): string {
  const text = body.trimStart();
  let end = Math.min(text.length, POLICY_SNIPPET_WIDTH);
  if (end < text.length && isLowSurrogate(text, end)) end += 1;
  const html = appendDisplayText({ html: '', text, from: 0, to: end });
  return end < text.length ? `${html}…` : html;
}

/** An HTML-escaped excerpt of a policy body around the densest window of query terms. */
export function policySnippet({ body, terms, normalizedBody = normalizeText(body) }: { body: string; terms: readonly string[]; normalizedBody?: string }): string {
  if (terms.length === 0 || normalizedBody.length !== body.length) return leadingSnippet(body);
  const count = findOccurrences({ haystack: normalizedBody, terms });
  if (count === 0) return leadingSnippet(body);
  const { first, last } = bestWindow({ count, termCount: terms.length });
  const from = scratch.starts[first] ?? 0;
  const to = scratch.ends[last] ?? from;
  let { start, end } = windowBounds({ length: body.length, from, to });
  if (start > 0 && isLowSurrogate(body, start)) start -= 1;
  if (end < body.length && isLowSurrogate(body, end)) end += 1;
  let html = start > 0 ? '…' : '';
  let cursor = start;
  for (let i = first; i <= last; i++) {
    const markStart = scratch.starts[i] ?? cursor;
    let markEnd = scratch.ends[i] ?? markStart;
    // Occurrences that touch are painted as one mark.
    while (i < last && scratch.starts[i + 1] === markEnd) {
      i += 1;
      markEnd = scratch.ends[i] ?? markEnd;
    }
    html = `${appendDisplayText({ html, text: body, from: cursor, to: markStart })}<mark>`;
    html = `${appendDisplayText({ html, text: body, from: markStart, to: markEnd })}</mark>`;
    cursor = markEnd;
  }
  html = appendDisplayText({ html, text: body, from: cursor, to: end });
  return end < body.length ? `${html}…` : html;
}

/** Escapes `text` and wraps every occurrence of a term (found in its folded form) in `<mark>`. */
export function markTerms({ text, terms }: { text: string; terms: readonly string[] }): string {
  const folded = normalizeText(text);
  if (terms.length === 0 || folded.length !== text.length) return escapeHtml(text);
  const count = findOccurrences({ haystack: folded, terms });
  let html = '';
  let cursor = 0;
  for (let i = 0; i < count; i++) {
    const start = scratch.starts[i] ?? cursor;
    const end = scratch.ends[i] ?? start;
    html += `${escapeHtml(text.slice(cursor, start))}<mark>${escapeHtml(text.slice(start, end))}</mark>`;
    cursor = end;
  }
  return (html + escapeHtml(text.slice(cursor))).replaceAll('</mark><mark>', '');
}

/** An excerpt of a FAQ answer starting a little before the first term. */
export function faqSnippet({ text, terms }: { text: string; terms: readonly string[] }): string {
  const flat = text.replace(/\s+/g, ' ');
  const folded = normalizeText(flat);
  const first = terms.map((term) => folded.indexOf(term)).filter((at) => at >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, Math.min(first - 20, flat.length - FAQ_SNIPPET_WIDTH));
  const end = Math.min(flat.length, start + FAQ_SNIPPET_WIDTH);
  return `${start > 0 ? '…' : ''}${markTerms({ text: flat.slice(start, end), terms })}${end < flat.length ? '…' : ''}`;
}

/**
 * What to paint in snippets: the words and their parts of two or more characters (a lone 级 would
 * light up half the body), longest first, whichever engine found the document.
 */
export function highlightTerms(words: readonly string[]): string[] {
  const terms = new Set<string>();
  for (const word of words) {
    terms.add(word);
    for (const part of compoundParts(word)) if ([...part].length > 1) terms.add(part);
  }
  return [...terms].sort((a, b) => b.length - a.length);
}
