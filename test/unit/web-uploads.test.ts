import { expect } from 'chai';
import { z } from 'zod';
import { zodErrors } from '../../server/web/forms.js';
import { decodeTextFile, uploadLimitFor } from '../../server/web/uploads.js';
import { loadConfig } from '../../server/config.js';

describe('portal forms: text files, upload routes and messages', () => {
  it('reads text files as UTF-8 (with or without a byte-order mark) or, failing that, as GBK', () => {
    expect(decodeTextFile(Buffer.from('第一条　本办法', 'utf8'))).to.equal('第一条　本办法');
    expect(decodeTextFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('正文', 'utf8')]))).to.equal('正文');
    expect(decodeTextFile(Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0x41]))).to.equal('中文A');
  });

  it('accepts files only on the routes that expect one, each with its own limit', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/unused', UPLOAD_MAX_BYTES: '2048' });
    expect(uploadLimitFor({ path: '/staff/policies/p-1a2b/interpretation/graphics', config })).to.equal(2048);
    expect(uploadLimitFor({ path: '/staff/policies/p-1a2b/interpretation/videos', config })).to.equal(2048);
    expect(uploadLimitFor({ path: '/staff/policies/new/body-file', config })).to.equal(4 * 1024 * 1024);
    expect(uploadLimitFor({ path: '/account/contacts', config })).to.equal(null);
    expect(uploadLimitFor({ path: '/staff/policies/../x/interpretation/graphics', config })).to.equal(null);
  });

  it('words zod’s default messages in Chinese and keeps the ones the schemas wrote', () => {
    const schema = z.object({ name: z.string().min(2), count: z.number().max(5), link: z.url(), note: z.string().max(3), alt: z.string().min(2, '请写替代文本'), missing: z.string() });
    const parsed = schema.safeParse({ name: 'a', count: 9, link: 'no', note: 'abcd', alt: '' });
    const errors = parsed.success ? [] : zodErrors(parsed.error);
    expect(errors).to.deep.equal([
      { field: 'name', message: '至少 2 个字' },
      { field: 'count', message: '不能大于 5' },
      { field: 'link', message: '请输入以 http:// 或 https:// 开头的网址' },
      { field: 'note', message: '不能超过 3 个字' },
      { field: 'alt', message: '请写替代文本' },
      { field: 'missing', message: '请填写此项' },
    ]);
  });
});
