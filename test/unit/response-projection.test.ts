import { expect } from 'chai';
import { z } from 'zod';
import { projectionOf } from '../../server/http/response-projection.js';
import { policySearchResponseSchema } from '../../schemas/policy.schema.js';

const hitSchema = z.object({ id: z.string(), title: z.string(), tags: z.array(z.object({ id: z.string(), label: z.string() })), issuedAt: z.string().nullable() });
const pageSchema = z.object({
  total: z.number().int(),
  hits: z.array(hitSchema),
  facets: z.object({ counts: z.record(z.string(), z.object({ count: z.number() })) }).nullable(),
  note: z.string().optional(),
});

function page() {
  return {
    total: 2,
    hits: [
      { id: 'p-1', title: '专利资助', tags: [{ id: 'reg-sh', label: '上海' }], issuedAt: null },
      { id: 'p-2', title: '质押融资', tags: [{ id: 'need-funding', label: '资金' }], issuedAt: '2026-01-02' },
    ],
    facets: { counts: { 'reg-sh': { count: 1 }, 'need-funding': { count: 1 } } },
  };
}

/** What a client reads: the value through JSON. */
const sent = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('public response projection', () => {
  it('hands back the very same value when every object has only declared keys', () => {
    const value = page();
    expect(projectionOf(pageSchema)(value)).to.equal(value);
    const nulls = { ...page(), facets: null, note: 'x' };
    expect(projectionOf(pageSchema)(nulls)).to.equal(nulls);
  });

  it('drops undeclared keys at any depth, as the parse does, and shares every part that had none', () => {
    const value = page();
    const leaky = {
      ...value,
      reviewer: 'a@example.cn',
      hits: [value.hits[0], { ...value.hits[1], tags: [{ id: 'need-funding', label: '资金', internal: true }], draftBody: '未公开' }],
      facets: { counts: { ...value.facets.counts, 'reg-sh': { count: 1, secret: 'x' } } },
    };
    const projected = projectionOf(pageSchema)(leaky) as ReturnType<typeof page>;
    expect(sent(projected)).to.deep.equal(sent(pageSchema.parse(leaky)));
    expect(sent(projected)).to.deep.equal(sent(value));
    expect(projected.hits[0]).to.equal(value.hits[0]);
    expect(projected.facets.counts['need-funding']).to.equal(value.facets.counts['need-funding']);
    expect(leaky).to.have.property('reviewer');
    expect(leaky.hits[1]).to.have.property('draftBody');
  });

  it('keeps what a loose object declares open, drops what a strict one would refuse', () => {
    const loose = z.looseObject({ id: z.string() });
    const strict = z.strictObject({ id: z.string() });
    const value = { id: 'a', extra: { deep: 1 } };
    expect(projectionOf(loose)(value)).to.equal(value);
    expect(projectionOf(strict)(value)).to.deep.equal({ id: 'a' });
  });

  it('leaves to zod what changes values or picks a branch by them: defaults, transforms, trims, unions', () => {
    const schema = z.object({
      kind: z.union([z.object({ a: z.string() }), z.object({ a: z.string(), b: z.string() })]),
      count: z.number().default(0),
      label: z.string().trim(),
      upper: z.string().transform((text) => text.toUpperCase()),
    });
    const value = { kind: { a: 'x', b: 'y' }, label: '  标签 ', upper: 'ab' };
    expect(sent(projectionOf(schema)(value))).to.deep.equal(sent(schema.parse(value)));
    expect(projectionOf(schema)(value)).to.deep.equal({ kind: { a: 'x' }, count: 0, label: '标签', upper: 'AB' });
  });

  it('reads a key that Object.prototype also has only from the object itself', () => {
    const schema = z.object({ id: z.string(), constructor: z.string().optional() });
    const bare = { id: 'a' };
    expect(projectionOf(schema)(bare)).to.equal(bare);
    expect(sent(projectionOf(schema)({ id: 'a', constructor: '构造', other: 1 }))).to.deep.equal({ id: 'a', constructor: '构造' });
  });

  it('follows a recursive schema', () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    const value = { name: 'a', children: [{ name: 'b', children: [{ name: 'c', children: [], hidden: 1 }] }] };
    expect(projectionOf(node)(value)).to.deep.equal({ name: 'a', children: [{ name: 'b', children: [{ name: 'c', children: [] }] }] });
  });

  it('agrees with the parse on the public search answer', () => {
    const hit = {
      id: 'p-1',
      version: 1,
      title: '专利资助',
      docNumber: null,
      issuer: '市知识产权局',
      level: null,
      issuedAt: '2026-01-02',
      validity: 'effective',
      validityLabel: '现行有效',
      applicationWindow: null,
      snippet: '<mark>专利</mark>资助',
      score: 1.5,
      privateScoreParts: [1, 2],
    };
    const answer = {
      total: 1,
      page: 1,
      pageSize: 20,
      hits: [hit],
      facets: { dimensions: [{ dimension: 'region', label: '地区', buckets: [{ tagId: 'reg-sh', label: '上海', count: 1, parent: null, slot: 4 }] }], validity: [] },
    };
    expect(sent(projectionOf(policySearchResponseSchema)(answer))).to.deep.equal(sent(policySearchResponseSchema.parse(answer)));
    expect(JSON.stringify(projectionOf(policySearchResponseSchema)(answer))).not.to.include('privateScoreParts').and.not.to.include('slot');
  });
});
