import crypto from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config.js';
import { compressionMiddleware } from '../http/compression.middleware.js';
import { DomainError, retryAfterOf } from '../errors.js';
import { malformedPathError, statusOf } from '../http/error-status.js';
import { readMultipart } from '../http/multipart.js';
import type { Logger } from '../logger.js';
import type { WebAccountService } from './accounts/web-account.service.js';
import { ASSETS } from './assets/assets.js';
import { setWebContext, webContext, type WebContext } from './context.js';
import type { PortalExtensions } from './extensions.js';
import { formOf } from './forms.js';
import { interpretationExtensions } from './interpretation-slots.js';
import type { SafeHtml } from './html.js';
import { FLASH_MESSAGES, Redirect, type FlashCode, type PortalKit, type PortalServices } from './kit.js';
import { accountRoutes } from './routes/account.routes.js';
import { adminRoutes } from './routes/admin.routes.js';
import { interpretationRoutes } from './routes/interpretation.routes.js';
import { packageRoutes } from './routes/package.routes.js';
import { pushPageRoutes } from './routes/push.routes.js';
import { questionRoutes } from './routes/questions.routes.js';
import { parkRoutes } from './routes/park.routes.js';
import { publicRoutes } from './routes/public.routes.js';
import { staffRoutes } from './routes/staff.routes.js';
import { wechatChannelRoutes } from './routes/wechat-channels.routes.js';
import { cookieName, readCookies, setCookie, type CookiePolicy } from './security/cookies.js';
import type { CsrfGuard } from './security/csrf.js';
import type { Signer } from '../security/signer.js';
import { portalSecurityHeaders } from './security/headers.js';
import { RateLimiter } from './security/rate-limit.js';
import { SignInDevices } from './security/sign-in-devices.js';
import { SignInThrottle } from './security/sign-in-throttle.js';
import { mediaRoutes } from './routes/media.routes.js';
import { PUSH_TRACKING_PAGE, pushTrackingRoutes } from './routes/push-tracking.routes.js';
import { deliveryListPageRoutes } from './routes/delivery-list.routes.js';
import { textHygienePageRoutes } from './routes/text-hygiene.routes.js';
import { documentImportRoutes } from './routes/document-import.routes.js';
import { uploadLimitFor, setUploadedFile } from './uploads.js';
import { errorPage } from './views/error.view.js';
import type { DisclosureRequestService } from '../open-government/requests/request.service.js';
import type { CalendarService } from '../calendar/calendar.service.js';
import { disclosurePageRoutes } from '../open-government/requests/request-pages.routes.js';
import { calendarPageRoutes } from '../calendar/calendar-pages.routes.js';
import { consultationPageRoutes } from '../open-government/consultations/consultation-pages.routes.js';
import { annualReportPageRoutes } from '../open-government/annual-report/annual-report-pages.routes.js';
import { withConsultationSlot } from '../open-government/consultations/consultation-slot.js';

/** Paths the portal answers; everything else (the JSON API, feeds, probes, other modules' endpoints) goes to the API app. */
const PORTAL_PATH = /^\/(?:$|disclosure(?:\/|$)|consultations(?:\/|$)|search(?:\/|$)|faq(?:\/|$)|questions\/|policies(?:\/|$)|account(?:\/|$)|staff(?:\/|$)|assets\/|robots\.txt$)/;

/** Stored files: the API app serves them, the portal when the browser has a session (media.routes.ts). */
const MEDIA_PATH = /^\/media\/[^/]+$/;

/**
 * `/unsubscribe/:token` is shared with the push module: the portal shows the landing page (GET) and
 * takes its button (`…/confirm`); the RFC 8058 one-click POST to the link itself stays with the API
 * app, where mail providers post it without cookies or a form token.
 */
const UNSUBSCRIBE_PAGE = /^\/unsubscribe\/[^/]+(?:\/confirm)?$/;

export function portalAnswers({ method, path }: { method: string; path: string }): boolean {
  if (PORTAL_PATH.test(path)) return true;
  if (PUSH_TRACKING_PAGE.test(path)) return true;
  if (!UNSUBSCRIBE_PAGE.test(path)) return false;
  return path.endsWith('/confirm') ? method === 'POST' : method === 'GET' || method === 'HEAD';
}

export interface WebPortalInput {
  /** Built by the composition root (server/platform.ts), like everything below. */
  services: PortalServices;
  /** The portal's own accounts and sessions. */
  accounts: WebAccountService;
  /** Form tokens under the platform's one secret. */
  csrf: CsrfGuard;
  /** Keys the cookie that remembers a browser's past sign-ins, under the same secret. */
  signer: Signer;
  config: Config;
  logger: Logger;
  /** The JSON API application; requests outside the portal's paths are handed to it unchanged. */
  api: express.Express;
  extensions?: PortalExtensions;
  /** 依申请公开 pages and the working-day calendar admin (absent: those pages are not served). */
  disclosure?: { requests: DisclosureRequestService; calendars: CalendarService };
}

