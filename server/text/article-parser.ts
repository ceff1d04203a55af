import type { Article, ArticleKind } from '../../schemas/article.schema.js';

/**
 * Marker styles are finer than article kinds: "1." and "（1）" are both points,
 * but a document may nest one inside the other, so nesting is tracked per style.
 */
type MarkerStyle = 'chapter' | 'section' | 'article' | 'item' | 'subitem' | 'point' | 'pointParen';

interface Marker {
  style: MarkerStyle;
  label: string;
  value: number | null;
  /** N of "第五十条之N"; such articles are inserted by amendments without renumbering. */
  insertedIndex: number | null;
  rest: string;
}

interface Frame {
  style: MarkerStyle;
  node: Article;
}

const STYLE_KIND: Record<MarkerStyle, ArticleKind> = {
  chapter: 'chapter',
  section: 'section',
  article: 'article',
  item: 'item',
  subitem: 'subitem',
  point: 'point',
  pointParen: 'point',
};

// "s" is taken by subitems (a5-i2-s3), so sections get a longer prefix.
const ANCHOR_PREFIX: Record<MarkerStyle, string> = {
  chapter: 'c',
  section: 'sec',
  article: 'a',
  item: 'i',
  subitem: 's',
  point: 'p',
  pointParen: 'pp',
};

const PREAMBLE_ANCHOR = 'preamble';

/**
 * Legislative drafting fixes 章 > 节 > 条, so a chapter can never sit inside an
 * article even when numbering is malformed. Enumeration markers have no fixed
 * rank and nest purely by the order in which they are first met.
 */
const STRUCTURAL_RANK: Partial<Record<MarkerStyle, number>> = { chapter: 0, section: 1, article: 2 };

const DIGIT_VALUES = new Map<string, number>([
  ['〇', 0],
  ['零', 0],
  ['一', 1],
  ['二', 2],
  ['两', 2],
  ['三', 3],
  ['四', 4],
  ['五', 5],
  ['六', 6],
  ['七', 7],
  ['八', 8],
  ['九', 9],
]);
const UNIT_VALUES = new Map<string, number>([
  ['十', 10],
  ['百', 100],
  ['千', 1000],
]);
const TEN_THOUSAND = '万';

const CN = '[〇零一二两三四五六七八九十百千万]+';
const DIGITS = '[0-9０-９]+';

const CHAPTER_RE = new RegExp(`^(第(${CN}|${DIGITS})章)(.*)$`, 'u');
const SECTION_RE = new RegExp(`^(第(${CN}|${DIGITS})节)(.*)$`, 'u');
const ARTICLE_RE = new RegExp(`^(第(${CN}|${DIGITS})条(?:之(${CN}|${DIGITS}))?)(.*)$`, 'u');
const ITEM_RE = new RegExp(`^((${CN})、)(.*)$`, 'u');
const SUBITEM_RE = new RegExp(`^([（(](${CN})[）)])(.*)$`, 'u');
const POINT_PAREN_RE = new RegExp(`^([（(](${DIGITS})[）)])(.*)$`, 'u');
// At most three digits and no digit after the dot, so "2024.3" or "1.5倍" stay text.
const POINT_RE = /^(([0-9０-９]{1,3})[.．、])(?![0-9０-９])(.*)$/u;

/**
 * Characters that, directly after "第三条"/"第二章" with no space, show the line is a
 * wrapped cross-reference ("第三条规定的……", "第三条第二款") rather than a heading.
 */
const REFERENCE_FOLLOWERS = new Set(Array.from('的之规所中和或及与至到、，,。；;：:第款项有修增删'));

const SENTENCE_END_RE = /[。；;！？!?]/u;
const HEADING_MAX_LENGTH = 30;
const CHAPTER_TITLE_MAX_LENGTH = 40;

function toAsciiDigits({ text }: { text: string }): string {
  return text.replace(/[０-９]/gu, (ch) => String(ch.charCodeAt(0) - 0xff10));
}

/**
 * Converts a Chinese (一百零一, 二〇二四, 两千) or Arabic (101, full-width １０１)
 * numeral to a number. Returns null for anything else instead of throwing,
 * because it runs on untrusted document text.
 */
