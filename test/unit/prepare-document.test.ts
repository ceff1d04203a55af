import { expect } from 'chai';
import { findDates, standaloneDate } from '../../server/ingest/metadata/chinese-date.js';
import { findDocumentNumber } from '../../server/ingest/metadata/document-number.js';
import { proposeMetadata } from '../../server/ingest/metadata/metadata-proposal.js';
import { prepareDocument } from '../../server/ingest/prepare-document.js';

const NOTICE = [
  '上海市知识产权局关于印发《上海市专利资助办法》的通知',
  '沪知局[2026]21号',
  '各区知识产权局，各有关单位：',
  '现将《上海市专利资助办法》印发给你们，请认真贯彻执行。',
  '本办法自2026年1月1日起施行，有效期至2028年12月31日。',
  '附件：1.上海市专利资助办法',
  '2.专利资助申请表',
  '上海市知识产权局',
  '二〇二五年十二月三十一日',
  '上海市知识产权局办公室 2026年1月5日印发',
].join('\n');

describe('document metadata', () => {
  it('normalises 文号 brackets to 〔〕', () => {
    for (const line of ['沪知局〔2026〕21号', '沪知局[2026]21号', '沪知局(2026)21号', '沪知局（2026）21号', '沪知局［2026］第21号', '文号：沪知局【2026】21号']) {
      expect(findDocumentNumber({ line })?.value, line).to.equal('沪知局〔2026〕21号');
    }
    expect(findDocumentNumber({ line: '国知发保字〔2021〕12号' })?.value).to.equal('国知发保字〔2021〕12号');
    expect(findDocumentNumber({ line: '2026年度工作要点' })).to.equal(null);
  });

  it('reads dates in Chinese numerals and Arabic digits', () => {
    expect(findDates({ text: '二〇二三年三月一日' }).map((d) => d.iso)).to.deep.equal(['2023-03-01']);
    expect(findDates({ text: '二〇二三年十二月三十一日' }).map((d) => d.iso)).to.deep.equal(['2023-12-31']);
    expect(findDates({ text: '二○二四年二月二十九日' }).map((d) => d.iso)).to.deep.equal(['2024-02-29']);
    expect(findDates({ text: '自2026年1月1日起至2028年12月31日' }).map((d) => d.iso)).to.deep.equal(['2026-01-01', '2028-12-31']);
    expect(findDates({ text: '二〇二三年二月三十日' })).to.deep.equal([]);
    expect(standaloneDate({ line: '（2023年3月1日）' })).to.equal('2023-03-01');
    expect(standaloneDate({ line: '2023年3月1日前报送' })).to.equal(null);
  });

  it('proposes title, 文号, 主送机关, attachments, dates and validity from a notice', () => {
    expect(proposeMetadata({ text: NOTICE })).to.deep.equal({
      title: '上海市知识产权局关于印发《上海市专利资助办法》的通知',
      documentNumber: '沪知局〔2026〕21号',
      addressees: ['各区知识产权局', '各有关单位'],
      attachments: ['上海市专利资助办法', '专利资助申请表'],
      writtenOn: '2025-12-31',
      issuer: '上海市知识产权局',
      issuedOn: '2026-01-05',
      effectiveFrom: '2026-01-01',
      effectiveUntil: '2028-12-31',
      validityText: ['本办法自2026年1月1日起施行，有效期至2028年12月31日。'],
    });
  });

  it('turns 有效期N年 into an end date and joins a title wrapped over two lines', () => {
    const text = ['国家知识产权局关于进一步加强', '专利代理监管工作的意见', '各省、自治区、直辖市知识产权局：', '本意见自印发之日起施行，有效期5年。', '国家知识产权局', '2024年3月1日'].join('\n');
    const proposal = proposeMetadata({ text });
    expect(proposal.title).to.equal('国家知识产权局关于进一步加强专利代理监管工作的意见');
    expect(proposal.addressees).to.deep.equal(['各省、自治区、直辖市知识产权局']);
    expect(proposal.issuer).to.equal('国家知识产权局');
    expect(proposal.effectiveFrom).to.equal('2024-03-01');
    expect(proposal.effectiveUntil).to.equal('2029-02-28');
  });

  it('proposes nothing it cannot read', () => {
    expect(proposeMetadata({ text: '为进一步优化营商环境，现将有关事项公告如下。' })).to.deep.equal({});
  });
});

