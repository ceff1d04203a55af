import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { createImageProcessor, createMediaStorage, createPushAdapters, createSearchIndex, createStore, createWechatPlatformApis } from './adapters/adapter-factory.js';
import type { Config } from './config.js';
import { demoPolicyLines, loadDemoTaxonomy } from './demo/demo-data.js';
import { answerProbe, createHttpApp, type HealthCheck } from './http/http-app.js';
import type { ResponseCheck } from './http/route.js';
import { MetricsAccess } from './security/metrics-access.js';
import { policyRoutes } from './http/routes/policy.routes.js';
import { taxonomyRoutes } from './http/routes/taxonomy.routes.js';
import { userRoutes } from './http/routes/user.routes.js';
import { auditRoutes } from './http/routes/audit.routes.js';
import { policyDocumentRoutes } from './http/routes/policy-document.routes.js';
import type { Logger } from './logger.js';
import type { SearchIndex } from './ports/search-index.port.js';
import type { Store } from './ports/store.port.js';
import { PolicyImportService } from './services/policy-import.service.js';
import { PolicySearchService } from './services/policy-search.service.js';
import { PolicyService } from './services/policy.service.js';
import { SearchSyncService } from './services/search-sync.service.js';
import { TaxonomyService } from './services/taxonomy.service.js';
import { UserService } from './services/user.service.js';
import { AuditService } from './services/audit.service.js';
import { PublicVersions } from './services/public-versions.js';
import { addUserTerms } from './text/segmenter.js';
import { createSearchSyncWorker } from '../workers/search-sync.worker.js';
import { createMatcherWorker } from '../workers/matcher.worker.js';
import { createAudienceSyncWorker } from '../workers/audience-sync.worker.js';
import { AudienceSyncService } from './services/audience-sync.service.js';
import { MatchingService } from './services/matching.service.js';
import { SubscriberService } from './services/subscriber.service.js';
import { SubscriptionService } from './services/subscription.service.js';
import { SubscriberImportService } from './services/subscriber-import.service.js';
import { FeedService } from './services/feed.service.js';
import { loadSecret, Signer } from './security/signer.js';
import { subscriberRoutes } from './http/routes/subscriber.routes.js';
import { matchingRoutes } from './http/routes/matching.routes.js';
import { feedRouter } from './http/routes/feed.router.js';
import { demoSubscribers } from './demo/demo-data.js';
import { createInterpretationServices, seedDemoInterpretations, type InterpretationServices } from './interpretation/interpretation-platform.js';
import { interpretationRoutes } from './http/routes/interpretation.routes.js';
import { TagUsageService } from './services/tag-usage.service.js';
import { WebAccountService } from './web/accounts/web-account.service.js';
import { CsrfGuard } from './web/security/csrf.js';
import { createFaqSyncWorker } from '../workers/faq-sync.worker.js';
import { publishDemoPushes } from './demo/demo-pushes.js';
import { createPushServices, type PushDispatcher, type PushServices } from './push/push-platform.js';
import { metricsRouter, pushRoutes, unsubscribeRouter } from './push/push.routes.js';
import { pushTrackingRoutes } from './push/tracking/push-tracking.routes.js';
import { deliveryListRoutes } from './push/delivery-list.routes.js';
import { shanghaiToday } from './services/validity.js';
import { createDispatcherWorker } from '../workers/dispatcher.worker.js';
import { createSweeperWorker } from '../workers/sweeper.worker.js';
import { createDigestWorker } from '../workers/digest.worker.js';
import { createReminderWorker } from '../workers/reminder.worker.js';
import { createConfirmationWorker } from '../workers/confirmation.worker.js';
import { createWebPortal } from './web/portal.js';
import { TextHygieneService } from './services/text-hygiene.service.js';
import { textHygieneRoutes } from './http/routes/text-hygiene.routes.js';
import type { CalendarService } from './calendar/calendar.service.js';
import type { WorkingDayCalendar } from './calendar/working-day-calendar.js';
import { IndexCatchUp } from './services/index-catch-up.js';
import { calendarRoutes } from './calendar/calendar.routes.js';
import { createCalendarService, createDisclosureMail, createDisclosureServices, type DisclosureServices } from './open-government/requests/disclosure-platform.js';
import { disclosureRequestRoutes } from './open-government/requests/request.routes.js';
import { createDisclosureMailWorker } from '../workers/disclosure-mail.worker.js';
import { createOpenGovernmentServices, openGovernmentRouters, openGovernmentRoutes, type OpenGovernmentServices } from './open-government/open-government-platform.js';

