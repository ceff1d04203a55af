import { expect } from 'chai';
import { checkCreditCode, creditCodeCheckCharacter, syntheticCreditCode } from '../../server/subscribers/credit-code.js';

describe('统一社会信用代码 check character (GB 32100-2015)', () => {
  // Check characters computed by hand from the standard's weights for these bodies.
  it('accepts codes whose check character is right', () => {
    expect(creditCodeCheckCharacter('91350100M000100Y4')).to.equal('3');
    expect(checkCreditCode('91350100M000100Y43')).to.deep.equal({ valid: true, code: '91350100M000100Y43' });
    expect(checkCreditCode(' 91350100m000100y43 ')).to.deep.equal({ valid: true, code: '91350100M000100Y43' });
  });

  it('rejects a wrong check character, a wrong length and forbidden letters with a reason', () => {
    const wrong = checkCreditCode('91350100M000100Y44');
    expect(wrong.valid).to.equal(false);
    expect(wrong).to.have.property('reason').that.includes('校验位');
    expect(checkCreditCode('9135010')).to.have.property('reason').that.includes('18 位');
    expect(checkCreditCode('91350100M000100I43')).to.have.property('reason').that.includes('无效字符');
    expect(checkCreditCode('91ABCDEFM000100Y43')).to.have.property('reason').that.includes('行政区划');
  });

  it('detects any single changed character', () => {
    const code = syntheticCreditCode(12345);
    expect(checkCreditCode(code).valid).to.equal(true);
    for (let i = 8; i < 17; i += 1) {
      const replacement = code[i] === '7' ? '8' : '7';
      const changed = code.slice(0, i) + replacement + code.slice(i + 1);
      expect(checkCreditCode(changed).valid, changed).to.equal(false);
    }
  });
});
