import { z } from 'zod';
import { isoDateTimeSchema } from './common.schema.js';

/**
 * Field kinds of a 服务号 subscription-notice template and their length limits on the platform
 * (characters; `time` and `date` are formatted values). A template key is the kind plus a number
 * (`thing1`, `time3`), so the limit follows from the key the office configures.
 */
export const SUBSCRIBE_FIELD_LIMITS = {
  thing: 20,
  character_string: 32,
  phrase: 5,
  number: 32,
  letter: 32,
  symbol: 5,
  name: 10,
  time: 32,
  date: 32,
} as const;
export type SubscribeFieldKind = keyof typeof SUBSCRIBE_FIELD_LIMITS;

export const templateKeySchema = z
  .string()
  .trim()
  .regex(/^(thing|character_string|phrase|number|letter|symbol|name|time|date)\d{1,2}$/, '字段名应为模板中的关键词，如 thing1、time2、phrase3、character_string4');

/** Which template keyword carries which fact of a push; only the title is required. */
export const officialAccountFieldsSchema = z.object({
  title: templateKeySchema,
  issuer: templateKeySchema.nullable(),
  date: templateKeySchema.nullable(),
  kind: templateKeySchema.nullable(),
  number: templateKeySchema.nullable(),
});
export type OfficialAccountFields = z.infer<typeof officialAccountFieldsSchema>;

/** The office's 服务号, as stored. The secret never leaves the server (see `officialAccountViewSchema`). */
export const officialAccountSettingsSchema = z
  .object({
    appId: z.string(),
    appSecret: z.string(),
    templateId: z.string(),
    fields: officialAccountFieldsSchema,
    updatedBy: z.string(),
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'OfficialAccountSettings' });
export type OfficialAccountSettings = z.infer<typeof officialAccountSettingsSchema>;

export const officialAccountViewSchema = officialAccountSettingsSchema.omit({ appSecret: true }).extend({ secretHint: z.string() }).meta({ id: 'OfficialAccountView' });
export type OfficialAccountView = z.infer<typeof officialAccountViewSchema>;

export const officialAccountBodySchema = z.strictObject({
  appId: z.string().trim().regex(/^wx[0-9a-zA-Z]{10,30}$/, 'AppID 应以 wx 开头，由字母和数字组成'),
  /** Empty: keep the stored secret (the form never shows it). */
  appSecret: z.string().trim().max(64).regex(/^[0-9a-zA-Z]*$/, 'AppSecret 只能包含字母和数字'),
  templateId: z.string().trim().min(8, '请填写订阅通知模板 ID').max(64).regex(/^[\w-]+$/, '模板 ID 格式不正确'),
  fields: z.strictObject({
    title: templateKeySchema,
    issuer: templateKeySchema.nullable(),
    date: templateKeySchema.nullable(),
    kind: templateKeySchema.nullable(),
    number: templateKeySchema.nullable(),
  }),
});
export type OfficialAccountBody = z.infer<typeof officialAccountBodySchema>;

export const robotStatusSchema = z.enum(['unchecked', 'ok', 'invalid']);
export type RobotStatus = z.infer<typeof robotStatusSchema>;
export const ROBOT_STATUS_LABELS = { unchecked: '尚未发送过', ok: '正常', invalid: 'Webhook 无效，请园区重新获取并由管理员更新' } as const;

/** A park group's WeCom robot: the park's `wecom_robot` contact names the group, this row holds its webhook. */
export const wecomRobotSchema = z
  .object({
    contactId: z.string(),
    parkId: z.string(),
    groupName: z.string(),
    webhookKey: z.string(),
    status: robotStatusSchema,
    lastError: z.string().nullable(),
    lastCheckedAt: isoDateTimeSchema.nullable(),
    updatedBy: z.string(),
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'WecomRobot' });
export type WecomRobot = z.infer<typeof wecomRobotSchema>;

export const wecomRobotViewSchema = wecomRobotSchema.omit({ webhookKey: true }).extend({ keyHint: z.string() }).meta({ id: 'WecomRobotView' });
export type WecomRobotView = z.infer<typeof wecomRobotViewSchema>;

/** The full webhook address as WeCom shows it, or only its key. */
export const wecomRobotBodySchema = z.strictObject({
  parkId: z.string().trim().min(1).max(64),
  groupName: z.string().trim().min(1, '请填写群名称').max(64),
  webhook: z
    .string()
    .trim()
    .transform((value) => {
      const match = /[?&]key=([\w-]+)/.exec(value);
      return match?.[1] ?? value;
    })
    .pipe(z.string().regex(/^[\w-]{8,64}$/, '请粘贴企业微信群机器人的完整 Webhook 地址（含 key=…）')),
});
export type WecomRobotBody = z.infer<typeof wecomRobotBodySchema>;

/** A platform access token shared by every worker process, with the lease of whoever refreshes it. */
export const platformTokenSchema = z
  .object({
    name: z.string(),
    token: z.string().nullable(),
    expiresAt: isoDateTimeSchema.nullable(),
    leaseOwner: z.string().nullable(),
    leaseUntil: isoDateTimeSchema.nullable(),
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'PlatformToken' });
export type PlatformToken = z.infer<typeof platformTokenSchema>;

/** What a "发送测试消息" click reports. */
export const channelTestResultSchema = z.object({ ok: z.boolean(), message: z.string() }).meta({ id: 'ChannelTestResult' });
export type ChannelTestResult = z.infer<typeof channelTestResultSchema>;
