import { expect } from 'chai';
import { DomainError } from '../../server/errors.js';
import { decodeText } from '../../server/ingest/decode.js';
import { big5, gbk, invalidByteOnLine7, PLAIN_POLICY, utf8Bom } from '../support/ingest-fixtures.js';

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('text decoding (UTF-8, BOM, UTF-16, GB18030, Big5)', () => {
  it('reads UTF-8 as it is and reports the encoding', () => {
    expect(decodeText({ bytes: Buffer.from(PLAIN_POLICY, 'utf8') })).to.deep.include({ text: PLAIN_POLICY, encoding: 'utf-8', bom: false });
  });

  it('drops a UTF-8 byte-order mark so the first line reads as typed', () => {
    const decoded = decodeText({ bytes: utf8Bom('{"id":"a"}\n第二行') });
    expect(decoded).to.deep.include({ encoding: 'utf-8', bom: true });
    expect(decoded.text.split('\n')[0]).to.equal('{"id":"a"}');
  });

  it('reads UTF-16 with either byte-order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('第一条　总则', 'utf16le')]);
    expect(decodeText({ bytes: le })).to.deep.include({ text: '第一条　总则', encoding: 'utf-16le' });
    const be = Buffer.from(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('第一条', 'utf16le').swap16()]));
    expect(decodeText({ bytes: be })).to.deep.include({ text: '第一条', encoding: 'utf-16be' });
  });

  it('detects GBK (as GB18030) in a file Notepad saved on Chinese Windows', () => {
    const decoded = decodeText({ bytes: gbk(PLAIN_POLICY) });
    expect(decoded).to.deep.include({ text: PLAIN_POLICY, encoding: 'gb18030' });
  });

  it('reads a two-character GBK file as Chinese even though its bytes also pass as UTF-8, and flags the choice', () => {
    expect(decodeText({ bytes: gbk('通知') })).to.deep.include({ text: '通知', encoding: 'gb18030', uncertain: true });
    expect(decodeText({ bytes: Buffer.from('Привет, café') })).to.deep.include({ text: 'Привет, café', encoding: 'utf-8' });
  });

  it('detects Big5 in a traditional-character file', () => {
    const text = '上海市專利轉化專項資助辦法\n第一條　為促進專利轉化運用，制定本辦法。\n第二條　本辦法自發布之日起施行。';
    expect(decodeText({ bytes: big5(text) })).to.deep.include({ text, encoding: 'big5' });
  });

  it('chooses GB18030 for simplified text even where the bytes would also pass as Big5', () => {
    const text = '国家知识产权局关于加强专利代理行业监管的通知';
    expect(decodeText({ bytes: gbk(text) }).encoding).to.equal('gb18030');
  });

  it('refuses a file with one invalid byte, naming line 7, instead of writing U+FFFD', () => {
    const error = refusal(() => decodeText({ bytes: invalidByteOnLine7() }));
    expect(error.code).to.equal('encoding_undecodable');
    expect(error.details).to.deep.include({ line: 7 });
    expect(error.message).to.include('第 7 行');
  });

  it('refuses a GBK file with a broken double-byte character on its line', () => {
    const bytes = Buffer.concat([gbk('第一条　总则\n第二条　适用范围\n'), Buffer.from([0x81, 0x0a]), gbk('第四条')]);
    const error = refusal(() => decodeText({ bytes }));
    expect(error.code).to.equal('encoding_undecodable');
    expect(error.details).to.deep.include({ line: 3 });
  });

  it('refuses binary content (NUL bytes) as not text', () => {
    const error = refusal(() => decodeText({ bytes: Buffer.from([0x41, 0x0a, 0x42, 0x00, 0x43]) }));
    expect(error.code).to.equal('not_text');
    expect(error.details).to.deep.include({ line: 2 });
  });

  it('decodes by a declared legacy charset and refuses bytes that break it', () => {
    expect(decodeText({ bytes: gbk('通知'), declared: 'gb18030' }).text).to.equal('通知');
    expect(refusal(() => decodeText({ bytes: Buffer.from([0x41, 0x0a, 0xff, 0xff]), declared: 'big5' })).details).to.deep.include({ line: 2 });
  });
});
