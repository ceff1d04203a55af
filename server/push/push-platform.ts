import type { WorkingDayCalendar } from '../calendar/working-day-calendar.js';
import type { Channel } from '../../schemas/subscriber.schema.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ChatGateway } from '../ports/chat-gateway.port.js';
import type { MailTransport } from '../ports/mail-transport.port.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { Signer } from '../security/signer.js';
import type { AudienceSyncService } from '../services/audience-sync.service.js';
import type { MatchingService } from '../services/matching.service.js';
import type { SubscriberService } from '../services/subscriber.service.js';
import type { SubscriptionService } from '../services/subscription.service.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';
import { Composer } from './composer.js';
import { PushContent } from './content.js';
import { DeliveryLogService } from './delivery-log.service.js';
import { DeliveryListService } from './delivery-list.service.js';
import { ChannelLane, workerId, type ChannelDriver } from './dispatcher.js';
import { EmailDriver, WechatDriver } from './drivers.js';
import { PushMetrics } from './metrics.js';
import { PushControlService } from './push-control.service.js';
import { PushHistoryService } from './push-history.service.js';
import { BucketRegistry, TokenBucket } from './rate.js';
import { PushScheduler } from './scheduler.js';
import { UnsubscribeService } from './unsubscribe.service.js';
import { PushTrackingService } from './tracking/push-tracking.service.js';
import type { GroupRobotApi } from '../ports/group-robot.port.js';
import type { OfficialAccountApi } from '../ports/official-account.port.js';
import { AccessTokenCache } from './official/access-token.service.js';
import { GroupRobotDriver } from './official/group-robot.driver.js';
import { OfficialAccountDriver } from './official/official-account.driver.js';
import { WechatChannelService } from './official/wechat-channels.service.js';

export interface PushServices {
  content: PushContent;
  composer: Composer;
  unsubscribe: UnsubscribeService;
  scheduler: PushScheduler;
  log: DeliveryLogService;
  /** The staff delivery list and its CSV export. */
  deliveries: DeliveryListService;
  metrics: PushMetrics;
  /** Subscribers' push preferences and the administrators' channel switches. */
  control: PushControlService;
  /** A park's push history page. */
  history: PushHistoryService;
  /** Signed tracked links, 与我无关 feedback and the precision statistics. */
  tracking: PushTrackingService;
  /** The official WeChat channels: 服务号 settings and binding, park group robots, test messages. */
  wechatChannels: WechatChannelService;
}

export function createPushServices({
  config,
  logger,
  now,
  store,
  index,
  signer,
  taxonomy,
  subscribers,
  subscriptions,
  matching,
  audienceSync,
  wechat,
  calendar,
}: {
  config: Config;
  /** The working-day calendar with the office's local adjustments (reminders count working days left). */
  calendar?: () => Promise<WorkingDayCalendar>;
  logger: Logger;
  now: () => Date;
  store: Store;
  index: SearchIndex;
  signer: Signer;
  taxonomy: TaxonomyService;
  subscribers: SubscriberService;
  subscriptions: SubscriptionService;
  matching: MatchingService;
  audienceSync: AudienceSyncService;
  /** The platforms behind the official WeChat channels (adapter-factory.ts). */
  wechat: { officialAccount: OfficialAccountApi; groupRobots: GroupRobotApi };
}): PushServices {
  const content = new PushContent({ store, taxonomy, subscriptions, baseUrl: config.PUBLIC_BASE_URL });
  // Key points of the version's published interpretation package (政策一图读懂), when it has one.
  content.useHighlights(async ({ policyId, version }) => (await store.interpretation.getRelease({ policyId, version }))?.content.keyPoints ?? []);
  const unsubscribe = new UnsubscribeService({ store, subscriptions, signer, baseUrl: config.PUBLIC_BASE_URL, now });
  const metrics = new PushMetrics({ store });
  const tracking = new PushTrackingService({
    store,
    signer,
    taxonomy,
    subscriptions,
    baseUrl: config.PUBLIC_BASE_URL,
    now,
    retentionDays: config.PUSH_TRACKING_RETENTION_DAYS,
    followDays: config.PUSH_TRACKING_FOLLOW_DAYS,
  });
  const control = new PushControlService({ store, now });
  metrics.useLaneState(async () => {
    const lanes = await control.recentLanes();
    const wechat = lanes.filter((l) => l.channel === 'wechat');
    const paused: Record<string, number> = {};
    for (const lane of lanes) paused[lane.channel] = Math.max(paused[lane.channel] ?? 0, lane.state === 'paused' ? 1 : 0);
    const loggedIn = wechat.length === 0 ? null : wechat.some((l) => l.state === 'running' || (l.reason !== null && !l.reason.startsWith('微信机器人未登录'))) ? 1 : 0;
    return { loggedIn, paused };
  });
  const log = new DeliveryLogService({ store, index, matching, audienceSync, content, wechatDryRun: config.WECHAT_DRY_RUN, now, digestTime: config.DIGEST_TIME });
  return {
    content,
    unsubscribe,
    metrics,
    control,
    history: new PushHistoryService({ store }),
    tracking,
    composer: new Composer({ store, content, unsubscribe, subscribers, mailFrom: config.MAIL_FROM, now, tracking, ...(calendar ? { calendar } : {}) }),
    scheduler: new PushScheduler({ store, now, logger, digestTime: config.DIGEST_TIME, reminderDays: config.REMINDER_DAYS }),
    log,
    deliveries: new DeliveryListService({ store, log, now, digestTime: config.DIGEST_TIME }),
    wechatChannels: new WechatChannelService({
      store,
      signer,
      officialApi: wechat.officialAccount,
      robotApi: wechat.groupRobots,
      settings: { baseUrl: config.PUBLIC_BASE_URL, officialBackoffMs: config.WECHAT_OA_BACKOFF_MS, robotPerMinute: config.WECOM_ROBOT_PER_MINUTE, robotWindowMs: config.WECOM_ROBOT_WINDOW_MS, robotBackoffMs: config.WECOM_ROBOT_BACKOFF_MS },
      now,
    }),
  };
}

