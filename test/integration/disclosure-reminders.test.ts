import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { FilesystemMediaStorage } from '../../server/adapters/filesystem/filesystem.media-storage.js';
import { CalendarService } from '../../server/calendar/calendar.service.js';
import { buildRequestTables } from '../../server/open-government/requests/request-report.js';
import { DisclosureRequestService } from '../../server/open-government/requests/request.service.js';
import { Signer } from '../../server/security/signer.js';
import type { Actor } from '../../server/services/actor.js';

const STAFF: Actor = { id: 'office', name: '公开办', role: 'reviewer' };

/** Two services over one SQLite file stand in for two worker processes; the clock is the test's. */
describe('disclosure reminders and report tables on a real SQLite file', () => {
  let dir: string;
  let stores: SqliteStore[];
  let clock: Date;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disclosure-reminders-'));
    stores = [];
    clock = new Date('2026-09-25T10:00:00+08:00');
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const store = new SqliteStore({ file: path.join(dir, 'store.db') });
    await store.migrate();
    stores.push(store);
    const now = () => clock;
    const calendars = new CalendarService({ adjustments: store.calendarAdjustments, now });
    const service = new DisclosureRequestService({ repo: store.disclosureRequests, calendars, signer: new Signer(Buffer.from('s'.repeat(32))), now, baseUrl: 'http://localhost', staffEmails: ['office@example.cn'], media: new FilesystemMediaStorage(path.join(dir, 'media')) });
    return { store, service };
  };

  it('queues one reminder per deadline within three working days, once across processes', async () => {
    const a = await open();
    const b = await open();
    const created = await a.service.submit({
      body: { applicantType: 'organisation', organisationKind: 'research', name: '某研究院', idType: 'credit_code', idNumber: '12310000425000000X', email: 'ri@example.cn', information: '专利导航项目清单', purpose: '', deliveryForm: 'email', obtainMethod: '' },
    });
    // Received Friday 9-25: the 补正 window ends 10-12 (National Day in between), the reply is due 10-29.
    expect(created.clock.correctionIssueBy?.dueDate).to.equal('2026-10-12');
    expect(created.clock.reply?.dueDate).to.equal('2026-10-29');
    expect(await a.service.queueReminders()).to.equal(0);

    clock = new Date('2026-10-09T09:00:00+08:00'); // 10-9, 10-10 (Sat, 调休), 10-12: three working days left.
    expect(await a.service.queueReminders()).to.equal(1);
    expect(await b.service.queueReminders()).to.equal(0);

    clock = new Date('2026-10-27T09:00:00+08:00');
    expect(await b.service.queueReminders()).to.equal(1);
    expect(await a.service.queueReminders()).to.equal(0);
    const mail = await a.service.listMail({ id: created.id });
    expect(mail.map((m) => m.dedupeKey)).to.deep.equal([`reminder:${created.id}:correction:2026-10-12`, `reminder:${created.id}:reply:2026-10-29`]);
    expect(mail.every((m) => m.to.join() === 'office@example.cn')).to.equal(true);

    // An extension moves the deadline, and the new date gets its own reminder when it comes near.
    await a.service.extend({ id: created.id, actor: STAFF, body: { days: 5, approver: '主任', reason: '需协调' } });
    expect(await a.service.queueReminders()).to.equal(0);
    clock = new Date('2026-11-03T09:00:00+08:00');
    expect(await a.service.queueReminders()).to.equal(1);
  });

  it('counts the request tables by applicant type and outcome, with carried-over cases', async () => {
    const { service, store } = await open();
    const submit = (name: string, kind: 'natural' | 'business') =>
      service.submit({
        body: {
          applicantType: kind === 'natural' ? 'natural' : 'organisation',
          ...(kind === 'business' ? { organisationKind: 'business' as const } : {}),
          name,
          idType: 'resident_id',
          idNumber: '310101199001011234',
          phone: '021-12345678',
          information: `${name} 申请的信息`,
          purpose: '',
          deliveryForm: 'paper',
          obtainMethod: '',
        },
      });
    clock = new Date('2025-12-20T10:00:00+08:00');
    const carried = await submit('结转申请人', 'natural');
    clock = new Date('2026-03-02T10:00:00+08:00');
    await service.reply({ id: carried.id, actor: STAFF, body: { outcome: 'disclosed', letter: '予以公开' } });
    const business = await submit('某科技公司', 'business');
    await service.reply({ id: business.id, actor: STAFF, body: { outcome: 'unavailable', ground: 'not_held', letter: '本机关不掌握' } });
    clock = new Date('2026-12-28T10:00:00+08:00');
    const open2027 = await submit('年末申请人', 'natural');
    const tables = buildRequestTables({
      period: { year: 2026, start: '2026-01-01T00:00:00+08:00', end: '2027-01-01T00:00:00+08:00' },
      cases: await store.disclosureRequests.listReceivedBefore('2027-01-01T00:00:00+08:00'),
    });
    const rows = new Map(tables[0]?.rows.map((r) => [r.label, r.cells.map((c) => c.value)]) ?? []);
    expect(rows.get('一、本年新收政府信息公开申请数量')).to.deep.equal([1, 1, 0, 0, 0, 0, 2]);
    expect(rows.get('二、上年结转政府信息公开申请数量')).to.deep.equal([1, 0, 0, 0, 0, 0, 1]);
    expect(rows.get('（一）予以公开')).to.deep.equal([1, 0, 0, 0, 0, 0, 1]);
    expect(rows.get('1.本机关不掌握相关政府信息')).to.deep.equal([0, 1, 0, 0, 0, 0, 1]);
    expect(rows.get('（七）总计')).to.deep.equal([1, 1, 0, 0, 0, 0, 2]);
    expect(rows.get('四、结转下年度继续办理')).to.deep.equal([1, 0, 0, 0, 0, 0, 1]);
    const carriedOut = tables[0]?.rows.find((r) => r.label === '四、结转下年度继续办理');
    expect(carriedOut?.cells[0]?.records.map((r) => r.id)).to.deep.equal([open2027.id]);
  });
});
