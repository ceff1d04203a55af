import { expect } from 'chai';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

interface Staff {
  policyStatus: string;
  draft: { revision: number; basedOnVersion: number | null } | null;
  digest: string | null;
  completeness: { complete: boolean; missing: { section: string; label: string; reason: string }[]; warnings: string[]; policyTypes: { tagId: string }[] };
  gate: { status: string; code: string | null; message: string };
  reviews: { kind: string; decision: string; digest: string | null; coversCurrent: boolean }[];
  faqs: { id: string; status: string; question: string }[];
  releases: { version: number; exempt: boolean }[];
}

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const SUBSIDY_BODY = `为支持企业开展知识产权质押融资，制定本办法。
第一条　本办法适用于注册在浦东新区的高新技术企业。
第二条　企业以专利权开展知识产权质押融资的，按实际贷款利息的50%给予贴息。
第三条　单个企业年度贴息不超过50万元。
第四条　本办法自发布之日起施行。`;

const COMPLETE_SECTIONS = {
  background: '落实市级知识产权质押融资工作部署。',
  mainContent: '对专利权质押贷款按利息的50%贴息，单个企业每年最高50万元。',
  scope: '注册在浦东新区的高新技术企业。',
  eligibility: '以专利权质押取得银行贷款并按期付息。',
  guide: {
    steps: [{ title: '在线申报', detail: '贷款结清后6个月内通过企业服务平台申请。' }],
    materials: [{ name: '借款合同' }, { name: '质押登记通知书' }],
    phone: '021-12345678',
  },
  benefits: '贴息50%，每年最高50万元。',
};

