import { z } from 'zod';
import { addCalendarAdjustmentBodySchema, calendarAdjustmentSchema, calendarDateParamsSchema, calendarOverviewSchema } from '../../schemas/calendar.schema.js';
import { DomainError } from '../errors.js';
import { defineRoute } from '../http/route.js';
import type { Actor } from '../services/actor.js';
import type { CalendarService } from './calendar.service.js';

function staff(actor: Actor | null): Actor {
  if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要登录' });
  return actor;
}

export function calendarRoutes({ calendars }: { calendars: CalendarService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/calendar',
      tag: 'calendar',
      summary: '工作日历：官方节假日安排覆盖的年份、来年是否已覆盖、本地调整列表',
      access: ['admin', 'drafter', 'reviewer'],
      response: calendarOverviewSchema,
      handler: async () => calendars.overview(),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/calendar/adjustments',
      tag: 'calendar',
      summary: '新增本地调整（管理员）：某日改为工作日或休息日，并说明原因；同一日期只能有一条',
      access: ['admin'],
      status: 201,
      body: addCalendarAdjustmentBodySchema,
      response: calendarAdjustmentSchema,
      handler: async ({ body, actor }) => calendars.add({ body, actor: staff(actor) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/calendar/adjustments/:date',
      tag: 'calendar',
      summary: '删除某日的本地调整（管理员）',
      access: ['admin'],
      params: calendarDateParamsSchema,
      response: z.object({ removed: z.string() }),
      handler: async ({ params }) => {
        await calendars.remove({ date: params.date });
        return { removed: params.date };
      },
    }),
  ];
}
