import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true');

/** Environment variables the platform reads; see `.env.example`. */
export const configEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  ROLES: z
    .string()
    .default('web,workers')
    .transform((v) => v.split(',').map((r) => r.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['web', 'workers'])).min(1, 'ROLES 至少包含 web 或 workers')),
  STORE: z.enum(['sqlite', 'mongodb']).default('sqlite'),
  SEARCH: z.enum(['embedded', 'elasticsearch']).default('embedded'),
  MONGODB_URL: z.string().url().optional(),
  ELASTICSEARCH_URL: z.string().url().optional(),
  ADMIN_TOKEN: z.string().min(24, 'ADMIN_TOKEN 至少 24 个字符').optional(),
  APP_SECRET: z.string().min(32, 'APP_SECRET 至少 32 个字符').optional(),
  DEMO_DATA: flag.default(true),
  PUBLIC_BASE_URL: z.string().url().default('http://localhost:3000'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/).default('1mb'),
  SEARCH_SYNC_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  MATCHER_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  MATCHER_BATCH_SIZE: z.coerce.number().int().min(10).max(100_000).default(5000),
});
export type ConfigEnv = z.infer<typeof configEnvSchema>;
