import type { Article, ArticleKind } from '../../schemas/article.schema.js';
import type { IngestWarning } from '../ingest/ingest.types.js';

/**
 * Marker styles are finer than article kinds: "1." and "（1）" are both points,
 * but a document may nest one inside the other, so nesting is tracked per style.
 */
type MarkerStyle = 'attachment' | 'chapter' | 'section' | 'article' | 'clause' | 'item' | 'subitem' | 'point' | 'pointParen';

interface Marker {
  style: MarkerStyle;
  label: string;
  value: number | null;
  /** N of "第五十条之N"; such articles are inserted by amendments without renumbering. */
  insertedIndex: number | null;
  rest: string;
  /** Why the label is not written the standard way (mixed brackets, spaces inside), if it is not. */
  malformed?: string;
}

interface Frame {
  style: MarkerStyle;
  node: Article;
  /** 1-based line of the body the node starts on. */
  line: number;
}

const STYLE_KIND: Record<MarkerStyle, ArticleKind> = {
  attachment: 'attachment',
  chapter: 'chapter',
  section: 'section',
  article: 'article',
  clause: 'paragraph',
  item: 'item',
  subitem: 'subitem',
  point: 'point',
  pointParen: 'point',
};

// "s" is taken by subitems (a5-i2-s3), so sections get a longer prefix.
const ANCHOR_PREFIX: Record<MarkerStyle, string> = {
  attachment: 'att',
  chapter: 'c',
  section: 'sec',
  article: 'a',
  clause: 'k',
  item: 'i',
  subitem: 's',
  point: 'p',
  pointParen: 'pp',
};

const PREAMBLE_ANCHOR = 'preamble';

/**
 * The 公文 convention fixes the depth of every marker: 第X章 > 第X节 > 第X条 > 第X款 and
 * 一、 > （一） > 1. > （1）, an enumeration sitting inside an article. Nesting by rank rather than
 * by the order styles are first met means one misplaced or garbled heading cannot pull the rest
 * of the document under it. An attachment (附件1) starts a part of its own.
 */
const RANK: Record<MarkerStyle, number> = {
  attachment: 0,
  chapter: 1,
  section: 2,
  article: 3,
  clause: 4,
  item: 5,
  subitem: 6,
  point: 7,
  pointParen: 8,
};

/** Styles numbered through the whole document rather than per parent (第X条 runs on across chapters). */
const DOCUMENT_WIDE: ReadonlySet<MarkerStyle> = new Set(['article', 'chapter']);

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
const CLAUSE_RE = new RegExp(`^(第(${CN}|${DIGITS})款)(.*)$`, 'u');
/** 附件 / 附件1 / 附件1： alone on a line heads an attachment body; 附件：… / 附件1：… lists one. */
const ATTACHMENT_RE = /^(附\s*件\s*([0-9０-９]{0,2})\s*)(?:[:：]\s*(.*))?$/u;
const SECTION_RE = new RegExp(`^(第(${CN}|${DIGITS})节)(.*)$`, 'u');
const ARTICLE_RE = new RegExp(`^(第(${CN}|${DIGITS})条(?:之(${CN}|${DIGITS}))?)(.*)$`, 'u');
const ITEM_RE = new RegExp(`^((${CN})、)(.*)$`, 'u');
const SUBITEM_RE = new RegExp(`^([（(](${CN})[）)])(.*)$`, 'u');
/** （一 ）, （一), 一）: a subitem label damaged in typing or conversion. */
const LOOSE_SUBITEM_RE = new RegExp(`^([（(]?\\s*(${CN})\\s*[）)])(.*)$`, 'u');
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

function matchAttachment({ line }: { line: string }): Marker | null {
  const m = ATTACHMENT_RE.exec(line);
  if (!m) return null;
  const digits = m[2] ?? '';
  return {
    style: 'attachment',
    label: (m[1] ?? '').replace(/\s+/gu, ''),
    value: digits === '' ? null : chineseNumeralToNumber({ numeral: digits }),
    insertedIndex: null,
    rest: (m[3] ?? '').trim(),
  };
}

function matchLooseSubitem({ line }: { line: string }): Marker | null {
  const m = LOOSE_SUBITEM_RE.exec(line);
  if (!m) return null;
  const label = m[1] ?? '';
  const opens = label.startsWith('（') || label.startsWith('(');
  // "一）" alone is too weak when followed by nothing: a heading has words after its label.
  if (!opens && (m[3] ?? '').trim() === '') return null;
  return {
    style: 'subitem',
    label,
    value: chineseNumeralToNumber({ numeral: m[2] ?? '' }),
    insertedIndex: null,
    rest: (m[3] ?? '').trim(),
    malformed: opens ? '括号内有空格' : '缺少左括号',
  };
}

