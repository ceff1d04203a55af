import { expect } from 'chai';
import type { PolicySearchResponse } from '../../schemas/policy.schema.js';
import { DomainError } from '../../server/errors.js';
import type { PolicySearchRequest } from '../../server/ports/search-index.port.js';
import { PolicySearchService } from '../../server/services/policy-search.service.js';
import { SearchGate } from '../../server/services/search-gate.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

/**
 * A repeated search is answered from the index's cached result, through a response and JSON kept
 * by that result's identity. These tests hold every change that must still show: a taxonomy label,
 * an index write, and the page asked for.
 */
describe('repeated searches reuse their response', function () {
  let t: TestPlatform;
  const query = `/api/v1/policies?q=${encodeURIComponent('专利')}&facets=true`;

  before(async function () {
    t = await startTestPlatform({ demo: true });
  });

  after(async function () {
    await t.close();
  });

  it('sends the same JSON with the same validator again', async function () {
    const first = await t.api<PolicySearchResponse>({ path: query });
    const second = await t.api<PolicySearchResponse>({ path: query });
    expect(first.status).to.equal(200);
    expect(first.body.total).to.be.greaterThan(0);
    expect(second.body).to.deep.equal(first.body);
    const etag = first.headers.get('etag');
    expect(etag).to.match(/^W\/"[0-9a-f]+-/);
    expect(second.headers.get('etag')).to.equal(etag);
    expect(first.headers.get('content-type')).to.match(/^application\/json; charset=utf-8/);
  });

  it('shows a renamed tag in the facets of the next repeated search', async function () {
    const before = await t.api<PolicySearchResponse>({ path: query });
    const bucket = before.body.facets?.dimensions.flatMap((dimension) => dimension.buckets)[0];
    if (!bucket) throw new Error('the demo search has no facet buckets');
    const renamed = await t.api({ method: 'PATCH', path: `/api/v1/taxonomy/tags/${bucket.tagId}`, token: TEST_ADMIN_TOKEN, body: { label: `${bucket.label}（新）` } });
    expect(renamed.status).to.equal(200);
    const after = await t.api<PolicySearchResponse>({ path: query });
    const renamedBucket = after.body.facets?.dimensions.flatMap((dimension) => dimension.buckets).find((b) => b.tagId === bucket.tagId);
    expect(renamedBucket?.label).to.equal(`${bucket.label}（新）`);
    expect(after.headers.get('etag')).to.not.equal(before.headers.get('etag'));
  });

  it('answers from the index as it is after a write, not from the response kept before it', async function () {
    const before = await t.api<PolicySearchResponse>({ path: query });
    const removed = before.body.hits[0];
    if (!removed) throw new Error('the demo search has no hits');
    await t.platform.services.index.removePolicies([removed.id]);
    const after = await t.api<PolicySearchResponse>({ path: query });
    expect(after.body.total).to.equal(before.body.total - 1);
    expect(after.body.hits.map((hit) => hit.id)).to.not.include(removed.id);
  });

  it('keeps the page number of each request, even where two pages share nothing else', async function () {
    const one = await t.api<PolicySearchResponse>({ path: `${query}&page=1&pageSize=5` });
    const two = await t.api<PolicySearchResponse>({ path: `${query}&page=2&pageSize=5` });
    const oneAgain = await t.api<PolicySearchResponse>({ path: `${query}&page=1&pageSize=5` });
    expect([one.body.page, two.body.page, oneAgain.body.page]).to.deep.equal([1, 2, 1]);
    expect(oneAgain.body).to.deep.equal(one.body);
  });

  it('asks the index once per query, day and taxonomy: a query handed over again after midnight asks for the new day', async function () {
    const { index, taxonomy } = t.platform.services;
    const asked: PolicySearchRequest[] = [];
    const recording = new Proxy(index, {
      get(target, property) {
        if (property === 'peekPolicies') {
          return (request: PolicySearchRequest) => {
            asked.push(request);
            return target.peekPolicies(request);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    // 23:59:59 in Shanghai, then a second past midnight.
    let now = new Date('2026-03-01T15:59:59Z');
    const search = new PolicySearchService({ index: recording, taxonomy, now: () => now });
    const query = Object.freeze({ page: 1, pageSize: 10, facets: false, q: '专利' });
    await search.search(query);
    await search.search(query);
    now = new Date('2026-03-01T16:00:01Z');
    await search.search(query);
    // Not frozen: the HTTP layer did not keep it, so neither does the service.
    await search.search({ ...query });
    await search.search({ ...query });
    const [first, second, third, fourth, fifth] = asked;
    expect(second).to.equal(first);
    expect(first?.today).to.equal('2026-03-01');
    expect(third?.today).to.equal('2026-03-02');
    expect(fourth).to.deep.equal(third);
    expect(fifth).to.not.equal(fourth);
  });

  it('answers a repeated search while every computing slot is taken, and refuses a new one', async function () {
    const { index, taxonomy } = t.platform.services;
    // One slot and room for one waiting search: with both taken, a search to compute is refused at once.
    const gate = new SearchGate({ concurrency: 1, maxQueue: 1, maxWaitMs: 5_000 });
    const search = new PolicySearchService({ index, taxonomy, now: () => new Date(), gate });
    const asked = { page: 1, pageSize: 10, facets: true, q: '质押' } as const;
    const first = await search.search(asked);
    let release: () => void = () => undefined;
    const busy = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = gate.run(async () => undefined);
    try {
      expect(await search.search(asked)).to.equal(first);
      const refused = await search.search({ ...asked, q: '商标' }).catch((error: unknown) => error);
      expect(refused).to.be.instanceOf(DomainError);
      expect((refused as DomainError).code).to.equal('search_busy');
    } finally {
      release();
      await Promise.all([busy, waiting]);
    }
    expect(Object.isFrozen(first) && Object.isFrozen(first.hits)).to.equal(true);
  });
});
