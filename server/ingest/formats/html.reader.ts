import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { decodeText, encodingOfLabel, type DecodedText } from '../decode.js';
import type { ExtractedBlock, ExtractedDocument, IngestWarning } from '../ingest.types.js';
import { encodingWarnings } from './text.reader.js';

/** Elements that are never article text. */
const NEVER = 'script, style, noscript, template, iframe, object, embed, svg, canvas, form, button, input, select, textarea, nav, header, footer, aside, [role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true]';

/** Class or id words of site chrome on government and CMS pages (share bars, crumbs, menus). */
const CHROME_NAME = /(^|[\s_-])(nav|navbar|menu|breadcrumbs?|crumbs?|share|bdshare|bdsharebuttonbox|social|footer|foot|header|head|top-?bar|toolbar|sidebar|side|print|tools?|comment|related|recommend|position|location|dqwz|copyright|pager|pagination)($|[\s_-])/i;

/** Containers that CMS templates use for the article body, most specific first. */
const CONTENT_SELECTORS = ['#zoom', '.TRS_Editor', '.trs_editor', '#UCAP-CONTENT', '.article-content', '.article_content', '#article-content', '.pages_content', '.view', '#content', '.content', 'article', 'main', '[role=main]', '.article', '#article', '.detail', '.main-content'];

/** Lines that are page chrome wherever they sit. */
const CHROME_LINE = /^(?:【?\s*(?:字体|字号)[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?\s*】?.*|分享到[:：]?.*|收藏本文|收藏本页|打印本页|打印本文|【?打印】?|关闭窗口|【?关闭】?|返回顶部|当前位置[:：].*|您现在的位置[:：].*|扫一扫在手机打开当前页|上一篇[:：].*|下一篇[:：].*)$/;

export const isChromeLine = (line: string) => line.length <= 80 && CHROME_LINE.test(line.replace(/\s+/g, ' ').trim());

/** `<meta charset>` or `http-equiv` Content-Type in the head, read as ASCII before decoding. */
function declaredCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1] ?? null;
}

function decodeHtml(bytes: Uint8Array): { decoded: DecodedText; warnings: IngestWarning[] } {
  const label = declaredCharset(bytes);
  const declared = label ? encodingOfLabel(label) : null;
  if (!declared) return { decoded: decodeText({ bytes }), warnings: [] };
  try {
    return { decoded: decodeText({ bytes, declared }), warnings: [] };
  } catch {
    // Pages often declare one charset and are saved in another: the bytes decide, and the drafter is told.
    const decoded = decodeText({ bytes });
    return { decoded, warnings: [{ code: 'html_charset_mismatch', message: `网页声明编码为 ${label}，实际按 ${decoded.encoding.toUpperCase()} 解码。` }] };
  }
}

// The ideographic space stays: 公文 set it after article numbers (`第一条　`).
const clean = (text: string) => text.replace(/[ \t\n\r\f\v\u00a0]+/g, ' ').trim();
const isChromeElement = (el: Element) => CHROME_NAME.test(`${el.attribs.class ?? ''} ${el.attribs.id ?? ''}`);

/** The element with the most paragraph text (less its link text), when no known container has any. */
function densest($: CheerioAPI): Element | null {
  const scores = new Map<Element, number>();
  for (const p of $('p, td, div').toArray()) {
    const own = $(p).contents().toArray().filter((n) => n.type === 'text').map((n) => $(n).text()).join('');
    const length = clean(own).length;
    if (length < 10) continue;
    const parent = p.parent?.type === 'tag' ? p.parent : null;
    if (parent) scores.set(parent, (scores.get(parent) ?? 0) + length);
    const grand = parent?.parent?.type === 'tag' ? parent.parent : null;
    if (grand) scores.set(grand, (scores.get(grand) ?? 0) + length / 2);
    scores.set(p, (scores.get(p) ?? 0) + length);
  }
  let best: Element | null = null;
  let bestScore = 0;
  for (const [el, score] of scores) {
    const links = clean($(el).find('a').text()).length;
    const value = score - links * 2;
    if (value > bestScore) {
      best = el;
      bestScore = value;
    }
  }
  return best;
}

const BLOCK_TAGS = new Set(['p', 'div', 'section', 'article', 'main', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'center', 'dl', 'dt', 'dd', 'tbody', 'thead', 'tr', 'font', 'span', 'strong', 'b']);

