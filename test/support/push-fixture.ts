import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NewDelivery } from '../../schemas/delivery.schema.js';
import type { ContactInput } from '../../schemas/subscriber.schema.js';
import { createSubscriptionBodySchema, type Frequency, type Subscription } from '../../schemas/subscription.schema.js';
import type { Channel, Subscriber } from '../../schemas/subscriber.schema.js';
import { loadConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices, type Services } from '../../server/platform.js';
import { createPushAdapters } from '../../server/adapters/adapter-factory.js';
import type { WechatyChatGateway } from '../../server/adapters/wechaty/wechaty.chat-gateway.js';
import type { MailTransport } from '../../server/ports/mail-transport.port.js';
import { PushDispatcher } from '../../server/push/push-platform.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { TEST_TAXONOMY_TAGS } from './fixtures.js';

/**
 * Services on a temporary data directory with a clock the test moves, for the scheduled parts of
 * push (digests, reminders, leases) and for driving a dispatcher directly.
 */
export async function openPushFixture({ env = {}, start }: { env?: Record<string, string>; start: string }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-fixture-'));
  let current = new Date(start);
  const now = () => current;
  const config: Config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent', PUSH_POLL_MS: '20', ...env });
  const logger = createLogger({ level: 'silent' });
  const services: Services = await openServices({ config, logger, now });
  await services.taxonomy.seed({ dimensions: [], tags: TEST_TAXONOMY_TAGS });
  let creditIndex = 500;
  const dispatchers: PushDispatcher<WechatyChatGateway>[] = [];

  return {
    dir,
    config,
    services,
    store: services.store,
    now,
    setNow(iso: string) {
      current = new Date(iso);
    },
    async importPolicy({ id, title, docNumber, applicationWindow = null, publishedAt = '2026-02-20T02:00:00.000Z', revisions = [] }: { id: string; title: string; docNumber: string; applicationWindow?: { opensAt: string; closesAt: string } | null; publishedAt?: string; revisions?: { publishedAt: string; changes: Record<string, unknown> }[] }) {
      const report = await services.importer.importLines({
        lines: [
          JSON.stringify({
            id,
            docNumber,
            title,
            issuer: '浦东新区知识产权局',
            level: 'level-district',
            issuedAt: '2026-02-20',
            effectiveAt: '2026-02-20',
            state: 'published',
            publishedAt,
            body: `为支持企业知识产权工作，制定本办法。\n第一条　${title}适用于浦东新区企业。\n第二条　本办法自发布之日起施行。`,
            tags: ['need-pledge'],
            applicationWindow,
            revisions,
          }),
        ],
      });
      if (report.imported !== 1) throw new Error(JSON.stringify(report.errors));
    },
    async subscriber({ kind = 'enterprise', name, contacts, parkId }: { kind?: Subscriber['kind']; name: string; contacts: ContactInput[]; parkId?: string }): Promise<Subscriber> {
      creditIndex += 1;
      const { subscriber } = await services.subscribers.create({
        body: { kind, name, creditCode: kind === 'enterprise' ? syntheticCreditCode(creditIndex) : null, profile: {}, parkId: null, contacts },
        ...(parkId ? { parkId } : {}),
      });
      for (const contact of subscriber.contacts) {
        if (!contact.confirmedAt) await services.subscribers.confirmContact({ token: services.subscribers.confirmationToken({ contactId: contact.id }) });
      }
      return services.subscribers.get({ id: subscriber.id });
    },
    async subscribe({ subscriber, channels, frequency = 'immediate', name = '质押融资' }: { subscriber: Subscriber; channels: Channel[]; frequency?: Frequency; name?: string }): Promise<Subscription> {
      return services.subscriptions.create({ subscriber, body: createSubscriptionBodySchema.parse({ name, criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, channels, frequency }) });
    },
    async enqueue(rows: { policyId: string; version?: number; subscription: Subscription; channel: Channel; urgent?: boolean }[]) {
      const deliveries: NewDelivery[] = rows.map((r) => ({
        policyId: r.policyId,
        version: r.version ?? 1,
        subscriberId: r.subscription.subscriberId,
        channel: r.channel,
        frequency: r.subscription.frequency,
        subscriptionIds: [r.subscription.id],
        explanation: { eligible: true, eligibility: {}, unknown: [], subscriptions: [{ subscriptionId: r.subscription.id, matchedTags: { need: ['need-pledge'] }, matchedKeywords: [] }] },
        urgent: r.urgent ?? false,
      }));
      return services.store.outbox.enqueue(deliveries, current.toISOString());
    },
    dispatcher({ emailTransport, config: overrides = {} }: { emailTransport?: MailTransport; config?: Partial<Config> } = {}): PushDispatcher<WechatyChatGateway> {
      const merged = { ...config, ...overrides };
      const adapters = createPushAdapters({ config: merged, logger, now, ...(emailTransport ? { mail: emailTransport } : {}) });
      const dispatcher = new PushDispatcher({ config: merged, store: services.store, push: services.push, logger, now, ...adapters });
      dispatchers.push(dispatcher);
      return dispatcher;
    },
    async close() {
      for (const d of dispatchers) await d.stop();
      await closeServices(services);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PushFixture = Awaited<ReturnType<typeof openPushFixture>>;
