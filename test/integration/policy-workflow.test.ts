import { expect } from 'chai';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';

interface StaffPolicy {
  id: string;
  status: string;
  validity: string;
  currentVersion: number | null;
  successorId: string | null;
  articles: { label: string; children: unknown[] }[];
  reviews: { kind: string; decision: string; reviewerId: string }[];
  versions: { version: number }[];
}

interface SearchResponse {
  total: number;
  hits: { id: string; snippet: string; validity: string }[];
  facets: { dimensions: { dimension: string; buckets: { tagId: string; count: number }[] }[] } | null;
}

describe('policy workflow over HTTP', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  let legalReviewer: string;
  let otherDrafter: string;

  before(async () => {
    t = await startTestPlatform();
    drafter = await t.user({ id: 'drafter-wang', role: 'drafter', name: '王起草' });
    otherDrafter = await t.user({ id: 'drafter-li', role: 'drafter' });
    reviewer = await t.user({ id: 'reviewer-zhao', role: 'reviewer', name: '赵审查' });
    legalReviewer = await t.user({ id: 'reviewer-qian', role: 'reviewer', name: '钱审查' });
  });
  after(async () => t.close());

  async function approve(id: string) {
    for (const kind of ['confidentiality', 'legality']) {
      const res = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
  }

  async function publishNew(overrides: Record<string, unknown>): Promise<StaffPolicy> {
    const created = await t.api<StaffPolicy>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody(overrides) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id;
    await recordExemption({ t, id, token: drafter });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter })).status).to.equal(200);
    await approve(id);
    const published = await t.api<StaffPolicy>({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter });
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
    return published.body;
  }

  it('takes a draft through review to a published, searchable version', async () => {
    const created = await t.api<StaffPolicy>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ id: 'pd-pledge-2026' }) });
    expect(created.status).to.equal(201);
    expect(created.body.status).to.equal('draft');
    expect(created.body.articles.map((a) => a.label)).to.deep.equal(['', '第一条', '第二条', '第三条']);

    // Unpublished drafts are invisible to the public.
    expect((await t.api({ path: '/api/v1/policies/pd-pledge-2026' })).status).to.equal(404);
    const early = await t.api({ method: 'POST', path: '/api/v1/policies/pd-pledge-2026/publish', token: drafter });
    expect(early.status).to.equal(409);
    expect(early.body).to.have.nested.property('error.code', 'review_required');

    await recordExemption({ t, id: 'pd-pledge-2026', token: drafter });
    expect((await t.api({ method: 'POST', path: '/api/v1/policies/pd-pledge-2026/submit', token: drafter })).status).to.equal(200);
    const halfway = await t.api<StaffPolicy>({
      method: 'POST',
      path: '/api/v1/policies/pd-pledge-2026/review',
      token: reviewer,
      body: { kind: 'confidentiality', decision: 'approved' },
    });
    expect(halfway.body.status).to.equal('in_review');
    const stillBlocked = await t.api({ method: 'POST', path: '/api/v1/policies/pd-pledge-2026/publish', token: drafter });
    expect(stillBlocked.body).to.have.nested.property('error.message').that.includes('合法性审查');

    await t.api({ method: 'POST', path: '/api/v1/policies/pd-pledge-2026/review', token: legalReviewer, body: { kind: 'legality', decision: 'approved' } });
    const published = await t.api<StaffPolicy>({ method: 'POST', path: '/api/v1/policies/pd-pledge-2026/publish', token: drafter });
    expect(published.body.status).to.equal('published');
    expect(published.body.currentVersion).to.equal(1);

    const view = await t.api<{ version: number; articles: unknown[]; versions: unknown[]; validityLabel: string; tagRefs: { id: string }[] }>({
      path: '/api/v1/policies/pd-pledge-2026',
    });
    expect(view.status).to.equal(200);
    expect(view.body.version).to.equal(1);
    expect(view.body.validityLabel).to.equal('现行有效');
    expect(view.body.tagRefs.map((r) => r.id)).to.include.members(['region-pudong', 'qual-high-tech', 'need-pledge']);
    expect(view.body).not.to.have.property('disclosureReason');

    const search = await t.api<SearchResponse>({ path: `/api/v1/policies?q=${encodeURIComponent('质押融资贴息')}` });
    expect(search.body.hits.map((h) => h.id)).to.include('pd-pledge-2026');
    expect(search.body.hits[0]?.snippet).to.include('<mark>');
  });

  it('refuses a reviewer approving a policy they drafted', async () => {
    const adminDraft = await t.api<StaffPolicy>({
      method: 'POST',
      path: '/api/v1/policies',
      token: TEST_ADMIN_TOKEN,
      body: policyBody({ docNumber: '浦知规〔2026〕9号' }),
    });
    await recordExemption({ t, id: adminDraft.body.id, token: TEST_ADMIN_TOKEN });
    await t.api({ method: 'POST', path: `/api/v1/policies/${adminDraft.body.id}/submit`, token: TEST_ADMIN_TOKEN });
    const self = await t.api({
      method: 'POST',
      path: `/api/v1/policies/${adminDraft.body.id}/review`,
      token: TEST_ADMIN_TOKEN,
      body: { kind: 'legality', decision: 'approved' },
    });
    expect(self.status).to.equal(403);
    expect(self.body).to.have.nested.property('error.code', 'review_own_policy');
  });

  it('sends a rejected policy back to draft with the reviewer comment on record', async () => {
    const created = await t.api<StaffPolicy>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: null }) });
    const id = created.body.id;
    await recordExemption({ t, id, token: drafter });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter });
    const noComment = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewer, body: { kind: 'legality', decision: 'rejected' } });
    expect(noComment.status).to.equal(400);
    const rejected = await t.api<StaffPolicy>({
      method: 'POST',
      path: `/api/v1/policies/${id}/review`,
      token: reviewer,
      body: { kind: 'legality', decision: 'rejected', comment: '第二条贴息比例缺少依据' },
    });
    expect(rejected.body.status).to.equal('draft');
    expect(rejected.body.reviews).to.have.length(1);
    const edited = await t.api<StaffPolicy>({ method: 'PATCH', path: `/api/v1/policies/${id}`, token: drafter, body: { title: '浦东新区知识产权质押融资贴息办法（修改稿）' } });
    expect(edited.status).to.equal(200);
  });

  it('revises a policy into a new version while the published one stays public', async () => {
    const v1 = await publishNew({ docNumber: '浦知规〔2026〕2号', title: '浦东新区专利资助办法' });
    const revising = await t.api<StaffPolicy>({ method: 'POST', path: `/api/v1/policies/${v1.id}/revise`, token: drafter });
    expect(revising.body.status).to.equal('draft');
    await t.api({ method: 'PATCH', path: `/api/v1/policies/${v1.id}`, token: drafter, body: { body: '第一条　资助标准提高到每件3000元。' } });
    expect((await t.api<{ version: number }>({ path: `/api/v1/policies/${v1.id}` })).body.version).to.equal(1);

    await t.api({ method: 'POST', path: `/api/v1/policies/${v1.id}/submit`, token: drafter });
    await approve(v1.id);
    await t.api({ method: 'POST', path: `/api/v1/policies/${v1.id}/publish`, token: drafter });
    const latest = await t.api<{ version: number; body: string; versions: { version: number }[] }>({ path: `/api/v1/policies/${v1.id}` });
    expect(latest.body.version).to.equal(2);
    expect(latest.body.body).to.include('3000元');
    expect(latest.body.versions.map((v) => v.version)).to.deep.equal([1, 2]);
    const first = await t.api<{ version: number; body: string }>({ path: `/api/v1/policies/${v1.id}?version=1` });
    expect(first.body.version).to.equal(1);
    expect(first.body.body).not.to.include('3000元');
  });

  it('marks a predecessor as revised and links the successor', async () => {
    const old = await publishNew({ docNumber: '浦知规〔2024〕3号', title: '浦东新区专利质押贴息暂行办法', issuedAt: '2024-01-10' });
    const successor = await publishNew({ docNumber: '浦知规〔2026〕3号', predecessorId: old.id });
    const oldView = await t.api<{ validity: string; successorId: string }>({ path: `/api/v1/policies/${old.id}` });
    expect(oldView.body.validity).to.equal('revised');
    expect(oldView.body.successorId).to.equal(successor.id);
    const revisedOnly = await t.api<SearchResponse>({ path: '/api/v1/policies?validity=revised' });
    expect(revisedOnly.body.hits.map((h) => h.id)).to.deep.equal([old.id]);
  });

  it('repeals a policy with date and reason', async () => {
    const p = await publishNew({ docNumber: '浦知规〔2026〕4号', title: '浦东新区贯标奖励办法' });
    const bad = await t.api({ method: 'POST', path: `/api/v1/policies/${p.id}/repeal`, token: drafter, body: { repealedAt: '2026-13-01', reason: '到期' } });
    expect(bad.status).to.equal(400);
    const repealed = await t.api<StaffPolicy>({
      method: 'POST',
      path: `/api/v1/policies/${p.id}/repeal`,
      token: drafter,
      body: { repealedAt: '2026-10-01', reason: '已被市级政策替代' },
    });
    expect(repealed.body.validity).to.equal('repealed');
    const view = await t.api<{ validityLabel: string; repeal: { reason: string } }>({ path: `/api/v1/policies/${p.id}` });
    expect(view.body.validityLabel).to.equal('已废止');
    expect(view.body.repeal.reason).to.equal('已被市级政策替代');
    const again = await t.api({ method: 'POST', path: `/api/v1/policies/${p.id}/repeal`, token: drafter, body: { repealedAt: '2026-10-02', reason: '重复操作' } });
    expect(again.status).to.equal(409);
  });

  it('never shows non-public policies in any public endpoint, search result or facet count', async () => {
    const before = await t.api<SearchResponse>({ path: '/api/v1/policies?pageSize=100' });
    const withheld = await publishNew({
      docNumber: '浦知内〔2026〕1号',
      title: '涉密知识产权质押融资专项安排',
      disclosure: 'withheld',
      disclosureReason: '涉及国家秘密',
      criteria: { region: ['region-xuhui'] },
    });
    const onRequest = await publishNew({
      docNumber: '浦知内〔2026〕2号',
      title: '依申请公开的知识产权质押融资工作方案',
      disclosure: 'on_request',
      disclosureReason: '内部工作流程',
    });
    for (const id of [withheld.id, onRequest.id]) {
      const res = await t.api({ path: `/api/v1/policies/${id}` });
      expect(res.status).to.equal(404);
      expect(JSON.stringify(res.body)).not.to.include('涉及国家秘密');
    }
    const after = await t.api<SearchResponse>({ path: '/api/v1/policies?pageSize=100' });
    expect(after.body.total).to.equal(before.body.total);
    const keyword = await t.api<SearchResponse>({ path: `/api/v1/policies?q=${encodeURIComponent('涉密 专项安排')}` });
    expect(keyword.body.total).to.equal(0);
    const xuhui = after.body.facets?.dimensions.find((d) => d.dimension === 'region')?.buckets.find((b) => b.tagId === 'region-xuhui');
    expect(xuhui).to.equal(undefined);
    // Staff still see them with their reason.
    const staffView = await t.api<{ disclosureReason: string }>({ path: `/api/v1/staff/policies/${withheld.id}`, token: reviewer });
    expect(staffView.body.disclosureReason).to.equal('涉及国家秘密');
  });

  it('rejects writes with unknown or deprecated tags, naming the tag', async () => {
    const unknown = await t.api({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: null, tags: ['need-nope'] }) });
    expect(unknown.status).to.equal(400);
    expect(unknown.body).to.have.nested.property('error.code', 'tag_unknown');
    const deprecated = await t.api({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: null, tags: ['need-old-subsidy'] }) });
    expect(deprecated.status).to.equal(400);
    expect(deprecated.body).to.have.nested.property('error.code', 'tag_deprecated');
    const wrongDimension = await t.api({
      method: 'POST',
      path: '/api/v1/policies',
      token: drafter,
      body: policyBody({ docNumber: null, criteria: { region: ['qual-high-tech'] } }),
    });
    expect(wrongDimension.body).to.have.nested.property('error.code', 'tag_wrong_dimension');
  });

  it('answers bad input with a 4xx and the fixed error shape', async () => {
    const cases = [
      { name: 'malformed JSON', req: { method: 'POST', path: '/api/v1/policies', token: drafter, rawBody: '{"title": ' }, status: 400, code: 'malformed_json' },
      { name: 'unknown field', req: { method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: null, colour: 'red' }) }, status: 400, code: 'validation_failed' },
      { name: 'wrong type', req: { method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: null, tags: 'need-pledge' }) }, status: 400, code: 'validation_failed' },
      { name: 'oversized body', req: { method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ body: '条'.repeat(600_000) }) }, status: 413, code: 'body_too_large' },
      { name: 'not JSON', req: { method: 'POST', path: '/api/v1/policies', token: drafter, rawBody: 'title=x', headers: { 'content-type': 'text/plain' } }, status: 415, code: 'json_required' },
      { name: 'bad query', req: { path: '/api/v1/policies?pageSize=1000' }, status: 400, code: 'validation_failed' },
      { name: 'unknown query parameter', req: { path: '/api/v1/policies?colour=red' }, status: 400, code: 'validation_failed' },
      { name: 'unknown tag filter', req: { path: '/api/v1/policies?tags=nope-tag' }, status: 400, code: 'tag_unknown' },
      { name: 'no token', req: { method: 'POST', path: '/api/v1/policies', body: policyBody() }, status: 401, code: 'unauthenticated' },
      { name: 'bad token', req: { path: '/api/v1/policies', token: 'not-a-token' }, status: 401, code: 'invalid_token' },
      { name: 'wrong role', req: { method: 'POST', path: '/api/v1/policies', token: reviewer, body: policyBody() }, status: 403, code: 'role_forbidden' },
      { name: 'missing policy', req: { path: '/api/v1/policies/no-such-policy' }, status: 404, code: 'policy_not_found' },
      { name: 'unknown route', req: { path: '/api/v1/nothing-here' }, status: 404, code: 'route_not_found' },
      { name: 'duplicate 文号', req: { method: 'POST', path: '/api/v1/policies', token: otherDrafter, body: policyBody() }, status: 409, code: 'doc_number_taken' },
    ] as const;
    for (const c of cases) {
      const res = await t.api(c.req);
      expect(res.status, `${c.name}: ${JSON.stringify(res.body).slice(0, 300)}`).to.equal(c.status);
      expect(res.body, c.name).to.have.nested.property('error.code', c.code);
      expect(res.body, c.name).to.have.nested.property('error.message').that.is.a('string').and.not.empty;
    }
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const res = await t.api<{ openapi: string; paths: Record<string, Record<string, { parameters: { name: string }[] }>>; components: { schemas: Record<string, unknown> } }>({
      path: '/api/openapi.json',
    });
    expect(res.body.openapi).to.equal('3.1.0');
    expect(res.body.paths).to.include.keys('/api/v1/policies', '/api/v1/policies/{id}', '/api/v1/policies/{id}/review', '/api/v1/taxonomy');
    expect(res.body.paths['/api/v1/policies']?.get?.parameters.map((p) => p.name)).to.include.members(['q', 'tags', 'validity', 'page']);
    expect(res.body.components.schemas).to.include.keys('Article', 'Error');
  });

  it('reports health and readiness', async () => {
    expect((await t.api({ path: '/healthz' })).status).to.equal(200);
    const ready = await t.api<{ status: string; checks: { searchLag: number } }>({ path: '/readyz', token: TEST_ADMIN_TOKEN });
    expect(ready.status).to.equal(200);
    expect(ready.body.checks.searchLag).to.equal(0);
  });
});
