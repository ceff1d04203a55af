import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Role } from '../../schemas/user.schema.js';
import { DomainError } from '../errors.js';
import type { Actor } from '../services/actor.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import { readMultipart, type UploadedFile } from './multipart.js';
import { issuesOf } from '../validation-issues.js';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** Who may call a route: anyone, a subscriber with their own token, or staff holding one of the roles. */
export type Access = 'public' | 'subscriber' | readonly Role[];

export interface Caller {
  actor: Actor | null;
  subscriber: Subscriber | null;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  status?: number;
  /**
   * A multipart/form-data route: the named file field (at most `maxBytes`) reaches the handler as
   * `file`, the other form fields are validated by `body`.
   */
  upload?: { field: string; maxBytes: number };
  /** Content type of a non-JSON response (images), for the OpenAPI document. */
  produces?: string;
  handler: (input: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    actor: Actor | null;
    subscriber: Subscriber | null;
    file: UploadedFile | null;
    req: Request;
    res: Response;
  }) => Promise<z.input<R>>;
}

export type AnyRouteSpec = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): AnyRouteSpec {
  return spec as unknown as AnyRouteSpec;
}


function parsePart({ schema, value, part }: { schema: z.ZodType | undefined; value: unknown; part: string }): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  const first = issues[0];
  throw new DomainError({
    type: 'invalid',
    code: 'validation_failed',
    message: first ? `请求参数有误：${first.path ? `${first.path}：` : ''}${first.message}` : '请求参数有误',
    details: { part, issues },
  });
}

/** The one validation path: params, query and body each through their zod schema, before the handler. */
export function mountRoute({ router, spec, authorize }: { router: Router; spec: AnyRouteSpec; authorize: (req: Request, access: Access) => Promise<Caller> }) {
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    const { actor, subscriber } = await authorize(req, spec.access);
    const params = parsePart({ schema: spec.params, value: req.params, part: 'params' });
    const query = parsePart({ schema: spec.query, value: req.query, part: 'query' });
    const multipart = typeof req.is('multipart/form-data') === 'string';
    if (multipart !== Boolean(spec.upload) && ['POST', 'PATCH', 'PUT'].includes(req.method)) {
      throw new DomainError(
        spec.upload
          ? { type: 'unsupported_media_type', code: 'multipart_required', message: '请以 multipart/form-data 上传文件' }
          : { type: 'unsupported_media_type', code: 'json_required', message: '请求体必须是 JSON（Content-Type: application/json）' },
      );
    }
    const form = spec.upload ? await readMultipart({ req, fileField: spec.upload.field, maxBytes: spec.upload.maxBytes }) : null;
    const body = parsePart({ schema: spec.body, value: form ? form.fields : (req.body ?? {}), part: 'body' });
    const result = await spec.handler({ params, query, body, actor, subscriber, file: form?.file ?? null, req, res });
    if (res.headersSent) return;
    res.status(spec.status ?? 200).json(result);
  });
}