export const VERSION = '0.1.0';

export interface Services {
  store: Store;
  index: SearchIndex;
  taxonomy: TaxonomyService;
  policies: PolicyService;
  search: PolicySearchService;
  searchSync: SearchSyncService;
  importer: PolicyImportService;
  users: UserService;
  subscribers: SubscriberService;
  subscriptions: SubscriptionService;
  subscriberImporter: SubscriberImportService;
  audienceSync: AudienceSyncService;
  matching: MatchingService;
  feeds: FeedService;
  push: PushServices;
  /** Interpretation packages (解读), graphics, FAQ lists, public questions, new-vs-old comparison. */
  interpretation: InterpretationServices;
  /** Append-only trail of staff actions. */
  audit: AuditService;
  /** What a tag merge would move (administrators' preview). */
  tagUsage: TagUsageService;
  /** The portal's own accounts and sessions. */
  accounts: WebAccountService;
  /** The portal's form tokens, under the same secret as every signed link. */
  csrf: CsrfGuard;
  /** Signs links and keys portal cookies with the platform's one secret. */
  signer: Signer;
  /** Document hygiene: repairs of draft texts, suspect-line decisions, library re-check. */
  textHygiene: TextHygieneService;
  /** The working-day calendar with local adjustments, for every deadline. */
  calendar: CalendarService;
  /** Whether the search and FAQ indexes are still catching up with the store after start. */
  indexCatchUp: IndexCatchUp;
  /** 依申请公开 cases and the yearly report's request tables. */
  disclosure: DisclosureServices;
  /** 征求意见 and the yearly disclosure report. */
  openGovernment: OpenGovernmentServices;
}

/**
 * The composition root: every adapter (through adapter-factory) and every service is built here and
 * only here, with one clock and one secret. Used by the server, the command-line tools and the tests.
 */
