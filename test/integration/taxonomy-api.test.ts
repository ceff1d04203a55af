import { expect } from 'chai';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';
import { policyBody } from '../support/fixtures.js';

interface Tag {
  id: string;
  label: string;
  parent: string | null;
  deprecated: boolean;
  mergedInto: string | null;
}
interface SearchResponse {
  total: number;
  hits: { id: string }[];
  facets: { dimensions: { dimension: string; buckets: { tagId: string; count: number }[] }[] } | null;
}

describe('taxonomy administration over HTTP', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  let legalReviewer: string;

  before(async () => {
    t = await startTestPlatform();
    drafter = await t.user({ id: 'drafter-tax', role: 'drafter' });
    reviewer = await t.user({ id: 'reviewer-tax', role: 'reviewer' });
    legalReviewer = await t.user({ id: 'reviewer-tax-legal', role: 'reviewer' });
  });
  after(async () => t.close());

  async function publish(overrides: Record<string, unknown>): Promise<string> {
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody(overrides) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id;
    await recordExemption({ t, id, token: drafter });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter });
    for (const kind of ['confidentiality', 'legality']) {
      await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
    }
    const published = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter });
    expect(published.status).to.equal(200);
    return id;
  }

  const admin = (method: string, path: string, body?: unknown) => t.api<Tag>({ method, path, token: TEST_ADMIN_TOKEN, body });

  it('lists dimensions and tags publicly', async () => {
    const res = await t.api<{ dimensions: { id: string }[]; tags: Tag[] }>({ path: '/api/v1/taxonomy' });
    expect(res.status).to.equal(200);
    expect(res.body.dimensions.map((d) => d.id)).to.include.members(['region', 'need', 'qualification', 'issuer_level']);
    expect(res.body.tags.find((tag) => tag.id === 'region-pudong')?.parent).to.equal('region-shanghai');
  });

  it('creates, renames and moves tags, and only admins may', async () => {
    expect((await t.api({ method: 'POST', path: '/api/v1/taxonomy/tags', token: drafter, body: { id: 'region-minhang', dimension: 'region', label: '闵行区' } })).status).to.equal(403);
    const created = await admin('POST', '/api/v1/taxonomy/tags', { id: 'region-minhang', dimension: 'region', label: '闵行', parent: 'region-shanghai' });
    expect(created.status).to.equal(201);
    const renamed = await admin('PATCH', '/api/v1/taxonomy/tags/region-minhang', { label: '闵行区', synonyms: ['闵行'] });
    expect(renamed.body.label).to.equal('闵行区');
    const wrongParent = await admin('PATCH', '/api/v1/taxonomy/tags/region-minhang', { parent: 'qual-high-tech' });
    expect(wrongParent.status).to.equal(400);
    const cycle = await admin('PATCH', '/api/v1/taxonomy/tags/region-pudong', { parent: 'region-zhangjiang' });
    expect(cycle.status).to.equal(400);
    expect(cycle.body).to.have.nested.property('error.code', 'tag_cycle');
    const duplicate = await admin('POST', '/api/v1/taxonomy/tags', { id: 'region-minhang-2', dimension: 'region', label: '闵行区' });
    expect(duplicate.status).to.equal(409);
  });

  it('follows a move in search: a filter on the new ancestor finds the policy', async () => {
    await admin('POST', '/api/v1/taxonomy/tags', { id: 'region-caohejing', dimension: 'region', label: '漕河泾开发区', parent: 'region-pudong' });
    const id = await publish({ docNumber: '徐科〔2026〕1号', title: '漕河泾开发区专利导航项目扶持办法', criteria: { region: ['region-caohejing'] } });
    const underPudong = await t.api<SearchResponse>({ path: '/api/v1/policies?tags=region-pudong' });
    expect(underPudong.body.hits.map((h) => h.id)).to.include(id);
    expect((await admin('PATCH', '/api/v1/taxonomy/tags/region-caohejing', { parent: 'region-xuhui' })).status).to.equal(200);
    const pudongAfter = await t.api<SearchResponse>({ path: '/api/v1/policies?tags=region-pudong' });
    expect(pudongAfter.body.hits.map((h) => h.id)).not.to.include(id);
    const xuhui = await t.api<SearchResponse>({ path: '/api/v1/policies?tags=region-xuhui' });
    expect(xuhui.body.hits.map((h) => h.id)).to.include(id);
    const shanghai = await t.api<SearchResponse>({ path: '/api/v1/policies?tags=region-shanghai' });
    expect(shanghai.body.hits.map((h) => h.id)).to.include(id);
  });

  it('deprecates a tag: new writes naming it are refused', async () => {
    await admin('POST', '/api/v1/taxonomy/tags', { id: 'need-legacy', dimension: 'need', label: '旧需求' });
    const deprecated = await admin('POST', '/api/v1/taxonomy/tags/need-legacy/deprecate');
    expect(deprecated.body.deprecated).to.equal(true);
    const refused = await t.api({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: null, tags: ['need-legacy'] }) });
    expect(refused.body).to.have.nested.property('error.code', 'tag_deprecated');
  });

  it('merges a tag, rewriting every policy that used it in one step', async () => {
    await admin('POST', '/api/v1/taxonomy/tags', { id: 'need-ip-loan', dimension: 'need', label: '专利贷款' });
    const a = await publish({ docNumber: '浦知规〔2026〕21号', tags: ['need-ip-loan'] });
    const b = await publish({ docNumber: '浦知规〔2026〕22号', tags: ['need-ip-loan', 'need-pledge'] });
    const merged = await t.api<{ tag: Tag; policiesRewritten: number }>({
      method: 'POST',
      path: '/api/v1/taxonomy/tags/need-ip-loan/merge',
      token: TEST_ADMIN_TOKEN,
      body: { into: 'need-pledge' },
    });
    expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
    expect(merged.body.policiesRewritten).to.equal(2);
    expect(merged.body.tag).to.include({ deprecated: true, mergedInto: 'need-pledge' });
    for (const id of [a, b]) {
      const view = await t.api<{ tags: string[] }>({ path: `/api/v1/policies/${id}` });
      expect(view.body.tags).to.deep.equal(['need-pledge']);
    }
    const oldFilter = await t.api<SearchResponse>({ path: '/api/v1/policies?tags=need-ip-loan' });
    expect(oldFilter.body.hits.map((h) => h.id)).to.include.members([a, b]);
    const facet = oldFilter.body.facets?.dimensions.find((d) => d.dimension === 'need')?.buckets.find((x) => x.tagId === 'need-ip-loan');
    expect(facet).to.equal(undefined);
    const self = await t.api({ method: 'POST', path: '/api/v1/taxonomy/tags/need-pledge/merge', token: TEST_ADMIN_TOKEN, body: { into: 'need-pledge' } });
    expect(self.status).to.equal(400);
    const across = await t.api({ method: 'POST', path: '/api/v1/taxonomy/tags/need-pledge/merge', token: TEST_ADMIN_TOKEN, body: { into: 'region-xuhui' } });
    expect(across.body).to.have.nested.property('error.code', 'tag_wrong_dimension');
  });
});
