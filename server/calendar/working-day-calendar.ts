import { createRequire } from 'node:module';

/**
 * The one working-day calendar behind every deadline in the product (question replies, disclosure
 * requests, consultations, reminders). Mainland public holidays and the weekend make-up working days
 * (调休) come from the maintained `chinese-days` data; an administrator's local adjustments (a city's
 * own day off, next year's schedule before the package ships it) win over it. Dates are calendar
 * dates in Asia/Shanghai, written `YYYY-MM-DD`.
 */

export interface CalendarAdjustment {
  date: string;
  working: boolean;
  reason: string;
}

export interface Deadline {
  /** The last calendar date on which the work is on time. */
  dueDate: string;
  /** The end of that date in Beijing time, as an instant. */
  dueAt: string;
}

interface HolidayData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function loadHolidayData(): HolidayData {
  const data: unknown = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json');
  if (typeof data !== 'object' || data === null || !('holidays' in data) || !('workdays' in data)) {
    throw new Error('chinese-days 数据格式无法识别：请检查依赖版本');
  }
  return data as HolidayData;
}

const OFFICIAL = loadHolidayData();
const OFFICIAL_YEARS = [...new Set(Object.keys(OFFICIAL.holidays).map((date) => Number(date.slice(0, 4))))].sort((a, b) => a - b);

/** Calendar date of an instant in Asia/Shanghai (no daylight saving there). */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The last second of a Shanghai calendar date, as an instant. */
export function endOfShanghaiDate(date: string): Date {
  return new Date(dayNumber(date) * DAY_MS + DAY_MS - SHANGHAI_OFFSET_MS - 1000);
}

function dayNumber(date: string): number {
  if (!DATE_PATTERN.test(date)) throw new RangeError(`日期格式应为 YYYY-MM-DD：${date}`);
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export class WorkingDayCalendar {
  private readonly adjustments: ReadonlyMap<string, CalendarAdjustment>;

  constructor({ adjustments = [] }: { adjustments?: readonly CalendarAdjustment[] } = {}) {
    this.adjustments = new Map(adjustments.map((adjustment) => [adjustment.date, adjustment]));
  }

  /** Years for which the official holiday schedule is known; later years count Monday–Friday unless adjusted. */
  static officialYears(): readonly number[] {
    return OFFICIAL_YEARS;
  }

  /** A copy of this calendar with other local adjustments (the list replaces the current one). */
  withAdjustments(adjustments: readonly CalendarAdjustment[]): WorkingDayCalendar {
    return new WorkingDayCalendar({ adjustments });
  }

  isWorkingDay(date: string): boolean {
    const local = this.adjustments.get(date);
    if (local) return local.working;
    if (OFFICIAL.workdays[date] !== undefined) return true;
    if (OFFICIAL.holidays[date] !== undefined) return false;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** Why a date is or is not a working day, in Chinese (for a deadline's explanation). */
  describe(date: string): string {
    const local = this.adjustments.get(date);
    if (local) return `${local.working ? '工作日' : '休息日'}（本地调整：${local.reason}）`;
    const workday = OFFICIAL.workdays[date];
    if (workday !== undefined) return `调休上班（${workday.split(',')[1] ?? workday}）`;
    const holiday = OFFICIAL.holidays[date];
    if (holiday !== undefined) return `法定节假日（${holiday.split(',')[1] ?? holiday}）`;
    return this.isWorkingDay(date) ? '工作日' : '周末';
  }

  /** The date `count` working days after `from`; `from` itself never counts. */
  addWorkingDays({ from, count }: { from: string; count: number }): string {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`工作日数应为非负整数：${count}`);
    let day = dayNumber(from);
    for (let counted = 0; counted < count; ) {
      day += 1;
      if (this.isWorkingDay(dateOfDay(day))) counted += 1;
    }
    return dateOfDay(day);
  }

  /** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
  workingDaysBetween({ from, to }: { from: string; to: string }): number {
    let count = 0;
    for (let day = dayNumber(from) + 1, last = dayNumber(to); day <= last; day++) if (this.isWorkingDay(dateOfDay(day))) count += 1;
    return count;
  }

  /** A deadline `workingDays` working days after the (Shanghai) date of `start`, due at the end of that day. */
  deadline({ start, workingDays }: { start: Date; workingDays: number }): Deadline {
    const dueDate = this.addWorkingDays({ from: shanghaiDate(start), count: workingDays });
    return { dueDate, dueAt: endOfShanghaiDate(dueDate).toISOString() };
  }

  /** Working days left until a due date, counting today if it is a working day; negative once overdue. */
  workingDaysLeft({ dueDate, now }: { dueDate: string; now: Date }): number {
    const today = shanghaiDate(now);
    if (today > dueDate) return -this.workingDaysBetween({ from: dueDate, to: today });
    const todayCounts = this.isWorkingDay(today) ? 1 : 0;
    return todayCounts + this.workingDaysBetween({ from: today, to: dueDate });
  }
}

/** The calendar with no local adjustments, for code that has no store at hand (tests, demo). */
export const OFFICIAL_CALENDAR = new WorkingDayCalendar();
