import { z } from 'zod';

/** Stable, URL-safe identifier used for tags, policies and users. */
export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, '只能包含小写字母、数字和连字符，2–64 个字符，且以字母或数字开头');

/** Calendar date as written on a document (Asia/Shanghai), `YYYY-MM-DD`. */
export const isoDateSchema = z.iso.date({ error: '日期格式应为 YYYY-MM-DD' });

/** Instant with an offset, e.g. `2025-03-12T10:00:00+08:00`. */
export const isoDateTimeSchema = z.iso.datetime({ offset: true, error: '时间格式应为 ISO 8601（含时区）' });

export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(1000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Comma-separated list in a query string (`a,b`) or repeated parameter (`x=a&x=b`). */
export function csvListSchema<T extends z.ZodType<string>>(item: T) {
  return z.preprocess((value) => {
    if (value === undefined || value === '') return undefined;
    const parts = Array.isArray(value) ? value.flatMap((v) => String(v).split(',')) : String(value).split(',');
    return parts.map((p) => p.trim()).filter((p) => p.length > 0);
  }, z.array(item).optional());
}
