import type { DeliveryLeaseRepository, DeliveryLogRepository, DigestRepository, OutboxRepository, PushSettingsRepository } from '../../ports/push-queue.port.js';
import type { Connection } from 'mongoose';
import type { InterpretationRepository } from '../../ports/interpretation.port.js';
import type {
  MatchingJobRepository,
  PolicyRepository,
  Store,
  SubscriberRepository,
  SubscriptionRepository,
  TaxonomyRepository,
  UserRepository,
} from '../../ports/store.port.js';
import type { WebAccountRepository } from '../../ports/web-account.port.js';
import { MongoDeliveryLeaseRepository } from './mongo-delivery-lease.repository.js';
import { MongoDeliveryLogRepository } from './mongo-delivery-log.repository.js';
import { deliveryModels } from './mongo-delivery.models.js';
import { MongoDigestRepository } from './mongo-digest.repository.js';
import { MongoOutboxRepository } from './mongo-outbox.repository.js';
import { MongoPushSettingsRepository } from './mongo-push-settings.repository.js';
import { interpretationModels, MongoInterpretationRepository, writePublication, writeReviewDigest } from './mongo-interpretation.repository.js';
import { matchingJobModels, MongoMatchingJobRepository } from './mongo-matching-job.repository.js';
import { MongoPolicyRepository, policyModels } from './mongo-policy.repository.js';
import { MongoSubscriberRepository, subscriberModels } from './mongo-subscriber.repository.js';
import { MongoSubscriptionRepository, subscriptionModels } from './mongo-subscription.repository.js';
import { MongoTaxonomyRepository, taxonomyModels } from './mongo-taxonomy.repository.js';
import { MongoUserRepository, userModels } from './mongo-user.repository.js';
import { MongoWebAccountRepository, webAccountModels } from './mongo-web-account.repository.js';
import { auditModels, MongoAuditRepository } from './mongo-audit.repository.js';
import type { AuditRepository } from '../../ports/audit.port.js';
import { MongoPushTrackingRepository, pushTrackingModels } from './mongo-push-tracking.repository.js';
import type { PushTrackingRepository } from '../../ports/push-tracking.port.js';
import { MongoWechatChannelRepository, wechatChannelModels } from './mongo-wechat-channels.repository.js';
import type { WechatChannelRepository } from '../../ports/wechat-channels.port.js';
import { MongoTextFindingsRepository, textFindingsModels } from './mongo-text-findings.repository.js';
import type { TextFindingsRepository } from '../../ports/text-findings.port.js';
import type { CalendarAdjustmentRepository, DisclosureRequestRepository } from '../../ports/disclosure.port.js';
import { disclosureModels, MongoCalendarAdjustmentRepository, MongoDisclosureRequestRepository } from './mongo-disclosure.repository.js';
import { consultationModels, MongoConsultationRepository } from './mongo-consultation.repository.js';
import { MongoReportFigureRepository, reportFigureModels } from './mongo-report-figures.repository.js';
import type { ConsultationRepository } from '../../ports/consultation.port.js';
import type { ReportFigureRepository } from '../../ports/report-figures.port.js';
import { assertReplicaSet, COLLECTIONS, mongoose, type ModelBinding, type MongoContext } from './mongo.support.js';

/** Every stored shape of the MongoDB store: indexes are created from these and the model test checks them all. */
export const MONGO_MODELS: readonly ModelBinding[] = [
  ...taxonomyModels,
  ...policyModels,
  ...userModels,
  ...subscriberModels,
  ...subscriptionModels,
  ...matchingJobModels,
  ...deliveryModels,
  ...interpretationModels,
  ...webAccountModels,
  ...auditModels,
  ...pushTrackingModels,
  ...wechatChannelModels,
  ...textFindingsModels,
  ...disclosureModels,
  ...consultationModels,
  ...reportFigureModels,
];

/** The collection a binding declares (set explicitly in every schema, never derived from the model name). */
export function collectionOf(binding: ModelBinding): string {
  const name: unknown = binding.schema.get('collection');
  if (typeof name !== 'string' || name.length === 0) throw new Error(`MongoDB 模型 ${binding.name} 未声明集合名`);
  return name;
}

/**
 * The scale-out store: MongoDB through mongoose, one replica set (transactions need one). The
 * connection is opened by `migrate()`, which every process calls at start.
 */