export interface WebPortal {
  /** The request handler for the HTTP server: portal pages, then the API, then the portal's 404 page. */
  handler: express.Express;
  portal: express.Express;
}

/**
 * The server-rendered portal in front of the JSON API. It sits in front (rather than inside the
 * API app) because the API refuses every non-JSON body, and browsers post forms urlencoded.
 */
export function createWebPortal({ services, accounts, csrf, signer, config, logger, api, extensions, disclosure }: WebPortalInput): WebPortal {
  const portal = buildPortalApp({
    services,
    accounts,
    csrf,
    signer,
    config,
    logger,
    ...(disclosure ? { disclosure } : {}),
    extensions: extensions ?? withConsultationSlot({ extensions: interpretationExtensions({ interpretation: services.interpretation }), consultations: services.openGovernment.consultations }),
  });
  const handler = express();
  handler.disable('x-powered-by');
  // Negotiated gzip/brotli for pages, JSON and feeds alike (see compression.middleware.ts).
  handler.use(compressionMiddleware());
  // A file requested with a portal session goes to the portal, which knows whether the viewer is staff.
  const session = cookieName({ base: 'pp_session', policy: { secure: new URL(config.PUBLIC_BASE_URL).protocol === 'https:' } });
  const signedInMedia = (req: Request) => (req.method === 'GET' || req.method === 'HEAD') && MEDIA_PATH.test(req.path) && readCookies(req).has(session);
  handler.use((req, res, next) => {
    if (portalAnswers({ method: req.method, path: req.path }) || signedInMedia(req)) portal(req, res, next);
    else api(req, res, next);
  });
  // The API hands on what it does not know outside /api: a person's mistyped page gets the portal's 404 page.
  handler.use((req, res, next) => portal(req, res, next));
  return { handler, portal };
}