export function chineseNumeralToNumber({ numeral }: { numeral: string }): number | null {
  const text = toAsciiDigits({ text: numeral.trim() });
  if (text === '') return null;
  if (/^\d+$/u.test(text)) return Number.parseInt(text, 10);

  const chars = Array.from(text);
  const isKnown = (ch: string): boolean => DIGIT_VALUES.has(ch) || UNIT_VALUES.has(ch) || ch === TEN_THOUSAND;
  if (!chars.every(isKnown)) return null;

  // Without units the characters are positional digits, as in years: 二〇二四.
  const hasUnit = chars.some((ch) => UNIT_VALUES.has(ch) || ch === TEN_THOUSAND);
  if (!hasUnit) return chars.reduce((acc, ch) => acc * 10 + (DIGIT_VALUES.get(ch) ?? 0), 0);

  let total = 0;
  let group = 0;
  let digit = 0;
  let hasDigit = false;
  for (const ch of chars) {
    const digitValue = DIGIT_VALUES.get(ch);
    if (digitValue !== undefined) {
      digit = digitValue;
      hasDigit = true;
      continue;
    }
    const unitValue = UNIT_VALUES.get(ch);
    if (unitValue !== undefined) {
      // A bare leading unit means one of it: 十二 is 12, not 2.
      group += (hasDigit ? digit : 1) * unitValue;
    } else {
      total += (group + digit) * 10_000;
      group = 0;
    }
    digit = 0;
    hasDigit = false;
  }
  return total + group + digit;
}

function codePointLength({ text }: { text: string }): number {
  return Array.from(text).length;
}

/** True when the text right after a 第X章/节/条 label reads as a cross-reference. */
function continuesReference({ rawRest }: { rawRest: string }): boolean {
  const first = rawRest.charAt(0);
  if (first === '' || /\s/u.test(first)) return false;
  return REFERENCE_FOLLOWERS.has(first);
}

function matchHeadingMarker({ line, re, style }: { line: string; re: RegExp; style: 'chapter' | 'section' }): Marker | null {
  const m = re.exec(line);
  if (!m) return null;
  const rawRest = m[3] ?? '';
  if (continuesReference({ rawRest })) return null;
  const rest = rawRest.trim();
  // Chapter and section lines carry only a short title; a sentence means a wrapped reference.
  if (SENTENCE_END_RE.test(rest) || codePointLength({ text: rest }) > CHAPTER_TITLE_MAX_LENGTH) return null;
  return { style, label: m[1] ?? '', value: chineseNumeralToNumber({ numeral: m[2] ?? '' }), insertedIndex: null, rest };
}

function matchMarker({ line }: { line: string }): Marker | null {
  if (line.startsWith('第')) {
    const heading =
      matchHeadingMarker({ line, re: CHAPTER_RE, style: 'chapter' }) ??
      matchHeadingMarker({ line, re: SECTION_RE, style: 'section' });
    if (heading) return heading;

    const m = ARTICLE_RE.exec(line);
    if (!m) return null;
    const rawRest = m[4] ?? '';
    if (continuesReference({ rawRest })) return null;
    const inserted = m[3];
    return {
      style: 'article',
      label: m[1] ?? '',
      value: chineseNumeralToNumber({ numeral: m[2] ?? '' }),
      insertedIndex: inserted === undefined ? null : chineseNumeralToNumber({ numeral: inserted }),
      rest: rawRest.trim(),
    };
  }

  const simple: ReadonlyArray<{ re: RegExp; style: MarkerStyle }> = [
    { re: ITEM_RE, style: 'item' },
    { re: SUBITEM_RE, style: 'subitem' },
    { re: POINT_PAREN_RE, style: 'pointParen' },
    { re: POINT_RE, style: 'point' },
  ];
  for (const { re, style } of simple) {
    const m = re.exec(line);
    if (!m) continue;
    return {
      style,
      label: m[1] ?? '',
      value: chineseNumeralToNumber({ numeral: m[2] ?? '' }),
      insertedIndex: null,
      rest: (m[3] ?? '').trim(),
    };
  }
  return null;
}

