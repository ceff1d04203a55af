import { expect } from 'chai';
import type { StaffRequestView } from '../../schemas/disclosure-request.schema.js';
import { OFFICIAL_CALENDAR, shanghaiDate } from '../../server/calendar/working-day-calendar.js';
import { waitForMail } from '../browser/support/mail.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface Created {
  id: string;
  number: string;
  trackingToken: string;
  trackingUrl: string;
  receivedDate: string;
  clock: StaffRequestView['clock'];
}

const ID_NUMBER = '310101199001011234';

function body(overrides: Record<string, unknown> = {}) {
  return {
    applicantType: 'natural',
    name: '张三',
    idType: 'resident_id',
    idNumber: ID_NUMBER,
    email: 'zhang.san@example.cn',
    information: '本局 2025 年专利资助资金的分配结果',
    purpose: '了解资助情况',
    deliveryForm: 'email',
    obtainMethod: '电子邮件发送',
    ...overrides,
  };
}

describe('依申请公开 over HTTP: submission, 补正, extension, reply, and the calendar admin', () => {
  let t: TestPlatform;
  let reviewer: string;
  let drafter: string;

  before(async () => {
    t = await startTestPlatform({ env: { DISCLOSURE_MAIL_INTERVAL_MS: '200', DISCLOSURE_STAFF_EMAILS: 'office@example.cn' } });
    reviewer = await t.user({ id: 'case-reviewer', role: 'reviewer', name: '公开办审查人' });
    drafter = await t.user({ id: 'case-drafter', role: 'drafter' });
  });
  after(async () => t.close());

  const caseOf = async (id: string) => (await t.api<StaffRequestView>({ path: `/api/v1/staff/disclosure-requests/${id}`, token: reviewer })).body;

  it('refuses a request with no content and stores nothing', async () => {
    const res = await t.api<{ error: { code: string; message: string } }>({ method: 'POST', path: '/api/v1/disclosure-requests', body: body({ information: '   ' }) });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('validation_failed');
    expect(res.body.error.message).to.match(/政府信息/);
    const queue = await t.api<{ items: unknown[] }>({ path: '/api/v1/staff/disclosure-requests', token: reviewer });
    expect(queue.body.items).to.deep.equal([]);
  });

  it('runs a case from submission through 补正, extension and reply, with the reply in the tracking view and the mailbox', async () => {
    const created = await t.api<Created>({ method: 'POST', path: '/api/v1/disclosure-requests', body: body() });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const { id, number, trackingToken, receivedDate } = created.body;
    expect(number).to.match(/^YSQ-\d{4}-\d{6}$/);
    expect(created.body.trackingUrl).to.contain(`/disclosure/track/${trackingToken}`);
    expect(created.body.clock.reply?.dueDate).to.equal(OFFICIAL_CALENDAR.addWorkingDays({ from: receivedDate, count: 20 }));
    expect(JSON.stringify(created.body)).not.to.contain(ID_NUMBER);

    // Only the disclosure office sees the case; the identity number is masked even there.
    expect((await t.api({ path: `/api/v1/staff/disclosure-requests/${id}`, token: drafter })).status).to.equal(403);
    const staffCase = await caseOf(id);
    expect(staffCase.applicant.idNumberMasked).to.equal('3101**********1234');
    expect(JSON.stringify(staffCase)).not.to.contain(ID_NUMBER);

    const correction = await t.api<StaffRequestView>({ method: 'POST', path: `/api/v1/staff/disclosure-requests/${id}/correction`, token: reviewer, body: { items: '请说明所需文件的年份和文号', periodWorkingDays: 10 } });
    expect(correction.status, JSON.stringify(correction.body)).to.equal(200);
    expect(correction.body.status).to.equal('awaiting_correction');
    expect(correction.body.clock.reply).to.equal(null);
    expect(correction.body.clock.pausedWithDaysLeft).to.be.a('number');
    const again = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/staff/disclosure-requests/${id}/correction`, token: reviewer, body: { items: '再次补正' } });
    expect([again.status, again.body.error.code]).to.deep.equal([409, 'correction_already_requested']);

    const answered = await t.api<{ status: string; clock: StaffRequestView['clock'] }>({ method: 'POST', path: `/api/v1/disclosure-requests/track/${trackingToken}/correction`, body: { answer: '2025 年度，知产〔2025〕12 号' } });
    expect(answered.status, JSON.stringify(answered.body)).to.equal(200);
    expect(answered.body.status).to.equal('processing');
    const today = shanghaiDate(new Date());
    expect(answered.body.clock.reply?.dueDate).to.equal(OFFICIAL_CALENDAR.addWorkingDays({ from: today, count: 20 }));

    const before = await caseOf(id);
    const tooLong = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/staff/disclosure-requests/${id}/extension`, token: reviewer, body: { days: 25, approver: '公开办主任', reason: '涉及多个处室' } });
    expect([tooLong.status, tooLong.body.error.code]).to.deep.equal([400, 'extension_too_long']);
    expect((await caseOf(id)).revision).to.equal(before.revision);
    const extended = await t.api<StaffRequestView>({ method: 'POST', path: `/api/v1/staff/disclosure-requests/${id}/extension`, token: reviewer, body: { days: 10, approver: '公开办主任', reason: '涉及多个处室' } });
    expect(extended.status).to.equal(200);
    expect(extended.body.clock.reply?.dueDate).to.equal(OFFICIAL_CALENDAR.addWorkingDays({ from: today, count: 30 }));
    expect(extended.body.extension).to.include({ days: 10, approver: '公开办主任' });
    const second = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/staff/disclosure-requests/${id}/extension`, token: reviewer, body: { days: 5, approver: '公开办主任', reason: '再延' } });
    expect([second.status, second.body.error.code]).to.deep.equal([409, 'extension_used']);

    const noGround = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/staff/disclosure-requests/${id}/reply`, token: reviewer, body: { outcome: 'withheld', letter: '不予公开。' } });
    expect([noGround.status, noGround.body.error.code]).to.deep.equal([400, 'ground_required']);
    expect((await caseOf(id)).status).to.equal('processing');

    const form = new FormData();
    form.append('file', new Blob([Buffer.from('%PDF-1.4\n% 资助项目名单\n%%EOF\n')], { type: 'application/pdf' }), '资助项目名单.pdf');
    const notPdf = new FormData();
    notPdf.append('file', new Blob([Buffer.from('plain text')], { type: 'application/pdf' }), 'fake.pdf');
    const upload = (data: FormData) => fetch(`${t.url}/api/v1/staff/disclosure-requests/${id}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${reviewer}` }, body: data });
    expect((await upload(notPdf)).status).to.equal(400);
    const uploaded = await upload(form);
    expect(uploaded.status, await uploaded.clone().text()).to.equal(201);

    const replied = await t.api<StaffRequestView>({
      method: 'POST',
      path: `/api/v1/staff/disclosure-requests/${id}/reply`,
      token: reviewer,
      body: { outcome: 'partly_disclosed', ground: 'third_party_rights', letter: '经审查，分配结果予以公开，涉及企业账户的信息不予公开。' },
    });
    expect(replied.status, JSON.stringify(replied.body)).to.equal(200);
    expect(replied.body.events.map((e) => e.type)).to.deep.equal(['received', 'correction_requested', 'correction_answered', 'extended', 'replied']);
    expect(replied.body.events.every((e) => e.actorName.length > 0 && e.at.length > 0)).to.equal(true);

    const late = await t.api<{ error: { code: string } }>({ method: 'POST', path: `/api/v1/disclosure-requests/track/${trackingToken}/correction`, body: { answer: '补充' } });
    expect([late.status, late.body.error.code]).to.deep.equal([409, 'request_closed']);

    const tracked = await t.api<{ status: string; reply: { outcome: string; letter: string } }>({ path: `/api/v1/disclosure-requests/track/${trackingToken}` });
    expect(tracked.body.status).to.equal('replied');
    expect(tracked.body.reply).to.include({ outcome: 'partly_disclosed' });
    const attachments = (tracked.body.reply as unknown as { attachments: { name: string; href: string }[] }).attachments;
    expect(attachments.map((a) => a.name)).to.deep.equal(['资助项目名单.pdf']);
    const download = await fetch(`${t.url}${attachments[0]?.href ?? ''}`);
    expect(download.status).to.equal(200);
    expect(download.headers.get('content-type')).to.contain('application/pdf');
    expect(Buffer.from(await download.arrayBuffer()).subarray(0, 5).toString()).to.equal('%PDF-');
    expect(JSON.stringify(tracked.body)).not.to.contain(ID_NUMBER);

    const mail = await waitForMail({ dataDir: t.dataDir, to: 'zhang.san@example.cn', subject: `政府信息公开申请 ${number} 答复书` });
    expect(mail.text).to.contain('部分公开');
    expect(mail.text).to.contain(`/disclosure/track/${trackingToken}`);
    expect(mail.text).not.to.contain(ID_NUMBER);
  });

  it('answers an unknown tracking link with 404', async () => {
    const res = await t.api<{ error: { code: string } }>({ path: '/api/v1/disclosure-requests/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect([res.status, res.body.error.code]).to.deep.equal([404, 'disclosure_request_not_found']);
  });

  it('lets administrators keep local working-day adjustments and says which years the official schedule covers', async () => {
    const added = await t.api({ method: 'POST', path: '/api/v1/calendar/adjustments', token: TEST_ADMIN_TOKEN, body: { date: '2027-02-05', working: false, reason: '本地调休' } });
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    const duplicate = await t.api<{ error: { code: string } }>({ method: 'POST', path: '/api/v1/calendar/adjustments', token: TEST_ADMIN_TOKEN, body: { date: '2027-02-05', working: true, reason: '重复' } });
    expect([duplicate.status, duplicate.body.error.code]).to.deep.equal([409, 'calendar_date_taken']);
    expect((await t.api({ method: 'POST', path: '/api/v1/calendar/adjustments', token: reviewer, body: { date: '2027-02-08', working: false, reason: '无权' } })).status).to.equal(403);
    const overview = await t.api<{ officialYears: number[]; uncoveredComingYear: number | null; adjustments: { date: string }[] }>({ path: '/api/v1/calendar', token: reviewer });
    expect(overview.body.officialYears).to.include(2026);
    const comingYear = Number(shanghaiDate(new Date()).slice(0, 4)) + 1;
    expect(overview.body.uncoveredComingYear).to.equal(overview.body.officialYears.includes(comingYear) ? null : comingYear);
    expect(overview.body.adjustments.map((a) => a.date)).to.deep.equal(['2027-02-05']);
    // The same process sees the change at once (the cache is dropped on change).
    const calendar = await t.platform.services.calendar.calendar();
    expect(calendar.isWorkingDay('2027-02-05')).to.equal(false);
    expect((await t.api({ method: 'DELETE', path: '/api/v1/calendar/adjustments/2027-02-05', token: TEST_ADMIN_TOKEN })).status).to.equal(200);
    expect((await t.api({ method: 'DELETE', path: '/api/v1/calendar/adjustments/2027-02-05', token: TEST_ADMIN_TOKEN })).status).to.equal(404);
    expect((await t.platform.services.calendar.calendar()).isWorkingDay('2027-02-05')).to.equal(true);
  });
});
