import { z } from 'zod';
import { errorBodySchema } from '../../schemas/common.schema.js';
import type { AnyRouteSpec } from './route.js';

type JsonObject = Record<string, unknown>;

/**
 * Converts one zod schema to JSON Schema 2020-12 (the dialect of OpenAPI 3.1) and hoists named
 * sub-schemas (`.meta({ id })`, recursive ones) into `components.schemas`.
 */
function toSchema({ schema, io, components }: { schema: z.ZodType; io: 'input' | 'output'; components: JsonObject }): JsonObject {
  const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonObject;
  const { $schema: _dialect, $defs, ...rest } = converted;
  const relink = (value: unknown): JsonObject =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonObject;
  for (const [name, definition] of Object.entries(($defs as JsonObject | undefined) ?? {})) {
    components[name] = relink(definition);
  }
  return relink(rest);
}

function parameters({ schema, location, components }: { schema: z.ZodType | undefined; location: 'path' | 'query'; components: JsonObject }) {
  if (!schema) return [];
  const json = toSchema({ schema, io: 'input', components });
  const properties = (json.properties as Record<string, JsonObject> | undefined) ?? {};
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
    ...(property.type === 'array' ? { style: 'form', explode: false } : {}),
  }));
}

const ERROR_RESPONSES: Record<string, string> = {
  '400': '请求参数有误',
  '401': '未登录或令牌无效',
  '403': '无权执行此操作',
  '404': '对象不存在',
  '409': '状态冲突或数据冲突',
  '413': '请求体过大',
  '415': '请求体不是 JSON',
};

/** JSON, or for upload routes a form whose file field is binary beside the validated fields. */
function requestContent({ route, body, components }: { route: AnyRouteSpec; body: z.ZodType; components: JsonObject }): JsonObject {
  const schema = toSchema({ schema: body, io: 'input', components });
  if (!route.upload) return { 'application/json': { schema } };
  const properties = { ...((schema.properties as JsonObject | undefined) ?? {}), [route.upload.field]: { type: 'string', format: 'binary' } };
  const required = [...((schema.required as string[] | undefined) ?? []), route.upload.field];
  return { 'multipart/form-data': { schema: { ...schema, properties, required } } };
}

export function buildOpenApiDocument({ routes, version }: { routes: readonly AnyRouteSpec[]; version: string }): JsonObject {
  const components: JsonObject = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  toSchema({ schema: errorBodySchema, io: 'output', components });
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const secured = route.access !== 'public';
    const operation: JsonObject = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [
        ...parameters({ schema: route.params, location: 'path', components }),
        ...parameters({ schema: route.query, location: 'query', components }),
      ],
      ...(route.body && route.method !== 'get'
        ? { requestBody: { required: true, content: requestContent({ route, body: route.body, components }) } }
        : {}),
      responses: {
        [String(route.status ?? 200)]: {
          description: '成功',
          content: route.produces
            ? { [route.produces]: { schema: { type: 'string', format: 'binary' } } }
            : { 'application/json': { schema: toSchema({ schema: route.response, io: 'output', components }) } },
        },
        ...Object.fromEntries(
          Object.entries(ERROR_RESPONSES)
            .filter(([status]) => secured || !['401', '403'].includes(status))
            .map(([status, description]) => [status, { description, content: { 'application/json': { schema: errorRef } } }]),
        ),
      },
      ...(secured ? { security: [{ bearerToken: [] }], 'x-access': route.access } : {}),
    };
    paths[path] = { ...(paths[path] ?? {}), [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: '政策解读与标签推送平台 API',
      version,
      description: '政策文件库、标签体系、检索与审查发布流程。错误统一为 { error: { code, message, details } }。',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: '管理员通过 POST /api/v1/users 签发的 API 令牌' } },
    },
  };
}
