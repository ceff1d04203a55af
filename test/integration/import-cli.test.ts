import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';

const run = promisify(execFile);

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({ title: '上海市专利转化专项资助办法', issuer: '上海市知识产权局', body: '第一条　为促进专利转化，制定本办法。', ...fields });
}

describe('bulk import command (npm run import)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports valid lines, reports each bad line and writes nothing of it', async () => {
    const file = path.join(dir, 'policies.jsonl');
    fs.writeFileSync(
      file,
      [
        line({ id: 'imp-old', docNumber: '沪知〔2023〕1号', state: 'published', publishedAt: '2023-02-01T10:00:00+08:00' }),
        line({ id: 'imp-bad-field', colour: 'red' }),
        '{"id": "imp-broken", ',
        line({
          id: 'imp-new',
          docNumber: '沪知〔2025〕1号',
          predecessorId: 'imp-old',
          state: 'published',
          publishedAt: '2025-02-01T10:00:00+08:00',
          revisions: [{ publishedAt: '2025-08-01T10:00:00+08:00', changes: { body: '第一条　修订后的正文。' } }],
        }),
        line({
          id: 'imp-half',
          state: 'published',
          publishedAt: '2025-03-01T10:00:00+08:00',
          revisions: [{ publishedAt: '2025-09-01T10:00:00+08:00', changes: { tags: ['no-such-tag'] } }],
        }),
        line({ id: 'imp-dangling', predecessorId: 'imp-missing', state: 'draft' }),
        line({ id: 'imp-repealed', state: 'repealed', publishedAt: '2022-01-01T10:00:00+08:00', repeal: { repealedAt: '2024-01-01', reason: '已完成阶段性任务' } }),
        '',
      ].join('\n'),
    );
    const tsx = path.resolve('node_modules/.bin/tsx');
    const env = { ...process.env, DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent' };
    const result = await run(tsx, ['server/cli/import.cli.ts', file], { env }).then(
      (r) => ({ code: 0, ...r }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include('已导入 3 条，失败 4 条');
    expect(result.stdout).to.match(/第 2 行（imp-bad-field）：\[validation_failed\]/);
    expect(result.stdout).to.match(/第 3 行.*\[malformed_json\]/);
    expect(result.stdout).to.match(/第 5 行（imp-half）：\[tag_unknown\]/);
    expect(result.stdout).to.match(/第 6 行（imp-dangling）：\[predecessor_unknown\]/);

    const store = new SqliteStore({ file: path.join(dir, 'platform.sqlite') });
    try {
      for (const id of ['imp-bad-field', 'imp-broken', 'imp-half', 'imp-dangling']) {
        expect(await store.policies.get(id), id).to.equal(null);
        expect(await store.policies.listVersions({ policyId: id }), id).to.have.length(0);
        expect(await store.policies.listReviews({ policyId: id }), id).to.have.length(0);
      }
      const old = await store.policies.get('imp-old');
      expect(old).to.include({ validity: 'revised', successorId: 'imp-new' });
      const versions = await store.policies.listVersions({ policyId: 'imp-new' });
      expect(versions.map((v) => v.version)).to.deep.equal([1, 2]);
      expect(versions[1]?.body).to.include('修订后的正文');
      expect(versions[0]?.reviews.map((r) => r.kind)).to.have.members(['confidentiality', 'legality']);
      expect(await store.policies.get('imp-repealed')).to.include({ status: 'repealed', validity: 'repealed' });
    } finally {
      await store.close();
    }

    // Running the same file again imports nothing twice.
    const rerun = await run(tsx, ['server/cli/import.cli.ts', file], { env }).then(
      (r) => ({ code: 0, ...r }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(rerun.stdout).to.include('已导入 0 条，失败 7 条');
    expect(rerun.stdout).to.match(/第 1 行（imp-old）：\[policy_exists\]/);
  });
});