export class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly taxonomy: TaxonomyRepository;
  readonly policies: PolicyRepository;
  readonly users: UserRepository;
  readonly subscribers: SubscriberRepository;
  readonly subscriptions: SubscriptionRepository;
  readonly outbox: OutboxRepository;
  readonly deliveryLeases: DeliveryLeaseRepository;
  readonly digests: DigestRepository;
  readonly deliveryLog: DeliveryLogRepository;
  readonly pushSettings: PushSettingsRepository;
  readonly matchingJobs: MatchingJobRepository;
  readonly webAccounts: WebAccountRepository;
  readonly interpretation: InterpretationRepository;
  readonly audit: AuditRepository;
  readonly pushTracking: PushTrackingRepository;
  readonly wechatChannels: WechatChannelRepository;
  readonly textFindings: TextFindingsRepository;
  readonly calendarAdjustments: CalendarAdjustmentRepository;
  readonly disclosureRequests: DisclosureRequestRepository;
  readonly consultations: ConsultationRepository;
  readonly reportFigures: ReportFigureRepository;
  private readonly connection: Connection;
  private readonly url: string;
  private readonly dbName: string | undefined;
  private opening: Promise<void> | null = null;

  /** `dbName` overrides the database named in the URL (the contract suite uses a fresh one per case). */
  constructor({ url, dbName }: { url: string; dbName?: string }) {
    this.url = url;
    this.dbName = dbName;
    this.connection = mongoose.createConnection();
    // A connection without an 'error' listener would crash the process on a network error; the
    // driver reconnects by itself and failing operations report their own errors.
    this.connection.on('error', () => undefined);
    const ctx: MongoContext = { connection: this.connection };
    this.taxonomy = new MongoTaxonomyRepository(ctx);
    this.policies = new MongoPolicyRepository(ctx, {
      writePublication: ({ session, publication }) => writePublication(ctx, session, publication),
      writeReviewDigest: ({ session, ...input }) => writeReviewDigest(ctx, session, input),
    });
    this.users = new MongoUserRepository(ctx);
    this.subscribers = new MongoSubscriberRepository(ctx);
    this.subscriptions = new MongoSubscriptionRepository(ctx);
    this.outbox = new MongoOutboxRepository(ctx);
    this.deliveryLeases = new MongoDeliveryLeaseRepository(ctx);
    this.digests = new MongoDigestRepository(ctx);
    this.deliveryLog = new MongoDeliveryLogRepository(ctx);
    this.pushSettings = new MongoPushSettingsRepository(ctx);
    this.matchingJobs = new MongoMatchingJobRepository(ctx);
    this.webAccounts = new MongoWebAccountRepository(ctx);
    this.interpretation = new MongoInterpretationRepository(ctx);
    this.audit = new MongoAuditRepository(ctx);
    this.pushTracking = new MongoPushTrackingRepository(ctx);
    this.wechatChannels = new MongoWechatChannelRepository(ctx);
    this.textFindings = new MongoTextFindingsRepository(ctx);
    this.calendarAdjustments = new MongoCalendarAdjustmentRepository(ctx);
    this.disclosureRequests = new MongoDisclosureRequestRepository(ctx);
    this.consultations = new MongoConsultationRepository(ctx);
    this.reportFigures = new MongoReportFigureRepository(ctx);
    // After the repositories, which may have registered their own models already (same schema objects).
    for (const binding of MONGO_MODELS) {
      if (!this.connection.models[binding.name]) this.connection.model(binding.name, binding.schema);
    }
  }

  private connect(): Promise<void> {
    this.opening ??= this.connection
      .openUri(this.url, {
        ...(this.dbName ? { dbName: this.dbName } : {}),
        // Indexes and collections are created by migrate() only, never as a side effect of connecting.
        autoIndex: false,
        autoCreate: false,
        serverSelectionTimeoutMS: 15_000,
      })
      .then(
        () => undefined,
        (error: unknown) => {
          this.opening = null;
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(`无法连接 MongoDB（${redact(this.url)}）：${reason}`, { cause: error });
        },
      );
    return this.opening;
  }

  /**
   * Connects, refuses a server that cannot run transactions, creates every collection and makes
   * the indexes match the models. Indexes that no model declares any more are dropped; safe to
   * run from every process at start (index builds are idempotent).
   */
  async migrate(): Promise<void> {
    await this.connect();
    await assertReplicaSet(this.connection);
    const owners = new Map<string, string>();
    for (const binding of MONGO_MODELS) {
      const collection = collectionOf(binding);
      const owner = owners.get(collection);
      // Two models on one collection would drop each other's indexes in syncIndexes().
      if (owner) throw new Error(`MongoDB 集合 ${collection} 同时由模型 ${owner} 和 ${binding.name} 声明`);
      owners.set(collection, binding.name);
    }
    for (const binding of MONGO_MODELS) {
      const model = this.connection.model(binding.name);
      // Inside transactions collections must exist beforehand on older servers; create them up front.
      await model.createCollection();
      await model.syncIndexes();
    }
    if (!(await this.connection.listCollections()).some((c) => c.name === COLLECTIONS.counters)) {
      await this.connection.createCollection(COLLECTIONS.counters).catch((error: unknown) => {
        if (!isNamespaceExists(error)) throw error;
      });
    }
  }

  async ping(): Promise<void> {
    await this.connect();
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB 连接尚未建立');
    await db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    this.opening = null;
    await this.connection.close();
  }

  /** The open connection, for command-line tools that copy data in bulk (`npm run migrate:mongo`). */
  connectionForTools(): Connection {
    return this.connection;
  }

  /** The database this store writes to. */
  databaseName(): string {
    return this.connection.db?.databaseName ?? this.dbName ?? '';
  }
}

function isNamespaceExists(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 48;
}

/** Connection strings carry passwords; messages and logs get the host part only. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
