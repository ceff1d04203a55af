import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSearchIndex, createStore } from './adapters/adapter-factory.js';
import type { Config } from './config.js';
import { demoPolicyLines, loadDemoTaxonomy } from './demo/demo-data.js';
import { createHttpApp, type HealthCheck } from './http/http-app.js';
import { policyRoutes } from './http/routes/policy.routes.js';
import { taxonomyRoutes } from './http/routes/taxonomy.routes.js';
import { userRoutes } from './http/routes/user.routes.js';
import type { Logger } from './logger.js';
import type { SearchIndex } from './ports/search-index.port.js';
import type { Store } from './ports/store.port.js';
import { PolicyImportService } from './services/policy-import.service.js';
import { PolicySearchService } from './services/policy-search.service.js';
import { PolicyService } from './services/policy.service.js';
import { SearchSyncService } from './services/search-sync.service.js';
import { TaxonomyService } from './services/taxonomy.service.js';
import { UserService } from './services/user.service.js';
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
}

/** Wires ports, adapters and services. Used by the server, the command-line tools and the tests. */
export async function openServices({
  config,
  logger,
  now = () => new Date(),
  syncSearch = true,
}: {
  config: Config;
  logger: Logger;
  now?: () => Date;
  /** Off for tools that run beside a live server: the server's search-sync worker owns the index. */
  syncSearch?: boolean;
}): Promise<Services> {
  const store = createStore({ config });
  await store.migrate();
  const index = createSearchIndex({ config });
  await index.open();
  const taxonomy = new TaxonomyService({ store, now });
  const policies = new PolicyService({ store, taxonomy, now });
  const searchSync = new SearchSyncService({ store, index, taxonomy });
  const signer = new Signer(loadSecret({ configured: config.APP_SECRET, dataDir: config.dataDir }));
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
    users: new UserService({ store, now }),
    subscribers,
    subscriptions,
    subscriberImporter: new SubscriberImportService({ subscribers }),
    audienceSync,
    matching,
    feeds: new FeedService({ store, taxonomy, search, matching, subscriptions, baseUrl: config.PUBLIC_BASE_URL, now }),
  };
  policies.onWrite(async () => {
    if (syncSearch) await searchSync.catchUp();
  });
  taxonomy.onChange(async ({ kind }) => {
    addUserTerms(taxonomy.current().tags.map((t) => t.label));
    // Labels feed the searchable tag text and moves change expanded ancestors: re-derive every document.
    if (kind === 'updated' || kind === 'moved' || kind === 'merged') await searchSync.refreshAll();
    // Profiles carry expanded ancestors; a move or merge changes them for every subscriber below.
    if (kind === 'moved' || kind === 'merged') await audienceSync.rebuild();
  });
  await seedIfEmpty({ services, config, logger });
  const current = await taxonomy.load();
  addUserTerms(current.tags.map((t) => t.label));
  if (config.ADMIN_TOKEN) await services.users.bootstrapAdmin({ token: config.ADMIN_TOKEN });
  if (syncSearch) await searchSync.catchUp();
  await audienceSync.catchUp();
  return services;
}

async function seedIfEmpty({ services, config, logger }: { services: Services; config: Config; logger: Logger }): Promise<void> {
  if ((await services.store.taxonomy.listDimensions()).length > 0) return;
  const demo = loadDemoTaxonomy();
  // Dimensions are part of the product; demo tags and policies only when asked for.
  await services.taxonomy.seed({ dimensions: demo.dimensions, tags: config.DEMO_DATA ? demo.tags : [] });
  if (!config.DEMO_DATA) return;
  addUserTerms(demo.tags.map((t) => t.label));
  const report = await services.importer.importLines({ lines: demoPolicyLines() });
  if (report.failed > 0) logger.warn('demo policies with errors', { errors: report.errors });
  const subscribers = await loadDemoSubscribers({ services });
  logger.info('demo data loaded', { policies: report.imported, tags: demo.tags.length, subscribers });
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
  url: string | null;
  close(): Promise<void>;
}

export async function startPlatform({ config, logger, now }: { config: Config; logger: Logger; now?: () => Date }): Promise<RunningPlatform> {
  const services = await openServices({ config, logger, ...(now ? { now } : {}) });
  const workers = config.ROLES.includes('workers')
    ? [
        createSearchSyncWorker({ searchSync: services.searchSync, intervalMs: config.SEARCH_SYNC_INTERVAL_MS, logger }),
        createMatcherWorker({ matching: services.matching, intervalMs: config.MATCHER_INTERVAL_MS, batchSize: config.MATCHER_BATCH_SIZE, logger }),
      ]
    : // A web-only process still answers audience previews and feeds from its own engine copy.
      [createAudienceSyncWorker({ audienceSync: services.audienceSync, intervalMs: config.SEARCH_SYNC_INTERVAL_MS, logger })];
  for (const worker of workers) worker.start();

  let server: http.Server | null = null;
  let url: string | null = null;
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
      ],
      users: services.users,
      subscribers: services.subscribers,
      extraRouters: [feedRouter({ feeds: services.feeds })],
      health: healthCheck({ services, roles: config.ROLES }),
      logger,
      bodyLimit: config.BODY_LIMIT,
      version: VERSION,
    });
    server = http.createServer(app);
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = listening.address() as AddressInfo;
    url = `http://localhost:${port}`;
    logger.info('web listening', { url, roles: config.ROLES, store: services.store.kind, search: services.index.kind });
  }

  return {
    services,
    url,
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

export async function closeServices(services: Services): Promise<void> {
  await services.index.close();
  await services.store.close();
}

function healthCheck({ services, roles }: { services: Services; roles: string[] }): HealthCheck {
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
      }
      return { ready, checks };
    },
  };
}