export function buildPortalApp({ services, accounts, csrf, signer, config, logger, extensions, disclosure }: Omit<WebPortalInput, 'api'> & { extensions: PortalExtensions }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip (sign-in and question limits) is the client a trusted proxy reports, or the peer.
  app.set('trust proxy', config.TRUST_PROXY);
  // Plain key=value parsing: repeated keys become arrays, nothing becomes a nested object.
  app.set('query parser', 'simple');

  const baseUrl = new URL(config.PUBLIC_BASE_URL);
  const cookiePolicy: CookiePolicy = { secure: baseUrl.protocol === 'https:' };
  const names = {
    session: cookieName({ base: 'pp_session', policy: cookiePolicy }),
    csrf: cookieName({ base: 'pp_csrf', policy: cookiePolicy }),
    flash: cookieName({ base: 'pp_flash', policy: cookiePolicy }),
    device: cookieName({ base: 'pp_device', policy: cookiePolicy }),
  };
  // Secure whenever the site is configured for https or this request arrived over TLS.
  const secureFor = (req: Request) => cookiePolicy.secure || req.secure || req.headers['x-forwarded-proto'] === 'https';

  const render = (res: Response, page: SafeHtml, status = 200) => {
    res.status(status).type('html').send(page.value);
  };

  const kit: PortalKit = {
    services,
    accounts,
    config,
    logger,
    extensions,
    limits: {
      accountSignIn: new SignInThrottle({ address: { limit: 20, windowMs: 15 * 60_000 }, account: { limit: 8, windowMs: 15 * 60_000 } }),
      staffSignIn: new SignInThrottle({ address: { limit: 10, windowMs: 15 * 60_000 } }),
      signUpByAddress: new RateLimiter({ limit: 10, windowMs: 60 * 60_000 }),
      questionByAddress: new RateLimiter({ limit: 5, windowMs: 10 * 60_000 }),
    },
    devices: new SignInDevices({ signer, cookie: names.device, secure: secureFor }),
    render,
    flash: (res, code) => setCookie({ res, name: names.flash, value: code, maxAgeSeconds: 60, secure: secureFor(res.req) }),
    beginSession: async (req, res, principal) => {
      await accounts.endSession({ cookieValue: readCookies(req).get(names.session) });
      const { cookieValue, session, maxAgeSeconds } = await accounts.startSession({ principal });
      setCookie({ res, name: names.session, value: cookieValue, maxAgeSeconds, secure: secureFor(req) });
      // Forms rendered for the rest of this request must carry tokens bound to the new session.
      const ctx = webContext(res);
      const cookieValueForCsrf = readCookies(req).get(names.csrf) ?? String(res.locals.csrfCookie ?? '');
      setWebContext(res, { ...ctx, sessionKey: session.idHash, csrfToken: csrf.tokenFor({ cookieValue: cookieValueForCsrf, sessionKey: session.idHash }) });
    },
    endSession: async (req, res) => {
      await accounts.endSession({ cookieValue: readCookies(req).get(names.session) });
      setCookie({ res, name: names.session, value: '', maxAgeSeconds: 0, secure: secureFor(req) });
    },
  };

  const requestId: RequestHandler = (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    res.setHeader('x-request-id', typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID());
    next();
  };

  const assets: RequestHandler = (req, res, next) => {
    const asset = req.path === '/assets/site.css' ? ASSETS.css : req.path === '/assets/site.js' ? ASSETS.js : null;
    if (!asset) {
      next();
      return;
    }
    res.setHeader('Cache-Control', req.query.v ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    res.setHeader('ETag', asset.etag);
    if (req.headers['if-none-match'] === asset.etag) {
      res.status(304).end();
      return;
    }
    res.type(asset.type).send(asset.body);
  };

  /** Resolves who is asking, makes sure a CSRF cookie exists and reads the one-time flash. */
  const session: RequestHandler = async (req, res, next) => {
    const cookies = readCookies(req);
    const { viewer, sessionKey } = await accounts.resolve({ cookieValue: cookies.get(names.session) });
    if (!sessionKey && cookies.has(names.session)) setCookie({ res, name: names.session, value: '', maxAgeSeconds: 0, secure: secureFor(req) });
    let csrfCookie = cookies.get(names.csrf);
    if (!csrfCookie || csrfCookie.length > 100) {
      csrfCookie = csrf.newCookieValue();
      setCookie({ res, name: names.csrf, value: csrfCookie, secure: secureFor(req) });
      res.locals.csrfCookie = csrfCookie;
    }
    const flashCode = cookies.get(names.flash);
    const flash = flashCode && flashCode in FLASH_MESSAGES ? FLASH_MESSAGES[flashCode as FlashCode] : null;
    if (flashCode && req.method === 'GET') setCookie({ res, name: names.flash, value: '', maxAgeSeconds: 0, secure: secureFor(req) });
    const context: WebContext = {
      viewer,
      sessionKey,
      csrfToken: csrf.tokenFor({ cookieValue: csrfCookie, sessionKey }),
      flash: req.method === 'GET' ? flash : null,
      here: req.originalUrl,
      requestId: String(res.getHeader('x-request-id') ?? ''),
    };
    setWebContext(res, context);
    // Pages carry per-visitor tokens and, once signed in, private data: never store them in shared caches.
    res.setHeader('Cache-Control', viewer.kind === 'anonymous' ? 'private, no-cache' : 'no-store');
    res.vary('Cookie');
    next();
  };

  /** Whether a state-changing request comes from this site (or from a browser that does not say). */
  const fromThisSite = (req: Request): boolean => {
    const fetchSite = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (origin === undefined || origin === 'null') return fetchSite !== 'cross-site';
    try {
      const parsed = new URL(origin);
      return parsed.host === req.headers.host || parsed.origin === baseUrl.origin;
    } catch {
      return false;
    }
  };
  const csrfFailed = () => new DomainError({ type: 'forbidden', code: 'csrf_failed', message: '页面已过期或来源无法验证，请返回上一页刷新后重新提交。' });

  /** Every state-changing request: same-origin and a valid CSRF token, before any handler runs. */
  const csrfCheck: RequestHandler = (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    const ctx = webContext(res);
    const token = formOf(req)._csrf;
    if (!fromThisSite(req) || !csrf.verify({ cookieValue: readCookies(req).get(names.csrf), sessionKey: ctx.sessionKey, token })) {
      next(csrfFailed());
      return;
    }
    next();
  };

  // The editor accepts a whole policy text; every other form is small.
  const largeForms = express.urlencoded({ extended: false, limit: '4mb', parameterLimit: 5000 });
  const smallForms = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 2000 });
  /**
   * Uploads arrive as multipart forms whose CSRF token is one of the fields, so the body is read
   * here and checked by `csrfCheck` like any form. Only staff upload, only from this site and only
   * where a handler expects a file: anything else is refused before a byte of the body is read.
   */
  const uploads: RequestHandler = (req, res, next) => {
    const limit = uploadLimitFor({ path: req.path, config });
    if (limit === null) {
      next(new DomainError({ type: 'unsupported_media_type', code: 'upload_not_accepted', message: '此处不接受文件上传。' }));
      return;
    }
    if (webContext(res).viewer.kind !== 'staff' || !fromThisSite(req)) {
      next(csrfFailed());
      return;
    }
    readMultipart({ req, fileField: 'file', maxBytes: limit }).then(({ fields, file }) => {
      req.body = fields;
      setUploadedFile(res, file);
      next();
    }, next);
  };
  const bodies: RequestHandler = (req, res, next) => {
    if (req.method === 'POST' && req.is('multipart/form-data')) {
      uploads(req, res, next);
      return;
    }
    const large = req.path.startsWith('/staff/policies') || req.path.startsWith('/account/park/members/import');
    (large ? largeForms : smallForms)(req, res, next);
  };

  app.use(requestId, portalSecurityHeaders({ hsts: cookiePolicy.secure }), assets);
  app.get('/robots.txt', (_req, res) => {
    res.type('text/plain').send('User-agent: *\nDisallow: /account/\nDisallow: /staff/\nDisallow: /questions/\nDisallow: /unsubscribe/\n');
  });
  app.use(session, bodies, csrfCheck);
  // Each module gets the services it names and no others.
  const { taxonomy, policies, search, users, subscribers, subscriptions, subscriberImporter, matching, tagUsage, push, interpretation, audit } = services;
  const only = <Scoped extends Partial<PortalServices>>(scoped: Scoped): PortalKit<Scoped> => ({ ...kit, services: scoped });
  app.use(publicRoutes({ kit: only({ search, taxonomy, policies }) }));
  app.use(interpretationRoutes({ kit: only({ interpretation, policies, taxonomy }) }));
  app.use(accountRoutes({ kit: only({ taxonomy, subscriptions, subscribers, matching, policies }) }));
  app.use(parkRoutes({ kit: only({ subscribers, subscriberImporter, taxonomy }) }));
  app.use(pushPageRoutes({ kit: only({ push, policies }) }));
  app.use(staffRoutes({ kit: only({ taxonomy, policies, interpretation, matching, users }) }));
  app.use(packageRoutes({ kit: only({ interpretation, policies, users }) }));
  app.use(questionRoutes({ kit: only({ interpretation, policies }) }));
  app.use(adminRoutes({ kit: only({ taxonomy, users, tagUsage, policies, audit }) }));
  app.use(mediaRoutes({ kit: only({ interpretation }) }));
  app.use(pushTrackingRoutes({ kit: only({ push }) }));
  app.use(deliveryListPageRoutes({ kit: only({ push }) }));
  app.use(wechatChannelRoutes({ kit: only({ push }) }));
  app.use(textHygienePageRoutes({ kit: only({ policies, textHygiene: services.textHygiene }) }));
  if (disclosure) app.use(disclosurePageRoutes({ kit, requests: disclosure.requests }), calendarPageRoutes({ kit, calendars: disclosure.calendars }));
  app.use(consultationPageRoutes({ kit: only({ openGovernment: services.openGovernment }) }));
  app.use(annualReportPageRoutes({ kit: only({ openGovernment: services.openGovernment }) }));
  app.use(documentImportRoutes({ kit: only({}) }));
  app.use((req, _res, next) => next(new DomainError({ type: 'not_found', code: 'page_not_found', message: `页面不存在：${req.path}` })));
  app.use(portalErrors({ kit, logger }));
  return app;
}