describe('prepareDocument', () => {
  const damaged = [
    '国家知识产权局关于优化营商环境的通知',
    '分享到：微信 微博',
    '【字体：大 中 小】',
    '各省、自治区、直辖市知识产权局：',
    '为加强知(zhī)识(shí)产(chǎn)权(quán)保护，优化营(yíng)商(shāng)环(huán)境(jìng)，</strong>现通知如下。',
    '澳门百家乐娱乐城，注册送彩金',
    '一、总体要求&nbsp;',
    '（一 ）提升质量',
    '收藏本文',
    '打印本页 关闭窗口',
  ].join('\r\n');
  const prepared = prepareDocument({ text: damaged });

  it('repairs pinyin, markup and page chrome, listing every change', () => {
    expect(prepared.text.split('\n')).to.deep.equal([
      '国家知识产权局关于优化营商环境的通知',
      '各省、自治区、直辖市知识产权局：',
      '为加强知识产权保护，优化营商环境，现通知如下。',
      '澳门百家乐娱乐城，注册送彩金',
      '一、总体要求 ',
      '（一 ）提升质量',
    ]);
    expect(prepared.repairs.map((r) => [r.line, r.code])).to.deep.equal([
      [2, 'page_chrome'],
      [3, 'page_chrome'],
      [5, 'html_residue'],
      [5, 'pinyin_annotation'],
      [7, 'html_residue'],
      [9, 'page_chrome'],
      [10, 'page_chrome'],
    ]);
    const pinyin = prepared.repairs.find((r) => r.code === 'pinyin_annotation');
    expect(pinyin?.message).to.match(/^删除拼音注音 8 处/);
    expect(pinyin?.before).to.include('知(zhī)识').and.not.include('</strong>');
    expect(pinyin?.after).to.equal('为加强知识产权保护，优化营商环境，现通知如下。');
    expect(prepared.repairs.find((r) => r.line === 2)).to.include({ before: '分享到：微信 微博', after: '' });
  });

  it('flags the injected line on its line of the repaired text and keeps it there for the drafter', () => {
    expect(prepared.suspects.map((s) => [s.line, s.code, s.text])).to.deep.equal([[4, 'gambling', '澳门百家乐娱乐城，注册送彩金']]);
    expect(prepared.suspects[0]?.reason).to.include('百家乐');
  });

  it('reports the garbled heading with its line in the repaired text', () => {
    expect(prepared.warnings.map((w) => [w.code, w.line])).to.deep.equal([['heading_malformed', 6]]);
  });

  it('proposes metadata from the repaired text', () => {
    expect(prepared.metadata).to.include({ title: '国家知识产权局关于优化营商环境的通知', issuer: '国家知识产权局' });
    expect(prepared.metadata.addressees).to.deep.equal(['各省、自治区、直辖市知识产权局']);
  });

  it('keeps Traditional and full-width characters as written, like search does', () => {
    const text = '國家知識產權局關於ＡＢＣ的通知';
    expect(prepareDocument({ text }).text).to.equal(text);
  });

  it('is idempotent: preparing the repaired text changes nothing more', () => {
    const again = prepareDocument({ text: prepared.text });
    expect(again.text).to.equal(prepared.text);
    expect(again.repairs).to.deep.equal([]);
  });
});

describe('prepareDocument on the demo library', () => {
  it('repairs nothing, flags nothing and warns about nothing in real policy texts', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'server', 'demo', 'policies.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
    const findings = lines.flatMap((line) => {
      const policy = JSON.parse(line) as { id: string; body: string };
      const prepared = prepareDocument({ text: policy.body });
      return [...prepared.repairs, ...prepared.suspects, ...prepared.warnings].map((f) => `${policy.id}:${f.code}:${f.line ?? ''}`);
    });
    expect(lines).to.have.length.greaterThan(50);
    expect(findings).to.deep.equal([]);
  });
});
