import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import type { Consultation, PublicConsultation, StaffConsultation } from '../../schemas/consultation.schema.js';
import { shanghaiDate } from '../../server/calendar/working-day-calendar.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { policyBody } from '../support/fixtures.js';
import { startSmtpSink, waitFor } from '../support/smtp-sink.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

const DRAFT = `为规范知识产权质押融资贴息工作，制定本办法（征求意见稿）。
第一条　本办法适用于注册在浦东新区的企业。
第二条　企业以专利权开展知识产权质押融资的，按实际贷款利息的50%给予贴息。
第三条　本办法自发布之日起施行。`;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

interface Created {
  token: string;
  subscriber: { id: string; contacts: { id: string }[] };
}

describe('征求意见 over real HTTP: opening, notices, comments, moderation, adoption and the published report', function () {
  this.timeout(60_000);
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  const today = shanghaiDate(new Date());

  const mailTo = (address: string) => sink.received.filter((m) => m.to.includes(address) && m.subject.startsWith('【征求意见】'));

  async function enterprise({ name, index, email }: { name: string; index: number; email: string }): Promise<Created> {
    const res = await t.api<Created>({
      method: 'POST',
      path: '/api/v1/subscribers',
      token: TEST_ADMIN_TOKEN,
      body: { kind: 'enterprise', name, creditCode: syntheticCreditCode(index), profile: {}, contacts: [{ channel: 'email', address: email }] },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    for (const contact of res.body.subscriber.contacts) {
      const token = t.platform.services.subscribers.confirmationToken({ contactId: contact.id });
      expect((await t.api({ path: `/api/v1/contacts/confirm?token=${encodeURIComponent(token)}` })).status).to.equal(200);
    }
    return res.body;
  }

  async function subscribe(token: string, name: string, tag: string): Promise<void> {
    const res = await t.api({ method: 'POST', path: '/api/v1/me/subscriptions', token, body: { name, channels: ['email'], criteria: { need: { mode: 'any', tags: [tag] } } } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  }

  async function optIn(token: string, wanted: boolean): Promise<void> {
    const res = await t.api({ method: 'PUT', path: '/api/v1/subscribers/me/consultation-notices', token, body: { consultationNotices: wanted } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }

  async function createConsultation(overrides: Record<string, unknown> = {}): Promise<Consultation> {
    const res = await t.api<Consultation>({
      method: 'POST',
      path: '/api/v1/consultations',
      token: drafter,
      body: { title: '浦东新区知识产权质押融资贴息办法（征求意见稿）', draftText: DRAFT, explanation: '为落实上级部署，起草本办法。', tags: ['need-pledge'], startDate: today, endDate: addDays(today, 35), ...overrides },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  const staffView = async (id: string) => (await t.api<StaffConsultation>({ path: `/api/v1/consultations/${id}/staff`, token: drafter })).body;

  before(async () => {
    sink = await startSmtpSink();
    t = await startTestPlatform({
      env: { SMTP_URL: sink.url, PUSH_CHANNELS: 'email', PUSH_POLL_MS: '30', MATCHER_INTERVAL_MS: '100', SCHEDULER_INTERVAL_MS: '3600000', CONSULTATION_COMMENT_RATE_LIMIT: '8' },
    });
    drafter = await t.user({ id: 'drafter-consult', role: 'drafter' });
    reviewer = await t.user({ id: 'reviewer-consult', role: 'reviewer' });
  });
  after(async () => {
    await t.close();
    await sink.close();
  });

  let consultation: Consultation;
  let matching: Created;
  let otherTopic: Created;
  let notOptedIn: Created;

  it('refuses a major decision consulted for less than the minimum window without a reason, and stores nothing', async () => {
    const res = await t.api<{ error: { code: string; message: string } }>({
      method: 'POST',
      path: '/api/v1/consultations',
      token: drafter,
      body: { title: '期限过短的草案', draftText: DRAFT, explanation: '说明', tags: [], startDate: today, endDate: addDays(today, 10) },
    });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('window_too_short');
    expect(res.body.error.message).to.include('30');
    expect(await t.platform.services.store.consultations.list({})).to.have.length(0);
    const withReason = await createConsultation({ title: '紧急草案', endDate: addDays(today, 10), shortWindowReason: '上级文件要求月底前出台' });
    expect(withReason.shortWindowReason).to.equal('上级文件要求月底前出台');
  });

  it('splits the draft into articles and keeps it private until it is opened', async () => {
    consultation = await createConsultation();
    expect(consultation.status).to.equal('draft');
    expect(consultation.articles.map((a) => a.label)).to.include.members(['第一条', '第二条', '第三条']);
    expect((await t.api({ path: `/api/v1/consultations/${consultation.id}` })).status).to.equal(404);
    const early = await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments`, body: { text: '草稿阶段的意见不应被接收' } });
    expect(early.status).to.equal(404);
  });

  it('notifies the opted-in subscriber whose subscription matches, with the reason, and nobody else', async () => {
    matching = await enterprise({ name: '张江甲芯片公司', index: 21, email: 'match@consult.example.cn' });
    otherTopic = await enterprise({ name: '徐汇乙软件公司', index: 22, email: 'other@consult.example.cn' });
    notOptedIn = await enterprise({ name: '张江丙生物公司', index: 23, email: 'quiet@consult.example.cn' });
    await subscribe(matching.token, '质押融资', 'need-pledge');
    await subscribe(otherTopic.token, '专利资助', 'need-patent-funding');
    await subscribe(notOptedIn.token, '质押融资', 'need-pledge');
    await optIn(matching.token, true);
    await optIn(otherTopic.token, true);
    expect((await t.api<{ consultationNotices: boolean }>({ path: '/api/v1/subscribers/me/consultation-notices', token: notOptedIn.token })).body.consultationNotices).to.equal(false);

    const opened = await t.api<{ consultation: Consultation; noticesQueued: number }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/open`, token: drafter });
    expect(opened.status, JSON.stringify(opened.body)).to.equal(200);
    expect(opened.body.noticesQueued).to.equal(1);
    const notices = await t.platform.services.store.consultations.listNotices(consultation.id);
    expect(notices.map((n) => n.subscriberId)).to.deep.equal([matching.subscriber.id]);

    const mail = await waitFor(() => mailTo('match@consult.example.cn')[0]);
    expect(mail.subject).to.include(consultation.title);
    expect(mail.text).to.include('为什么收到这条通知');
    expect(mail.text).to.include('质押融资');
    expect(mail.text).to.include(`/consultations/${consultation.id}`);
    await waitFor(async () => (await t.platform.services.store.consultations.listNotices(consultation.id))[0]?.status === 'sent');
    expect(mailTo('other@consult.example.cn')).to.have.length(0);
    expect(mailTo('quiet@consult.example.cn')).to.have.length(0);

    // Opening again is refused and queues nothing twice.
    expect((await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/open`, token: drafter })).status).to.equal(409);
    expect(await t.platform.services.store.consultations.listNotices(consultation.id)).to.have.length(1);
  });

  let articleComment: string;
  let wholeComment: string;

  it('takes comments on the whole draft or one article, shows nothing before moderation and escapes what it shows', async () => {
    const second = consultation.articles.find((a) => a.label === '第二条');
    const onArticle = await t.api<{ id: string }>({
      method: 'POST',
      path: `/api/v1/consultations/${consultation.id}/comments`,
      body: { text: '建议将贴息比例提高到60%，<script>alert(1)</script>', articleAnchor: second?.anchor ?? null, name: '王先生', anonymous: true },
    });
    expect(onArticle.status, JSON.stringify(onArticle.body)).to.equal(201);
    articleComment = onArticle.body.id;
    const whole = await t.api<{ id: string }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments`, body: { text: '建议明确申报材料清单。', name: '某科技公司', anonymous: false } });
    expect(whole.status).to.equal(201);
    wholeComment = whole.body.id;
    const unknownArticle = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments`, body: { text: '针对不存在条款的意见', articleAnchor: 'a99' } });
    expect(unknownArticle.status).to.equal(400);
    expect(unknownArticle.body.error.code).to.equal('article_unknown');
    const tooLong = await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments`, body: { text: '长'.repeat(2001) } });
    expect(tooLong.status).to.equal(400);

    const view = await t.api<PublicConsultation>({ path: `/api/v1/consultations/${consultation.id}` });
    expect(view.body.comments).to.have.length(0);
    expect((await staffView(consultation.id)).comments).to.have.length(2);
  });

  it('refuses moderation by anyone but staff and changes nothing', async () => {
    const body = { decision: 'approve' };
    const anonymous = await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments/${articleComment}/moderation`, body });
    const subscriber = await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments/${articleComment}/moderation`, token: matching.token, body });
    expect(anonymous.status).to.be.within(400, 499);
    expect(subscriber.status).to.be.within(400, 499);
    expect((await staffView(consultation.id)).comments.every((c) => c.status === 'pending')).to.equal(true);
    const noReason = await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments/${wholeComment}/moderation`, token: reviewer, body: { decision: 'reject', reason: '' } });
    expect(noReason.status).to.equal(400);
  });

  it('shows approved comments, anonymous ones without the name, and escapes them on the page', async () => {
    for (const id of [articleComment, wholeComment]) {
      const res = await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments/${id}/moderation`, token: reviewer, body: { decision: 'approve' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    const again = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments/${wholeComment}/moderation`, token: reviewer, body: { decision: 'approve' } });
    expect(again.status).to.equal(409);
    const view = (await t.api<PublicConsultation>({ path: `/api/v1/consultations/${consultation.id}` })).body;
    expect(view.comments.map((c) => c.displayName)).to.deep.equal(['匿名', '某科技公司']);
    expect(view.comments[0]?.articleLabel).to.equal('第二条');
    const page = await fetch(`${t.url}/consultations/${consultation.id}`);
    const text = await page.text();
    expect(page.status).to.equal(200);
    expect(text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).not.to.include('<script>alert(1)</script>');
    expect(text).not.to.include('王先生');
  });

  let other: Consultation;

  it('refuses adoption before closing, comments after closing and adoption for another consultation\u2019s comment', async () => {
    const early = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/adoptions`, token: drafter, body: { commentIds: [articleComment], summary: '提高比例', outcome: 'adopted', reason: '合理' } });
    expect(early.status).to.equal(409);
    expect(early.body.error.code).to.equal('consultation_not_closed');

    expect((await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/close`, token: drafter })).status).to.equal(200);
    const late = await t.api<{ error: { code: string; message: string } }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/comments`, body: { text: '截止之后提交的意见' } });
    expect(late.status).to.equal(409);
    expect(late.body.error.code).to.equal('consultation_closed');
    expect((await staffView(consultation.id)).comments).to.have.length(2);

    other = await createConsultation({ title: '另一件草案（征求意见稿）' });
    await t.api({ method: 'POST', path: `/api/v1/consultations/${other.id}/open`, token: drafter });
    const foreign = await t.api<{ id: string }>({ method: 'POST', path: `/api/v1/consultations/${other.id}/comments`, body: { text: '这是另一件草案的意见' } });
    await t.api({ method: 'POST', path: `/api/v1/consultations/${other.id}/comments/${foreign.body.id}/moderation`, token: reviewer, body: { decision: 'approve' } });
    const mixed = await t.api<{ error: { code: string } }>({
      method: 'POST',
      path: `/api/v1/consultations/${consultation.id}/adoptions`,
      token: drafter,
      body: { commentIds: [articleComment, foreign.body.id], summary: '混合', outcome: 'adopted', reason: '理由' },
    });
    expect(mixed.status).to.equal(400);
    expect(mixed.body.error.code).to.equal('comment_not_in_consultation');
    expect((await staffView(consultation.id)).decisions).to.have.length(0);
  });

  it('records one decision per comment and publishes the adoption report with the final policy, linked from its page', async () => {
    const adopted = await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/adoptions`, token: drafter, body: { commentIds: [articleComment], summary: '建议提高贴息比例', outcome: 'partly_adopted', reason: '比例提高到55%，兼顾财政承受能力' } });
    expect(adopted.status, JSON.stringify(adopted.body)).to.equal(201);
    const twice = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/adoptions`, token: drafter, body: { commentIds: [articleComment], summary: '重复', outcome: 'adopted', reason: '重复' } });
    expect(twice.status).to.equal(409);
    expect(twice.body.error.code).to.equal('comment_already_decided');

    const undecided = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/feedback`, token: drafter, body: { finalPolicyId: 'no-such-policy', summary: '总体说明' } });
    expect(undecided.status).to.equal(400);
    await t.api({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/adoptions`, token: drafter, body: { commentIds: [wholeComment], summary: '明确材料清单', outcome: 'adopted', reason: '已在第四条列明' } });

    const policyId = await publishPolicy();
    const published = await t.api<Consultation>({ method: 'POST', path: `/api/v1/consultations/${consultation.id}/feedback`, token: drafter, body: { finalPolicyId: policyId, summary: '共收到意见 2 条，采纳 1 条，部分采纳 1 条。' } });
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
    const report = await t.api<{ counts: Record<string, number>; decisions: { outcomeLabel: string; articleLabels: string[] }[] }>({ path: `/api/v1/consultations/${consultation.id}/adoption-report` });
    expect(report.body.counts).to.deep.equal({ received: 2, published: 2, adopted: 1, partlyAdopted: 1, notAdopted: 0, undecided: 0 });
    expect(report.body.decisions.map((d) => d.outcomeLabel)).to.deep.equal(['部分采纳', '采纳']);
    expect(report.body.decisions[0]?.articleLabels).to.deep.equal(['第二条']);
    const policyPage = await (await fetch(`${t.url}/policies/${policyId}`)).text();
    expect(policyPage).to.include(`/consultations/${consultation.id}#adoption-report`);
    expect(policyPage).to.include('意见采纳情况反馈');
  });

  it('lists consultations in valid Atom feeds, with the adoption outcome once published', async () => {
    const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'entry' || name === 'category' || name === 'link' });
    const res = await fetch(`${t.url}/feeds/consultations.atom`);
    expect(res.headers.get('content-type')).to.include('application/atom+xml');
    type Text = string | { '#text': string };
    const textOf = (value: Text | undefined) => (typeof value === 'object' ? value['#text'] : (value ?? ''));
    const feed = parser.parse(await res.text()) as { feed: { title: Text; entry: { id: string; title: Text; summary: Text; link: { '@_href': string }[] }[] } };
    expect(textOf(feed.feed.title)).to.equal('征求意见');
    const entry = feed.feed.entry.find((e) => e.id === `urn:policy-push:consultation:${consultation.id}`);
    expect(textOf(entry?.title)).to.include('已公布采纳情况');
    expect(textOf(entry?.summary)).to.include('部分采纳 1 条');
    expect(entry?.link[0]?.['@_href']).to.include(`/consultations/${consultation.id}`);
    const byTag = parser.parse(await (await fetch(`${t.url}/feeds/consultations/tags/need-pledge.atom`)).text()) as { feed: { entry: { id: string }[] } };
    expect(byTag.feed.entry.map((e) => e.id)).to.include(`urn:policy-push:consultation:${other.id}`);
    const none = parser.parse(await (await fetch(`${t.url}/feeds/consultations/tags/need-patent-funding.atom`)).text()) as { feed: { entry?: unknown[] } };
    expect(none.feed.entry ?? []).to.have.length(0);
  });

  it('limits comments per address: past the limit a comment is refused with 429 and not stored', async () => {
    const before = (await staffView(other.id)).comments.length;
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      const res = await t.api({ method: 'POST', path: `/api/v1/consultations/${other.id}/comments`, body: { text: `第 ${i} 条批量意见内容` } });
      if (res.status === 429) refused += 1;
      else expect(res.status).to.equal(201);
    }
    expect(refused).to.be.greaterThan(0);
    expect((await staffView(other.id)).comments.length).to.equal(before + 10 - refused);
  });

  async function publishPolicy(): Promise<string> {
    const legal = await t.user({ id: 'reviewer-consult-legal', role: 'reviewer' });
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ title: '浦东新区知识产权质押融资贴息办法', docNumber: '浦知规〔2026〕9号' }) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id;
    await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}/interpretation`, token: drafter, body: { revision: 0, exemption: { reason: '征求意见流程测试，免予解读' } } });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter })).status).to.equal(200);
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewer, body: { kind: 'confidentiality', decision: 'approved' } });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: legal, body: { kind: 'legality', decision: 'approved' } });
    const published = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter });
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
    return id;
  }
});
