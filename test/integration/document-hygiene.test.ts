import { expect } from 'chai';
import { createPolicyBodySchema } from '../../schemas/policy.schema.js';
import { prepareDocument } from '../../server/ingest/prepare-document.js';
import { newPolicyRecord } from '../../server/services/policy-workflow.js';
import { FormClient } from '../support/browserless-client.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface StaffPolicy {
  id: string;
  body: string;
  status: string;
}

interface FindingsView {
  repairs: { code: string; line?: number; before: string; after: string }[];
  suspects: { line: number; text: string; code: string; status: string }[];
  warnings: { code: string; line?: number }[];
  metadata: Record<string, unknown>;
  pending: number;
}

interface SearchResponse {
  total: number;
  hits: { id: string; snippet: string }[];
}

const SPAM = '澳门百家乐娱乐城，注册送彩金，官方网址 www.lucky-bet888.com';

/** A notice as copied from a damaged web page: pinyin after characters, markup, page chrome, a spam line and a garbled heading. */
const DAMAGED_BODY = [
  '分享到：微信 微博 QQ空间',
  '【字体：大 中 小】',
  '各区知(zhī)识(shí)产(chǎn)权(quán)局，各有关单位：',
  '为落实国(guó)家(jiā)知(zhī)识(shí)产(chǎn)权(quán)局关于优化营(yíng)商(shāng)环(huán)境(jìng)的部署，</strong>现就专利转化运用工作通知如下。',
  SPAM,
  '一、工作目标',
  '（一 ）提升专利转化效率&nbsp;',
  '（二）完善知识产权服务体系',
  '二、保障措施',
  '各单位要加强组织领导。',
  '打印本页 关闭窗口',
].join('\n');

const PINYIN = /\((?:zh|gu|y|sh|j|h|ch|q)[a-zāáǎàēéěèīíǐìōóǒòūúǔù]*\)|[āáǎàēéěèīíǐìōóǒòūúǔù]/u;