export async function openServices({
  config,
  logger,
  now = () => new Date(),
  syncSearch = true,
  searchIndex,
  indexCatchUp = 'before_return',
}: {
  config: Config;
  logger: Logger;
  now?: () => Date;
  /** Replaces the configured engine (tests inject failing or instrumented indexes). */
  searchIndex?: SearchIndex;
  /** Off for tools and worker processes beside a live server: the web process's sync workers own the index. */
  syncSearch?: boolean;
  /** `background`: return at once and let the indexes catch up with the store while serving (readiness says so). */
  indexCatchUp?: 'before_return' | 'background';
}): Promise<Services> {
  const store = await createStore({ config });
  await store.migrate();
  const index = searchIndex ?? (await createSearchIndex({ config }));
  await index.open();
  const audit = new AuditService({ store, now });
  const publicVersions = new PublicVersions({ store });
  const taxonomy = new TaxonomyService({ store, now, audit });
  const secret = loadSecret({ configured: config.APP_SECRET, dataDir: config.dataDir });
  const signer = new Signer(secret);
  const calendar = createCalendarService({ store, now });
  const workingDays = (): Promise<WorkingDayCalendar> => calendar.calendar();
  const disclosure = createDisclosureServices({ store, calendars: calendar, signer, now, baseUrl: config.PUBLIC_BASE_URL, staffEmails: config.DISCLOSURE_STAFF_EMAILS, media: createMediaStorage({ config }) });
  const interpretation = createInterpretationServices({
    calendar: workingDays,
    config,
    store,
    index,
    media: createMediaStorage({ config }),
    images: createImageProcessor(),
    taxonomy,
    signer,
    now,
    syncSearch,
    audit,
    publicVersions,
  });
  const textHygiene = new TextHygieneService({ store, now, logger });
  const policies = new PolicyService({
    textHygiene,
    store,
    taxonomy,
    now,
    interpretation: interpretation.packages,
    audit,
    publicVersions,
    logger,
    reviewSamePersonAllowed: config.REVIEW_SAME_PERSON_ALLOWED,
  });
  const searchSync = new SearchSyncService({ store, index, taxonomy, publicVersions });
  const search = new PolicySearchService({ index, taxonomy, now });
  const subscribers = new SubscriberService({ store, taxonomy, signer, now });
  const subscriptions = new SubscriptionService({ store, taxonomy, signer, now });
  const audienceSync = new AudienceSyncService({ store, index, taxonomy });
  const matching = new MatchingService({ store, index, taxonomy, audienceSync, now, logger });
  const services: Services = {
    store,
    index,
    taxonomy,
    policies,
    search,
    searchSync,
    importer: new PolicyImportService({ store, policies, now }),
    users: new UserService({ store, now, audit }),
    audit,
    subscribers,
    subscriptions,
    subscriberImporter: new SubscriberImportService({ subscribers }),
    audienceSync,
    matching,
    feeds: new FeedService({ store, taxonomy, search, matching, subscriptions, publicVersions, baseUrl: config.PUBLIC_BASE_URL, now }),
    interpretation,
    push: createPushServices({ config, logger, now, store, index, signer, taxonomy, subscribers, subscriptions, matching, audienceSync, wechat: createWechatPlatformApis({ config }), calendar: workingDays }),
    tagUsage: new TagUsageService({ store }),
    accounts: new WebAccountService({ store, subscribers, now }),
    csrf: new CsrfGuard({ secret }),
    signer,
    textHygiene,
    calendar,
    indexCatchUp: new IndexCatchUp(),
    disclosure,
    openGovernment: createOpenGovernmentServices({ config, store, index, taxonomy, matching, audienceSync, now, logger, calendar: workingDays, requestSections: [disclosure.reportTables] }),
  };
  policies.onWrite(async () => {
    if (syncSearch) await searchSync.catchUp();
    if (syncSearch) await interpretation.faqSync.catchUp();
  });
  taxonomy.onChange(async ({ kind }) => {
    addUserTerms(taxonomy.current().tags.map((t) => t.label));
    // Labels feed the searchable tag text and moves change expanded ancestors: re-derive every document.
    if (kind === 'updated' || kind === 'moved' || kind === 'merged') await searchSync.refreshAll();
    if (kind === 'updated' || kind === 'moved' || kind === 'merged') await interpretation.faqSync.refreshAll();
    // Profiles carry expanded ancestors; a move or merge changes them for every subscriber below.
    if (kind === 'moved' || kind === 'merged') await audienceSync.rebuild();
  });
  await seedIfEmpty({ services, config, logger, now });
  const current = await taxonomy.load();
  addUserTerms(current.tags.map((t) => t.label));
  if (config.ADMIN_TOKEN) await services.users.bootstrapAdmin({ token: config.ADMIN_TOKEN });
  else logger.warn('ADMIN_TOKEN is not set: no administrator can sign in until it is (see .env.example)', { setting: 'ADMIN_TOKEN' });
  const catchUpIndexes = async (): Promise<void> => {
    await searchSync.catchUp();
    await interpretation.faqSync.catchUp();
  };
  if (syncSearch && indexCatchUp === 'background') void services.indexCatchUp.inBackground({ work: catchUpIndexes, logger });
  else if (syncSearch) await catchUpIndexes();
  await audienceSync.catchUp();
  return services;
}

