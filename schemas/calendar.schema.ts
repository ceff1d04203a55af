import { z } from 'zod';
import { isoDateSchema, isoDateTimeSchema } from './common.schema.js';

/** A local change to the official working-day schedule, kept by an administrator. */
export const calendarAdjustmentSchema = z
  .object({
    date: isoDateSchema,
    working: z.boolean(),
    reason: z.string().min(1).max(200),
    createdAt: isoDateTimeSchema,
    createdBy: z.string().min(1).max(60),
  })
  .meta({ id: 'CalendarAdjustment' });
export type StoredCalendarAdjustment = z.infer<typeof calendarAdjustmentSchema>;

export const addCalendarAdjustmentBodySchema = z
  .strictObject({
    date: isoDateSchema,
    working: z.boolean(),
    reason: z.string().trim().min(1, '请说明调整原因').max(200),
  })
  .meta({ id: 'AddCalendarAdjustmentBody' });
export type AddCalendarAdjustmentBody = z.infer<typeof addCalendarAdjustmentBodySchema>;

export const calendarDateParamsSchema = z.strictObject({ date: isoDateSchema });

export const calendarOverviewSchema = z
  .object({
    officialYears: z.array(z.number().int()),
    /** The year after the current one, when the official schedule does not cover it yet. */
    uncoveredComingYear: z.number().int().nullable(),
    adjustments: z.array(calendarAdjustmentSchema),
  })
  .meta({ id: 'CalendarOverview' });
export type CalendarOverview = z.infer<typeof calendarOverviewSchema>;

/** A deadline as every page shows it: its date and how many working days are left. */
export const deadlineViewSchema = z
  .object({
    dueDate: isoDateSchema,
    dueAt: isoDateTimeSchema,
    workingDaysLeft: z.number().int(),
    overdue: z.boolean(),
  })
  .meta({ id: 'DeadlineView' });
export type DeadlineView = z.infer<typeof deadlineViewSchema>;