describe('interpretation packages and the 三同步 gate over HTTP', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  let legalReviewer: string;

  before(async () => {
    t = await startTestPlatform();
    await t.platform.services.taxonomy.seed({
      dimensions: [],
      tags: [
        { id: 'ptype-subsidy', dimension: 'policy_type', label: '资金补贴', synonyms: ['补贴', '资助'], parent: null, deprecated: false, mergedInto: null },
        { id: 'ptype-notice', dimension: 'policy_type', label: '通知公告', synonyms: [], parent: null, deprecated: false, mergedInto: null },
      ],
    });
    await t.platform.services.taxonomy.load();
    drafter = await t.user({ id: 'drafter-interp', role: 'drafter', name: '钱起草' });
    reviewer = await t.user({ id: 'reviewer-interp', role: 'reviewer', name: '孙审查' });
    legalReviewer = await t.user({ id: 'reviewer-interp-legal', role: 'reviewer', name: '钱审查' });
  });
  after(async () => t.close());

  async function create(overrides: Record<string, unknown>): Promise<string> {
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ body: SUBSIDY_BODY, tags: ['need-pledge', 'ptype-subsidy'], ...overrides }) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return created.body.id;
  }

  const staff = async (id: string) => (await t.api<Staff>({ path: `/api/v1/staff/policies/${id}/interpretation`, token: drafter })).body;
  const patch = (id: string, body: Record<string, unknown>) => t.api<Staff & ErrorBody>({ method: 'PATCH', path: `/api/v1/policies/${id}/interpretation`, token: drafter, body });
  const post = (path: string, token = drafter, body?: unknown) => t.api<ErrorBody & Record<string, unknown>>({ method: 'POST', path, token, ...(body === undefined ? {} : { body }) });

  async function approve(id: string) {
    for (const kind of ['confidentiality', 'legality']) {
      const res = await post(`/api/v1/policies/${id}/review`, kind === 'legality' ? legalReviewer : reviewer, { kind, decision: 'approved' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
  }

  it('refuses to submit a policy without a package, then an incomplete one, with a clear reason', async () => {
    const id = await create({ docNumber: '浦知规〔2026〕31号' });
    const none = await post(`/api/v1/policies/${id}/submit`);
    expect(none.status).to.equal(409);
    expect(none.body.error.code).to.equal('interpretation_missing');
    expect(none.body.error.message).to.include('三同步');

    const partial = await patch(id, { revision: 0, sections: { mainContent: '贴息50%。', scope: '浦东新区高新技术企业。', guide: { steps: [{ title: '在线申报' }] } } });
    expect(partial.status, JSON.stringify(partial.body)).to.equal(200);
    expect(partial.body.completeness.policyTypes.map((p) => p.tagId)).to.deep.equal(['ptype-subsidy']);
    expect(partial.body.completeness.missing.map((m) => m.section)).to.deep.equal(['eligibility', 'guide', 'benefits']);
    expect(partial.body.completeness.missing.find((m) => m.section === 'guide')?.reason).to.include('申请材料');

    const incomplete = await post(`/api/v1/policies/${id}/submit`);
    expect(incomplete.status).to.equal(409);
    expect(incomplete.body.error.code).to.equal('interpretation_incomplete');
    expect(incomplete.body.error.message).to.include('申报条件').and.include('办事指引');
  });

  it('publishes a complete, reviewed package with the policy and freezes it with the version', async () => {
    const id = await create({ docNumber: '浦知规〔2026〕32号' });
    const saved = await patch(id, { revision: 0, sections: COMPLETE_SECTIONS, keyPoints: ['贴息50%', '每年最高50万元', '在线申报'] });
    expect(saved.body.completeness.complete).to.equal(true);
    const faq = await post(`/api/v1/policies/${id}/faqs`, drafter, { question: '贷款还没还清可以申请贴息吗？', answer: '不可以，结清后6个月内申请。', category: '申请程序' });
    expect(faq.status).to.equal(201);
    expect(faq.body.status).to.equal('draft');
    // Not public before the policy is.
    expect((await t.api({ path: `/api/v1/policies/${id}/faqs` })).status).to.equal(404);

    expect((await post(`/api/v1/policies/${id}/submit`)).status).to.equal(200);
    // Locked while in review: the reviewers approve what they saw.
    const locked = await patch(id, { revision: 1, sections: { ...COMPLETE_SECTIONS, notes: '改动' } });
    expect(locked.status).to.equal(409);
    expect(locked.body.error.code).to.equal('interpretation_not_editable');
    await approve(id);
    const reviewed = await staff(id);
    expect(reviewed.reviews).to.have.length(2);
    expect(reviewed.reviews.every((r) => r.coversCurrent && r.digest === reviewed.digest)).to.equal(true);
    expect(reviewed.gate.status).to.equal('ready');

    expect((await post(`/api/v1/policies/${id}/publish`)).status).to.equal(200);
    const published = await t.api<{ version: number; sections: { eligibility: string }; faqs: { question: string }[]; keyPoints: string[]; card: { png: string } }>({
      path: `/api/v1/policies/${id}/interpretation`,
    });
    expect(published.status).to.equal(200);
    expect(published.body.version).to.equal(1);
    expect(published.body.sections.eligibility).to.include('专利权质押');
    expect(published.body.faqs.map((f) => f.question)).to.deep.equal(['贷款还没还清可以申请贴息吗？']);
    const card = await fetch(`${t.url}${published.body.card.png}`);
    expect(card.status).to.equal(200);
    expect(card.headers.get('content-type')).to.equal('image/png');

    // A revision starts from the published package; the published one does not change.
    expect((await post(`/api/v1/policies/${id}/revise`)).status).to.equal(200);
    const revising = await staff(id);
    expect(revising.draft?.basedOnVersion).to.equal(1);
    const edited = await patch(id, { revision: revising.draft?.revision ?? 0, sections: { ...COMPLETE_SECTIONS, benefits: '贴息提高到60%，每年最高60万元。' } });
    expect(edited.status).to.equal(200);
    const v1 = await t.api<{ sections: { benefits: string } }>({ path: `/api/v1/policies/${id}/interpretation` });
    expect(v1.body.sections.benefits).to.equal('贴息50%，每年最高50万元。');

    await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}`, token: drafter, body: { body: SUBSIDY_BODY.replace('50%', '60%').replace('50万元', '60万元') } });
    const comparison = await t.api<{ changes: { key: string; kind: string }[] }>({ path: `/api/v1/staff/policies/${id}/comparison`, token: drafter });
    const modified = comparison.body.changes.filter((c) => c.kind === 'modified').map((c) => c.key);
    expect(modified).to.deep.equal(['a2>a2', 'a3>a3']);
    const noted = await patch(id, { revision: edited.body.draft?.revision ?? 0, comparisonNotes: [{ key: 'a2>a2', note: '贴息比例提高10个百分点。' }] });
    expect(noted.body.completeness.warnings.join()).to.include('1 处变化尚无起草说明');

    expect((await post(`/api/v1/policies/${id}/submit`)).status).to.equal(200);
    await approve(id);
    expect((await post(`/api/v1/policies/${id}/publish`)).status).to.equal(200);
    const v2 = await t.api<{ version: number; sections: { benefits: string }; comparison: { relation: string; changes: { key: string; note: string | null }[] } }>({
      path: `/api/v1/policies/${id}/interpretation`,
    });
    expect(v2.body.version).to.equal(2);
    expect(v2.body.sections.benefits).to.include('60%');
    expect(v2.body.comparison.relation).to.equal('previous_version');
    expect(v2.body.comparison.changes.find((c) => c.key === 'a2>a2')?.note).to.equal('贴息比例提高10个百分点。');
    const again = await t.api<{ sections: { benefits: string } }>({ path: `/api/v1/policies/${id}/interpretation?version=1` });
    expect(again.body.sections.benefits).to.equal('贴息50%，每年最高50万元。');
    const publicComparison = await t.api<{ target: { version: number }; summary: Record<string, number> }>({ path: `/api/v1/policies/${id}/comparison` });
    expect(publicComparison.body.target.version).to.equal(2);
    expect(publicComparison.body.summary).to.include({ modified: 2, unchanged: 3 });
    expect((await staff(id)).releases.map((r) => r.version)).to.deep.equal([1, 2]);
  });

  it('passes the gate with a recorded exemption, and shows the reason', async () => {
    const id = await create({ docNumber: '浦知规〔2026〕33号', tags: ['need-pledge', 'ptype-notice'] });
    const exempt = await patch(id, { revision: 0, exemption: { reason: '仅调整内部办理时限，不涉及企业权利义务' } });
    expect(exempt.body.completeness.complete).to.equal(true);
    expect((await post(`/api/v1/policies/${id}/submit`)).status).to.equal(200);
    await approve(id);
    expect((await post(`/api/v1/policies/${id}/publish`)).status).to.equal(200);
    const view = await t.api<{ exempt: { reason: string } | null }>({ path: `/api/v1/policies/${id}/interpretation` });
    expect(view.body.exempt?.reason).to.include('内部办理时限');
  });

  it('lets an approved but unpublished policy go back to draft to finish its package', async () => {
    const id = await create({ docNumber: '浦知规〔2026〕34号' });
    await patch(id, { revision: 0, exemption: { reason: '先按免予解读送审' } });
    expect((await post(`/api/v1/policies/${id}/submit`)).status).to.equal(200);
    await approve(id);
    const back = await post(`/api/v1/policies/${id}/revise`);
    expect(back.status).to.equal(200);
    expect(back.body.status).to.equal('draft');
    const current = await staff(id);
    const full = await patch(id, { revision: current.draft?.revision ?? 0, exemption: null, sections: COMPLETE_SECTIONS });
    expect(full.status).to.equal(200);
    // The earlier approvals saw another package: they do not cover this one.
    expect(full.body.gate.code).to.equal('interpretation_not_submitted');
    expect((await post(`/api/v1/policies/${id}/submit`)).status).to.equal(200);
    await approve(id);
    expect((await post(`/api/v1/policies/${id}/publish`)).status).to.equal(200);
  });

  it('keeps the FAQ list of a published policy current between versions', async () => {
    const id = await create({ docNumber: '浦知规〔2026〕35号' });
    await patch(id, { revision: 0, sections: COMPLETE_SECTIONS });
    await post(`/api/v1/policies/${id}/submit`);
    await approve(id);
    await post(`/api/v1/policies/${id}/publish`);
    const added = await post(`/api/v1/policies/${id}/faqs`, drafter, { question: '担保费可以补贴吗？', answer: '本办法只对贷款利息贴息。', category: null });
    expect(added.body.status).to.equal('published');
    const list = await t.api<{ question: string }[]>({ path: `/api/v1/policies/${id}/faqs` });
    expect(list.body.map((f) => f.question)).to.deep.equal(['担保费可以补贴吗？']);
    const search = await t.api<{ hits: { faqId: string; policy: { id: string } }[] }>({ path: `/api/v1/faqs?q=${encodeURIComponent('担保费有补贴吗')}` });
    expect(search.body.hits[0]?.policy.id).to.equal(id);
    const removed = await t.api({ method: 'DELETE', path: `/api/v1/policies/${id}/faqs/${String(added.body.id)}`, token: drafter });
    expect(removed.status).to.equal(200);
    expect((await t.api<unknown[]>({ path: `/api/v1/policies/${id}/faqs` })).body).to.deep.equal([]);
    const after = await t.api<{ hits: { faqId: string }[] }>({ path: `/api/v1/faqs?q=${encodeURIComponent('担保费有补贴吗')}` });
    expect(after.body.hits.map((h) => h.faqId)).to.not.include(added.body.id);
  });

  it('answers 404 for the package of an unpublished or withheld policy, like for the policy itself', async () => {
    const id = await create({ docNumber: '浦知规〔2026〕36号' });
    expect((await t.api({ path: `/api/v1/policies/${id}/interpretation` })).status).to.equal(404);
    expect((await t.api({ path: `/api/v1/policies/${id}/comparison` })).status).to.equal(404);
    expect((await t.api({ path: `/api/v1/staff/policies/${id}/interpretation` })).status).to.equal(401);
  });
});
