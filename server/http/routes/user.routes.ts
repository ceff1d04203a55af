import { z } from 'zod';
import { createdUserSchema, createUserBodySchema, userSchema } from '../../../schemas/user.schema.js';
import type { UserService } from '../../services/user.service.js';
import { defineRoute } from '../route.js';

export function userRoutes({ users }: { users: UserService }) {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/users',
      tag: 'users',
      summary: '新建用户（管理员）；响应中的 API 令牌只出现这一次',
      access: ['admin'],
      body: createUserBodySchema,
      response: createdUserSchema,
      status: 201,
      handler: async ({ body }) => users.create({ body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/users',
      tag: 'users',
      summary: '用户列表（管理员）',
      access: ['admin'],
      response: z.array(userSchema),
      handler: async () => users.list(),
    }),
  ];
}