/** Mixed full- and half-width brackets, as in （一) or (一）. */
function mixedBrackets(label: string): boolean {
  const open = label.charAt(0);
  const close = label.charAt(label.length - 1);
  return (open === '（' && close === ')') || (open === '(' && close === '）');
}

function matchMarker({ line }: { line: string }): Marker | null {
  if (line.startsWith('附')) return matchAttachment({ line });
  if (line.startsWith('第')) {
    const heading =
      matchHeadingMarker({ line, re: CHAPTER_RE, style: 'chapter' }) ??
      matchHeadingMarker({ line, re: SECTION_RE, style: 'section' });
    if (heading) return heading;

    const clause = CLAUSE_RE.exec(line);
    if (clause) {
      const rawRest = clause[3] ?? '';
      if (continuesReference({ rawRest })) return null;
      return { style: 'clause', label: clause[1] ?? '', value: chineseNumeralToNumber({ numeral: clause[2] ?? '' }), insertedIndex: null, rest: rawRest.trim() };
    }

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
    const label = m[1] ?? '';
    return {
      style,
      label,
      value: chineseNumeralToNumber({ numeral: m[2] ?? '' }),
      insertedIndex: null,
      rest: (m[3] ?? '').trim(),
      ...(style === 'subitem' && mixedBrackets(label) ? { malformed: '全角半角括号混用' } : {}),
    };
  }
  return matchLooseSubitem({ line });
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
    case 'attachment':
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

/** Index in the stack above which frames must be closed: every frame of the same or a lower rank. */
function closeIndex({ stack, style }: { stack: readonly Frame[]; style: MarkerStyle }): number {
  const rank = RANK[style];
  const index = stack.findIndex((frame) => RANK[frame.style] >= rank);
  return index >= 0 ? index : stack.length;
}

interface Placed {
  node: Article;
  value: number | null;
}

/** The last node of each style placed in each list of siblings, so numbering checks stay linear. */
type LastPlaced = WeakMap<readonly Article[], Map<MarkerStyle, Placed>>;

function lastOfStyle({ last, siblings, style }: { last: LastPlaced; siblings: readonly Article[]; style: MarkerStyle }): Placed | undefined {
  return last.get(siblings)?.get(style);
}

function remember({ last, siblings, style, placed }: { last: LastPlaced; siblings: readonly Article[]; style: MarkerStyle; placed: Placed }): void {
  const level = last.get(siblings) ?? new Map<MarkerStyle, Placed>();
  level.set(style, placed);
  last.set(siblings, level);
}

const STYLE_NAMES: Record<MarkerStyle, string> = {
  attachment: '附件',
  chapter: '章',
  section: '节',
  article: '条',
  clause: '款',
  item: '“一、”级标题',
  subitem: '“（一）”级标题',
  point: '“1.”级条目',
  pointParen: '“（1）”级条目',
};

export interface ParsedStructure {
  articles: Article[];
  /** Headings that break the convention: out of sequence, garbled, or placed where their level cannot be. */
  warnings: IngestWarning[];
}

/**
 * Splits a policy document body into a tree of 章/节/条/款 and 一、/（一）/1./（1） nodes, with
 * attachments as parts of their own, and lists the headings that break the convention.
 *
 * Nesting follows the fixed 公文 ranks. Two repairs keep a damaged heading from distorting the
 * rest: a heading whose number continues a list higher up the tree (（二） after a stray
 * （一）-level line inside 1.) closes back to that list, and a numbering gap or repeat is
 * reported, never used to reorder.
 */
export function parseStructure({ body }: { body: string }): ParsedStructure {
  if (typeof body !== 'string') return { articles: [], warnings: [] };

  const lines = body
    .replace(/\r\n?/gu, '\n')
    .split('\n')
    .map((line, index) => ({ text: line.trim(), number: index + 1 }))
    .filter((line) => line.text !== '');

  const roots: Article[] = [];
  const stack: Frame[] = [];
  const used = new Set<string>();
  const warnings: IngestWarning[] = [];
  const documentWide = new Map<MarkerStyle, number>();
  const last: LastPlaced = new WeakMap();
  let preamble: Article | null = null;
  let attachmentCount = 0;

  const warn = ({ code, message, line }: { code: string; message: string; line: number }): void => {
    warnings.push({ code, message, line });
  };

  for (const { text: line, number: lineNumber } of lines) {
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

    if (marker.malformed) {
      warn({ code: 'heading_malformed', message: `第${lineNumber}行标题“${marker.label}”格式不规范（${marker.malformed}），已按${STYLE_NAMES[marker.style]}处理，请核对`, line: lineNumber });
    }

    stack.length = closeIndex({ stack, style: marker.style });

    // A number that continues a list further up belongs to that list: the heading in between was stray.
    if (marker.value !== null && marker.value > 1 && !DOCUMENT_WIDE.has(marker.style) && marker.style !== 'attachment') {
      const here = stack.at(-1)?.node.children ?? roots;
      if (!lastOfStyle({ last, siblings: here, style: marker.style })) {
        for (let depth = stack.length - 1; depth >= 0; depth -= 1) {
          const level = depth === 0 ? roots : (stack[depth - 1]?.node.children ?? roots);
          const previous = lastOfStyle({ last, siblings: level, style: marker.style });
          if (previous && previous.value === marker.value - 1) {
            const stray = stack[depth];
            if (stray) {
              warn({
                code: 'heading_misplaced',
                message: `第${stray.line}行标题“${stray.node.label}”的位置不符合公文层级，其后的“${marker.label}”仍与“${previous.node.label}”并列`,
                line: stray.line,
              });
            }
            stack.length = depth;
            break;
          }
        }
      }
    }

    const parent = stack.at(-1)?.node ?? null;
    const siblings = parent ? parent.children : roots;

    // The 附件说明 (附件：1.… 2.…) lists attachments; an attachment body (附件1) is a document of its own.
    const isList = marker.style === 'attachment' && marker.value === null && marker.rest !== '';
    if (marker.style === 'attachment' && !isList) {
      attachmentCount += 1;
      documentWide.clear();
    }
    const fallback = marker.style === 'attachment' ? attachmentCount : siblings.length + 1;
    // Out-of-range numerals still need a stable segment; position among siblings is the best fallback.
    const number = marker.value !== null && Number.isSafeInteger(marker.value) ? marker.value : fallback;

    // The 附件说明 carries its own "1." on its first line, so the items after it start at 2.
    const inAttachmentList = parent?.anchor.startsWith('att-list') ?? false;
    if (marker.value !== null && marker.insertedIndex === null && marker.style !== 'attachment' && !inAttachmentList && Number.isSafeInteger(marker.value)) {
      const previous = DOCUMENT_WIDE.has(marker.style)
        ? (documentWide.get(marker.style) ?? 0)
        : (lastOfStyle({ last, siblings, style: marker.style })?.value ?? 0);
      if (marker.value !== previous + 1) {
        warn({
          code: marker.value <= previous ? 'heading_repeated' : 'heading_gap',
          message:
            marker.value <= previous
              ? `第${lineNumber}行标题“${marker.label}”与前面的编号重复或倒序，请核对`
              : `第${lineNumber}行标题“${marker.label}”前缺少编号（上一个为第${previous}个${STYLE_NAMES[marker.style]}），请核对是否有标题被误写`,
          line: lineNumber,
        });
      }
      if (DOCUMENT_WIDE.has(marker.style)) documentWide.set(marker.style, marker.value);
    }

    // "x" keeps 第五十条之一 (a50x1) apart from the "-2" suffix used for duplicate numbering.
    const inserted = marker.insertedIndex !== null && Number.isSafeInteger(marker.insertedIndex) ? `x${marker.insertedIndex}` : '';
    const segment = isList ? 'att-list' : `${ANCHOR_PREFIX[marker.style]}${number}${inserted}`;
    const candidate = parent ? `${parent.anchor}-${segment}` : segment;

    const node: Article = {
      anchor: uniqueAnchor({ candidate, used }),
      kind: STYLE_KIND[marker.style],
      label: marker.label,
      ...buildContent({ marker }),
      children: [],
    };
    siblings.push(node);
    remember({ last, siblings, style: marker.style, placed: { node, value: marker.value } });
    stack.push({ style: marker.style, node, line: lineNumber });
  }

  return { articles: roots, warnings };
}

/** The tree of {@link parseStructure} without its warnings. */
export function parseArticles({ body }: { body: string }): Article[] {
  return parseStructure({ body }).articles;
}
