import type { Validity } from '../../schemas/policy.schema.js';

// Building a DateTimeFormat costs about as much as a whole trivial request; searches ask for today every time.
const SHANGHAI_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * The last answer, by whole second: Shanghai's offset is whole hours, so its date cannot change
 * within a second, and a busy server asks hundreds of times a second (every search does).
 */
let lastDay = { second: Number.NaN, day: '' };

/** Today's calendar date in Asia/Shanghai, where every policy date is written. */
export function shanghaiToday(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastDay.second) lastDay = { second, day: SHANGHAI_DATE.format(now) };
  return lastDay.day;
}

/** A policy still marked effective has lapsed (失效) once its expiry date is behind us. */
export function effectiveValidity({ validity, expiresAt, today }: { validity: Validity; expiresAt: string | null; today: string }): Validity {
  if (validity === 'effective' && expiresAt !== null && expiresAt < today) return 'expired';
  return validity;
}