function portalErrors({ kit, logger }: { kit: PortalKit; logger: Logger }): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof Redirect) {
      res.redirect(303, error.location);
      return;
    }
    let ctx: WebContext;
    try {
      ctx = webContext(res);
    } catch {
      ctx = { viewer: { kind: 'anonymous' }, csrfToken: '', sessionKey: null, flash: null, here: req.originalUrl, requestId: String(res.getHeader('x-request-id') ?? '') };
    }
    const bodyError = typeof error === 'object' && error !== null && 'type' in error ? (error as { type: unknown }).type : null;
    const domain =
      error instanceof DomainError
        ? error
        : bodyError === 'entity.too.large'
          ? new DomainError({ type: 'too_large', code: 'form_too_large', message: '提交的内容过大，请精简后重试。' })
          : bodyError === 'parameters.too.many'
            ? new DomainError({ type: 'too_large', code: 'form_too_large', message: '提交的字段过多。' })
            : malformedPathError(error);
    if (!domain) {
      logger.error('portal error', { requestId: ctx.requestId, method: req.method, path: req.path, error });
      kit.render(res, errorPage({ ctx, status: 500, message: '服务器内部错误，请稍后重试。' }), 500);
      return;
    }
    const status = statusOf(domain);
    const retry = retryAfterOf(domain);
    if (retry !== null) res.setHeader('Retry-After', String(retry));
    kit.render(res, errorPage({ ctx, status, message: domain.message }), status);
  };
}
