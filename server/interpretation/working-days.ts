import type { Age } from '../../schemas/interpretation.schema.js';
import { OFFICIAL_CALENDAR, shanghaiDate, type WorkingDayCalendar } from '../calendar/working-day-calendar.js';

/** Replies are due within this many working days of the day a question was asked. */
export const REPLY_TARGET_WORKING_DAYS = 3;

/**
 * How long a question has waited, in hours and in working days on the working-day calendar
 * (public holidays and 调休 make-up days included), and when its reply is due: the end of the
 * third working day after the day it was asked.
 */
export function ageOf({ askedAt, now, calendar = OFFICIAL_CALENDAR }: { askedAt: string; now: Date; calendar?: WorkingDayCalendar }): Age {
  const asked = new Date(askedAt);
  const workingDays = calendar.workingDaysBetween({ from: shanghaiDate(asked), to: shanghaiDate(now) });
  const { dueAt } = calendar.deadline({ start: asked, workingDays: REPLY_TARGET_WORKING_DAYS });
  const hours = Math.max(0, Math.floor((now.getTime() - asked.getTime()) / 3600_000));
  const label = hours < 1 ? '不到 1 小时' : hours < 24 ? `${hours} 小时` : workingDays === 0 ? `${Math.floor(hours / 24)} 天（非工作日）` : `${workingDays} 个工作日`;
  return { hours, workingDays, dueAt, overdue: now.getTime() > Date.parse(dueAt), label: `已等待 ${label}` };
}
