import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { zipSync } from 'fflate';
import type { ExtractedBlock, ExtractedDocument, IngestWarning } from '../ingest.types.js';
import { refuse } from '../ingest-errors.js';
import { readZipParts, type ZipLimits } from './zip-guard.js';

/** Word's built-in heading styles (whatever the UI language) and the Chinese names offices give their own. */
const STYLE_MAP = [
  "p[style-name='Title'] => h1.doc-title:fresh",
  "p[style-name='标题'] => h1.doc-title:fresh",
  ...[1, 2, 3, 4, 5, 6].flatMap((n) => [`p[style-name='标题 ${n}'] => h${n}:fresh`, `p[style-name='Heading ${n}'] => h${n}:fresh`]),
];

const CHINESE_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

function chineseNumber(n: number): string {
  if (n < 10) return CHINESE_DIGITS[n] ?? String(n);
  if (n < 100) {
    const tens = Math.floor(n / 10);
    const ones = n % 10;
    return `${tens === 1 ? '' : CHINESE_DIGITS[tens]}十${ones ? CHINESE_DIGITS[ones] : ''}`;
  }
  return String(n);
}

interface LevelFormat {
  format: string;
  text: string;
}

/**
 * How each list level is numbered (`一、`, `（一）`, `1.`…), from numbering.xml. mammoth keeps the
 * list structure but not the labels, and in a 公文 the label is part of the text.
 */
function listLevels(numberingXml: string | null): Map<number, LevelFormat> {
  const levels = new Map<number, LevelFormat>();
  if (!numberingXml) return levels;
  const firstAbstract = /<w:abstractNum\b[\s\S]*?<\/w:abstractNum>/.exec(numberingXml)?.[0] ?? '';
  for (const match of firstAbstract.matchAll(/<w:lvl\b[^>]*w:ilvl="(\d)"[^>]*>([\s\S]*?)<\/w:lvl>/g)) {
    const body = match[2] ?? '';
    const format = /<w:numFmt\b[^>]*w:val="([^"]+)"/.exec(body)?.[1] ?? 'decimal';
    const text = /<w:lvlText\b[^>]*w:val="([^"]*)"/.exec(body)?.[1] ?? '%1.';
    levels.set(Number(match[1]), { format, text });
  }
  return levels;
}

function label({ levels, depth, n }: { levels: Map<number, LevelFormat>; depth: number; n: number }): string {
  const level = levels.get(depth);
  if (!level) return depth === 0 ? `${n}. ` : `（${n}）`;
  if (level.format === 'bullet') return '';
  const value = /chinese|ideograph/i.test(level.format) ? chineseNumber(n) : String(n);
  const text = level.text.replace(/%\d/g, value);
  return /[、.．）)]$/.test(text) ? text : `${text} `;
}

const cellText = ($: CheerioAPI, cell: Element) => $(cell).text().replace(/[ \t\n\r\f\v\u00a0]+/g, ' ').trim();

/** mammoth's HTML to blocks: headings with their level, numbered items with their label, tables as rows. */
function blocksOf({ $, levels }: { $: CheerioAPI; levels: Map<number, LevelFormat> }): { blocks: ExtractedBlock[]; title: string | undefined } {
  const blocks: ExtractedBlock[] = [];
  let title: string | undefined;
  const walkList = (list: Element, depth: number) => {
    let n = 0;
    for (const item of $(list).children('li').toArray()) {
      n += 1;
      const own = $(item).clone();
      own.children('ol, ul').remove();
      const text = own.text().replace(/[ \t\n\r\f\v\u00a0]+/g, ' ').trim();
      if (text) blocks.push({ kind: 'list-item', text: `${list.tagName === 'ol' ? label({ levels, depth, n }) : ''}${text}` });
      for (const nested of $(item).children('ol, ul').toArray()) walkList(nested, depth + 1);
    }
  };
  const walk = (nodes: AnyNode[]) => {
    for (const node of nodes) {
      if (node.type !== 'tag') continue;
      const tag = node.tagName.toLowerCase();
      const heading = /^h([1-6])$/.exec(tag);
      const text = $(node).text().replace(/[ \t\n\r\f\v\u00a0]+/g, ' ').trim();
      if (heading?.[1]) {
        if (!text) continue;
        if ($(node).hasClass('doc-title') && !title) title = text;
        blocks.push({ kind: 'heading', level: Number(heading[1]), text });
      } else if (tag === 'table') {
        const rows = $(node)
          .find('tr')
          .toArray()
          .map((row) => $(row).children('td, th').toArray().map((cell) => cellText($, cell)).join('\t'))
          .filter((row) => row.trim() !== '');
        if (rows.length > 0) blocks.push({ kind: 'table', text: rows.join('\n') });
      } else if (tag === 'ol' || tag === 'ul') {
        walkList(node, 0);
      } else if (tag === 'p') {
        if (text) blocks.push({ kind: 'paragraph', text });
      } else {
        walk(node.children);
      }
    }
  };
  walk($('body').length > 0 ? $('body').children().toArray() : $.root().children().toArray());
  return { blocks, title };
}

const decodeXml = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : null);

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/**
 * `.docx` through mammoth (it follows Word's styles and list structure rather than its layout), after
 * the archive passed the size and ratio checks. Images are not read: only the text is imported.
 * mammoth and cheerio (some 11 MB of heap) are loaded by the first Word file, so a web process that
 * never imports one does not carry them and mark them in every full collection.
 */
export async function readDocx({ bytes, limits }: { bytes: Uint8Array; limits: ZipLimits }): Promise<ExtractedDocument> {
  const [{ default: mammoth }, { load }] = await Promise.all([import('mammoth'), import('cheerio')]);
  const parts = readZipParts({ bytes, limits, wanted: (name) => !name.startsWith('word/media/') && !name.startsWith('word/embeddings/') });
  if (!parts.has('word/document.xml')) throw refuse.malformed({ format: 'Word（.docx）', reason: '缺少 word/document.xml，不是 Word 文档' });
  const rebuilt = Buffer.from(zipSync(Object.fromEntries(parts), { level: 0 }));
  let converted: Awaited<ReturnType<typeof mammoth.convertToHtml>>;
  try {
    converted = await mammoth.convertToHtml(
      { buffer: rebuilt },
      { styleMap: STYLE_MAP, convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })) },
    );
  } catch (error) {
    throw refuse.malformed({ format: 'Word（.docx）', reason: error instanceof Error ? error.message.slice(0, 200) : '内容损坏' });
  }
  const { blocks, title: styledTitle } = blocksOf({ $: load(converted.value), levels: listLevels(decodeXml(parts.get('word/numbering.xml'))) });
  const coreTitle = /<dc:title>([\s\S]*?)<\/dc:title>/.exec(decodeXml(parts.get('docProps/core.xml')) ?? '')?.[1]?.trim();
  const warnings: IngestWarning[] = converted.messages
    .filter((m) => m.type === 'error')
    .map((m) => ({ code: 'docx_conversion', message: `Word 转换提示：${m.message}` }));
  const title = styledTitle ?? (coreTitle ? unescapeXml(coreTitle) : undefined);
  return { format: 'docx', encoding: 'utf-8', text: blocks.map((b) => b.text).join('\n'), blocks, ...(title ? { title } : {}), warnings };
}