async function seedIfEmpty({ services, config, logger, now }: { services: Services; config: Config; logger: Logger; now: () => Date }): Promise<void> {
  if ((await services.store.taxonomy.listDimensions()).length > 0) return;
  const demo = loadDemoTaxonomy();
  // Dimensions are part of the product; demo tags and policies only when asked for.
  await services.taxonomy.seed({ dimensions: demo.dimensions, tags: config.DEMO_DATA ? demo.tags : [] });
  if (!config.DEMO_DATA) return;
  addUserTerms(demo.tags.map((t) => t.label));
  const report = await services.importer.importLines({ lines: demoPolicyLines() });
  if (report.failed > 0) logger.warn('demo policies with errors', { errors: report.errors });
  const interpretations = await seedDemoInterpretations({ services: services.interpretation });
  const subscribers = await loadDemoSubscribers({ services });
  logger.info('demo data loaded', { policies: report.imported, tags: demo.tags.length, subscribers, interpretations: interpretations.loaded });
  try {
    // Published through the workflow after the subscribers exist, so a fresh start shows real pushes.
    const pushed = await publishDemoPushes({ policies: services.policies, today: shanghaiToday(now()), beforeSubmit: interpretations.beforeSubmit });
    logger.info('demo push policies published', { policies: pushed });
  } catch (error) {
    logger.warn('demo push policies not published', { error });
  }
}

/** Demo parks, enterprises and their subscriptions, with confirmed contacts so previews show reach. */
async function loadDemoSubscribers({ services }: { services: Services }): Promise<number> {
  const demo = demoSubscribers();
  const parkIds = new Map<string, string>();
  let count = 0;
  for (const entry of demo) {
    const parkId = entry.parkKey ? parkIds.get(entry.parkKey) : undefined;
    const { subscriber } = await services.subscribers.create({ body: entry.body, ...(parkId ? { parkId } : {}) });
    if (entry.key && subscriber.kind === 'park') parkIds.set(entry.key, subscriber.id);
    for (const contact of subscriber.contacts) {
      if (!contact.confirmedAt) await services.subscribers.confirmContact({ token: services.subscribers.confirmationToken({ contactId: contact.id }) });
    }
    const fresh = await services.subscribers.get({ id: subscriber.id });
    for (const body of entry.subscriptions) await services.subscriptions.create({ subscriber: fresh, body });
    count += 1;
  }
  return count;
}

export interface RunningPlatform {
  services: Services;
  /** This process's dispatcher (workers role), for tests and diagnostics. */
  dispatcher: PushDispatcher | null;
  url: string | null;
  /** The web role's applications, so tests can walk every registered route. */
  apps: { api: express.Express; portal: express.Express } | null;
  close(): Promise<void>;
}

