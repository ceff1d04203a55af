/**
 * Digest and reminder times are wall-clock times in Asia/Shanghai. China has kept UTC+8 without
 * daylight saving since 1991, so a fixed offset is exact and needs no time-zone database.
 */
import { shanghaiDate } from '../calendar/working-day-calendar.js';

export { shanghaiDate };

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

export interface DigestSlot {
  runKey: string;
  frequency: 'daily' | 'weekly';
  /** The scheduled instant (UTC ISO). */
  slotAt: string;
  /** The Shanghai calendar date of the slot. */
  date: string;
}

function parseTime(time: string): { hours: number; minutes: number } {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) throw new Error(`invalid time of day: ${time}`);
  return { hours: Number(match[1]), minutes: Number(match[2]) };
}


/** The instant a Shanghai wall-clock time happens on a Shanghai date. */
export function shanghaiInstant({ date, time }: { date: string; time: string }): Date {
  const { hours, minutes } = parseTime(time);
  return new Date(Date.parse(`${date}T00:00:00Z`) + (hours * 60 + minutes) * 60_000 - SHANGHAI_OFFSET_MS);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween({ from, to }: { from: string; to: string }): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function addDays({ date, days }: { date: string; days: number }): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The most recent daily slot at or before `now`. */
export function latestDailySlot({ now, time }: { now: Date; time: string }): DigestSlot {
  let date = shanghaiDate(now);
  if (shanghaiInstant({ date, time }).getTime() > now.getTime()) date = addDays({ date, days: -1 });
  return { runKey: `daily:${date}`, frequency: 'daily', slotAt: shanghaiInstant({ date, time }).toISOString(), date };
}

/** The most recent Monday slot at or before `now`. */
export function latestWeeklySlot({ now, time }: { now: Date; time: string }): DigestSlot {
  const today = shanghaiDate(now);
  // getUTCDay of the Shanghai date: 0 = Sunday … 1 = Monday.
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
  let date = addDays({ date: today, days: -((weekday + 6) % 7) });
  if (shanghaiInstant({ date, time }).getTime() > now.getTime()) date = addDays({ date, days: -7 });
  return { runKey: `weekly:${date}`, frequency: 'weekly', slotAt: shanghaiInstant({ date, time }).toISOString(), date };
}

/** Midnight in Shanghai of the day `now` falls in (daily budgets reset then). */
export function shanghaiMidnight(now: Date): Date {
  return shanghaiInstant({ date: shanghaiDate(now), time: '00:00' });
}
