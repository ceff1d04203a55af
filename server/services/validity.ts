import type { Validity } from '../../schemas/policy.schema.js';

// Building a DateTimeFormat costs about as much as a whole trivial request; searches ask for today every time.
const SHANGHAI_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's calendar date in Asia/Shanghai, where every policy date is written. */
export function shanghaiToday(now: Date): string {
  return SHANGHAI_DATE.format(now);
}

/** A policy still marked effective has lapsed (失效) once its expiry date is behind us. */
export function effectiveValidity({ validity, expiresAt, today }: { validity: Validity; expiresAt: string | null; today: string }): Validity {
  if (validity === 'effective' && expiresAt !== null && expiresAt < today) return 'expired';
  return validity;
}
