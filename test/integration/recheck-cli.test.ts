import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createPolicyBodySchema } from '../../schemas/policy.schema.js';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { newPolicyRecord } from '../../server/services/policy-workflow.js';

const run = promisify(execFile);
const ACTOR = { id: 'importer', name: '导入', role: 'admin' as const };

describe('library re-check command (npm run recheck)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recheck-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists, per stored policy, the repairs, suspect lines and heading warnings, and changes nothing', async () => {
    const store = new SqliteStore({ file: path.join(dir, 'platform.sqlite') });
    await store.migrate();
    const damaged = ['一、总体要求', '加强知(zhī)识(shí)产(chǎn)权(quán)保护</strong>', '时时彩代理招募，日赚千元', '（三）强化服务', '分享到：微信 微博'].join('\n');
    const clean = ['一、总体要求', '加强知识产权保护。', '二、保障措施'].join('\n');
    await store.policies.insert(newPolicyRecord({ id: 'old-damaged', body: createPolicyBodySchema.parse({ title: '受损的旧文件', issuer: '上海市知识产权局', body: damaged }), actor: ACTOR, at: '2020-01-01T00:00:00.000Z' }));
    await store.policies.insert(newPolicyRecord({ id: 'old-clean', body: createPolicyBodySchema.parse({ title: '干净的旧文件', issuer: '上海市知识产权局', body: clean }), actor: ACTOR, at: '2020-01-01T00:00:00.000Z' }));
    await store.close();

    const tsx = path.resolve('node_modules/.bin/tsx');
    const env = { ...process.env, DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'https://ip.example.gov.cn' };
    const result = await run(tsx, ['server/cli/recheck.cli.ts'], { env });
    expect(result.stdout).to.include('old-damaged  受损的旧文件');
    expect(result.stdout).to.include('https://ip.example.gov.cn/staff/policies/old-damaged/text-check');
    expect(result.stdout).to.match(/可修复 {2}第2行 {2}删除残留的网页标签/);
    expect(result.stdout).to.match(/可修复 {2}第2行 {2}删除拼音注音 4 处/);
    expect(result.stdout).to.match(/可修复 {2}第5行 {2}删除网页栏目内容/);
    expect(result.stdout).to.match(/可疑 {4}第3行 {2}含博彩类词语“时时彩”/);
    expect(result.stdout).to.include('层级');
    expect(result.stdout).not.to.include('old-clean  ');
    expect(result.stdout).to.include('复查完成：共 2 份政策，1 份有发现；可修复 3 处，可疑内容 1 行');
    expect(result.stderr).to.include('文本复查');

    const json = await run(tsx, ['server/cli/recheck.cli.ts', '--json'], { env });
    const report = JSON.parse(json.stdout) as { checked: number; entries: { policyId: string }[] };
    expect(report.checked).to.equal(2);
    expect(report.entries.map((e) => e.policyId)).to.deep.equal(['old-damaged']);

    const after = new SqliteStore({ file: path.join(dir, 'platform.sqlite') });
    try {
      expect((await after.policies.get('old-damaged'))?.body).to.equal(damaged);
    } finally {
      await after.close();
    }
  });
});
