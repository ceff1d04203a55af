import type { AddCalendarAdjustmentBody, CalendarOverview, DeadlineView, StoredCalendarAdjustment } from '../../schemas/calendar.schema.js';
import { notFound } from '../errors.js';
import type { CalendarAdjustmentRepository } from '../ports/disclosure.port.js';
import type { Actor } from '../services/actor.js';
import { endOfShanghaiDate, shanghaiDate, WorkingDayCalendar } from './working-day-calendar.js';

/** How long a process trusts its copy of the adjustments before reading the store again. */
export const CALENDAR_REFRESH_MS = 30_000;

/**
 * The working-day calendar every deadline user gets: the official schedule plus the administrator's
 * local adjustments. The adjustments are cached; a change made through this service replaces the
 * cache at once, and a change made by another process (web and workers share the store) is picked
 * up within `refreshMs`.
 */
export class CalendarService {
  private readonly adjustments: CalendarAdjustmentRepository;
  private readonly now: () => Date;
  private readonly refreshMs: number;
  private cached: { calendar: WorkingDayCalendar; loadedAt: number } | null = null;
  private loading: Promise<WorkingDayCalendar> | null = null;

  constructor({ adjustments, now, refreshMs = CALENDAR_REFRESH_MS }: { adjustments: CalendarAdjustmentRepository; now: () => Date; refreshMs?: number }) {
    this.adjustments = adjustments;
    this.now = now;
    this.refreshMs = refreshMs;
  }

  /** The calendar with the current local adjustments. */
  async calendar(): Promise<WorkingDayCalendar> {
    const cached = this.cached;
    // Wall time, not the injected clock: tests move the clock by years and the cache age is about this process.
    if (cached && Date.now() - cached.loadedAt < this.refreshMs) return cached.calendar;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<WorkingDayCalendar> {
    const stored = await this.adjustments.list();
    const calendar = new WorkingDayCalendar({ adjustments: stored.map(({ date, working, reason }) => ({ date, working, reason })) });
    this.cached = { calendar, loadedAt: Date.now() };
    return calendar;
  }

  /** Drops the cached copy so the next reader loads the store. */
  invalidate(): void {
    this.cached = null;
  }

  async overview(): Promise<CalendarOverview> {
    const officialYears = [...WorkingDayCalendar.officialYears()];
    const comingYear = Number(shanghaiDate(this.now()).slice(0, 4)) + 1;
    return { officialYears, uncoveredComingYear: officialYears.includes(comingYear) ? null : comingYear, adjustments: await this.adjustments.list() };
  }

  async add({ body, actor }: { body: AddCalendarAdjustmentBody; actor: Actor }): Promise<StoredCalendarAdjustment> {
    const adjustment: StoredCalendarAdjustment = { ...body, createdAt: this.now().toISOString(), createdBy: actor.name };
    await this.adjustments.insert(adjustment);
    this.invalidate();
    return adjustment;
  }

  async remove({ date }: { date: string }): Promise<void> {
    const removed = await this.adjustments.remove(date);
    this.invalidate();
    if (!removed) throw notFound({ code: 'calendar_adjustment_not_found', message: `${date} 没有本地调整` });
  }

  /** A due date as pages show it: the date, its end instant and the working days left (negative when overdue). */
  static view({ calendar, dueDate, now }: { calendar: WorkingDayCalendar; dueDate: string; now: Date }): DeadlineView {
    const dueAt = endOfShanghaiDate(dueDate);
    return { dueDate, dueAt: dueAt.toISOString(), workingDaysLeft: calendar.workingDaysLeft({ dueDate, now }), overdue: now.getTime() > dueAt.getTime() };
  }
}
