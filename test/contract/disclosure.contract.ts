import { expect } from 'chai';
import type { DisclosureMail, DisclosureRequest } from '../../schemas/disclosure-request.schema.js';
import { DomainError } from '../../server/errors.js';
import type { Store } from '../../server/ports/store.port.js';

const AT = '2026-11-20T08:00:00.000Z';

function draft(id: string, receivedAt = AT): Omit<DisclosureRequest, 'number'> {
  return {
    id,
    trackingHash: `hash-${id}`,
    revision: 1,
    applicant: { type: 'natural', organisationKind: null, name: '张三', idType: 'resident_id', idNumberMasked: '3101**********1234', phone: null, email: 'zhang@example.cn', address: null },
    information: '2025 年专利资助资金分配结果',
    purpose: '',
    deliveryForm: 'email',
    obtainMethod: '',
    status: 'processing',
    receivedAt,
    receivedDate: receivedAt.slice(0, 10),
    clockStartDate: receivedAt.slice(0, 10),
    pauses: [],
    correction: null,
    extension: null,
    reply: null,
    attachments: [],
    events: [],
  };
}

function mail(id: string, dedupeKey: string, requestId: string): DisclosureMail {
  return { id, requestId, dedupeKey, to: ['office@example.cn'], subject: '提醒', text: '正文', createdAt: AT, sentAt: null, attempts: 0, lastError: null };
}

/** The calendar-adjustment and disclosure-request repositories, the same on every store adapter. */
export function disclosureContract({ name, create }: { name: string; create: () => Promise<Store> }) {
  describe(`disclosure repositories contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
      await store.migrate();
    });
    afterEach(async () => store.close());

    it('keeps one local adjustment per date, sorted by date, and removes it', async () => {
      await store.calendarAdjustments.insert({ date: '2026-10-20', working: false, reason: '本地停工', createdAt: AT, createdBy: '管理员' });
      await store.calendarAdjustments.insert({ date: '2026-05-09', working: true, reason: '补班', createdAt: AT, createdBy: '管理员' });
      const duplicate = await store.calendarAdjustments.insert({ date: '2026-10-20', working: true, reason: '重复', createdAt: AT, createdBy: '管理员' }).catch((e: unknown) => e);
      expect(duplicate).to.be.instanceOf(DomainError);
      expect(duplicate).to.include({ type: 'conflict', code: 'calendar_date_taken' });
      expect((await store.calendarAdjustments.list()).map((a) => [a.date, a.working, a.reason])).to.deep.equal([
        ['2026-05-09', true, '补班'],
        ['2026-10-20', false, '本地停工'],
      ]);
      expect(await store.calendarAdjustments.remove('2026-10-20')).to.equal(true);
      expect(await store.calendarAdjustments.remove('2026-10-20')).to.equal(false);
      expect((await store.calendarAdjustments.list()).map((a) => a.date)).to.deep.equal(['2026-05-09']);
    });

    it('numbers requests per year and finds them by id and tracking hash', async () => {
      const first = await store.disclosureRequests.create({ request: draft('ysq-aaaaaaaa1'), year: 2026 });
      const second = await store.disclosureRequests.create({ request: draft('ysq-aaaaaaaa2'), year: 2026 });
      const next = await store.disclosureRequests.create({ request: draft('ysq-aaaaaaaa3', '2027-01-04T02:00:00.000Z'), year: 2027 });
      expect([first.number, second.number, next.number]).to.deep.equal(['YSQ-2026-000001', 'YSQ-2026-000002', 'YSQ-2027-000001']);
      expect((await store.disclosureRequests.get('ysq-aaaaaaaa2'))?.number).to.equal('YSQ-2026-000002');
      expect((await store.disclosureRequests.findByTrackingHash('hash-ysq-aaaaaaaa1'))?.id).to.equal('ysq-aaaaaaaa1');
      expect(await store.disclosureRequests.get('ysq-missing00')).to.equal(null);
      const sameTracking = await store.disclosureRequests.create({ request: { ...draft('ysq-aaaaaaaa4'), trackingHash: 'hash-ysq-aaaaaaaa1' }, year: 2026 }).catch((e: unknown) => e);
      expect(sameTracking).to.be.instanceOf(DomainError);
      expect(await store.disclosureRequests.get('ysq-aaaaaaaa4')).to.equal(null);
    });

    it('updates optimistically, with the mail in the same write, and lists open and received cases', async () => {
      const stored = await store.disclosureRequests.create({ request: draft('ysq-bbbbbbbb1'), year: 2026 });
      await store.disclosureRequests.create({ request: draft('ysq-bbbbbbbb2', '2026-12-30T02:00:00.000Z'), year: 2026 });
      const replied: DisclosureRequest = {
        ...stored,
        revision: 2,
        status: 'replied',
        reply: { outcome: 'disclosed', ground: null, letter: '予以公开', attachments: [], at: AT, date: '2026-11-20', byId: 'r1', byName: '审查人' },
      };
      await store.disclosureRequests.update({ request: replied, expectedRevision: 1, mail: mail('dm-1', 'reply:ysq-bbbbbbbb1', stored.id) });
      const stale = await store.disclosureRequests.update({ request: { ...replied, revision: 3 }, expectedRevision: 1 }).catch((e: unknown) => e);
      expect(stale).to.include({ type: 'conflict' });
      expect((await store.disclosureRequests.get(stored.id))?.revision).to.equal(2);
      expect((await store.disclosureRequests.listOpen()).map((r) => r.id)).to.deep.equal(['ysq-bbbbbbbb2']);
      expect((await store.disclosureRequests.listReceivedBefore('2026-12-01T00:00:00+08:00')).map((r) => r.id)).to.deep.equal(['ysq-bbbbbbbb1']);
      expect((await store.disclosureRequests.listMail({ requestId: stored.id })).map((m) => m.dedupeKey)).to.deep.equal(['reply:ysq-bbbbbbbb1']);
    });

    it('queues a mail once per dedupe key and records sending and failures', async () => {
      expect(await store.disclosureRequests.enqueueMail(mail('dm-a', 'reminder:x:reply:2026-12-01', 'x'))).to.equal(true);
      expect(await store.disclosureRequests.enqueueMail(mail('dm-b', 'reminder:x:reply:2026-12-01', 'x'))).to.equal(false);
      expect(await store.disclosureRequests.enqueueMail(mail('dm-c', 'reminder:x:pause:2026-12-03', 'x'))).to.equal(true);
      await store.disclosureRequests.markMailSent({ id: 'dm-a', at: AT });
      await store.disclosureRequests.markMailFailed({ id: 'dm-c', error: 'smtp down' });
      const pending = await store.disclosureRequests.listPendingMail({ limit: 10, maxAttempts: 5 });
      expect(pending.map((m) => [m.id, m.attempts, m.lastError])).to.deep.equal([['dm-c', 1, 'smtp down']]);
      expect(await store.disclosureRequests.listPendingMail({ limit: 10, maxAttempts: 1 })).to.deep.equal([]);
      const all = await store.disclosureRequests.listMail({ requestId: 'x' });
      expect(all.find((m) => m.id === 'dm-a')?.sentAt).to.equal(AT);
      expect(all).to.have.length(2);
    });
  });
}
