import { createRequire } from 'node:module';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import PDFDocument from 'pdfkit';

/**
 * Documents as offices send them, built by the tests: a Word file from raw OOXML parts, a text PDF
 * set in Noto Sans SC (so its Chinese text extracts), a saved web page with its site chrome, and
 * legacy-encoded text.
 */

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export type DocxPart =
  | { kind: 'title'; text: string }
  | { kind: 'heading'; level: 1 | 2; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'numbered'; level: 0 | 1; text: string }
  | { kind: 'table'; rows: string[][] };

const run = (text: string) => `<w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r>`;

function bodyXml(parts: readonly DocxPart[]): string {
  return parts
    .map((part) => {
      switch (part.kind) {
        case 'title':
          return `<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>${run(part.text)}</w:p>`;
        case 'heading':
          return `<w:p><w:pPr><w:pStyle w:val="Heading${part.level}"/></w:pPr>${run(part.text)}</w:p>`;
        case 'paragraph':
          return `<w:p>${run(part.text)}</w:p>`;
        case 'numbered':
          return `<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="${part.level}"/><w:numId w:val="1"/></w:numPr></w:pPr>${run(part.text)}</w:p>`;
        case 'table':
          return `<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>${part.rows
            .map((row) => `<w:tr>${row.map((cell) => `<w:tc><w:p>${run(cell)}</w:p></w:tc>`).join('')}</w:tr>`)
            .join('')}</w:tbl>`;
      }
    })
    .join('');
}

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="${W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/></w:style>
</w:styles>`;

/** Level 0 counts 一、二、三、, level 1 （一）（二）: the 公文 numbering Word offices set up. */
const NUMBERING = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="${W}">
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>`;

export function buildDocx({ parts, coreTitle, extra = {} }: { parts: readonly DocxPart[]; coreTitle?: string; extra?: Record<string, Uint8Array> }): Buffer {
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>`),
    '_rels/.rels': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>`),
    'word/_rels/document.xml.rels': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
</Relationships>`),
    'word/document.xml': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="${W}"><w:body>${bodyXml(parts)}<w:sectPr/></w:body></w:document>`),
    'word/styles.xml': strToU8(STYLES),
    'word/numbering.xml': strToU8(NUMBERING),
    'docProps/core.xml': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${escapeXml(coreTitle ?? '')}</dc:title></cp:coreProperties>`),
    ...extra,
  };
  return Buffer.from(zipSync(files));
}

/** A policy as a drafting office sends it in Word. */
export function sampleDocx(): Buffer {
  return buildDocx({
    coreTitle: '属性中的标题',
    parts: [
      { kind: 'title', text: '关于促进专利转化运用的若干措施' },
      { kind: 'paragraph', text: '沪知局〔2026〕21号' },
      { kind: 'heading', level: 1, text: '总体要求' },
      { kind: 'numbered', level: 0, text: '加强专利转化' },
      { kind: 'numbered', level: 1, text: '支持高校专利许可' },
      { kind: 'numbered', level: 1, text: '支持企业受让专利' },
      { kind: 'numbered', level: 0, text: '强化服务保障' },
      { kind: 'table', rows: [['项目', '资助标准'], ['专利许可', '5万元']] },
      { kind: 'paragraph', text: '本措施自2026年5月1日起施行。' },
    ],
  });
}

/** A .docx whose one part inflates to `bytes` of zeros: a few kilobytes on disk. */
export function zipBombDocx({ bytes }: { bytes: number }): Buffer {
  return buildDocx({ parts: [{ kind: 'paragraph', text: '正文' }], extra: { 'word/padding.xml': new Uint8Array(bytes) } });
}

const FONT = path.join(path.dirname(createRequire(import.meta.url).resolve('@expo-google-fonts/noto-sans-sc/package.json')), '400Regular', 'NotoSansSC_400Regular.ttf');

/**
 * A text PDF: each page carries a running header, its lines, and a page number footer (`- n -`),
 * the furniture the reader must drop.
 */
export function buildPdf({ pages, header = '上海市知识产权局文件', footer = (n: number) => `- ${n} -`, title }: { pages: string[][]; header?: string | null; footer?: ((n: number) => string) | null; title?: string }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 72, autoFirstPage: false, info: title ? { Title: title } : {} });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('cjk', FONT);
    pages.forEach((lines, index) => {
      doc.addPage();
      doc.font('cjk').fontSize(12);
      if (header) doc.text(header, 72, 40, { lineBreak: false });
      let y = 100;
      for (const line of lines) {
        doc.text(line, 72, y, { lineBreak: false });
        y += 24;
      }
      if (footer) doc.text(footer(index + 1), 280, 780, { lineBreak: false });
    });
    doc.end();
  });
}

/** A PDF with no text at all (a scan without OCR): pages with drawn shapes only. */
export function scannedPdf(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4' });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.rect(100, 100, 300, 400).fill('#888888');
    doc.end();
  });
}

/** An office website's article page, saved with its navigation, crumbs, share bar and footer. */
export function savedWebPage({ charset = 'utf-8', title = '关于开展2026年度专利转化专项资助申报工作的通知' }: { charset?: string; title?: string } = {}): string {
  return `<!DOCTYPE html>
