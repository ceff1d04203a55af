import { z } from 'zod';
import { createdUserSchema, createUserBodySchema, userIdParamsSchema, userSchema, userStatusBodySchema } from '../../../schemas/user.schema.js';
import { emptyBodySchema } from '../../../schemas/policy.schema.js';
import type { UserService } from '../../services/user.service.js';
import { defineRoute } from '../route.js';
import { staffActor } from '../staff-actor.js';

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
      handler: async ({ body, actor }) => users.create({ actor: staffActor(actor), body }),
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
    defineRoute({
      method: 'put',
      path: '/api/v1/users/:id/status',
      tag: 'users',
      summary: '停用 / 启用账号（管理员）；停用后该用户的令牌和门户登录立即失效',
      access: ['admin'],
      params: userIdParamsSchema,
      body: userStatusBodySchema,
      response: userSchema,
      handler: async ({ params, body, actor }) => users.setDisabled({ actor: staffActor(actor), id: params.id, disabled: body.disabled }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/users/:id/token',
      tag: 'users',
      summary: '更换 API 令牌（管理员）：旧令牌和门户登录立即失效，新令牌只在响应中出现这一次',
      access: ['admin'],
      params: userIdParamsSchema,
      body: emptyBodySchema,
      response: createdUserSchema,
      handler: async ({ params, actor }) => users.rotateToken({ actor: staffActor(actor), id: params.id }),
    }),
  ];
}