/**
 * The dispatcher of one worker process: a lane per sending adapter it is given (the composition
 * root gives one per channel in PUSH_CHANNELS), and the chat bot's sign-in.
 */
export class PushDispatcher<Gateway extends ChatGateway = ChatGateway> {
  readonly owner = workerId();
  readonly lanes: ChannelLane[] = [];
  readonly gateway: Gateway | null;

  constructor(
    private readonly deps: {
      config: Config;
      store: Store;
      push: PushServices;
      logger: Logger;
      now: () => Date;
      /** The e-mail lane's transport; null: no e-mail lane in this process. */
      mail: MailTransport | null;
      /** The WeChat lane's bot; null: no WeChat lane in this process. */
      chat: Gateway | null;
      /** The 服务号 lane's platform; null or absent: no such lane in this process. */
      officialAccount?: OfficialAccountApi | null;
      /** The group robot lane's platform; null or absent: no such lane in this process. */
      groupRobots?: GroupRobotApi | null;
    },
  ) {
    const { config } = deps;
    this.gateway = deps.chat;
    const transport = deps.mail;
    if (transport) {
      this.lanes.push(
        this.lane({
          driver: new EmailDriver({ transport, from: config.MAIL_FROM }),
          rate: config.EMAIL_RATE_PER_SECOND,
          accountRate: config.EMAIL_ACCOUNT_RATE_PER_SECOND,
          batchSize: 200,
          concurrency: Math.max(4, config.SMTP_POOL_SIZE * 4),
        }),
      );
    }
    if (this.gateway) {
      const limits = {
        intervalMs: config.WECHAT_INTERVAL_MS,
        jitterMs: config.WECHAT_JITTER_MS,
        dailyBudget: config.WECHAT_DAILY_BUDGET,
        killSwitch: config.WECHAT_KILL_SWITCH,
        dryRun: config.WECHAT_DRY_RUN,
      };
      // Pacing is the account limit; the buckets only stop a burst should pacing be configured off.
      const perSecond = config.WECHAT_INTERVAL_MS > 0 ? 1000 / config.WECHAT_INTERVAL_MS : 1000;
      this.lanes.push(
        this.lane({ driver: new WechatDriver({ gateway: this.gateway, store: deps.store, limits, now: deps.now }), rate: perSecond * 2, accountRate: perSecond * 2, batchSize: 1, concurrency: 1 }),
      );
    }
    if (deps.officialAccount) {
      const tokens = new AccessTokenCache({ store: deps.store, api: deps.officialAccount, owner: this.owner, now: deps.now });
      const driver = new OfficialAccountDriver({ api: deps.officialAccount, store: deps.store, tokens, backoffMs: config.WECHAT_OA_BACKOFF_MS, now: deps.now });
      this.lanes.push(this.lane({ driver, rate: 10_000, accountRate: 10_000, batchSize: 100, concurrency: 8 }));
    }
    if (deps.groupRobots) {
      // Each robot waits for its own minute window inside the driver; several senders keep the other robots going.
      const driver = new GroupRobotDriver({ api: deps.groupRobots, store: deps.store, now: deps.now, perMinute: config.WECOM_ROBOT_PER_MINUTE, windowMs: config.WECOM_ROBOT_WINDOW_MS, backoffMs: config.WECOM_ROBOT_BACKOFF_MS, baseUrl: config.PUBLIC_BASE_URL });
      this.lanes.push(this.lane({ driver, rate: 10_000, accountRate: 10_000, batchSize: 20, concurrency: 4 }));
    }
  }

  private lane({ driver, rate, accountRate, batchSize, concurrency }: { driver: ChannelDriver; rate: number; accountRate: number; batchSize: number; concurrency: number }): ChannelLane {
    const { config } = this.deps;
    const accounts = new BucketRegistry(() => ({ ratePerSecond: accountRate, capacity: Math.max(1, Math.ceil(accountRate / 10)) }));
    return new ChannelLane({
      store: this.deps.store,
      composer: this.deps.push.composer,
      driver,
      buckets: { channel: new TokenBucket({ ratePerSecond: rate, capacity: Math.max(1, Math.ceil(rate / 10)) }), account: (account) => accounts.get(account) },
      owner: this.owner,
      options: {
        batchSize,
        concurrency,
        leaseMs: config.PUSH_LEASE_MS,
        pollMs: config.PUSH_POLL_MS,
        maxAttempts: config.PUSH_MAX_ATTEMPTS,
        retryBaseMs: config.PUSH_RETRY_BASE_MS,
        retryMaxMs: config.PUSH_RETRY_MAX_MS,
        drainMs: 10_000,
      },
      logger: this.deps.logger,
      now: this.deps.now,
      observer: this.deps.push.metrics,
    });
  }

  laneFor(channel: Channel): ChannelLane | undefined {
    return this.lanes.find((l) => l.channel === channel);
  }

  start(): void {
    // The bot logs in in the background; its lane stays paused until it has.
    if (this.gateway) void this.gateway.start();
    for (const lane of this.lanes) lane.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.stop()));
    if (this.gateway) await this.gateway.stop();
  }
}
