import { z } from 'zod';
import { isoDateTimeSchema, slugSchema } from './common.schema.js';

/**
 * What an audit entry records. Codes are stable (exports and filters use them); the labels are what
 * staff read on the portal.
 */
export const AUDIT_ACTION_LABELS = {
  'policy.create': '新建草稿',
  'policy.update': '修改草稿',
  'policy.submit': '送审',
  'policy.review': '审查',
  'policy.publish': '发布',
  'policy.revise': '发起修订',
  'policy.repeal': '废止',
  'policy.import': '批量导入',
  'interpretation.update': '修改解读材料',
  'faq.create': '新增常见问题',
  'faq.update': '修改常见问题',
  'faq.withdraw': '撤下常见问题',
  'faq.reorder': '调整常见问题顺序',
  'taxonomy.tag.create': '新建标签',
  'taxonomy.tag.update': '修改标签',
  'taxonomy.tag.deprecate': '停用标签',
  'taxonomy.tag.merge': '合并标签',
  'user.create': '新建用户',
  'user.disable': '停用账号',
  'user.enable': '启用账号',
  'user.token.rotate': '更换令牌',
  'user.admin.bootstrap': '以 ADMIN_TOKEN 设置管理员',
  'push.channel.pause': '暂停推送渠道',
  'push.channel.resume': '恢复推送渠道',
  'push.channel.configure': '配置微信官方渠道（服务号或群机器人）',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;
export const auditActionSchema = z.enum(Object.keys(AUDIT_ACTION_LABELS) as [AuditAction, ...AuditAction[]]);

/** Actions that write a policy's text or its interpretation package: whoever did one may not review that version. */
export const AUTHORING_ACTIONS: readonly AuditAction[] = [
  'policy.create',
  'policy.update',
  'interpretation.update',
  'faq.create',
  'faq.update',
  'faq.withdraw',
  'faq.reorder',
];

export const auditTargetTypeSchema = z.enum(['policy', 'tag', 'user', 'push_channel']);
export type AuditTargetType = z.infer<typeof auditTargetTypeSchema>;

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: isoDateTimeSchema,
    actorId: z.string(),
    actorName: z.string(),
    actorRole: z.string(),
    action: auditActionSchema,
    targetType: auditTargetTypeSchema,
    targetId: z.string(),
    /** SHA-256 of the content the action wrote or approved (policy text, package, tag); null when there is none. */
    digest: z.string().nullable(),
    /** Small facts about the action (review kind and decision, version number, reason); never secrets. */
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export const auditQuerySchema = z.strictObject({
  actor: slugSchema.optional(),
  action: auditActionSchema.optional(),
  targetType: auditTargetTypeSchema.optional(),
  target: z.string().min(1).max(100).optional(),
  from: isoDateTimeSchema.optional(),
  to: isoDateTimeSchema.optional(),
  /** Entries after this id (the `nextAfter` of the previous page). */
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(500),
  format: z.enum(['json', 'csv', 'jsonl']).default('json'),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditPageSchema = z
  .object({ items: z.array(auditEntrySchema), nextAfter: z.number().int().nullable() })
  .meta({ id: 'AuditPage' });
