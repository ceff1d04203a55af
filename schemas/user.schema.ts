import { z } from 'zod';
import { isoDateTimeSchema, slugSchema } from './common.schema.js';

export const ROLE_LABELS = { admin: '管理员', drafter: '起草人', reviewer: '审查人' } as const;
export const roleSchema = z.enum(['admin', 'drafter', 'reviewer']);
export type Role = z.infer<typeof roleSchema>;

export const userSchema = z
  .object({
    id: slugSchema,
    name: z.string().min(1).max(60),
    role: roleSchema,
    createdAt: isoDateTimeSchema,
    disabled: z.boolean(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const createUserBodySchema = z
  .strictObject({ id: slugSchema, name: z.string().trim().min(1).max(60), role: roleSchema })
  .meta({ id: 'CreateUserBody' });
export type CreateUserBody = z.infer<typeof createUserBodySchema>;

export const createdUserSchema = userSchema
  .extend({ token: z.string().describe('API token; shown once, stored only as a hash') })
  .meta({ id: 'CreatedUser' });

export const userIdParamsSchema = z.strictObject({ id: slugSchema });

export const userStatusBodySchema = z.strictObject({ disabled: z.boolean() }).meta({ id: 'UserStatusBody' });
