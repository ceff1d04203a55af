import { expect } from 'chai';
import sharp from 'sharp';
import { packageContentSchema } from '../../schemas/interpretation.schema.js';
import { ensureCardFonts } from '../../server/adapters/sharp/sharp.fonts.js';
import { SharpImageProcessor } from '../../server/adapters/sharp/sharp.image-processor.js';
import { CARD_FONT_FAMILY } from '../../server/ports/image-processor.port.js';
import { checkCompleteness, interpretationGate, packageDigest } from '../../server/interpretation/completeness.js';
import { chooseGroup, questionTerms, termSimilarity, topicTerms } from '../../server/interpretation/question-grouping.js';
import { cleanQuestionText } from '../../server/interpretation/question.service.js';
import { layoutSummaryCard, wrapText } from '../../server/interpretation/summary-card.js';
import { ageOf } from '../../server/interpretation/working-days.js';
import { sniffFormat } from '../../server/interpretation/image-upload.js';
import { Taxonomy } from '../../server/services/taxonomy.js';

describe('grouping of public questions', () => {
  const topic = topicTerms('上海市专利资助办法');
  const same = (a: string, b: string) => termSimilarity({ a: questionTerms(a), b: questionTerms(b), topic });

  it('puts questions that ask the same thing together', () => {
    expect(same('我们公司能申请专利资助吗？', '企业可以申请专利资助吗')).to.be.at.least(0.6);
    expect(same('申报截止时间是什么时候', '什么时候截止申报')).to.be.at.least(0.6);
    expect(same('國外專利資助最多多少錢', '国外专利资助最多多少钱')).to.equal(1);
  });

  it('keeps questions apart that only share the policy topic', () => {
    expect(same('我们公司能申请专利资助吗', '专利资助需要提交哪些材料')).to.be.below(0.6);
    expect(same('专利资助什么时候到账', '专利资助的申报截止时间')).to.be.below(0.6);
  });

  it('chooses the most similar group above the threshold, or none', () => {
    const groups = [
      { id: 'materials', terms: questionTerms('专利资助需要哪些申请材料') },
      { id: 'who', terms: questionTerms('企业能不能申请专利资助') },
    ];
    expect(chooseGroup({ terms: questionTerms('公司可以申请专利资助吗'), groups, topic })?.id).to.equal('who');
    expect(chooseGroup({ terms: questionTerms('资助资金多久到账'), groups, topic })).to.equal(null);
  });
});

describe('question text', () => {
  it('keeps markup as literal text and drops invisible characters', () => {
    expect(cleanQuestionText('  <b>资助</b>\u202e\u200b  怎么\n\n申请？ ')).to.equal('<b>资助</b> 怎么 申请？');
  });
});

describe('age of a question in working days', () => {
  it('counts Monday to Friday in Beijing time and sets the reply due at the end of the third working day', () => {
    // Friday 2026-11-20 15:00 in Shanghai.
    const askedAt = '2026-11-20T07:00:00.000Z';
    const monday = ageOf({ askedAt, now: new Date('2026-11-23T02:00:00.000Z') });
    expect(monday.workingDays).to.equal(1);
    expect(monday.dueAt).to.equal('2026-11-25T15:59:59.000Z');
    expect(monday.overdue).to.equal(false);
    const thursday = ageOf({ askedAt, now: new Date('2026-11-26T01:00:00.000Z') });
    expect(thursday.workingDays).to.equal(4);
    expect(thursday.overdue).to.equal(true);
    expect(thursday.label).to.equal('已等待 4 个工作日');
    expect(ageOf({ askedAt, now: new Date('2026-11-20T09:30:00.000Z') }).label).to.equal('已等待 2 小时');
  });
});

