import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Role } from '../../schemas/user.schema.js';
import { DomainError } from '../errors.js';
import type { Actor } from '../services/actor.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import { readMultipart, type UploadedFile } from './multipart.js';
import { issuesOf } from '../validation-issues.js';
import { projectionOf } from './response-projection.js';
import { BoundedMemo } from '../bounded-memo.js';
import { deepFreeze } from '../deep-freeze.js';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** Who may call a route: anyone, a subscriber with their own token, or staff holding one of the roles. */
export type Access = 'public' | 'subscriber' | readonly Role[];

export interface Caller {
  actor: Actor | null;
  subscriber: Subscriber | null;
}

/** What describes a route, for mounting, the OpenAPI document and tests that walk the table. */
interface RouteContract {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  status?: number;
  /**
   * A multipart/form-data route: the named file field (at most `maxBytes`) reaches the handler as
   * `file`, the other form fields are validated by `body`.
   */
  upload?: { field: string; maxBytes: number };
  /** Content type of a non-JSON response (images), for the OpenAPI document. */
  produces?: string;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> extends RouteContract {
  params?: P;
  query?: Q;
  body?: B;
  response: R;
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

/**
 * A route in the table: its contract and schemas, and a `handle` that validates the request parts
 * with those schemas before the typed handler runs. The handler's types stay inside `defineRoute`,
 * so routes of different shapes sit in one list without erasing them.
 */
export interface AnyRouteSpec extends RouteContract {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  handle(input: { req: Request; res: Response; caller: Caller; readBody: () => Promise<RawBody> }): Promise<unknown>;
}

type Part = 'params' | 'query' | 'body';

/** The request body before validation: JSON, or a multipart form's fields and its one file. */
export interface RawBody {
  fields: unknown;
  file: UploadedFile | null;
}

/** An absent schema leaves the part undefined, which is what the handler's default `ZodUndefined` says it gets. */
function parsePart<S extends z.ZodType>(input: { schema: S | undefined; value: unknown; part: Part }): z.output<S>;
function parsePart({ schema, value, part }: { schema: z.ZodType | undefined; value: unknown; part: Part }): unknown {
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

/**
 * Validated queries kept per route by their raw query string, frozen: the search page and its
 * clients ask the same URLs over and over, and parsing a query string and checking it against its
 * schema cost a search answered from cache about a twentieth of its time. The same string always
 * parses to the same value, so a kept one is what parsing again would give.
 */
const KEPT_QUERIES = 512;
/** Longer query strings are parsed every time, so what is kept stays small whatever clients send. */
const KEPT_QUERY_LENGTH = 512;

function rawQuery(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at === -1 ? '' : req.originalUrl.slice(at + 1);
}

export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B, R>): AnyRouteSpec {
  const { handler, ...contract } = spec;
  const queries = new BoundedMemo<z.output<Q>>(KEPT_QUERIES);
  const validQuery = (req: Request): z.output<Q> => {
    const parse = (): z.output<Q> => deepFreeze(parsePart({ schema: spec.query, value: req.query, part: 'query' }));
    if (!spec.query) return parse();
    const raw = rawQuery(req);
    return raw.length <= KEPT_QUERY_LENGTH ? queries.get(raw, parse) : parse();
  };
  return {
    ...contract,
    handle: async ({ req, res, caller, readBody }) => {
      const params = parsePart({ schema: spec.params, value: req.params, part: 'params' });
      const query = validQuery(req);
      const form = await readBody();
      const body = parsePart({ schema: spec.body, value: form.fields, part: 'body' });
      return handler({ params, query, body, actor: caller.actor, subscriber: caller.subscriber, file: form.file, req, res });
    },
  };
}

/**
 * How responses meet their `response` schema. Public responses always pass through it, so a field
 * the schema does not name (a private one) is dropped rather than published (see
 * response-projection.ts). `strict` (tests) also parses every response with zod, fails the request
 * when it does not match or when the schema had to drop anything (a handler that returns more than
 * its contract is caught where it is written), and checks that the projection sent equals the parse.
 */
export type ResponseCheck = 'public' | 'strict';

/** Paths of object keys present in `sent` that the parsed response no longer has. */
export function droppedKeys({ sent, kept, at = '' }: { sent: unknown; kept: unknown; at?: string }): string[] {
  if (Array.isArray(sent) && Array.isArray(kept)) {
    return sent.flatMap((item, index) => droppedKeys({ sent: item, kept: kept[index], at: `${at}[${index}]` }));
  }
  if (!isPlainObject(sent) || !isPlainObject(kept)) return [];
  return Object.entries(sent).flatMap(([key, value]) => {
    const path = at ? `${at}.${key}` : key;
    if (!(key in kept)) return value === undefined ? [] : [path];
    return droppedKeys({ sent: value, kept: kept[key], at: path });
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** The response as its schema allows it; a mismatch is a server bug, never the client's. */
export function checkedResponse({ spec, result, check }: { spec: AnyRouteSpec; result: unknown; check: ResponseCheck }): unknown {
  if (check === 'public') return spec.access === 'public' ? projectionOf(spec.response)(result) : result;
  const route = `${spec.method.toUpperCase()} ${spec.path}`;
  const parsed = spec.response.safeParse(result);
  if (!parsed.success) throw new Error(`response of ${route} does not match its schema: ${JSON.stringify(issuesOf(parsed.error))}`);
  const dropped = droppedKeys({ sent: result, kept: parsed.data });
  if (dropped.length > 0) throw new Error(`response of ${route} carries fields its schema does not declare: ${dropped.join(', ')}`);
  if (spec.access !== 'public') return result;
  const projected = projectionOf(spec.response)(result);
  if (!isDeepStrictEqual(asSent(projected), asSent(parsed.data))) throw new Error(`response of ${route}: its projection differs from the schema's parse`);
  return projected;
}

/** A value as a client reads it: through JSON, which drops undefined fields and freezes nothing. */
function asSent(value: unknown): unknown {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : JSON.parse(json);
}

/** The one validation path: params, query and body each through their zod schema, before the handler. */
export function mountRoute({
  router,
  spec,
  authorize,
  responseCheck = 'public',
}: {
  router: Router;
  spec: AnyRouteSpec;
  authorize: (req: Request, access: Access) => Promise<Caller>;
  responseCheck?: ResponseCheck;
}) {
  const preparedJson = new WeakMap<object, { body: Buffer; etag: string }>();
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    const caller = await authorize(req, spec.access);
    const readBody = async (): Promise<RawBody> => {
      const multipart = typeof req.is('multipart/form-data') === 'string';
      if (multipart !== Boolean(spec.upload) && ['POST', 'PATCH', 'PUT'].includes(req.method)) {
        throw new DomainError(
          spec.upload
            ? { type: 'unsupported_media_type', code: 'multipart_required', message: '请以 multipart/form-data 上传文件' }
            : { type: 'unsupported_media_type', code: 'json_required', message: '请求体必须是 JSON（Content-Type: application/json）' },
        );
      }
      if (spec.upload) return readMultipart({ req, fileField: spec.upload.field, maxBytes: spec.upload.maxBytes });
      const json: unknown = req.body;
      return { fields: json ?? {}, file: null };
    };
    const result = await spec.handle({ req, res, caller, readBody });
    if (res.headersSent) return;
    const status = spec.status ?? 200;
    if (!isFrozenObject(result)) {
      res.status(status).json(checkedResponse({ spec, result, check: responseCheck }));
      return;
    }
    let prepared = preparedJson.get(result);
    if (!prepared) {
      prepared = jsonBody(checkedResponse({ spec, result, check: responseCheck }));
      preparedJson.set(result, prepared);
    }
    res.status(status).type('application/json').setHeader('ETag', prepared.etag);
    res.send(prepared.body);
  });
}

/**
 * A frozen result is one a service hands unchanged to every request asking the same (a cached
 * search), so its checked JSON and ETag are made once per route and kept while the result lives.
 * For a cached search that was most of the cost of answering.
 */
function isFrozenObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.isFrozen(value);
}

function jsonBody(value: unknown): { body: Buffer; etag: string } {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  // The same weak validator express makes for a body: length and a SHA-1 prefix.
  return { body, etag: `W/"${body.length.toString(16)}-${crypto.createHash('sha1').update(body).digest('base64').slice(0, 27)}"` };
}
