import crypto from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Actor } from '../services/actor.js';
import type { UserService } from '../services/user.service.js';
import type { SubscriberService } from '../services/subscriber.service.js';
import { errorMiddleware, notFoundMiddleware, requireJson } from './error.middleware.js';
import { MetricsAccess } from '../security/metrics-access.js';
import { buildOpenApiDocument } from './openapi.js';
import { mountRoute, type Access, type AnyRouteSpec, type Caller, type ResponseCheck } from './route.js';

export interface HealthCheck {
  live(): Promise<Record<string, unknown>>;
  /** `catchingUp`: serving, but the search index is still catching up with the store after start. */
  ready(): Promise<{ ready: boolean; catchingUp?: boolean; checks: Record<string, unknown> }>;
}

/**
 * /healthz and /readyz for anyone say up or down only (status code and a one-word body): the checks
 * name internal hosts and, with a real WeChat puppet, carry its login QR code. An administrator's
 * token (`Authorization: Bearer`) adds the details. Shared by the web app and the workers' probe port.
 */
export async function answerProbe({
  route,
  authorization,
  health,
  users,
}: {
  route: string;
  authorization: string | undefined;
  health: HealthCheck;
  users: Pick<UserService, 'authenticate'>;
}): Promise<{ status: number; body: Record<string, unknown> } | null> {
  if (route !== '/healthz' && route !== '/readyz') return null;
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const admin = token && !token.startsWith('pps_') ? (await users.authenticate({ token }))?.role === 'admin' : false;
  if (route === '/healthz') return { status: 200, body: { status: 'ok', ...(admin ? await health.live() : {}) } };
  const { ready, catchingUp = false, checks } = await health.ready();
  // Not ready while catching up, so an orchestrator holds traffic back; the server itself answers meanwhile.
  const status = !ready ? 'not_ready' : catchingUp ? 'catching_up' : 'ready';
  return { status: status === 'ready' ? 200 : 503, body: { status, ...(admin ? { checks } : {}) } };
}

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
};

const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.headers['x-request-id'];
  res.setHeader('x-request-id', typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID());
  next();
};

function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    throw new DomainError({ type: 'unauthenticated', code: 'malformed_authorization', message: 'Authorization 头格式应为：Bearer <令牌>' });
  }
  return match[1];
}

export function createHttpApp({
  routes,
  users,
  subscribers,
  extraRouters = [],
  formRouters = [],
  health,
  logger,
  bodyLimit,
  version,
  trustProxy = false,
  metricsAccess = new MetricsAccess({}),
  responseCheck = 'public',
}: {
  routes: readonly AnyRouteSpec[];
  users: UserService;
  subscribers: SubscriberService;
  /** Non-JSON endpoints (Atom feeds) mounted beside the API. */
  extraRouters?: express.Router[];
  /** Endpoints that take form posts (RFC 8058 one-click unsubscribe), mounted before the JSON-only guard. */
  formRouters?: express.Router[];
  health: HealthCheck;
  logger: Logger;
  bodyLimit: string;
  version: string;
  /** Express `trust proxy` (TRUST_PROXY): whose X-Forwarded-For names the client. */
  trustProxy?: false | number | string[];
  /** Who may read /metrics (METRICS_TOKEN, METRICS_ALLOW); loopback only by default. */
  metricsAccess?: MetricsAccess;
  /** `strict` in tests: every response is held to its schema (route.ts). */
  responseCheck?: ResponseCheck;
}) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.set('query parser', 'extended');
  app.use(requestId, securityHeaders);
  for (const form of formRouters) app.use(form);
  app.use(requireJson, express.json({ limit: bodyLimit, strict: true }));

  const authorize = async (req: Request, access: Access): Promise<Caller> => {
    const token = bearerToken(req);
    // Staff and subscriber tokens have distinct prefixes, so one header can carry either.
    if (token?.startsWith('pps_')) {
      const subscriber = await subscribers.authenticate({ token });
      if (!subscriber) throw new DomainError({ type: 'unauthenticated', code: 'invalid_token', message: '令牌无效或已停用' });
      if (access === 'public' || access === 'subscriber') return { actor: null, subscriber };
      throw new DomainError({ type: 'forbidden', code: 'role_forbidden', message: '订阅用户无权执行此操作' });
    }
    const actor = token ? await users.authenticate({ token }) : null;
    if (token && !actor) throw new DomainError({ type: 'unauthenticated', code: 'invalid_token', message: '令牌无效或已停用' });
    if (access === 'public') return { actor, subscriber: null };
    if (access === 'subscriber') {
      // Signed in as staff is still the wrong kind of caller: refused, not asked to sign in.
      if (actor) throw new DomainError({ type: 'forbidden', code: 'role_forbidden', message: '此接口仅供订阅用户使用，工作人员令牌无权调用', details: { required: access, role: actor.role } });
      throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要订阅用户令牌：请在 Authorization 头中提供 Bearer 令牌' });
    }
    if (!actor) {
      throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要登录：请在 Authorization 头中提供 Bearer 令牌' });
    }
    if (!access.includes(actor.role)) {
      throw new DomainError({ type: 'forbidden', code: 'role_forbidden', message: '当前角色无权执行此操作', details: { required: access, role: actor.role } });
    }
    return { actor, subscriber: null };
  };

  const router = express.Router();
  for (const spec of routes) mountRoute({ router, spec, authorize, responseCheck });
  app.use(router);
  // Before the router that serves it, so no other module can answer /metrics unguarded.
  app.get('/metrics', (req, _res, next) => {
    if (metricsAccess.permits(req)) {
      next();
      return;
    }
    next(new DomainError({ type: 'forbidden', code: 'metrics_forbidden', message: '无权读取监控指标：请使用 METRICS_TOKEN 或从 METRICS_ALLOW 允许的地址访问' }));
  });
  for (const extra of extraRouters) app.use(extra);

  const openapi = buildOpenApiDocument({ routes, version });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get(['/healthz', '/readyz'], async (req, res, next) => {
    const answer = await answerProbe({ route: req.path, authorization: req.headers.authorization, health, users });
    if (!answer) {
      next();
      return;
    }
    res.set('Cache-Control', 'no-store').status(answer.status).json(answer.body);
  });

  app.use(notFoundMiddleware);
  app.use(errorMiddleware({ logger }));
  return app;
}