describe('document hygiene for drafts over HTTP', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  let legalReviewer: string;

  before(async () => {
    t = await startTestPlatform();
    drafter = await t.user({ id: 'drafter-hygiene', role: 'drafter', name: '周起草' });
    reviewer = await t.user({ id: 'reviewer-hygiene-a', role: 'reviewer' });
    legalReviewer = await t.user({ id: 'reviewer-hygiene-b', role: 'reviewer' });
  });
  after(async () => t.close());

  const findings = async (id: string) => {
    const res = await t.api<FindingsView>({ path: `/api/v1/staff/policies/${id}/text-check`, token: drafter });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };

  async function approveAndPublish(id: string): Promise<void> {
    for (const [kind, token] of [['confidentiality', reviewer], ['legality', legalReviewer]] as const) {
      const res = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token, body: { kind, decision: 'approved' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    const published = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter });
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
  }

  it('stores the repaired text, lists each repair, and holds submission until the spam line is decided', async () => {
    const created = await t.api<StaffPolicy>({
      method: 'POST',
      path: '/api/v1/policies',
      token: drafter,
      body: policyBody({ id: 'pd-hygiene-2026', title: '关于做好专利转化运用工作的通知', body: DAMAGED_BODY }),
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.body).not.to.match(PINYIN);
    expect(created.body.body).to.include('为落实国家知识产权局关于优化营商环境的部署，现就专利转化运用工作通知如下。');
    expect(created.body.body).not.to.include('分享到').and.not.to.include('</strong>').and.not.to.include('&nbsp;').and.not.to.include('打印本页');
    // The suspect line stays until the drafter decides.
    expect(created.body.body).to.include(SPAM);

    const view = await findings('pd-hygiene-2026');
    expect(view.repairs.map((r) => [r.line, r.code])).to.deep.equal([
      [1, 'page_chrome'],
      [2, 'page_chrome'],
      [3, 'pinyin_annotation'],
      [4, 'html_residue'],
      [4, 'pinyin_annotation'],
      [7, 'html_residue'],
      [11, 'page_chrome'],
    ]);
    expect(view.suspects).to.have.length(1);
    expect(view.suspects[0]).to.include({ line: 3, text: SPAM, code: 'gambling', status: 'pending' });
    expect(view.pending).to.equal(1);
    expect(view.warnings.map((w) => [w.code, w.line])).to.deep.equal([['heading_malformed', 5]]);
    expect(view.metadata.addressees).to.deep.equal(['各区知识产权局', '各有关单位']);

    await recordExemption({ t, id: 'pd-hygiene-2026', token: drafter });
    const refused = await t.api<{ error: { code: string; message: string } }>({ method: 'POST', path: '/api/v1/policies/pd-hygiene-2026/submit', token: drafter });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('suspect_lines_pending');
    expect(refused.body.error.message).to.include('第 3 行');
  });

  it('refuses a decision on a line that is not the one the drafter saw, and a reviewer’s decision', async () => {
    const moved = await t.api<{ error: { code: string } }>({
      method: 'POST',
      path: '/api/v1/staff/policies/pd-hygiene-2026/text-check/decisions',
      token: drafter,
      body: { line: 3, text: '别的内容', decision: 'excluded' },
    });
    expect(moved.status).to.equal(409);
    expect(moved.body.error.code).to.equal('suspect_line_moved');
    const byReviewer = await t.api({
      method: 'POST',
      path: '/api/v1/staff/policies/pd-hygiene-2026/text-check/decisions',
      token: reviewer,
      body: { line: 3, text: SPAM, decision: 'kept' },
    });
    expect(byReviewer.status).to.equal(403);
    expect((await findings('pd-hygiene-2026')).pending).to.equal(1);
  });

  it('removes an excluded line from the stored text, so it is never published, indexed or shown in snippets', async () => {
    const decided = await t.api<FindingsView>({
      method: 'POST',
      path: '/api/v1/staff/policies/pd-hygiene-2026/text-check/decisions',
      token: drafter,
      body: { line: 3, text: SPAM, decision: 'excluded' },
    });
    expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
    expect(decided.body.pending).to.equal(0);
    expect(decided.body.suspects.map((s) => [s.status, s.text])).to.deep.equal([['excluded', SPAM]]);
    // The repairs made when the text was first saved are still listed.
    expect(decided.body.repairs.filter((r) => r.code === 'pinyin_annotation')).to.have.length(2);

    const staffView = await t.api<StaffPolicy>({ path: '/api/v1/staff/policies/pd-hygiene-2026', token: drafter });
    expect(staffView.body.body).not.to.include('百家乐');
    const trail = await t.api<{ action: string }[]>({ path: '/api/v1/staff/policies/pd-hygiene-2026/audit', token: TEST_ADMIN_TOKEN });
    if (trail.status === 200 && Array.isArray(trail.body)) expect(trail.body.map((e) => e.action)).to.include('policy.update');

    const submitted = await t.api({ method: 'POST', path: '/api/v1/policies/pd-hygiene-2026/submit', token: drafter });
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    await approveAndPublish('pd-hygiene-2026');

    const publicView = await t.api<{ body: string }>({ path: '/api/v1/policies/pd-hygiene-2026' });
    expect(publicView.status).to.equal(200);
    expect(publicView.body.body).not.to.include('百家乐').and.not.to.match(PINYIN);

    for (const q of ['知识产权', '国家知识产权局', '营商环境']) {
      const found = await t.api<SearchResponse>({ path: `/api/v1/policies?q=${encodeURIComponent(q)}` });
      expect(found.status).to.equal(200);
      const hit = found.body.hits.find((h) => h.id === 'pd-hygiene-2026');
      expect(hit, `found by ${q}`).not.to.equal(undefined);
      expect(hit?.snippet, `snippet for ${q}`).not.to.match(PINYIN);
      expect(hit?.snippet).not.to.include('百家乐');
    }
    const spam = await t.api<SearchResponse>({ path: `/api/v1/policies?q=${encodeURIComponent('百家乐')}` });
    expect(spam.body.hits.map((h) => h.id)).not.to.include('pd-hygiene-2026');

    const feed = await fetch(`${t.url}/feeds/tags/need-pledge.atom`);
    if (feed.status === 200) expect(await feed.text()).not.to.include('百家乐');
  });

  it('keeps a line the drafter kept, also after later edits, and lets the draft go to review', async () => {
    const contact = '如有疑问请加微信号：ipservice2026 咨询';
    const created = await t.api<StaffPolicy>({
      method: 'POST',
      path: '/api/v1/policies',
      token: drafter,
      body: policyBody({ id: 'pd-hygiene-kept', docNumber: '浦知规〔2026〕9号', body: ['一、申报条件', contact, '二、申报材料'].join('\n') }),
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const [suspect] = (await findings('pd-hygiene-kept')).suspects;
    expect(suspect).to.include({ code: 'contact', status: 'pending', line: 2 });
    const kept = await t.api<FindingsView>({
      method: 'POST',
      path: '/api/v1/staff/policies/pd-hygiene-kept/text-check/decisions',
      token: drafter,
      body: { line: 2, text: contact, decision: 'kept' },
    });
    expect(kept.body.pending).to.equal(0);

    const edited = await t.api<StaffPolicy>({
      method: 'PATCH',
      path: '/api/v1/policies/pd-hygiene-kept',
      token: drafter,
      body: { body: ['为做好申报工作，通知如下。', '一、申报条件', contact, '二、申报材料'].join('\n') },
    });
    expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
    const after = await findings('pd-hygiene-kept');
    expect(after.suspects.map((s) => [s.line, s.status])).to.deep.equal([[3, 'kept']]);
    await recordExemption({ t, id: 'pd-hygiene-kept', token: drafter });
    expect((await t.api({ method: 'POST', path: '/api/v1/policies/pd-hygiene-kept/submit', token: drafter })).status).to.equal(200);
  });

  it('re-checks the library read-only for an administrator and lists each policy with findings', async () => {
    // A policy stored before hygiene existed: written straight to the store, as an old import would have.
    const legacy = newPolicyRecord({
      id: 'pd-legacy-2020',
      body: createPolicyBodySchema.parse({ title: '旧文件', issuer: '浦东新区知识产权局', body: '知(zhī)识(shí)产(chǎn)权(quán)保护\n收藏本文\n六合彩开奖结果' }),
      actor: { id: 'importer', name: '导入', role: 'admin' },
      at: '2020-01-01T00:00:00.000Z',
    });
    await t.platform.services.store.policies.insert(legacy);

    expect((await t.api({ method: 'POST', path: '/api/v1/staff/text-recheck', token: drafter, body: {} })).status).to.equal(403);
    const report = await t.api<{ checked: number; entries: { policyId: string; repairs: { code: string }[]; suspects: { code: string }[] }[] }>({
      method: 'POST',
      path: '/api/v1/staff/text-recheck',
      token: TEST_ADMIN_TOKEN,
      body: {},
    });
    expect(report.status, JSON.stringify(report.body)).to.equal(200);
    expect(report.body.checked).to.equal(3);
    // The kept contact line is not reported again; the garbled heading of the published notice is.
    expect(report.body.entries.map((e) => e.policyId).sort()).to.deep.equal(['pd-hygiene-2026', 'pd-legacy-2020']);
    const entry = report.body.entries.find((e) => e.policyId === 'pd-legacy-2020');
    expect(entry?.repairs.map((r) => r.code)).to.deep.equal(['pinyin_annotation', 'page_chrome']);
    expect(entry?.suspects.map((s) => s.code)).to.deep.equal(['gambling']);
    // Read-only: the stored text is unchanged.
    expect((await t.platform.services.store.policies.get('pd-legacy-2020'))?.body).to.include('知(zhī)识');
  });

  it('records the repairs of a document stored by another path (an import) for its drafter', async () => {
    const prepared = prepareDocument({ text: '营(yíng)商(shāng)环(huán)境(jìng)优化\n收藏本文\n时时彩平台招代理' });
    const imported = newPolicyRecord({
      id: 'pd-imported-2026',
      body: createPolicyBodySchema.parse({ title: '导入的文件', issuer: '浦东新区知识产权局', body: prepared.text }),
      actor: { id: 'importer', name: '导入', role: 'admin' },
      at: '2026-05-01T00:00:00.000Z',
    });
    await t.platform.services.store.policies.insert(imported);
    await t.platform.services.textHygiene.recordPrepared({ policyId: imported.id, prepared });
    const view = await findings('pd-imported-2026');
    expect(view.repairs.map((r) => r.code)).to.deep.equal(['pinyin_annotation', 'page_chrome']);
    expect(view.suspects.map((s) => [s.line, s.code, s.status])).to.deep.equal([[2, 'gambling', 'pending']]);
  });

  it('shows the text check to staff in the portal and records a decision from its form', async () => {
    const created = await t.api<StaffPolicy>({
      method: 'POST',
      path: '/api/v1/policies',
      token: drafter,
      body: policyBody({ id: 'pd-hygiene-web', docNumber: '浦知规〔2026〕10号', body: ['一、工作目标', 'zhī shí chǎn quán bǎo hù zhōng xīn', '二、保障措施'].join('\n') }),
    });
    expect(created.status).to.equal(201);
    const staff = new FormClient(t.url);
    await staff.get('/staff/sign-in');
    expect((await staff.post('/staff/sign-in', { token: drafter })).status).to.equal(303);
    const page = await staff.get('/staff/policies/pd-hygiene-web/text-check');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('文本检查').and.include('整行拼音').and.include('删除此行（不进入公开文本）');
    const done = await staff.post('/staff/policies/pd-hygiene-web/text-check/decide', { line: '2', text: 'zhī shí chǎn quán bǎo hù zhōng xīn', decision: 'excluded' });
    expect(done.status).to.equal(303);
    expect((await findings('pd-hygiene-web')).pending).to.equal(0);

    const admin = new FormClient(t.url);
    await admin.get('/staff/sign-in');
    expect((await admin.post('/staff/sign-in', { token: TEST_ADMIN_TOKEN })).status).to.equal(303);
    await admin.get('/staff/text-recheck');
    const result = await admin.post('/staff/text-recheck', {});
    expect(result.status).to.equal(200);
    expect(result.text).to.include('pd-legacy-2020').and.include('六合彩');
  });
});
