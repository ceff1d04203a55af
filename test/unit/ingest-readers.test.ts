import { expect } from 'chai';
import PDFDocument from 'pdfkit';
import { DomainError } from '../../server/errors.js';
import { previewDocument } from '../../server/ingest/document-intake.js';
import { extractDocument, extractLimits } from '../../server/ingest/extract-document.js';
import type { ExtractedDocument } from '../../server/ingest/ingest.types.js';
import { big5, buildDocx, buildPdf, gbk, sampleDocx, savedWebPage, scannedPdf, zipBombDocx } from '../support/ingest-fixtures.js';

const limits = extractLimits();

const read = (filename: string, bytes: Uint8Array, options = limits) => extractDocument({ bytes, filename, limits: options });

async function refusal(run: () => Promise<unknown>): Promise<DomainError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const lines = (doc: ExtractedDocument) => doc.text.split('\n');

function encryptedPdf(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ userPassword: 'secret', ownerPassword: 'owner' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.text('secret');
    doc.end();
  });
}

describe('document readers', () => {
  describe('.docx (mammoth)', () => {
    it('keeps heading styles, 公文 list numbering and tables as tab-separated rows', async () => {
      const doc = await read('措施.docx', sampleDocx());
      expect(doc.format).to.equal('docx');
      expect(doc.title).to.equal('关于促进专利转化运用的若干措施');
      expect(doc.blocks).to.deep.include({ kind: 'heading', level: 1, text: '总体要求' });
      expect(lines(doc)).to.include.members(['一、加强专利转化', '（一）支持高校专利许可', '（二）支持企业受让专利', '二、强化服务保障', '项目\t资助标准', '专利许可\t5万元']);
      expect(doc.blocks.find((b) => b.kind === 'table')?.text).to.equal('项目\t资助标准\n专利许可\t5万元');
      expect(lines(doc).indexOf('二、强化服务保障')).to.be.greaterThan(lines(doc).indexOf('（二）支持企业受让专利'));
    });

    it('falls back to the title in the document properties', async () => {
      const doc = await read('a.docx', buildDocx({ coreTitle: '属性标题', parts: [{ kind: 'paragraph', text: '正文第一段。' }] }));
      expect(doc.title).to.equal('属性标题');
    });

    it('refuses a zip bomb from the central directory before inflating it', async () => {
      const error = await refusal(() => read('bomb.docx', zipBombDocx({ bytes: 150 * 1024 * 1024 })));
      expect(error.code).to.equal('archive_too_large');
      expect(error.type).to.equal('too_large');
    });

    it('refuses an archive whose compression ratio is far beyond any real document', async () => {
      const error = await refusal(() => read('ratio.docx', zipBombDocx({ bytes: 20 * 1024 * 1024 })));
      expect(error.code).to.equal('archive_too_large');
      expect(error.message).to.include('压缩比');
    });

    it('refuses a password-protected Word file and an old .doc renamed to .docx', async () => {
      const header = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
      const encrypted = Buffer.concat([header, Buffer.alloc(512), Buffer.from('EncryptedPackage', 'utf16le')]);
      expect((await refusal(() => read('secret.docx', encrypted))).code).to.equal('document_encrypted');
      expect((await refusal(() => read('old.docx', Buffer.concat([header, Buffer.alloc(512)])))).code).to.equal('format_mismatch');
    });
  });

  describe('.pdf (pdfjs-dist)', () => {
    it('rebuilds lines in reading order and drops running headers and page numbers', async () => {
      const pdf = await buildPdf({
        title: '专利转化专项资助办法',
        pages: [
          ['上海市专利转化专项资助办法', '第一条　为促进专利转化运用，制定本办法。', '第二条　本办法适用于本市企业。'],
          ['第三条　资助标准见附件。', '第四条　本办法自2026年5月1日起施行。'],
          ['附件：资助标准表'],
        ],
      });
      const doc = await read('办法.pdf', pdf);
      expect(doc.format).to.equal('pdf');
      expect(doc.title).to.equal('专利转化专项资助办法');
      expect(doc.text).to.not.include('上海市知识产权局文件');
      expect(doc.text).to.not.match(/-\s*\d\s*-/);
      const text = lines(doc).map((l) => l.replace(/\s/g, ''));
      expect(text).to.deep.equal(['上海市专利转化专项资助办法', '第一条为促进专利转化运用，制定本办法。', '第二条本办法适用于本市企业。', '第三条资助标准见附件。', '第四条本办法自2026年5月1日起施行。', '附件：资助标准表']);
      expect(doc.warnings.map((w) => w.code)).to.include('pdf_page_furniture_removed');
    });

    it('drops 第 n 页 footers too', async () => {
      const doc = await read('b.pdf', await buildPdf({ header: null, footer: (n) => `第 ${n} 页`, pages: [['第一条　总则。'], ['第二条　附则。']] }));
      expect(doc.text).to.not.include('页');
    });

    it('refuses a scan without a text layer', async () => {
      const error = await refusal(async () => read('scan.pdf', await scannedPdf()));
      expect(error.code).to.equal('pdf_no_text_layer');
    });

    it('refuses an encrypted PDF', async () => {
      const error = await refusal(async () => read('locked.pdf', await encryptedPdf()));
      expect(error.code).to.equal('document_encrypted');
    });

    it('refuses a file that only claims to be a PDF', async () => {
      expect((await refusal(() => read('fake.pdf', Buffer.from('这不是PDF')))).code).to.equal('format_mismatch');
    });
  });

  describe('.html (cheerio)', () => {
    it('finds the article and drops navigation, crumbs, share buttons and the footer', async () => {
      const doc = await read('page.html', Buffer.from(savedWebPage()));
      expect(doc.title).to.equal('关于开展2026年度专利转化专项资助申报工作的通知');
      expect(lines(doc)).to.include.members(['各区知识产权局、各有关单位：', '（一）注册在本市的企业；', '（二）拥有有效发明专利。', '项目\t资助标准', '上海市知识产权局']);
      for (const chrome of ['分享到', '收藏本文', '打印本页', '关闭窗口', '当前位置', '首页', '机构概况', '主办单位', '相关文件', '字体']) expect(doc.text, chrome).to.not.include(chrome);
      expect(doc.warnings.map((w) => w.code)).to.include('html_chrome_removed');
    });

    it('decodes a GBK page by its meta charset, and a page that declares the wrong one by its bytes', async () => {
      const declared = await read('gbk.html', gbk(savedWebPage({ charset: 'gb2312' })));
      expect(declared.encoding).to.equal('gb18030');
      expect(declared.text).to.include('各区知识产权局');
      const wrong = await read('wrong.htm', gbk(savedWebPage({ charset: 'utf-8' })));
      expect(wrong.text).to.include('各区知识产权局');
      expect(wrong.warnings.map((w) => w.code)).to.include('html_charset_mismatch');
    });

    it('picks the densest block when the page has no known content container', async () => {
      const page = `<html><head><title>通知</title></head><body><div class="menu"><a href="/">首页</a></div>
        <div><div><p>第一条　为规范专利资助资金管理，制定本办法。</p><p>第二条　本办法适用于本市企业和个人。</p></div></div>
        <div>友情链接 <a href="/x">某某网</a></div></body></html>`;
      const doc = await read('plain.html', Buffer.from(page));
      expect(lines(doc)).to.deep.equal(['第一条　为规范专利资助资金管理，制定本办法。', '第二条　本办法适用于本市企业和个人。']);
    });
  });

  describe('text files', () => {
    it('reads a Big5 text file and says so', async () => {
      const doc = await read('big5.txt', big5('第一條　為促進專利轉化運用，制定本辦法。'));
      expect(doc).to.deep.include({ format: 'txt', encoding: 'big5', text: '第一條　為促進專利轉化運用，制定本辦法。' });
    });

    it('takes Markdown headings as headings and the first as the title', async () => {
      const doc = await read('a.md', Buffer.from('# 专利资助办法\n\n## 第一章　总则\n第一条　为规范管理，制定本办法。'));
      expect(doc.title).to.equal('专利资助办法');
      expect(doc.blocks[1]).to.deep.equal({ kind: 'heading', level: 2, text: '第一章　总则' });
    });

    it('reads a GBK CSV as a table', async () => {
      const doc = await read('list.csv', gbk('项目,资助标准\r\n专利许可,5万元\r\n'));
      expect(doc).to.deep.include({ format: 'csv', encoding: 'gb18030', text: '项目\t资助标准\n专利许可\t5万元' });
    });
  });

  describe('bad input', () => {
    it('refuses a file over the configured size before reading it', async () => {
      const error = await refusal(() => read('big.txt', Buffer.alloc(2048, 0x41), extractLimits({ maxBytes: 1024 })));
      expect(error).to.include({ code: 'document_too_large', type: 'too_large' });
    });

    it('refuses a Word file renamed to .txt and an unknown extension', async () => {
      expect((await refusal(() => read('a.txt', sampleDocx()))).code).to.equal('format_mismatch');
      expect((await refusal(() => read('a.doc', Buffer.from('x')))).code).to.equal('format_unsupported');
    });

    it('refuses an empty document', async () => {
      expect((await refusal(() => read('empty.txt', Buffer.from('\n  \n')))).code).to.equal('document_empty');
    });
  });

  describe('preview', () => {
    it('proposes the container title and keeps it out of the body', async () => {
      const preview = await previewDocument({ bytes: sampleDocx(), filename: '措施.docx', limits });
      expect(preview.proposal.title).to.equal('关于促进专利转化运用的若干措施');
      expect(preview.proposal.body.split('\n')[0]).to.equal('沪知局〔2026〕21号');
    });

    it('refuses a JSONL batch as a single document', async () => {
      expect((await refusal(() => previewDocument({ bytes: Buffer.from('{"id":"a"}\n'), filename: 'a.jsonl', limits }))).code).to.equal('format_not_document');
    });
  });
});
