/**
 * Snippets and highlighted questions, shared by every search engine so they answer identically.
 * Computed in the application rather than by an engine's highlighter because the indexed text is the
 * normalised (Simplified) copy: a highlighter would return Simplified fragments of a Traditional
 * document, while the ports promise the original characters inside `<mark>`. The query words are
 * found in the normalised text, which has the original's UTF-16 length character for character,
 * and painted onto the original by offset.
 */
import { compoundParts } from './segmenter.js';
import { normalizeText } from './text-normalizer.js';

const POLICY_SNIPPET_WIDTH = 120;
const FAQ_SNIPPET_WIDTH = 100;
/** Bounds the work on a very long body full of a common query word. */
const MAX_SNIPPET_OCCURRENCES = 2_000;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function displayText(text: string): string {
  return escapeHtml(text.replace(/\s+/g, ' '));
}

/** Disjoint occurrences of the query terms in order, as parallel arrays. */
interface Occurrences {
  starts: number[];
  ends: number[];
  /** Index into the terms. */
  terms: number[];
}

/** One alternation per set of terms, longest first, kept for the sets asked most recently. */
const KEPT_PATTERNS = 64;
const patterns = new Map<string, { pattern: RegExp; termAt: Map<string, number> }>();

function termPattern(terms: readonly string[]): { pattern: RegExp; termAt: Map<string, number> } {
  const key = terms.join('\u0000');
  const kept = patterns.get(key);
  if (kept) return kept;
  const termAt = new Map<string, number>();
  terms.forEach((term, index) => {
    if (term.length > 0 && !termAt.has(term)) termAt.set(term, index);
  });
  // An alternation tries its branches in order, so longest first makes each match the longest term there.
  const branches = [...termAt.keys()].sort((a, b) => b.length - a.length).map((term) => term.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  const made = { pattern: new RegExp(branches.join('|'), 'g'), termAt };
  patterns.set(key, made);
  if (patterns.size > KEPT_PATTERNS) patterns.delete(patterns.keys().next().value ?? key);
  return made;
}

/**
 * The occurrences of the terms from left to right, each the longest term starting at the first
 * position not inside the previous one: one pass of one compiled alternation over the text, as a
 * search page paints twenty of these per request.
 */
function findOccurrences({ haystack, terms }: { haystack: string; terms: readonly string[] }): Occurrences {
  const found: Occurrences = { starts: [], ends: [], terms: [] };
  const { pattern, termAt } = termPattern(terms);
  if (termAt.size === 0) return found;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(haystack); match !== null && found.starts.length < MAX_SNIPPET_OCCURRENCES; match = pattern.exec(haystack)) {
    found.starts.push(match.index);
    found.ends.push(match.index + match[0].length);
    found.terms.push(termAt.get(match[0]) ?? 0);
  }
  return found;
}

/**
 * The first window holding the most distinct query words, then the most occurrences. One pass: the
 * window slides over the occurrences keeping a count per word, as a search page computes twenty of
 * these per request.
 */
function bestWindow({ occurrences, termCount }: { occurrences: Occurrences; termCount: number }): { first: number; last: number } {
  const { starts, ends, terms } = occurrences;
  const count = starts.length;
  const perTerm = new Int32Array(termCount);
  let distinct = 0;
  const add = (at: number): void => {
    const term = terms[at] ?? 0;
    const held = perTerm[term] ?? 0;
    if (held === 0) distinct += 1;
    perTerm[term] = held + 1;
  };
  const drop = (at: number): void => {
    const term = terms[at] ?? 0;
    const held = (perTerm[term] ?? 0) - 1;
    if (held === 0) distinct -= 1;
    perTerm[term] = held;
  };
  let best = { first: 0, last: 0, score: -1 };
  // The window is occurrences[first..last]; empty while last < first.
  let last = -1;
  for (let first = 0; first < count; first++) {
    const start = starts[first] ?? 0;
    if (last < first) {
      last = first;
      add(first);
    }
    while (last + 1 < count && (ends[last + 1] ?? Infinity) <= start + POLICY_SNIPPET_WIDTH) {
      last += 1;
      add(last);
    }
    const score = distinct * 10_000 + (last - first + 1);
    if (score > best.score) best = { first, last, score };
    drop(first);
  }
  return best;
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
  return displayText(text.slice(0, end)) + (end < text.length ? '…' : '');
}

/** An HTML-escaped excerpt of a policy body around the densest window of query terms. */
export function policySnippet({ body, terms, normalizedBody = normalizeText(body) }: { body: string; terms: readonly string[]; normalizedBody?: string }): string {
  if (terms.length === 0 || normalizedBody.length !== body.length) return leadingSnippet(body);
  const occurrences = findOccurrences({ haystack: normalizedBody, terms });
  if (occurrences.starts.length === 0) return leadingSnippet(body);
  const { first, last } = bestWindow({ occurrences, termCount: terms.length });
  const from = occurrences.starts[first] ?? 0;
  const to = occurrences.ends[last] ?? from;
  let { start, end } = windowBounds({ length: body.length, from, to });
  if (start > 0 && isLowSurrogate(body, start)) start -= 1;
  if (end < body.length && isLowSurrogate(body, end)) end += 1;
  let html = start > 0 ? '…' : '';
  let cursor = start;
  for (let i = first; i <= last; i++) {
    const markStart = occurrences.starts[i] ?? cursor;
    const markEnd = occurrences.ends[i] ?? markStart;
    html += displayText(body.slice(cursor, markStart));
    html += `<mark>${displayText(body.slice(markStart, markEnd))}</mark>`;
    cursor = markEnd;
  }
  html += displayText(body.slice(cursor, end));
  return (html + (end < body.length ? '…' : '')).replaceAll('</mark><mark>', '');
}

/** Escapes `text` and wraps every occurrence of a term (found in its folded form) in `<mark>`. */
export function markTerms({ text, terms }: { text: string; terms: readonly string[] }): string {
  const folded = normalizeText(text);
  if (terms.length === 0 || folded.length !== text.length) return escapeHtml(text);
  const marks: { start: number; end: number }[] = [];
  for (const term of terms) {
    let at = folded.indexOf(term);
    while (at !== -1) {
      marks.push({ start: at, end: at + term.length });
      at = folded.indexOf(term, at + term.length);
    }
  }
  marks.sort((a, b) => a.start - b.start || b.end - a.end);
  let html = '';
  let cursor = 0;
  for (const mark of marks) {
    if (mark.start < cursor) continue;
    html += `${escapeHtml(text.slice(cursor, mark.start))}<mark>${escapeHtml(text.slice(mark.start, mark.end))}</mark>`;
    cursor = mark.end;
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
