import { z } from 'zod';
import {
  createTagBodySchema,
  mergeTagBodySchema,
  tagIdParamsSchema,
  tagSchema,
  taxonomySchema,
  updateTagBodySchema,
} from '../../../schemas/taxonomy.schema.js';
import { emptyBodySchema } from '../../../schemas/policy.schema.js';
import type { TaxonomyService } from '../../services/taxonomy.service.js';
import { defineRoute } from '../route.js';
import { staffActor } from '../staff-actor.js';

export function taxonomyRoutes({ taxonomy }: { taxonomy: TaxonomyService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/taxonomy',
      tag: 'taxonomy',
      summary: '标签体系：全部维度与标签（含已停用标签及其合并去向）',
      access: 'public',
      response: taxonomySchema,
      handler: async () => {
        const current = taxonomy.current();
        return { dimensions: [...current.dimensions], tags: [...current.tags] };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/taxonomy/tags',
      tag: 'taxonomy',
      summary: '新建标签',
      access: ['admin'],
      body: createTagBodySchema,
      response: tagSchema,
      status: 201,
      handler: async ({ body, actor }) => taxonomy.createTag({ actor: staffActor(actor), body }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/taxonomy/tags/:tagId',
      tag: 'taxonomy',
      summary: '修改标签：改名、同义词、移动到新的上级标签',
      access: ['admin'],
      params: tagIdParamsSchema,
      body: updateTagBodySchema,
      response: tagSchema,
      handler: async ({ params, body, actor }) => taxonomy.updateTag({ actor: staffActor(actor), tagId: params.tagId, body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/taxonomy/tags/:tagId/deprecate',
      tag: 'taxonomy',
      summary: '停用标签：已有引用保留，新的写入不再接受',
      access: ['admin'],
      params: tagIdParamsSchema,
      body: emptyBodySchema,
      response: tagSchema,
      handler: async ({ params, actor }) => taxonomy.deprecateTag({ actor: staffActor(actor), tagId: params.tagId }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/taxonomy/tags/:tagId/merge',
      tag: 'taxonomy',
      summary: '合并标签：在同一事务中改写所有引用该标签的政策、订阅用户画像和订阅条件',
      access: ['admin'],
      params: tagIdParamsSchema,
      body: mergeTagBodySchema,
      response: z.object({
        tag: tagSchema,
        policiesRewritten: z.number().int(),
        subscribersRewritten: z.number().int(),
        subscriptionsRewritten: z.number().int(),
      }),
      handler: async ({ params, body, actor }) => taxonomy.mergeTag({ actor: staffActor(actor), tagId: params.tagId, into: body.into }),
    }),
  ];
}
