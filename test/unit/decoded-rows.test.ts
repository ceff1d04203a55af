import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createPolicyBodySchema } from '../../schemas/policy.schema.js';
import { DecodedRows } from '../../server/adapters/sqlite/decoded-rows.js';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { SYSTEM_IMPORTER } from '../../server/services/actor.js';
import { newPolicyRecord } from '../../server/services/policy-workflow.js';
import { policyBody } from '../support/fixtures.js';

interface Doc {
  title: string;
  articles: { label: string }[];
}

function rows({ maxEntries = 10, maxBytes = 1_000_000 }: { maxEntries?: number; maxBytes?: number } = {}) {
  let decodes = 0;
  const cache = new DecodedRows<Doc>({
    maxEntries,
    maxBytes,
    decode: (text) => {
      decodes += 1;
      return JSON.parse(text) as Doc;
    },
  });
  return { cache, decodes: () => decodes };
}

const bytes = (doc: Doc) => Buffer.from(JSON.stringify(doc), 'utf8');

describe('decoded policy rows', () => {
  it('decodes the same stored text once and hands out one deep-frozen object', () => {
    const { cache, decodes } = rows();
    const stored: Doc = { title: '质押融资贴息办法', articles: [{ label: '第一条' }] };
    const first = cache.decode({ key: 'p-1', bytes: bytes(stored) });
    const again = cache.decode({ key: 'p-1', bytes: bytes(stored) });
    expect(again).to.equal(first);
    expect(decodes()).to.equal(1);
    expect(Object.isFrozen(first)).to.equal(true);
    expect(Object.isFrozen(first.articles)).to.equal(true);
    expect(Object.isFrozen(first.articles[0])).to.equal(true);
    // ES modules are strict: an accidental write throws instead of changing what the next reader gets.
    expect(() => {
      (first as { title: string }).title = '改过的标题';
    }).to.throw(TypeError);
    expect(() => first.articles.push({ label: '第二条' })).to.throw(TypeError);
    expect(cache.decode({ key: 'p-1', bytes: bytes(stored) }).title).to.equal('质押融资贴息办法');
  });

  it('never answers an older decoding once the stored text of the row differs, even by one byte', () => {
    const { cache, decodes } = rows();
    const before = cache.decode({ key: 'p-1', bytes: bytes({ title: '办法', articles: [{ label: '第一条' }] }) });
    const after = cache.decode({ key: 'p-1', bytes: bytes({ title: '办法', articles: [{ label: '第二条' }] }) });
    expect(after).not.to.equal(before);
    expect(after.articles[0]?.label).to.equal('第二条');
    expect(before.articles[0]?.label).to.equal('第一条');
    // Back to the first text: decoded again, not mixed up with the second.
    expect(cache.decode({ key: 'p-1', bytes: bytes({ title: '办法', articles: [{ label: '第一条' }] }) }).articles[0]?.label).to.equal('第一条');
    expect(decodes()).to.equal(3);
  });

  it('does not share a decoding between two rows with the same text', () => {
    const { cache } = rows();
    const text = bytes({ title: '同样的文本', articles: [] });
    expect(cache.decode({ key: 'p-1', bytes: text })).not.to.equal(cache.decode({ key: 'p-2', bytes: Buffer.from(text) }));
  });

  it('keeps at most the configured number of documents and bytes, dropping the least recently used', () => {
    const { cache, decodes } = rows({ maxEntries: 2 });
    const doc = (title: string) => bytes({ title, articles: [] });
    cache.decode({ key: 'a', bytes: doc('a') });
    cache.decode({ key: 'b', bytes: doc('b') });
    cache.decode({ key: 'a', bytes: doc('a') });
    cache.decode({ key: 'c', bytes: doc('c') });
    expect(cache.size).to.equal(2);
    expect(decodes()).to.equal(3);
    cache.decode({ key: 'a', bytes: doc('a') });
    expect(decodes(), 'a was used last, b went first').to.equal(3);
    cache.decode({ key: 'b', bytes: doc('b') });
    expect(decodes()).to.equal(4);

    const small = rows({ maxBytes: 60 });
    small.cache.decode({ key: 'a', bytes: doc('a'.repeat(30)) });
    small.cache.decode({ key: 'b', bytes: doc('b'.repeat(30)) });
    expect(small.cache.size).to.equal(1);
    small.cache.decode({ key: 'huge', bytes: doc('h'.repeat(100)) });
    expect(small.cache.size, 'a document larger than the budget is decoded but not kept').to.equal(1);
  });

  it('follows a write made through another connection to the same file (another process)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'decoded-rows-'));
    const file = path.join(dir, 'platform.sqlite');
    const web = new SqliteStore({ file });
    const worker = new SqliteStore({ file });
    try {
      await worker.migrate();
      const record = newPolicyRecord({ id: 'p-decoded', body: createPolicyBodySchema.parse(policyBody()), actor: SYSTEM_IMPORTER, at: '2026-03-01T00:00:00.000Z' });
      await worker.policies.insert(record);
      const seen = await web.policies.get('p-decoded');
      expect(seen?.title).to.equal('浦东新区知识产权质押融资贴息办法');
      expect(await web.policies.get('p-decoded')).to.equal(seen);
      expect(Object.isFrozen(seen?.articles)).to.equal(true);

      await worker.policies.update({ policy: { ...record, title: '修订后的贴息办法', revision: record.revision + 1 }, expectedRevision: record.revision });
      const next = await web.policies.get('p-decoded');
      expect(next?.title).to.equal('修订后的贴息办法');
      expect(seen?.title, 'what an earlier caller holds does not change under it').to.equal('浦东新区知识产权质押融资贴息办法');
    } finally {
      await web.close();
      await worker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
