import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DomainError } from '../../server/errors.js';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import { ThreadedSearchIndex } from '../../server/adapters/embedded-search/embedded-thread.search-index.js';
import { fromThreadError, toThreadError } from '../../server/adapters/embedded-search/embedded-thread.protocol.js';
import type { PolicySearchDoc, PolicySearchRequest } from '../../server/ports/search-index.port.js';
import { addUserTerms } from '../../server/text/segmenter.js';
import { CONTRACT_POLICIES, CONTRACT_TODAY } from '../contract/search-index.contract.js';

function request(overrides: Partial<PolicySearchRequest> = {}): PolicySearchRequest {
  return { tagFilters: {}, sort: 'relevance', offset: 0, limit: 20, facets: true, today: CONTRACT_TODAY, ...overrides };
}

function fixture(): PolicySearchDoc {
  const base = CONTRACT_POLICIES[0];
  if (!base) throw new Error('fixture missing');
  return base;
}

describe('the embedded search index on its own thread', function () {
  let index: ThreadedSearchIndex;

  beforeEach(async function () {
    index = new ThreadedSearchIndex({ file: ':memory:' });
    await index.open();
    await index.upsertPolicies(CONTRACT_POLICIES);
  });

  afterEach(async function () {
    await index.close();
  });

  it('does not keep an answer asked before a write that was sent meanwhile', async function () {
    const asked = request({ q: '专利资助' });
    const added: PolicySearchDoc = { ...fixture(), id: 'written-meanwhile', title: '区专利资助实施细则', body: '对获得授权的发明专利给予专利资助。' };
    // The search is sent first, so the thread answers it before the write; its answer arrives after the write was sent.
    const [before] = await Promise.all([index.searchPolicies(asked), index.upsertPolicies([added])]);
    expect(before.hits.map((hit) => hit.id)).not.to.include('written-meanwhile');
    expect(index.peekPolicies(asked)).to.equal(null);
    const after = await index.searchPolicies(asked);
    expect(after.total).to.equal(before.total + 1);
    expect(after.hits.map((hit) => hit.id)).to.include('written-meanwhile');
    // Asked with nothing written since, it is kept and handed out again.
    expect(index.peekPolicies(asked)).to.equal(after);
  });

  it('segments with every word this thread was taught, before and after it started', async function () {
    addUserTerms(['鲸落专项']);
    const late = new ThreadedSearchIndex({ file: ':memory:' });
    const reference = new EmbeddedSearchIndex({ file: ':memory:' });
    await late.open();
    await reference.open();
    try {
      addUserTerms(['蓝鲸计划书']);
      const docs: PolicySearchDoc[] = [
        { ...fixture(), id: 'whole', title: '鲸落专项资金管理办法', body: '设立鲸落专项，配套蓝鲸计划书评审。' },
        { ...fixture(), id: 'apart', title: '鲸落与专项工作通知', body: '鲸落相关专项，蓝鲸计划与评审书。' },
      ];
      await late.upsertPolicies(docs);
      await reference.upsertPolicies(docs);
      for (const q of ['鲸落专项', '蓝鲸计划书']) {
        const threaded = await late.searchPolicies(request({ q }));
        const inThread = await reference.searchPolicies(request({ q }));
        expect(threaded.hits.map(({ id, score, snippet }) => ({ id, score, snippet })), q).to.deep.equal(inThread.hits.map(({ id, score, snippet }) => ({ id, score, snippet })));
      }
    } finally {
      await late.close();
      await reference.close();
    }
  });

  it('hands back an error thrown on the thread and keeps answering', async function () {
    const broken = { ...fixture(), id: 'broken', body: null } as unknown as PolicySearchDoc;
    let caught: unknown = null;
    await index.upsertPolicies([broken]).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.be.instanceOf(Error);
    expect((caught as Error).message).to.be.a('string').and.not.equal('');
    expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length);
    expect((await index.searchPolicies(request({ q: '质押融资' }))).total).to.be.greaterThan(0);
  });

  it('carries a domain error across with its type, code and details', function () {
    const crossed = fromThreadError(structuredClone(toThreadError(new DomainError({ type: 'invalid', code: 'query_too_long', message: '检索词过长', details: { max: 200 } }))));
    expect(crossed).to.be.instanceOf(DomainError);
    expect(crossed).to.include({ type: 'invalid', code: 'query_too_long', message: '检索词过长' });
    expect((crossed as DomainError).details).to.deep.equal({ max: 200 });
    const plain = fromThreadError(structuredClone(toThreadError(new TypeError('body is not a string'))));
    expect(plain).not.to.be.instanceOf(DomainError);
    expect(plain).to.include({ name: 'TypeError', message: 'body is not a string' });
  });

  it('refuses work after close as before open, and opens again on the same file', async function () {
    const closed = new ThreadedSearchIndex({ file: ':memory:' });
    const refusal = async (): Promise<unknown> => closed.countPolicies().catch((error: unknown) => error);
    expect(await refusal()).to.include({ type: 'unavailable', code: 'search_index_closed' });
    await closed.open();
    await closed.close();
    expect(await refusal()).to.include({ type: 'unavailable', code: 'search_index_closed' });
    expect(() => closed.peekPolicies(request())).to.throw(DomainError);
    await closed.open();
    try {
      expect(await closed.countPolicies()).to.equal(0);
    } finally {
      await closed.close();
    }
  });

  it('lets a process end once nothing is awaited from the thread, and not before', async function () {
    this.timeout(60_000);
    const module = fileURLToPath(new URL('../../server/adapters/embedded-search/embedded-thread.search-index.ts', import.meta.url));
    // Never closed: the process must still end by itself after printing, and must not end while the count is awaited.
    const script = `
      const { ThreadedSearchIndex } = await import(${JSON.stringify(module)});
      const index = new ThreadedSearchIndex({ file: ':memory:' });
      await index.open();
      console.log('count', await index.countPolicies());
    `;
    const child = spawn(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 45_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(output).to.contain('count 0');
    expect(code, output).to.equal(0);
  });
});
