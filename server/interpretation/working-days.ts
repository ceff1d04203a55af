import type { Age } from '../../schemas/interpretation.schema.js';

/** Replies are due within this many working days of the day a question was asked. */
export const REPLY_TARGET_WORKING_DAYS = 3;

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** Day number (days since the epoch) of an instant's calendar date in Asia/Shanghai (no DST). */
function shanghaiDay(instant: Date): number {
  return Math.floor((instant.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS);
}

function isWorkingDay(day: number): boolean {
  // Day 0 (1970-01-01) was a Thursday.
  const weekday = (day + 4) % 7;
  return weekday !== 0 && weekday !== 6;
}

/**
 * How long a question has waited, in hours and in working days (Monday to Friday in Beijing time;
 * public holidays and the weekend working days that make up for them are not modelled), and when
 * its reply is due: the end of the third working day after the day it was asked.
 */
export function ageOf({ askedAt, now }: { askedAt: string; now: Date }): Age {
  const asked = new Date(askedAt);
  const askedDay = shanghaiDay(asked);
  const today = shanghaiDay(now);
  let workingDays = 0;
  for (let day = askedDay + 1; day <= today; day++) if (isWorkingDay(day)) workingDays += 1;
  let dueDay = askedDay;
  for (let counted = 0; counted < REPLY_TARGET_WORKING_DAYS; ) {
    dueDay += 1;
    if (isWorkingDay(dueDay)) counted += 1;
  }
  const dueAt = new Date((dueDay + 1) * DAY_MS - SHANGHAI_OFFSET_MS - 1000);
  const hours = Math.max(0, Math.floor((now.getTime() - asked.getTime()) / 3600_000));
  const label = hours < 1 ? '不到 1 小时' : hours < 24 ? `${hours} 小时` : workingDays === 0 ? `${Math.floor(hours / 24)} 天（非工作日）` : `${workingDays} 个工作日`;
  return { hours, workingDays, dueAt: dueAt.toISOString(), overdue: now.getTime() > dueAt.getTime(), label: `已等待 ${label}` };
}