export async function startPlatform({
  config,
  logger,
  now,
  searchIndex,
  responseCheck,
  indexCatchUp = 'background',
}: {
  config: Config;
  logger: Logger;
  now?: () => Date;
  searchIndex?: SearchIndex;
  /** The web role listens at once and the indexes catch up while it serves; tests that search at once wait instead. */
  indexCatchUp?: 'before_return' | 'background';
  /** Tests pass `strict` so a response that strays from its schema fails the test that made it. */
  responseCheck?: ResponseCheck;
}): Promise<RunningPlatform> {
  const clock = now ?? (() => new Date());
  // The embedded search engine keeps each document's filter fields in process memory over one shared
  // file, so only a process that serves search writes the index (its own writes, imports and missed
  // changes, through the sync workers); a workers-only process beside it never allocates a document slot.
  const ownsSearchIndex = config.ROLES.includes('web');
  const services = await openServices({ config, logger, now: clock, syncSearch: ownsSearchIndex, indexCatchUp, ...(searchIndex ? { searchIndex } : {}) });
  const dispatcher = config.ROLES.includes('workers')
    ? createDispatcherWorker({ config, store: services.store, push: services.push, logger, now: clock, ...createPushAdapters({ config, logger, now: clock }) })
    : null;
  const indexers = ownsSearchIndex
    ? [
        createSearchSyncWorker({ searchSync: services.searchSync, intervalMs: config.SEARCH_SYNC_INTERVAL_MS, logger }),
        createFaqSyncWorker({ faqSync: services.interpretation.faqSync, intervalMs: config.SEARCH_SYNC_INTERVAL_MS, logger }),
      ]
    : [];
  const roleWorkers = config.ROLES.includes('workers')
    ? [
        createMatcherWorker({ matching: services.matching, intervalMs: config.MATCHER_INTERVAL_MS, batchSize: config.MATCHER_BATCH_SIZE, logger }),
        ...(dispatcher ? [dispatcher] : []),
        createSweeperWorker({ store: services.store, intervalMs: config.PUSH_SWEEP_INTERVAL_MS, maxAttempts: config.PUSH_MAX_ATTEMPTS, now: clock, logger, purgeTracking: () => services.push.tracking.purge() }),
        createDigestWorker({ scheduler: services.push.scheduler, intervalMs: config.SCHEDULER_INTERVAL_MS, logger }),
        createReminderWorker({ scheduler: services.push.scheduler, intervalMs: config.SCHEDULER_INTERVAL_MS, logger }),
        createConfirmationWorker({ scheduler: services.push.scheduler, intervalMs: config.PUSH_POLL_MS * 5, logger }),
        ...[createPushAdapters({ config: { ...config, PUSH_CHANNELS: ['email'] }, logger, now: clock }).mail].map((transport) =>
          createDisclosureMailWorker({
            mail: createDisclosureMail({ store: services.store, disclosure: services.disclosure, mail: transport, from: config.MAIL_FROM, now: clock, logger }),
            transport,
            intervalMs: config.DISCLOSURE_MAIL_INTERVAL_MS,
            logger,
          }),
        ),
      ]
    : // A web-only process still answers audience previews and feeds from its own engine copy.
      [createAudienceSyncWorker({ audienceSync: services.audienceSync, intervalMs: config.SEARCH_SYNC_INTERVAL_MS, logger })];
  const workers = [...indexers, ...roleWorkers];
  for (const worker of workers) worker.start();

  let server: http.Server | null = null;
  let url: string | null = null;
  let apps: RunningPlatform['apps'] = null;
  if (config.ROLES.includes('web')) {
    const app = createHttpApp({
      routes: [
        ...taxonomyRoutes({ taxonomy: services.taxonomy }),
        ...policyRoutes({ policies: services.policies, search: services.search }),
        ...userRoutes({ users: services.users }),
        ...subscriberRoutes({
          subscribers: services.subscribers,
          subscriptions: services.subscriptions,
          importer: services.subscriberImporter,
          baseUrl: config.PUBLIC_BASE_URL,
        }),
        ...matchingRoutes({ matching: services.matching }),
        ...interpretationRoutes({
          interpretation: services.interpretation.packages,
          faqs: services.interpretation.faqs,
          questions: services.interpretation.questions,
          mediaAccess: services.interpretation.mediaAccess,
          uploadMaxBytes: config.UPLOAD_MAX_BYTES,
        }),
        ...pushRoutes({ log: services.push.log, unsubscribe: services.push.unsubscribe, control: services.push.control, audit: services.audit }),
        ...auditRoutes({ audit: services.audit }),
        ...pushTrackingRoutes({ tracking: services.push.tracking }),
        ...deliveryListRoutes({ deliveries: services.push.deliveries }),
        ...textHygieneRoutes({ policies: services.policies, textHygiene: services.textHygiene }),
        ...calendarRoutes({ calendars: services.calendar }),
        ...disclosureRequestRoutes({ requests: services.disclosure.requests, uploadMaxBytes: config.UPLOAD_MAX_BYTES }),
        ...openGovernmentRoutes({ services: services.openGovernment }),
        ...policyDocumentRoutes({ maxBytes: config.INGEST_MAX_BYTES }),
      ],
      users: services.users,
      subscribers: services.subscribers,
      extraRouters: [feedRouter({ feeds: services.feeds }), metricsRouter({ metrics: services.push.metrics }), ...openGovernmentRouters({ services: services.openGovernment })],
      formRouters: [unsubscribeRouter({ unsubscribe: services.push.unsubscribe })],
      health: healthCheck({ services, roles: config.ROLES, dispatcher }),
      logger,
      bodyLimit: config.BODY_LIMIT,
      version: VERSION,
      trustProxy: config.TRUST_PROXY,
      metricsAccess: new MetricsAccess({ token: config.METRICS_TOKEN, allow: config.METRICS_ALLOW }),
      ...(responseCheck ? { responseCheck } : {}),
    });
    // The server-rendered portal answers its own pages and hands every other request to the API app.
    const web = createWebPortal({ services, accounts: services.accounts, csrf: services.csrf, signer: services.signer, config, logger, api: app, disclosure: { requests: services.disclosure.requests, calendars: services.calendar } });
    apps = { api: app, portal: web.portal };
    server = http.createServer(web.handler);
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = listening.address() as AddressInfo;
    url = `http://localhost:${port}`;
    logger.info('web listening', { url, roles: config.ROLES, store: services.store.kind, search: services.index.kind });
  } else {
    server = await listenForHealthChecks({ config, logger, users: services.users, health: healthCheck({ services, roles: config.ROLES, dispatcher }) });
  }

  return {
    services,
    dispatcher,
    url,
    apps,
    close: async () => {
      if (server) {
        const closing = server;
        const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
        // Idle keep-alive sockets would otherwise hold the close open; requests in flight still finish.
        closing.closeIdleConnections();
        await closed;
      }
      await Promise.all(workers.map((w) => w.stop()));
      await closeServices(services);
    },
  };
}