/** Blocks of the content element: headings, paragraphs (split at <br>), list items, tables as rows. */
function blocksOf($: CheerioAPI, root: Element): ExtractedBlock[] {
  const blocks: ExtractedBlock[] = [];
  const push = (text: string, kind: 'paragraph' | 'list-item') => {
    for (const line of text.split('\n').map(clean).filter(Boolean)) blocks.push({ kind, text: line });
  };
  /** Text with each <br> as a line break; only elements that hold one are copied to rewrite it. */
  const textOf = (el: AnyNode): string => {
    if (el.type === 'tag' && el.tagName.toLowerCase() === 'br') return '\n';
    if (el.type !== 'tag' || $(el).find('br').length === 0) return $(el).text();
    const copy = $(el).clone();
    copy.find('br').replaceWith('\n');
    return copy.text();
  };
  const paragraphs = (el: AnyNode, kind: 'paragraph' | 'list-item') => push(textOf(el), kind);
  const hasBlockChild = (el: Element) => $(el).children().toArray().some((c) => c.type === 'tag' && ['p', 'div', 'table', 'ul', 'ol', 'section', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote'].includes(c.tagName.toLowerCase()));
  const walk = (el: Element) => {
    let inline: AnyNode[] = [];
    const flush = () => {
      if (inline.length > 0) push(inline.map(textOf).join(''), 'paragraph');
      inline = [];
    };
    for (const child of $(el).contents().toArray()) {
      if (child.type !== 'tag') {
        if (child.type === 'text') inline.push(child);
        continue;
      }
      const tag = child.tagName.toLowerCase();
      const heading = /^h([1-6])$/.exec(tag);
      if (tag === 'br') {
        inline.push(child);
        continue;
      }
      if (!BLOCK_TAGS.has(tag) || (['span', 'strong', 'b', 'font'].includes(tag) && !hasBlockChild(child))) {
        inline.push(child);
        continue;
      }
      flush();
      if (heading?.[1]) {
        const text = clean($(child).text());
        if (text) blocks.push({ kind: 'heading', level: Number(heading[1]), text });
      } else if (tag === 'table') {
        const rows = $(child)
          .find('tr')
          .toArray()
          .map((row) => $(row).children('td, th').toArray().map((cell) => clean($(cell).text())).join('\t'))
          .filter((row) => row.trim() !== '');
        if (rows.length > 0) blocks.push({ kind: 'table', text: rows.join('\n') });
      } else if (tag === 'li' && !hasBlockChild(child)) {
        paragraphs(child, 'list-item');
      } else if (hasBlockChild(child) || ['ul', 'ol', 'tbody', 'thead', 'dl'].includes(tag)) {
        walk(child);
      } else {
        paragraphs(child, 'paragraph');
      }
    }
    flush();
  };
  walk(root);
  return blocks;
}

/**
 * A saved web page through cheerio: decoded by its byte-order mark, its declared charset or the
 * bytes themselves; the article found in the CMS's content container or the densest text block;
 * navigation, share buttons, crumbs and footers dropped, each drop counted for the drafter. cheerio
 * is loaded by the first page read, like the Word reader's libraries.
 */
export async function readHtml({ bytes }: { bytes: Uint8Array }): Promise<ExtractedDocument> {
  const { load } = await import('cheerio');
  const { decoded, warnings } = decodeHtml(bytes);
  const $ = load(decoded.text);
  const pageTitle = clean($('title').first().text());
  const never = $(NEVER);
  const named = $('[class], [id]').toArray().filter((el) => isChromeElement(el));
  const chrome = never.length + named.length;
  never.remove();
  for (const el of named) $(el).remove();
  let root: Element | null = null;
  for (const selector of CONTENT_SELECTORS) {
    const found = $(selector).toArray().find((el): el is Element => el.type === 'tag' && clean($(el).text()).length >= 50);
    if (found) {
      root = found;
      break;
    }
  }
  root ??= densest($) ?? ($('body').get(0) as Element | undefined) ?? null;
  const all = root ? blocksOf($, root) : [];
  const blocks = all.filter((b) => !isChromeLine(b.text));
  const dropped = all.length - blocks.length;
  if (chrome + dropped > 0) warnings.push({ code: 'html_chrome_removed', message: `已去除网页导航、分享、页脚等页面元素 ${chrome + dropped} 处。` });
  const h1 = blocks.find((b) => b.kind === 'heading')?.text;
  // Page titles carry the site's name (`标题_上海市知识产权局`): the article's own heading wins.
  const title = h1 ?? (pageTitle.split(/\s*[_|｜]\s*|\s+-\s+/)[0] || undefined);
  return { format: 'html', encoding: decoded.encoding, text: blocks.map((b) => b.text).join('\n'), blocks, ...(title ? { title } : {}), warnings: [...encodingWarnings(decoded), ...warnings] };
}
