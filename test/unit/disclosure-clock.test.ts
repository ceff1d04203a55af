import { expect } from 'chai';
import type { DisclosureRequest } from '../../schemas/disclosure-request.schema.js';
import { OFFICIAL_CALENDAR, WorkingDayCalendar } from '../../server/calendar/working-day-calendar.js';
import { clockOf, correctionIssueBy, replyDueDate, urgencyOf } from '../../server/open-government/requests/request-clock.js';
import { maskIdNumber } from '../../server/open-government/requests/request.service.js';

type ClockCase = Pick<DisclosureRequest, 'status' | 'receivedDate' | 'clockStartDate' | 'pauses' | 'correction' | 'extension'>;

function received(date: string, more: Partial<ClockCase> = {}): ClockCase {
  return { status: 'processing', receivedDate: date, clockStartDate: date, pauses: [], correction: null, extension: null, ...more };
}

/** Noon in Beijing on a date. */
const at = (date: string) => new Date(`${date}T12:00:00+08:00`);

describe('disclosure case clock on the real working-day calendar', () => {
  describe('around the 2026 Spring Festival (holiday 2-15 … 2-23, make-up Saturdays 2-14 and 2-28)', () => {
    it('counts the make-up Saturday and skips the holiday for the 7-working-day 补正 window', () => {
      // 2-11, 2-12, 2-13, 2-14 (Sat, 调休), then 2-24, 2-25, 2-26.
      expect(correctionIssueBy({ request: received('2026-02-10'), calendar: OFFICIAL_CALENDAR })).to.equal('2026-02-26');
    });

    it('puts the 20-working-day reply on 2026-03-16 for a request received on 2026-02-10', () => {
      expect(replyDueDate({ request: received('2026-02-10'), calendar: OFFICIAL_CALENDAR })).to.equal('2026-03-16');
    });

    it('restarts the 20 working days from the day the 补正 arrives', () => {
      const answered = received('2026-02-10', { clockStartDate: '2026-02-27', correction: { requestedDate: '2026-02-12', items: '请说明文件名称', answer: '2025 年专利资助文件', answeredDate: '2026-02-27' } });
      // 2-28 (Sat, 调休) counts: 3-2 … 3-27 gives 19 more.
      expect(replyDueDate({ request: answered, calendar: OFFICIAL_CALENDAR })).to.equal('2026-03-26');
    });

    it('shows the days left while 补正 holds the clock, and no running due date', () => {
      const paused = received('2026-02-10', {
        status: 'awaiting_correction',
        correction: { requestedDate: '2026-02-13', items: '请补正', answer: null, answeredDate: null },
        pauses: [{ kind: 'correction', fromDate: '2026-02-13', dueDate: '2026-03-06', toDate: null }],
      });
      const clock = clockOf({ request: paused, calendar: OFFICIAL_CALENDAR, now: at('2026-02-25') });
      expect(clock.reply).to.equal(null);
      expect(clock.pausedWithDaysLeft).to.equal(17);
      expect(clock.pause).to.include({ kind: 'correction', dueDate: '2026-03-06' });
    });
  });

  describe('around the 2026 National Day (holiday 10-1 … 10-7, make-up days 9-20 and Saturday 10-10)', () => {
    it('runs 20 working days from 2026-09-25 to 2026-10-29, counting Saturday 10-10', () => {
      expect(replyDueDate({ request: received('2026-09-25'), calendar: OFFICIAL_CALENDAR })).to.equal('2026-10-29');
    });

    it('adds the working days of a finished third-party consultation and an extension of 20', () => {
      const consulted = received('2026-09-25', {
        // 9-29 … 10-9: 9-30, 10-8, 10-9 are working days held by the consultation.
        pauses: [{ kind: 'consultation', fromDate: '2026-09-29', dueDate: '2026-10-23', toDate: '2026-10-09' }],
        extension: { days: 20, approver: '公开办主任', reason: '材料多', date: '2026-10-12', byName: '审查人' },
      });
      // 43 working days after 9-25.
      expect(replyDueDate({ request: consulted, calendar: OFFICIAL_CALENDAR })).to.equal(OFFICIAL_CALENDAR.addWorkingDays({ from: '2026-09-25', count: 43 }));
      expect(OFFICIAL_CALENDAR.addWorkingDays({ from: '2026-09-25', count: 43 })).to.equal('2026-12-01');
    });

    it('marks a case due within three working days, and overdue once the date has passed', () => {
      const request = received('2026-09-25');
      expect(urgencyOf(clockOf({ request, calendar: OFFICIAL_CALENDAR, now: at('2026-10-27') }))).to.equal('due_soon');
      expect(urgencyOf(clockOf({ request, calendar: OFFICIAL_CALENDAR, now: at('2026-10-08') }))).to.equal('normal');
      const late = clockOf({ request, calendar: OFFICIAL_CALENDAR, now: at('2026-10-30') });
      expect(late.reply).to.include({ dueDate: '2026-10-29', overdue: true, workingDaysLeft: -1 });
      expect(urgencyOf(late)).to.equal('overdue');
    });
  });

  it('follows a local adjustment: a declared day off moves the deadline by one working day', () => {
    const local = new WorkingDayCalendar({ adjustments: [{ date: '2026-10-20', working: false, reason: '本地防汛停工' }] });
    expect(replyDueDate({ request: received('2026-09-25'), calendar: local })).to.equal('2026-10-30');
  });

  it('masks identity numbers, keeping only the ends', () => {
    expect(maskIdNumber('310101199001011234')).to.equal('3101**********1234');
    expect(maskIdNumber('E1234567')).to.equal('E1****67');
  });
});
