import type { DisclosureRequest, RequestClock } from '../../../schemas/disclosure-request.schema.js';
import { CalendarService } from '../../calendar/calendar.service.js';
import { shanghaiDate, type WorkingDayCalendar } from '../../calendar/working-day-calendar.js';

/** 条例 第三十三条: reply within 20 working days of receipt. */
export const REPLY_WORKING_DAYS = 20;
/** 条例 第三十三条: one extension, at most 20 working days. */
export const MAX_EXTENSION_WORKING_DAYS = 20;
/** 条例 第三十条: a correction request within 7 working days of receipt. */
export const CORRECTION_ISSUE_WORKING_DAYS = 7;
/** 条例 第三十二条: the third party answers within 15 working days. */
export const CONSULTATION_WORKING_DAYS = 15;
/** The queue highlights and staff reminders start this many working days before a deadline. */
export const DUE_SOON_WORKING_DAYS = 3;

type ClockInput = Pick<DisclosureRequest, 'status' | 'receivedDate' | 'clockStartDate' | 'pauses' | 'correction' | 'extension'>;

/** Working days of the reply period: 20, plus the extension, plus the working days a consultation held the clock. */
function allowance({ request, calendar }: { request: ClockInput; calendar: WorkingDayCalendar }): number {
  const paused = request.pauses
    .filter((pause) => pause.kind === 'consultation' && pause.toDate !== null)
    .reduce((sum, pause) => sum + calendar.workingDaysBetween({ from: pause.fromDate, to: pause.toDate ?? pause.fromDate }), 0);
  return REPLY_WORKING_DAYS + (request.extension?.days ?? 0) + paused;
}

/** The running reply due date, or null while the clock is paused. */
export function replyDueDate({ request, calendar }: { request: ClockInput; calendar: WorkingDayCalendar }): string | null {
  if (request.pauses.some((pause) => pause.toDate === null)) return null;
  return calendar.addWorkingDays({ from: request.clockStartDate, count: allowance({ request, calendar }) });
}

/** The last date a 补正 may be requested, while it still may be (once, before any pause, within 7 working days). */
export function correctionIssueBy({ request, calendar }: { request: ClockInput; calendar: WorkingDayCalendar }): string | null {
  if (request.correction !== null || request.status !== 'processing') return null;
  return calendar.addWorkingDays({ from: request.receivedDate, count: CORRECTION_ISSUE_WORKING_DAYS });
}

/**
 * The case clock on the calendar: the reply deadline (date and working days left), or, while paused,
 * the working days of the period still unused and the pause's own deadline.
 */
export function clockOf({ request, calendar, now }: { request: ClockInput; calendar: WorkingDayCalendar; now: Date }): RequestClock {
  const view = (dueDate: string) => CalendarService.view({ calendar, dueDate, now });
  const open = request.pauses.find((pause) => pause.toDate === null) ?? null;
  const lastIssueDay = correctionIssueBy({ request, calendar });
  // Once the 补正 window has passed it is no deadline any more: the request is handled as it stands.
  const issueBy = lastIssueDay !== null && shanghaiDate(now) <= lastIssueDay ? lastIssueDay : null;
  const base = { correctionIssueBy: issueBy ? view(issueBy) : null, pause: open ? { ...view(open.dueDate), kind: open.kind } : null };
  if (request.status === 'replied') return { reply: null, pausedWithDaysLeft: null, correctionIssueBy: null, pause: null };
  const due = replyDueDate({ request, calendar });
  if (due !== null) return { ...base, reply: view(due), pausedWithDaysLeft: null };
  const used = open ? calendar.workingDaysBetween({ from: request.clockStartDate, to: open.fromDate }) : 0;
  return { ...base, reply: null, pausedWithDaysLeft: allowance({ request, calendar }) - used };
}

/** Overdue, due within three working days, or neither, by the nearest running deadline. */
export function urgencyOf(clock: RequestClock): 'overdue' | 'due_soon' | 'normal' {
  const deadlines = [clock.reply, clock.correctionIssueBy, clock.pause].filter((d) => d !== null);
  if (deadlines.some((d) => d.overdue)) return 'overdue';
  if (deadlines.some((d) => d.workingDaysLeft <= DUE_SOON_WORKING_DAYS)) return 'due_soon';
  return 'normal';
}
