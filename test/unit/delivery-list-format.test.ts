import { expect } from 'chai';
import { maskContact } from '../../server/push/contact-mask.js';
import { csvCell } from '../../server/text/csv-writer.js';

describe('delivery list: masked contacts and formula-safe CSV cells', () => {
  it('masks e-mail to its first letter and domain, shortens WeChat ids and openids, keeps park group names', () => {
    expect(maskContact({ channel: 'email', address: 'zhang@example.com' })).to.equal('z***@example.com');
    expect(maskContact({ channel: 'wechat_oa', address: 'oAbCdEfGhIjKlMnOpQrSt' })).to.equal('oAbC…QrSt');
    expect(maskContact({ channel: 'wechat', address: '张三的微信' })).to.equal('张***');
    expect(maskContact({ channel: 'wecom_robot', address: '张江企业服务群' })).to.equal('张江企业服务群');
    expect(maskContact({ channel: 'email', address: null })).to.equal(null);
  });

  it('puts a quote before cells a spreadsheet would run as formulas, and quotes commas and quotes', () => {
    expect(['=1+1', '+86', '-2', '@SUM(A1)'].map(csvCell)).to.deep.equal(["'=1+1", "'+86", "'-2", "'@SUM(A1)"]);
    expect(csvCell('甲,乙')).to.equal('"甲,乙"');
    expect(csvCell('=HYPERLINK("x")')).to.equal(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('张江园区')).to.equal('张江园区');
  });
});
