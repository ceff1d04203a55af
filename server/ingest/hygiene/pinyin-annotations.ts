import { normalizeText } from '../../text/text-normalizer.js';
import { hasTone, isPinyinWord } from './pinyin.js';

/**
 * A Han character followed by a bracketed reading: 知(zhī), 识（shí）, 产(chan3), 权( quán ).
 * Matched on the normalised line (full-width brackets and letters already folded, same length),
 * so offsets apply to the original line.
 */
const ANNOTATION_RE = /(\p{Script=Han})\(\s*([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ1-5]+(?:\s+[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ1-5]+)*)\s*\)/gu;

/** Fewest toneless annotations on one line before they are trusted as annotations (知(zhi)识(shi)产(chan)). */
const TONELESS_RUN = 3;

export interface PinyinStripResult {
  text: string;
  /** The annotations removed, as they stood in the line. */
  removed: string[];
}

/**
 * Strips bracketed pinyin readings injected after characters. A reading must be pinyin syllable by
 * syllable; toned readings are always removed, toneless ones only when a line carries several
 * (one `(an)` after a character is too weak a sign). Parenthetical Chinese such as （2019年修订）
 * or Latin such as (PCT) never matches.
 */
export function stripPinyinAnnotations({ line, normalized = normalizeText(line) }: { line: string; normalized?: string }): PinyinStripResult {
  // Cheap exit: no bracket, no annotation (most lines of a clean document).
  if (!normalized.includes('(')) return { text: line, removed: [] };
  const spans: { start: number; end: number; toned: boolean }[] = [];
  for (const m of normalized.matchAll(ANNOTATION_RE)) {
    const start = (m.index ?? 0) + (m[1] ?? '').length;
    // The reading as written (case kept, so WIPO stays an acronym), full-width letters folded.
    const reading = line.slice(start, start + m[0].length - (m[1] ?? '').length).replace(/[\uFF01-\uFF5E]/gu, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0));
    const words = reading.replace(/^\(\s*|\s*\)$/gu, '').split(/\s+/u);
    if (!words.every((word) => isPinyinWord(word))) continue;
    spans.push({ start, end: (m.index ?? 0) + m[0].length, toned: words.some((word) => hasTone(word)) });
  }
  const toneless = spans.filter((span) => !span.toned).length;
  const kept = spans.filter((span) => span.toned || toneless >= TONELESS_RUN);
  if (kept.length === 0) return { text: line, removed: [] };

  let text = '';
  let from = 0;
  const removed: string[] = [];
  for (const span of kept) {
    text += line.slice(from, span.start);
    removed.push(line.slice(span.start, span.end));
    from = span.end;
  }
  return { text: text + line.slice(from), removed };
}