/**
 * A workers-only process answers /healthz and /readyz on PORT so orchestrators (docker compose,
 * Kubernetes) can check it like the web role. Not being able to listen is logged, never fatal: the
 * workers are the process's job, the port only reports on them.
 */
async function listenForHealthChecks({ config, logger, users, health }: { config: Config; logger: Logger; users: UserService; health: HealthCheck }): Promise<http.Server | null> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const route = (req.url ?? '').split('?')[0];
    const answer = async () => {
      const probe = await answerProbe({ route: route ?? '', authorization: req.headers.authorization, health, users });
      if (probe) return reply(probe.status, probe.body);
      return reply(404, { error: { code: 'not_found', message: 'not found' } });
    };
    answer().catch(() => reply(500, { error: { code: 'internal', message: 'health check failed' } }));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    return server;
  } catch (error) {
    logger.warn('health check port not available; workers run without it', { port: config.PORT, error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}

export async function closeServices(services: Services): Promise<void> {
  await services.index.close();
  await services.store.close();
}

function healthCheck({ services, roles, dispatcher }: { services: Services; roles: string[]; dispatcher: PushDispatcher | null }): HealthCheck {
  return {
    live: async () => ({ version: VERSION, roles }),
    ready: async () => {
      const checks: Record<string, unknown> = {};
      let ready = true;
      for (const [name, ping] of [
        ['store', () => services.store.ping()],
        ['search', () => services.index.ping()],
      ] as const) {
        try {
          await ping();
          checks[name] = 'ok';
        } catch (error) {
          ready = false;
          checks[name] = error instanceof Error ? error.message : 'failed';
        }
      }
      if (ready) {
        const [latest, indexed] = await Promise.all([services.store.policies.latestSeq(), services.index.getWatermark()]);
        checks.searchLag = latest - indexed;
        if (services.indexCatchUp.catchingUp) checks.search = 'catching_up';
        if (services.indexCatchUp.lastFailure) checks.searchCatchUpError = services.indexCatchUp.lastFailure;
        // Visible, not fatal: a logged-out bot pauses the WeChat queue but the platform still serves.
        checks.push = await pushHealth({ services, dispatcher });
      }
      return { ready, catchingUp: services.indexCatchUp.catchingUp, checks };
    },
  };
}

/** Lanes of every worker process (from their reports) and, in a worker process, its WeChat login. */
async function pushHealth({ services, dispatcher }: { services: Services; dispatcher: PushDispatcher | null }) {
  const lanes = await services.push.control.recentLanes();
  return {
    lanes: lanes.map(({ owner, channel, state, reason, account, dryRun }) => ({ owner, channel, state, reason, account, dryRun })),
    ...(dispatcher?.gateway ? { wechat: dispatcher.gateway.status() } : {}),
  };
}
