import express from 'express';
import { addCalendarAdjustmentBodySchema, calendarDateParamsSchema } from '../../schemas/calendar.schema.js';
import { DomainError } from '../errors.js';
import { webContext } from '../web/context.js';
import { domainErrors, formOf, str, zodErrors } from '../web/forms.js';
import { requireStaff, type PortalKit } from '../web/kit.js';
import type { CalendarService } from './calendar.service.js';
import { calendarPage } from './calendar.views.js';

/** Every staff member sees the calendar; administrators keep its local adjustments. */
export function calendarPageRoutes({ kit, calendars }: { kit: Pick<PortalKit, 'render'>; calendars: CalendarService }): express.Router {
  const router = express.Router();

  router.get('/staff/calendar', async (_req, res) => {
    const actor = requireStaff(res);
    kit.render(res, calendarPage({ ctx: webContext(res), overview: await calendars.overview(), canEdit: actor.role === 'admin' }));
  });

  router.post('/staff/calendar/adjustments', async (req, res) => {
    const actor = requireStaff(res, ['admin']);
    const form = formOf(req);
    const values = { date: str(form, 'date'), working: str(form, 'working'), reason: str(form, 'reason') };
    const parsed = addCalendarAdjustmentBodySchema.safeParse({ date: values.date, working: values.working === 'true', reason: values.reason });
    const show = async (errors: ReturnType<typeof zodErrors>, status: number) =>
      kit.render(res, calendarPage({ ctx: webContext(res), overview: await calendars.overview(), canEdit: true, errors, values }), status);
    if (!parsed.success) return show(zodErrors(parsed.error), 400);
    try {
      await calendars.add({ body: parsed.data, actor });
    } catch (error) {
      if (error instanceof DomainError && error.type === 'conflict') return show(domainErrors(error).map((e) => ({ ...e, field: 'date' })), 409);
      throw error;
    }
    res.redirect(303, '/staff/calendar');
  });

  router.post('/staff/calendar/adjustments/:date/delete', async (req, res) => {
    requireStaff(res, ['admin']);
    const parsed = calendarDateParamsSchema.safeParse({ date: String(req.params.date) });
    if (!parsed.success) throw new DomainError({ type: 'not_found', code: 'calendar_adjustment_not_found', message: '没有该日期的本地调整' });
    await calendars.remove({ date: parsed.data.date });
    res.redirect(303, '/staff/calendar');
  });

  return router;
}