describe('package completeness and the publication gate', () => {
  const taxonomy = new Taxonomy({
    dimensions: [{ id: 'policy_type', label: '政策类型', description: '' }],
    tags: [
      { id: 'ptype-subsidy', dimension: 'policy_type', label: '资金补贴', synonyms: [], parent: null, deprecated: false, mergedInto: null },
      { id: 'ptype-subsidy-patent', dimension: 'policy_type', label: '专利资助', synonyms: [], parent: 'ptype-subsidy', deprecated: false, mergedInto: null },
    ],
  });
  const content = (sections: Record<string, unknown>) => packageContentSchema.parse({ sections });

  it('asks a subsidy policy, including a subtype, for 申报条件, 办事指引 and 惠企举措', () => {
    const result = checkCompleteness({ policy: { tags: ['ptype-subsidy-patent'], applicationWindow: null }, content: content({ mainContent: '内容', scope: '对象' }), taxonomy, exempt: false, unannotatedChanges: 0 });
    expect(result.complete).to.equal(false);
    expect(result.missing.map((m) => m.label)).to.deep.equal(['申报条件', '办事指引', '惠企举措']);
  });

  it('asks any policy with an application window how to apply', () => {
    const result = checkCompleteness({ policy: { tags: [], applicationWindow: { opensAt: '2026-01-01', closesAt: '2026-02-01' } }, content: content({ mainContent: '内容', scope: '对象' }), taxonomy, exempt: false, unannotatedChanges: 2 });
    expect(result.missing.map((m) => m.section)).to.deep.equal(['eligibility', 'guide']);
    expect(result.warnings.join()).to.include('2 处变化');
  });

  it('blocks publication when a review saw another package, and passes with an exemption that was reviewed', () => {
    const draft = { policyId: 'p-x', content: content({}), exemption: { reason: '内部文件', recordedBy: 'd', recordedAt: '2026-01-01T00:00:00Z' }, basedOnVersion: null, revision: 1, updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'd' };
    const digest = packageDigest({ draft, draftFaqs: [] });
    const completeness = checkCompleteness({ policy: { tags: ['ptype-subsidy'], applicationWindow: null }, content: draft.content, taxonomy, exempt: true, unannotatedChanges: 0 });
    const review = (kind: 'confidentiality' | 'legality', seen: string | null) => ({
      review: { id: kind === 'legality' ? 2 : 1, kind, decision: 'approved' as const, round: 1, reviewerName: '审查', at: '2026-01-02T00:00:00Z' },
      digest: seen,
    });
    expect(interpretationGate({ draft, digest, completeness, coverage: [review('confidentiality', digest), review('legality', 'other')] })).to.include({ status: 'blocked', code: 'interpretation_not_reviewed' });
    expect(interpretationGate({ draft, digest, completeness, coverage: [review('confidentiality', digest), review('legality', digest)] })).to.deep.equal({ status: 'exempt', reason: '内部文件' });
    // Saving the same content again keeps the digest: bookkeeping is not part of what was reviewed.
    expect(packageDigest({ draft: { ...draft, revision: 7, updatedAt: '2026-03-01T00:00:00Z' }, draftFaqs: [] })).to.equal(digest);
  });
});

describe('the summary card (政策一图读懂)', () => {
  before(() => ensureCardFonts());

  async function inkBox(text: string): Promise<{ width: number; height: number }> {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="#fff"/><text x="50" y="300" font-family="${CARD_FONT_FAMILY}" font-size="240" fill="#000">${text}</text></svg>`;
    const { info } = await sharp(Buffer.from(svg)).png().trim({ background: '#ffffff', threshold: 40 }).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height };
  }

  it('renders Chinese with the bundled font: real glyphs, not boxes', async () => {
    // A missing glyph is drawn as a box the same size for every character; 一 is one flat stroke.
    const one = await inkBox('一');
    const country = await inkBox('国');
    expect(one.height / one.width).to.be.below(0.25);
    expect(country.height / country.width).to.be.within(0.8, 1.25);
  });

  it('lays out the card and renders it as a PNG', async () => {
    const svg = layoutSummaryCard({
      title: '浦东新区知识产权质押融资贴息贴费实施办法 & <附件>',
      docNumber: '浦知局规〔2025〕2号',
      issuer: '浦东新区知识产权局',
      issuedAt: '2025-03-18',
      keyPoints: ['贴息比例提高到60%', '首贷企业70%', '单户每年最高50万元'],
      audience: '浦东新区中小微企业',
      deadline: { label: '申报截止', date: '2025-12-31' },
      footer: '政策全文请访问 example.gov.cn',
    });
    expect(svg).to.include('&amp; &lt;附件&gt;');
    expect(svg).to.include('2025年12月31日');
    const png = await new SharpImageProcessor().renderSvgPng({ svg });
    const meta = await sharp(png).metadata();
    expect(meta.format).to.equal('png');
    expect(meta.width).to.equal(1080);
  });

  it('wraps Chinese lines without starting one with closing punctuation or splitting a number', () => {
    const lines = wrapText({ text: '对企业知识产权质押贷款实际支付的利息，按照60%的比例给予贴息，单户企业年度贴息金额不超过50万元。', fontSize: 30, maxWidth: 300, maxLines: 5 });
    expect(lines.join('')).to.equal('对企业知识产权质押贷款实际支付的利息，按照60%的比例给予贴息，单户企业年度贴息金额不超过50万元。');
    for (const line of lines.slice(1)) expect(line).to.not.match(/^[，。、；：？！）》]/);
    expect(lines.some((line) => line.includes('60%'))).to.equal(true);
    expect(wrapText({ text: '很长'.repeat(100), fontSize: 30, maxWidth: 300, maxLines: 2 }).at(-1)).to.match(/…$/);
  });
});

describe('image format sniffing', () => {
  it('reads the format from the bytes, not the name', () => {
    expect(sniffFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).to.equal('png');
    expect(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).to.equal('jpeg');
    expect(sniffFormat(Buffer.from('GIF89a....'))).to.equal('gif');
    expect(sniffFormat(Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ', 'latin1'))).to.equal('webp');
    expect(sniffFormat(Buffer.from('\uFEFF <?xml version="1.0"?><svg></svg>'))).to.equal('svg');
    expect(sniffFormat(Buffer.from('第一条 文字'))).to.equal(null);
  });
});
