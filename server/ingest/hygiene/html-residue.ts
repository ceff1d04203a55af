/**
 * Markup left in text copied from a web page or a CMS export: tags (`</strong>`, `<br/>`,
 * `<span style="…">`) and entities (`&nbsp;`, `&lt;`, `&#8220;`). Only names of real HTML elements
 * count as tags, so a comparison such as `x<5` or 《专利法》 is left alone.
 */

const TAG_NAMES = [
  'a', 'abbr', 'b', 'big', 'blockquote', 'body', 'br', 'center', 'code', 'col', 'colgroup', 'dd', 'div', 'dl', 'dt', 'em',
  'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'head', 'hr', 'html', 'i', 'img', 'input', 'label', 'li', 'link', 'meta', 'nobr', 'o:p',
  'ol', 'p', 'pre', 'script', 'section', 'small', 'span', 'strike', 'strong', 'style', 'sub', 'sup', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'title', 'tr', 'u', 'ul', 'wbr', 'article', 'header', 'footer', 'nav', 'iframe', 'form', 'button',
];

const TAG_RE = new RegExp(`<\\/?(?:${TAG_NAMES.join('|')})(?:\\s[^<>]*)?\\/?>|<!--[\\s\\S]*?-->`, 'giu');

const NAMED_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  ensp: ' ',
  emsp: '\u3000',
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  ldquo: '“',
  rdquo: '”',
  lsquo: '‘',
  rsquo: '’',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  middot: '·',
  times: '×',
  divide: '÷',
  yen: '¥',
  copy: '©',
  reg: '®',
  deg: '°',
  plusmn: '±',
  bull: '•',
};

/** Entities pages often write without the semicolon. */
const LOOSE_ENTITIES = new Set(['nbsp', 'lt', 'gt', 'amp', 'quot']);

const ENTITY_RE = /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,8}));?/giu;

function decodeEntity({ whole, dec, hex, name }: { whole: string; dec?: string; hex?: string; name?: string }): string {
  if (name !== undefined) {
    // A bare `&copy` with no semicolon is still an entity in pages, but `&ab` in text is not: only known names.
    const lower = name.toLowerCase();
    const value = NAMED_ENTITIES[lower];
    if (value === undefined) return whole;
    if (!whole.endsWith(';') && !LOOSE_ENTITIES.has(lower)) return whole;
    return value;
  }
  const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
  if (!whole.endsWith(';') || !Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
  return String.fromCodePoint(code);
}

export interface HtmlStripResult {
  text: string;
  tags: string[];
  entities: string[];
}

export function stripHtmlResidue({ line }: { line: string }): HtmlStripResult {
  const tags: string[] = [];
  const entities: string[] = [];
  const withoutTags = line.replace(TAG_RE, (tag) => {
    tags.push(tag);
    return '';
  });
  const text = withoutTags.replace(ENTITY_RE, (whole: string, dec?: string, hex?: string, name?: string) => {
    const decoded = decodeEntity({ whole, ...(dec === undefined ? {} : { dec }), ...(hex === undefined ? {} : { hex }), ...(name === undefined ? {} : { name }) });
    if (decoded !== whole) entities.push(whole);
    return decoded;
  });
  return { text, tags, entities };
}
