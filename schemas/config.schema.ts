import { z } from 'zod';
import { addressListProblem } from './address-list.schema.js';

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true');

const addressList = z
  .string()
  .transform((v) => v.split(',').map((e) => e.trim()).filter(Boolean))
  .superRefine((entries, ctx) => {
    const problem = addressListProblem(entries);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * Express's `trust proxy`: unset or 0/false, X-Forwarded-For is ignored and the peer address counts;
 * a number trusts that many proxy hops; a list trusts those proxy addresses or ranges. `true` (trust
 * any hop) is refused: without a proxy that overwrites the header, any client could name its address.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): false | number | string[] => {
    if (v === '' || v === '0' || v === 'false') return false;
    if (/^\d{1,2}$/.test(v)) return Number(v);
    if (v === 'true') {
      ctx.addIssue({ code: 'custom', message: 'TRUST_PROXY 不接受 true：请写代理的跳数（如 1）或代理地址（如 loopback,10.0.0.0/8）' });
      return z.NEVER;
    }
    const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
    const problem = addressListProblem(entries);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `TRUST_PROXY：${problem}` });
      return z.NEVER;
    }
    return entries;
  });

/** The sample values printed in `.env.example`: copied as they are they would be a published secret. */
export const PLACEHOLDER_SECRETS: readonly string[] = [
  'change-me-to-a-long-random-secret',
  'change-me-to-a-long-random-secret-of-32-or-more-characters',
];
const isNotPlaceholder = (value: string) => !PLACEHOLDER_SECRETS.includes(value.trim());
const placeholderMessage = (name: string) => `${name} 仍是 .env.example 中的示例值，请换成自己生成的随机值（例如 openssl rand -hex 24）`;

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
  // How long a SQLite write waits for another process's write lock (web, workers, imports) before answering 503.
  SQLITE_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  SEARCH: z.enum(['embedded', 'elasticsearch']).default('embedded'),
  MONGODB_URL: z.string().url().optional(),
  ELASTICSEARCH_URL: z.string().url().optional(),
  // cjk works on a stock cluster; smartcn and ik need their analysis plugin (checked at start).
  ELASTICSEARCH_ANALYZER: z.enum(['cjk', 'smartcn', 'ik']).default('cjk'),
  ELASTICSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'ELASTICSEARCH_INDEX_PREFIX 只能包含小写字母、数字、- 和 _，以字母或数字开头')
    .default('policy-push'),
  ADMIN_TOKEN: z.string().min(24, 'ADMIN_TOKEN 至少 24 个字符').refine(isNotPlaceholder, placeholderMessage('ADMIN_TOKEN')).optional(),
  APP_SECRET: z.string().min(32, 'APP_SECRET 至少 32 个字符').refine(isNotPlaceholder, placeholderMessage('APP_SECRET')).optional(),
  // Separation of duties: 保密审查 and 合法性审查 by two different people unless a tiny office allows one (1).
  REVIEW_SAME_PERSON_ALLOWED: flag.default(false),
  DEMO_DATA: flag.default(true),
  // Client addresses behind a reverse proxy (sign-in limits, question limits, METRICS_ALLOW); see docs/operations.md.
  TRUST_PROXY: trustProxy.default(false),
  // Who may read /metrics: a bearer token and/or client addresses; with neither, loopback only.
  METRICS_TOKEN: z.string().min(24, 'METRICS_TOKEN 至少 24 个字符').refine(isNotPlaceholder, placeholderMessage('METRICS_TOKEN')).optional(),
  METRICS_ALLOW: addressList.optional(),
  // Unset: http://localhost:<PORT>, derived in server/config.ts once PORT is known.
  PUBLIC_BASE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/).default('1mb'),
  SEARCH_SYNC_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  MATCHER_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  MATCHER_BATCH_SIZE: z.coerce.number().int().min(10).max(100_000).default(5000),
  // Interpretation packages, graphics and public questions; see docs/interpretation.md.
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  // Documents brought in from files (drafter upload, API, import command); see docs/back-catalogue.md.
  INGEST_MAX_BYTES: z.coerce.number().int().min(1024).max(200 * 1024 * 1024).default(20 * 1024 * 1024),
  IMAGE_MAX_PIXELS: z.coerce.number().int().min(10_000).max(268_402_689).default(40_000_000),
  QUESTION_RATE_LIMIT: z.coerce.number().int().min(1).max(1000).default(5),
  QUESTION_RATE_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  QUESTION_DAILY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(20),
  // Push (dispatcher, email, WeChat, digests, reminders); see docs/push.md.
  PUSH_CHANNELS: z
    .string()
    .default('email,wechat')
    .transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['email', 'wechat', 'wechat_oa', 'wecom_robot']))),
  PUSH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  PUSH_RETRY_BASE_MS: z.coerce.number().int().min(1).default(30_000),
  PUSH_RETRY_MAX_MS: z.coerce.number().int().min(1).default(3_600_000),
  PUSH_LEASE_MS: z.coerce.number().int().min(500).default(120_000),
  PUSH_POLL_MS: z.coerce.number().int().min(10).default(1000),
  PUSH_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'SMTP_URL 应以 smtp:// 或 smtps:// 开头').optional(),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  MAIL_FROM: z.string().min(3).default('政策推送平台 <noreply@policy-push.local>'),
  EMAIL_RATE_PER_SECOND: z.coerce.number().min(0.01).default(2000),
  EMAIL_ACCOUNT_RATE_PER_SECOND: z.coerce.number().min(0.01).default(2000),
  WECHATY_PUPPET: z
    .string()
    .regex(/^(@[a-z0-9-]+\/)?wechaty-puppet-[a-z0-9-]+$/, 'WECHATY_PUPPET 应为 wechaty-puppet-* 包名')
    .default('wechaty-puppet-mock'),
  WECHATY_PUPPET_TOKEN: z.string().min(1).optional(),
  WECHAT_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  WECHAT_JITTER_MS: z.coerce.number().int().min(0).default(400),
  WECHAT_DAILY_BUDGET: z.coerce.number().int().min(0).default(500),
  WECHAT_KILL_SWITCH: flag.default(false),
  WECHAT_DRY_RUN: flag.default(false),
  DIGEST_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'DIGEST_TIME 格式应为 HH:MM').default('08:30'),
  REMINDER_DAYS: z
    .string()
    .default('7,1')
    .transform((v) => v.split(',').map((d) => Number(d.trim())))
    .pipe(z.array(z.number().int().min(1).max(60)).min(1)),
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** Days that opens and 与我无关 feedback of pushes are kept before the sweeper deletes them. */
  PUSH_TRACKING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** An unsubscribe within this many days after a push counts as following it in the statistics. */
  PUSH_TRACKING_FOLLOW_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  // Official WeChat channels (服务号订阅通知, 企业微信群机器人); see docs/wechat-channels.md.
  WECHAT_OA_API_BASE: z.string().url().default('https://api.weixin.qq.com'),
  WECHAT_OA_AUTHORIZE_BASE: z.string().url().default('https://open.weixin.qq.com'),
  WECHAT_OA_BACKOFF_MS: z.coerce.number().int().min(10).default(60_000),
  WECOM_ROBOT_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
  WECOM_ROBOT_PER_MINUTE: z.coerce.number().int().min(1).max(20).default(20),
  // The window WECOM_ROBOT_PER_MINUTE counts in; keep the platform's minute outside tests.
  WECOM_ROBOT_WINDOW_MS: z.coerce.number().int().min(100).default(60_000),
  WECOM_ROBOT_BACKOFF_MS: z.coerce.number().int().min(10).default(60_000),
  // 依申请公开 (docs/disclosure-requests.md): who gets deadline reminders, how often mail is sent.
  DISCLOSURE_STAFF_EMAILS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .pipe(z.array(z.email('DISCLOSURE_STAFF_EMAILS 应为逗号分隔的邮箱地址'))),
  DISCLOSURE_MAIL_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  // 征求意见 (docs/consultations.md): minimum window in calendar days for major decisions; comments per address per 10 minutes.
  CONSULTATION_MIN_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  CONSULTATION_COMMENT_RATE_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
});
export type ConfigEnv = z.infer<typeof configEnvSchema>;