<html><head><meta charset="${charset}"><title>${title}_上海市知识产权局</title>
<script>var tracker = '分享到';</script><style>.x{color:red}</style></head>
<body>
<div class="header"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/bsfw">办事服务</a></div>
<nav><ul><li><a href="/a">机构概况</a></li><li><a href="/b">新闻动态</a></li></ul></nav>
<div class="position">当前位置：首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="main">
  <div class="article">
    <h1>${title}</h1>
    <div class="info">发布日期：2026-03-02　【字体：大 中 小】</div>
    <div id="zoom">
      <p>各区知识产权局、各有关单位：</p>
      <p>为促进专利转化运用，现就2026年度专利转化专项资助申报工作通知如下。</p>
      <p><strong>一、申报条件</strong></p>
      <p>（一）注册在本市的企业；<br>（二）拥有有效发明专利。</p>
      <table><tr><td>项目</td><td>资助标准</td></tr><tr><td>专利许可</td><td>5万元</td></tr></table>
      <p>上海市知识产权局</p>
      <p>2026年3月1日</p>
    </div>
    <div class="bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a><a class="bds_tsina">微博</a></div>
    <p>收藏本文</p>
    <p>打印本页</p>
    <p>关闭窗口</p>
  </div>
  <div class="sidebar"><h3>相关文件</h3><ul><li><a href="/c">关于印发某某办法的通知</a></li></ul></div>
</div>
<div class="footer">主办单位：上海市知识产权局　沪ICP备12345678号</div>
</body></html>`;
}

export const gbk = (text: string) => iconv.encode(text, 'gbk');
export const big5 = (text: string) => iconv.encode(text, 'big5');
export const utf8Bom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);

/** Ten lines of UTF-8 with one byte that is not UTF-8 on line 7. */
export function invalidByteOnLine7(): Buffer {
  const lines = Array.from({ length: 10 }, (_v, i) => Buffer.from(`第${i + 1}行　知识产权保护工作要点`, 'utf8'));
  lines[6] = Buffer.concat([Buffer.from('第7行　', 'utf8'), Buffer.from([0xff]), Buffer.from('坏字节', 'utf8')]);
  return Buffer.concat(lines.flatMap((line, i) => (i < lines.length - 1 ? [line, Buffer.from('\n')] : [line])));
}

export const PLAIN_POLICY = `上海市专利转化专项资助办法
第一条　为促进专利转化运用，制定本办法。
第二条　本办法适用于注册在本市的企业。
第三条　本办法自2026年5月1日起施行。`;
