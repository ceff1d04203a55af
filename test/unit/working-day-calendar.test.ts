import { expect } from 'chai';
import { WorkingDayCalendar } from '../../server/calendar/working-day-calendar.js';
import { ageOf } from '../../server/interpretation/working-days.js';

describe('working-day calendar', () => {
  const calendar = new WorkingDayCalendar();

  it('skips the 2026 Spring Festival and counts its make-up Saturdays', () => {
    // 2026: 春节 2月15日–23日 off; Saturday 2月14日 and Saturday 2月28日 are make-up working days.
    expect(calendar.isWorkingDay('2026-02-14')).to.equal(true);
    expect(calendar.isWorkingDay('2026-02-16')).to.equal(false);
    expect(calendar.isWorkingDay('2026-02-28')).to.equal(true);
    expect(calendar.describe('2026-02-17')).to.contain('春节');
    // Asked on Friday 13 February: the 3rd working day is Saturday 14th, Tuesday 24th, Wednesday 25th.
    expect(calendar.addWorkingDays({ from: '2026-02-13', count: 3 })).to.equal('2026-02-25');
  });

  it('skips National Day 2026 and counts Saturday 10 October as a working day', () => {
    expect(calendar.isWorkingDay('2026-10-05')).to.equal(false);
    expect(calendar.isWorkingDay('2026-10-10')).to.equal(true);
    expect(calendar.addWorkingDays({ from: '2026-09-30', count: 2 })).to.equal('2026-10-09');
    expect(calendar.workingDaysBetween({ from: '2026-09-30', to: '2026-10-11' })).to.equal(3);
  });

  it('lets a local adjustment win over the official schedule', () => {
    const local = calendar.withAdjustments([{ date: '2026-10-09', working: false, reason: '本市防台风停工' }]);
    expect(local.isWorkingDay('2026-10-09')).to.equal(false);
    expect(local.addWorkingDays({ from: '2026-09-30', count: 2 })).to.equal('2026-10-10');
    expect(local.describe('2026-10-09')).to.contain('本地调整');
  });

  it('counts working days left (today included), negative once overdue', () => {
    expect(calendar.workingDaysLeft({ dueDate: '2026-10-09', now: new Date('2026-09-30T02:00:00Z') })).to.equal(3);
    expect(calendar.workingDaysLeft({ dueDate: '2026-10-09', now: new Date('2026-10-09T02:00:00Z') })).to.equal(1);
    expect(calendar.workingDaysLeft({ dueDate: '2026-10-09', now: new Date('2026-10-12T02:00:00Z') })).to.equal(-2);
  });

  it('puts a question reply deadline after a holiday', () => {
    const age = ageOf({ askedAt: '2026-09-30T02:00:00.000Z', now: new Date('2026-10-08T02:00:00.000Z') });
    expect(age.workingDays).to.equal(1);
    expect(age.dueAt).to.equal('2026-10-10T15:59:59.000Z');
    expect(age.overdue).to.equal(false);
  });
});
