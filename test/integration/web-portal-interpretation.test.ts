import { expect } from 'chai';
import sharp from 'sharp';
import type { Comparison, StaffInterpretation } from '../../schemas/interpretation.schema.js';
import { FormClient } from '../support/browserless-client.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/** 中文 and 正文 in GBK: a text file saved by an older Windows editor. */
const GBK_BODY = Buffer.concat([
  Buffer.from([0xb5, 0xda, 0xd2, 0xbb, 0xcc, 0xf5]), // 第一条
  Buffer.from(' ', 'ascii'),
  Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0xd5, 0xfd, 0xce, 0xc4]), // 中文正文
]);

describe('web portal over HTTP: interpretation pages, questions and uploads', function () {
  this.timeout(60_000);
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  let legalReviewer: string;
  let policyId: string;

  async function review(id: string): Promise<void> {
    for (const kind of ['confidentiality', 'legality']) {
      const res = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
  }

  async function staffClient(token: string): Promise<FormClient> {
    const client = new FormClient(t.url);
    await client.get('/staff/sign-in');
    expect((await client.post('/staff/sign-in', { token })).status).to.equal(303);
    return client;
  }

  before(async () => {
    t = await startTestPlatform();
    drafter = await t.user({ id: 'wang', role: 'drafter', name: '王起草' });
    reviewer = await t.user({ id: 'zhao', role: 'reviewer', name: '赵审查' });
    legalReviewer = await t.user({ id: 'qian', role: 'reviewer', name: '钱审查' });

    // Version 1 without a package, then version 2 with one: text, a graphic, a FAQ and notes on the changes.
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody() });
    policyId = created.body.id;
    await recordExemption({ t, id: policyId, token: drafter });
    await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/submit`, token: drafter, body: {} });
    await review(policyId);
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/publish`, token: drafter, body: {} })).status).to.equal(200);
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/revise`, token: drafter, body: {} })).status).to.equal(200);
    const current = await t.api<{ body: string }>({ path: `/api/v1/staff/policies/${policyId}`, token: drafter });
    const body = current.body.body.replace('50%给予贴息', '60%给予贴息').replace('50万元', '80万元');
    expect((await t.api({ method: 'PATCH', path: `/api/v1/policies/${policyId}`, token: drafter, body: { body } })).status).to.equal(200);

    const comparison = await t.api<Comparison>({ path: `/api/v1/staff/policies/${policyId}/comparison`, token: drafter });
    const changed = comparison.body.changes.find((c) => c.kind === 'modified');
    const draft = await t.api<StaffInterpretation>({ path: `/api/v1/staff/policies/${policyId}/interpretation`, token: drafter });
    const patched = await t.api<StaffInterpretation>({
      method: 'PATCH',
      path: `/api/v1/policies/${policyId}/interpretation`,
      token: drafter,
      body: {
        revision: draft.body.draft?.revision ?? 0,
        exemption: null,
        keyPoints: ['贴息比例提高到60%', '年度上限80万元', '评估费担保费补助30%'],
        sections: { mainContent: '贴息比例提高。<script>alert(1)</script>', scope: '浦东新区高新技术企业。' },
        comparisonNotes: [{ key: changed?.key ?? '', note: '贴息比例由50%提高到60%。' }],
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    const form = new FormData();
    form.set('alt', '贴息计算示意图');
    form.set('revision', String(patched.body.draft?.revision ?? 0));
    form.set('file', new Blob([new Uint8Array(await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#0b3d75' } }).png().toBuffer())], { type: 'image/png' }), 'chart.png');
    const uploaded = await fetch(`${t.url}/api/v1/policies/${policyId}/interpretation/graphics`, { method: 'POST', headers: { authorization: `Bearer ${drafter}` }, body: form });
    expect(uploaded.status, await uploaded.clone().text()).to.equal(201);
    const faq = await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/faqs`, token: drafter, body: { question: '贷款没还清能申请吗？', answer: '可以，按已付利息申请。', category: null } });
    expect(faq.status).to.equal(201);
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/submit`, token: drafter, body: {} })).status).to.equal(200);
    await review(policyId);
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/publish`, token: drafter, body: {} })).status).to.equal(200);
  });

  after(async () => t.close());

  it('keeps the parts of a package a PATCH leaves out', async () => {
    const view = await t.api<StaffInterpretation>({ path: `/api/v1/staff/policies/${policyId}/interpretation`, token: drafter });
    expect(view.body.draft?.content.keyPoints).to.have.length(3);
    expect(view.body.draft?.content.graphics).to.have.length(1);
    expect(view.body.draft?.content.comparisonNotes).to.have.length(1);
  });

  it('shows the package, the FAQ list and the new-vs-old table on the policy page, escaping what drafters typed', async () => {
    const page = await new FormClient(t.url).get(`/policies/${policyId}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('id="interpretation"').and.contain('要点速览').and.contain('贴息比例提高到60%');
    expect(page.text).to.contain('贴息比例提高。&lt;script&gt;alert(1)&lt;/script&gt;').and.not.contain('<script>alert(1)');
    expect(page.text).to.match(/<source type="image\/webp" srcset="\/media\/[0-9a-f]{64}\.webp 320w, \/media\/[0-9a-f]{64}\.webp 960w, /);
    expect(page.text).to.match(/<img src="\/media\/[0-9a-f]{64}\.jpg" srcset="[^"]+320w[^"]+" sizes="[^"]+" alt="贴息计算示意图" width="1200" height="600"/);
    expect(page.text).to.contain(`/api/v1/policies/${policyId}/interpretation/card.png?version=2`);
    expect(page.text).to.contain('贷款没还清能申请吗？');
    expect(page.text).to.contain('class="compare-table"').and.contain('<del>').and.contain('<ins>').and.contain('贴息比例由50%提高到60%。');
    expect(page.text).to.contain('action="/policies/' + policyId + '/questions"');

    // An older version shows its own frozen list and no question form.
    const old = await new FormClient(t.url).get(`/policies/${policyId}?version=1`);
    expect(old.text).to.contain('不接受留言').and.not.contain('要点速览');
    // Version 1 went out with a recorded exemption: its page says why it has no package.
    expect(old.text).to.contain('本文件没有发布解读材料').and.contain('测试用文件，无需解读');
  });

  it('takes questions with a CSRF token only, keeps them as text, and slows down one address', async () => {
    const visitor = new FormClient(t.url);
    await visitor.get(`/policies/${policyId}`);
    expect((await visitor.post(`/policies/${policyId}/questions`, { question: '没有令牌的问题可以吗？' }, { csrf: false })).status).to.equal(403);
    const asked = await visitor.post(`/policies/${policyId}/questions`, { question: '<img src=x onerror=alert(1)>贴息怎么申请？', nickname: '李' });
    expect(asked.status).to.equal(303);
    const location = asked.headers.get('location') ?? '';
    expect(location).to.match(/^\/questions\/q-[\w-]+$/);
    const status = await visitor.get(location);
    expect(status.status).to.equal(200);
    expect(status.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(status.text).to.contain('&lt;img src=x onerror=alert(1)&gt;贴息怎么申请？').and.not.contain('<img src=x');
    expect(status.text).to.contain('已收到您的问题');
    expect((await visitor.get('/questions/q-doesnotexist')).status).to.equal(404);

    const short = await visitor.post(`/policies/${policyId}/questions`, { question: '贴息？' });
    expect(short.status).to.equal(400);
    expect(short.text).to.contain('问题太短').and.contain('贴息？');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await visitor.post(`/policies/${policyId}/questions`, { question: `第${i}个关于质押贴息的问题` })).status);
    // Five per ten minutes per address; the invalid one counted too.
    expect(statuses).to.deep.equal([303, 303, 303, 429, 429]);
    const limited = await visitor.post(`/policies/${policyId}/questions`, { question: '还想再问一个问题' });
    expect(limited.headers.get('retry-after')).to.match(/^\d+$/);
    expect(limited.text).to.contain('留言过于频繁').and.contain('还想再问一个问题');

    // A published reply appears on the policy page, escaped like everything else.
    const queue = await t.api<{ items: { id: string; question: string }[] }>({ path: '/api/v1/staff/questions', token: drafter });
    const group = queue.body.items.find((g) => g.question.includes('贴息怎么申请'));
    const answered = await t.api({ method: 'POST', path: `/api/v1/staff/question-groups/${group?.id ?? ''}/answer`, token: drafter, body: { answer: '在线申报。<b>注意</b>', publishReply: true } });
    expect(answered.status).to.equal(200);
    const page = await visitor.get(`/policies/${policyId}`);
    expect(page.text).to.contain('已答复的留言').and.contain('在线申报。&lt;b&gt;注意&lt;/b&gt;');
  });

  it('searches FAQs by plain words, narrows by policy and ignores unknown tags', async () => {
    const client = new FormClient(t.url);
    const found = await client.get(`/faq?q=${encodeURIComponent('贷款没还清')}`);
    expect(found.status).to.equal(200);
    expect(found.text).to.contain('<mark>').and.contain(`/policies/${policyId}#faq-`);
    const narrowed = await client.get(`/faq?policy=${policyId}&tags=no-such-tag`);
    expect(narrowed.text).to.contain('只看').and.contain('贷款没还清能申请吗？');
    const home = await client.get('/');
    expect(home.text).to.contain('action="/faq"');
  });

  it('reads uploads only from signed-in staff on this site, where a file is expected, with a valid token', async () => {
    const anonymous = new FormClient(t.url);
    await anonymous.get('/');
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } }).png().toBuffer();
    expect((await anonymous.upload(`/staff/policies/${policyId}/interpretation/graphics`, { fields: { alt: '一张图', revision: '0' }, file: { name: 'a.png', type: 'image/png', data: png } })).status).to.equal(403);

    const staff = await staffClient(drafter);
    await staff.get('/staff/policies/new');
    expect((await staff.upload('/account/contacts', { fields: {} })).status, 'no file where none is expected').to.equal(415);
    expect((await staff.upload('/staff/policies/new/body-file', { fields: {}, csrf: false, file: { name: 'a.txt', type: 'text/plain', data: GBK_BODY } })).status).to.equal(403);
    expect(
      (await staff.upload('/staff/policies/new/body-file', { fields: {}, headers: { origin: 'https://evil.example' }, file: { name: 'a.txt', type: 'text/plain', data: GBK_BODY } })).status,
    ).to.equal(403);

    // A GBK file is read as GBK: the body arrives as Chinese, parsed into articles for review.
    const read = await staff.upload('/staff/policies/new/body-file', { fields: {}, file: { name: 'a.txt', type: 'text/plain', data: GBK_BODY } });
    expect(read.status).to.equal(200);
    expect(read.text).to.contain('第一条 中文正文</textarea>').and.contain('识别出 1 条');

    // A text file named .png is refused by its content, next to the file field, and nothing is attached.
    const draft = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: '浦知规〔2026〕7号', title: '上传测试政策' }) });
    await staff.get(`/staff/policies/${draft.body.id}/interpretation`);
    const fake = await staff.upload(`/staff/policies/${draft.body.id}/interpretation/graphics`, {
      fields: { alt: '假装是图片', revision: '0' },
      file: { name: 'chart.png', type: 'image/png', data: Buffer.from('这不是图片，只是文字。') },
    });
    expect(fake.status).to.equal(400);
    expect(fake.text).to.contain('href="#f-file"');
    const view = await t.api<StaffInterpretation>({ path: `/api/v1/staff/policies/${draft.body.id}/interpretation`, token: drafter });
    expect(view.body.draft?.content.graphics ?? []).to.have.length(0);
  });

  it('shows package refusals next to their fields: a bad link, someone else’s newer save, a package under review', async () => {
    const staff = await staffClient(drafter);
    const draft = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ docNumber: '浦知规〔2026〕8号', title: '表单测试政策' }) });
    const id = draft.body.id;
    await staff.get(`/staff/policies/${id}/interpretation`);
    const bad = await staff.post(`/staff/policies/${id}/interpretation/content`, { revision: '0', s_mainContent: '主要内容', g_onlineUrl: 'javascript:alert(1)', step_title_0: '', step_detail_0: '只有说明没有标题' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('href="#f-g_onlineUrl"').and.contain('href="#f-step_title_0"').and.contain('只有说明没有标题');
    expect(bad.text, 'what was typed is kept').to.contain('主要内容</textarea>');

    expect((await staff.post(`/staff/policies/${id}/interpretation/content`, { revision: '0', s_mainContent: '第一次保存' })).status).to.equal(303);
    await staff.get(`/staff/policies/${id}/interpretation`);
    const stale = await staff.post(`/staff/policies/${id}/interpretation/content`, { revision: '0', s_mainContent: '基于旧版本的保存' });
    expect(stale.status).to.equal(409);
    const view = await t.api<StaffInterpretation>({ path: `/api/v1/staff/policies/${id}/interpretation`, token: drafter });
    expect(view.body.draft?.content.sections.mainContent).to.equal('第一次保存');

    await recordExemption({ t, id, token: drafter });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter, body: {} })).status).to.equal(200);
    const page = await staff.get(`/staff/policies/${id}/interpretation`);
    expect(page.text).to.contain('解读材料（只读）').and.not.contain('保存文字解读');
    const late = await staff.post(`/staff/policies/${id}/interpretation/exemption/clear`, { revision: String((view.body.draft?.revision ?? 0) + 1) });
    expect(late.status).to.equal(409);
    expect(late.text).to.contain('只有草稿状态的政策可以修改解读材料');
  });
});
