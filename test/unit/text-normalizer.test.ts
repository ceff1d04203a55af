import { expect } from 'chai';
import { normalizeText } from '../../server/text/text-normalizer.js';

describe('normalizeText', function () {
  it('converts Traditional Chinese to Simplified', function () {
    expect(normalizeText('關於申請專利資助的通知')).to.equal('关于申请专利资助的通知');
    expect(normalizeText('知識產權質押融資')).to.equal('知识产权质押融资');
    expect(normalizeText('統一社會信用代碼')).to.equal('统一社会信用代码');
  });

  it('converts Taiwan and Hong Kong variants', function () {
    expect(normalizeText('臺灣')).to.equal('台湾');
    expect(normalizeText('台灣')).to.equal('台湾');
    // Taiwan writes 著 for the particle 着; Hong Kong writes 綫 for 線.
    expect(normalizeText('隨著')).to.equal('随着');
    expect(normalizeText('綫上辦理')).to.equal('线上办理');
    expect(normalizeText('衞生')).to.equal('卫生');
  });

  it('leaves Simplified text alone, including 著 in 显著 and 著作权', function () {
    const text = '成效显著的著作权登记、专精特新“小巨人”企业、才能、峰值、群体';
    expect(normalizeText(text)).to.equal(text);
    expect(normalizeText('顯著')).to.equal('显著');
    expect(normalizeText('著作權')).to.equal('著作权');
  });

  it('folds full-width ASCII and the ideographic space', function () {
    expect(normalizeText('ＰＣＴ　国际申请（２０２４）！')).to.equal('pct 国际申请(2024)!');
    expect(normalizeText('ＧＢ／Ｔ２９４９０－２０２３')).to.equal('gb/t29490-2023');
  });

  it('keeps full-width CJK punctuation outside the ASCII block', function () {
    expect(normalizeText('“小巨人”、《办法》。')).to.equal('“小巨人”、《办法》。');
  });

  it('lower-cases Latin letters', function () {
    expect(normalizeText('ISO 9001 and Ａｂｃ')).to.equal('iso 9001 and abc');
  });

  it('keeps the UTF-16 length, so offsets map back to the original', function () {
    const samples = [
      '關於推進粵港澳大灣區知識產權保險試點工作的通知',
      'ＡＢＣ　ｘｙｚ',
      '二噁英檢測',
      '㗲𠵾混合',
      'İstanbul',
      '豈有此理',
      '軟體與積體電路',
    ];
    for (const sample of samples) expect(normalizeText(sample)).to.have.lengthOf(sample.length);
  });

  it('does not apply vocabulary conversions that would change length or meaning', function () {
    // twp-style tables would turn these into 软件/集成电路/文档; we only change the script.
    expect(normalizeText('軟體')).to.equal('软体');
    expect(normalizeText('下发文件')).to.equal('下发文件');
  });

  it('is idempotent', function () {
    const once = normalizeText('關於ＰＣＴ國際專利申請資助的通知');
    expect(normalizeText(once)).to.equal(once);
  });

  it('handles the empty string', function () {
    expect(normalizeText('')).to.equal('');
  });
});
