import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { buildPdf, gbk, invalidByteOnLine7, PLAIN_POLICY, sampleDocx, savedWebPage, utf8Bom } from '../support/ingest-fixtures.js';

const exec = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');

async function run({ args, dir }: { args: string[]; dir: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent' };
  return exec(tsx, args, { env, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ code: 0, ...r }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

async function withStore<T>(dir: string, use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ file: path.join(dir, 'platform.sqlite') });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const jsonLine = (fields: Record<string, unknown>) => JSON.stringify({ issuer: '上海市知识产权局', body: '第一条　为促进专利转化，制定本办法。', ...fields });

describe('import command with a folder of mixed files (npm run import)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-docs-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports each readable file, refuses the rest with reason and line, writes nothing of them and exits 1', async () => {
    const folder = path.join(dir, 'catalogue');
    fs.mkdirSync(path.join(folder, '网页'), { recursive: true });
    fs.writeFileSync(path.join(folder, '措施.docx'), sampleDocx());
    fs.writeFileSync(path.join(folder, '办法.pdf'), await buildPdf({ title: '专利质押融资贴息办法', pages: [['第一条　为缓解融资难题，制定本办法。'], ['第二条　本办法自发布之日起施行。']] }));
    fs.writeFileSync(path.join(folder, '网页', '通知.html'), gbk(savedWebPage({ charset: 'gbk' })));
    fs.writeFileSync(path.join(folder, '资助办法.txt'), gbk(PLAIN_POLICY));
    fs.writeFileSync(path.join(folder, 'bom.jsonl'), utf8Bom(`${jsonLine({ id: 'bom-first', title: '带BOM的第一行' })}\n`));
    fs.writeFileSync(path.join(folder, 'gbk.jsonl'), gbk(`${jsonLine({ id: 'gbk-line', title: '国家知识产权局专利转化通知' })}\n`));
    fs.writeFileSync(path.join(folder, '坏字节.txt'), invalidByteOnLine7());
    fs.writeFileSync(path.join(folder, '改名.pdf'), sampleDocx());
    fs.writeFileSync(path.join(folder, '.DS_Store'), Buffer.from([0, 1, 2]));

    const before = await withStore(dir, async (store) => (await store.policies.list({ limit: 100, offset: 0 })).total).catch(() => 0);
    const result = await run({ args: ['server/cli/import.cli.ts', folder, '--issuer', '上海市知识产权局'], dir });
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stderr).to.include('导入文件');
    expect(result.stdout).to.match(/措施\.docx：✓ DOCX · UTF-8 · 修复 \d+ 处 · 可疑行 \d+ 行 · 提示 \d+ 条 → 草稿 doc-[0-9a-f]{16}/);
    expect(result.stdout).to.match(/办法\.pdf：✓ PDF/);
    expect(result.stdout).to.match(/网页\/通知\.html：✓ HTML · GB18030/);
    expect(result.stdout).to.match(/资助办法\.txt：✓ TXT · GB18030/);
    expect(result.stdout).to.match(/bom\.jsonl：✓ JSONL · UTF-8 · 导入 1 条/);
    expect(result.stdout).to.match(/gbk\.jsonl：✓ JSONL · GB18030 · 导入 1 条/);
    expect(result.stdout).to.match(/坏字节\.txt：✗ 拒绝 \[encoding_undecodable\]（第 7 行）/);
    expect(result.stdout).to.match(/改名\.pdf：✗ 拒绝 \[format_mismatch\]/);
    expect(result.stdout).to.include('共 8 个文件：成功 6 个，拒绝或部分失败 2 个');
    expect(result.stdout).to.not.include('DS_Store');

    await withStore(dir, async (store) => {
      const { items, total } = await store.policies.list({ limit: 100, offset: 0 });
      expect(total - before).to.equal(6);
      const titles = items.map((p) => p.title);
      expect(titles).to.include.members(['关于促进专利转化运用的若干措施', '专利质押融资贴息办法', '关于开展2026年度专利转化专项资助申报工作的通知', '上海市专利转化专项资助办法', '带BOM的第一行', '国家知识产权局专利转化通知']);
      for (const policy of items.filter((p) => p.id.startsWith('doc-'))) {
        expect(policy.status).to.equal('draft');
        expect(policy.issuer).to.equal('上海市知识产权局');
        expect(policy.body).to.not.include('\uFFFD');
      }
      const gbkText = items.find((p) => p.title === '上海市专利转化专项资助办法');
      expect(gbkText?.body).to.include('第二条　本办法适用于注册在本市的企业。');
      expect(items.some((p) => p.body.includes('坏字节'))).to.equal(false);
    });

    // The same folder again: every document is already there, nothing is written twice.
    const again = await run({ args: ['server/cli/import.cli.ts', folder, '--issuer', '上海市知识产权局'], dir });
    expect(again.code).to.equal(1);
    expect(again.stdout).to.match(/措施\.docx：✗ 拒绝 \[policy_exists\] 该文件已导入过/);
    await withStore(dir, async (store) => expect((await store.policies.list({ limit: 100, offset: 0 })).total - before).to.equal(6));
  });

  it('refuses a document whose issuer it cannot determine unless --issuer gives one', async () => {
    const file = path.join(dir, '无机关.txt');
    fs.writeFileSync(file, '某某专项资助实施细则\n第一条　为规范资助，制定本细则。\n');
    const refused = await run({ args: ['server/cli/import.cli.ts', file], dir });
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.match(/✗ 拒绝 \[metadata_missing\] 无法从文件中确定发文机关/);
    const accepted = await run({ args: ['server/cli/import.cli.ts', file, '--issuer', '浦东新区知识产权局'], dir });
    expect(accepted.code, accepted.stdout).to.equal(0);
    expect(accepted.stdout).to.include('共 1 个文件：成功 1 个');
  });

  it('refuses a single GBK JSONL file with a bad byte, naming the line, and imports a clean GBK one as GBK', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, Buffer.concat([gbk(`${jsonLine({ id: 'gbk-ok-1', title: '第一份文件标题' })}\n${jsonLine({ id: 'gbk-ok-2', title: '第二份文件标题' })}\n`), Buffer.from([0x81, 0x0a])]));
    const refused = await run({ args: ['server/cli/import.cli.ts', bad], dir });
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.match(/\[encoding_undecodable\] 第 3 行无法解码/);
    await withStore(dir, async (store) => expect(await store.policies.get('gbk-ok-1')).to.equal(null));

    const good = path.join(dir, 'good.jsonl');
    fs.writeFileSync(good, gbk(`${jsonLine({ id: 'gbk-ok-1', title: '第一份文件标题' })}\n`));
    const imported = await run({ args: ['server/cli/import.cli.ts', good], dir });
    expect(imported.code, imported.stdout).to.equal(0);
    expect(imported.stderr).to.include('GB18030');
    await withStore(dir, async (store) => expect((await store.policies.get('gbk-ok-1'))?.title).to.equal('第一份文件标题'));
  });

  it('imports a GBK enterprise CSV saved by Excel with the names intact', async () => {
    const file = path.join(dir, 'enterprises.csv');
    fs.writeFileSync(file, gbk(`name,creditCode\r\n上海张江专利运营有限公司,${syntheticCreditCode(9101)}\r\n浦东知识产权服务中心,${syntheticCreditCode(9102)}\r\n`));
    const result = await run({ args: ['server/cli/import-subscribers.cli.ts', file], dir });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stderr).to.include('GB18030');
    await withStore(dir, async (store) => {
      const names = (await store.subscribers.list({ limit: 100, offset: 0 })).items.map((s) => s.name);
      expect(names).to.include.members(['上海张江专利运营有限公司', '浦东知识产权服务中心']);
    });

    const broken = path.join(dir, 'broken.csv');
    fs.writeFileSync(broken, Buffer.concat([Buffer.from('name,creditCode\n测试公司,x\n', 'utf8'), Buffer.from([0xff, 0xfe, 0x0a])]));
    const refused = await run({ args: ['server/cli/import-subscribers.cli.ts', broken], dir });
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.match(/\[encoding_undecodable\] 第 3 行/);
  });
});