/**
 * 一、 lines are either section headings of a notice ("一、总体要求") or full
 * sentences; only a short line without sentence punctuation is a heading.
 */
function isItemHeading({ rest }: { rest: string }): boolean {
  if (rest === '') return false;
  return !SENTENCE_END_RE.test(rest) && codePointLength({ text: rest }) <= HEADING_MAX_LENGTH;
}

function buildContent({ marker }: { marker: Marker }): { title: string | null; text: string } {
  switch (marker.style) {
    case 'chapter':
    case 'section':
      return { title: marker.rest === '' ? null : marker.rest, text: '' };
    case 'item':
      return isItemHeading({ rest: marker.rest }) ? { title: marker.rest, text: '' } : { title: null, text: marker.rest };
    default:
      return { title: null, text: marker.rest };
  }
}

function uniqueAnchor({ candidate, used }: { candidate: string; used: Set<string> }): string {
  let anchor = candidate;
  for (let n = 2; used.has(anchor); n += 1) anchor = `${candidate}-${n}`;
  used.add(anchor);
  return anchor;
}

function appendLine({ node, line }: { node: Article; line: string }): void {
  node.text = node.text === '' ? line : `${node.text}\n${line}`;
}

/** Index in the stack above which frames must be closed before the marker is placed. */
function closeIndex({ stack, style }: { stack: readonly Frame[]; style: MarkerStyle }): number {
  const same = stack.findIndex((frame) => frame.style === style);
  if (same >= 0) return same;

  const rank = STRUCTURAL_RANK[style];
  if (rank === undefined) return stack.length;
  const weaker = stack.findIndex((frame) => {
    const frameRank = STRUCTURAL_RANK[frame.style];
    return frameRank !== undefined && frameRank > rank;
  });
  return weaker >= 0 ? weaker : stack.length;
}

/**
 * Splits a policy document body into a tree of 章/节/条/项/目 nodes.
 *
 * Nesting follows the order in which marker styles first appear rather than a
 * fixed hierarchy, because notices and regulations use the same markers at
 * different depths (一、 is top-level in a notice but inside 第三条 in a rule).
 */
export function parseArticles({ body }: { body: string }): Article[] {
  if (typeof body !== 'string') return [];

  const lines = body
    .replace(/\r\n?/gu, '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

  const roots: Article[] = [];
  const stack: Frame[] = [];
  const used = new Set<string>();
  let preamble: Article | null = null;

  for (const line of lines) {
    const marker = matchMarker({ line });
    if (!marker) {
      const current = stack.at(-1)?.node;
      if (current) {
        appendLine({ node: current, line });
        continue;
      }
      if (!preamble) {
        preamble = {
          anchor: uniqueAnchor({ candidate: PREAMBLE_ANCHOR, used }),
          kind: 'paragraph',
          label: '',
          title: null,
          text: '',
          children: [],
        };
        roots.push(preamble);
      }
      appendLine({ node: preamble, line });
      continue;
    }

    stack.length = closeIndex({ stack, style: marker.style });
    const parent = stack.at(-1)?.node ?? null;
    const siblings = parent ? parent.children : roots;

    // Out-of-range numerals still need a stable segment; position among siblings is the best fallback.
    const number = marker.value !== null && Number.isSafeInteger(marker.value) ? marker.value : siblings.length + 1;
    // "x" keeps 第五十条之一 (a50x1) apart from the "-2" suffix used for duplicate numbering.
    const inserted = marker.insertedIndex !== null && Number.isSafeInteger(marker.insertedIndex) ? `x${marker.insertedIndex}` : '';
    const segment = `${ANCHOR_PREFIX[marker.style]}${number}${inserted}`;
    const candidate = parent ? `${parent.anchor}-${segment}` : segment;

    const node: Article = {
      anchor: uniqueAnchor({ candidate, used }),
      kind: STYLE_KIND[marker.style],
      label: marker.label,
      ...buildContent({ marker }),
      children: [],
    };
    siblings.push(node);
    stack.push({ style: marker.style, node });
  }

  return roots;
}
