import path from 'node:path';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ImageProcessor } from '../ports/image-processor.port.js';
import type { MailTransport } from '../ports/mail-transport.port.js';
import type { MediaStorage } from '../ports/media-storage.port.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import type { StoreExport, StoreImport } from '../ports/store-transfer.port.js';
import { ThreadedSearchIndex } from './embedded-search/embedded-thread.search-index.js';
import { FilesystemMediaStorage } from './filesystem/filesystem.media-storage.js';
import { createFileTransport, createSmtpTransport } from './nodemailer/nodemailer.mail-transport.js';
import { SharpImageProcessor } from './sharp/sharp.image-processor.js';
import { SqliteStoreExport } from './sqlite/sqlite-store.export.js';
import { SqliteStore } from './sqlite/sqlite.store.js';
import { WechatyChatGateway } from './wechaty/wechaty.chat-gateway.js';
import { WechatOfficialAccountApi } from './wechat-official/wechat-official.official-account.js';
import { WecomGroupRobotApi } from './wecom-robot/wecom-robot.group-robot.js';
import type { GroupRobotApi } from '../ports/group-robot.port.js';
import type { OfficialAccountApi } from '../ports/official-account.port.js';

/**
 * The only place that knows which engine backs each port; the composition root (server/platform.ts)
 * calls it. The scale-out engines are imported only when configured: their drivers (mongoose and
 * mongodb, the Elasticsearch client) hold some 18 MB of code and data on the heap, which a process
 * on the embedded default would otherwise carry and mark in every full collection.
 */
export async function createStore({ config }: { config: Config }): Promise<Store> {
  if (config.STORE === 'sqlite') return new SqliteStore({ file: path.join(config.dataDir, 'platform.sqlite'), busyTimeoutMs: config.SQLITE_BUSY_TIMEOUT_MS });
  // loadConfig() refuses STORE=mongodb without MONGODB_URL; the check here keeps the type honest.
  if (config.STORE === 'mongodb' && config.MONGODB_URL) {
    const { MongoStore } = await import('./mongodb/mongo.store.js');
    return new MongoStore({ url: config.MONGODB_URL });
  }
  throw new DomainError({ type: 'unavailable', code: 'store_unavailable', message: `存储引擎 ${config.STORE} 的适配器尚未提供，请使用 STORE=sqlite` });
}

/** The embedded store of DATA_DIR, read out for a move to another engine (read-only). */
export function createStoreExport({ config }: { config: Config }): StoreExport {
  return new SqliteStoreExport({ file: path.join(config.dataDir, 'platform.sqlite') });
}

/** The MongoDB store an installation moves into. */
export async function createStoreImport({ url }: { url: string }): Promise<StoreImport> {
  const { MongoStoreImport } = await import('./mongodb/mongo-store.import.js');
  return new MongoStoreImport({ url });
}

export async function createSearchIndex({ config }: { config: Config }): Promise<SearchIndex> {
  if (config.SEARCH === 'embedded') return new ThreadedSearchIndex({ file: path.join(config.dataDir, 'search.sqlite'), busyTimeoutMs: config.SQLITE_BUSY_TIMEOUT_MS });
  if (config.SEARCH === 'elasticsearch' && config.ELASTICSEARCH_URL) {
    const { ElasticsearchSearchIndex } = await import('./elasticsearch/elasticsearch.search-index.js');
    return new ElasticsearchSearchIndex({ url: config.ELASTICSEARCH_URL, analyzer: config.ELASTICSEARCH_ANALYZER, indexPrefix: config.ELASTICSEARCH_INDEX_PREFIX });
  }
  throw new DomainError({ type: 'unavailable', code: 'search_unavailable', message: `检索引擎 ${config.SEARCH} 的适配器尚未提供，请使用 SEARCH=embedded` });
}

/** Uploaded pictures and rendered cards: DATA_DIR/media (a shared volume when web processes run on several machines). */
export function createMediaStorage({ config }: { config: Config }): MediaStorage {
  return new FilesystemMediaStorage(path.join(config.dataDir, 'media'));
}

export function createImageProcessor(): ImageProcessor {
  return new SharpImageProcessor();
}

/** SMTP when SMTP_URL is set; otherwise every message becomes an .eml file under DATA_DIR/outbox. */
export function createMailTransport({ config }: { config: Config }): MailTransport {
  return config.SMTP_URL ? createSmtpTransport({ url: config.SMTP_URL, poolSize: config.SMTP_POOL_SIZE }) : createFileTransport({ dir: path.join(config.dataDir, 'outbox') });
}

export function createChatGateway({ config, logger, now }: { config: Config; logger: Logger; now: () => Date }): WechatyChatGateway {
  return new WechatyChatGateway({
    puppet: config.WECHATY_PUPPET,
    ...(config.WECHATY_PUPPET_TOKEN ? { token: config.WECHATY_PUPPET_TOKEN } : {}),
    dataDir: config.dataDir,
    logger,
    now,
  });
}

/**
 * The sending side of one worker process: a mail transport and a chat bot for the channels in
 * PUSH_CHANNELS (null for a channel that is off). `mail` replaces the configured transport (tests, benchmarks).
 */
export function createPushAdapters({ config, logger, now, mail }: { config: Config; logger: Logger; now: () => Date; mail?: MailTransport }): {
  mail: MailTransport | null;
  chat: WechatyChatGateway | null;
  officialAccount: OfficialAccountApi | null;
  groupRobots: GroupRobotApi | null;
} {
  const wechat = createWechatPlatformApis({ config });
  return {
    mail: config.PUSH_CHANNELS.includes('email') ? (mail ?? createMailTransport({ config })) : null,
    chat: config.PUSH_CHANNELS.includes('wechat') ? createChatGateway({ config, logger, now }) : null,
    officialAccount: config.PUSH_CHANNELS.includes('wechat_oa') ? wechat.officialAccount : null,
    groupRobots: config.PUSH_CHANNELS.includes('wecom_robot') ? wechat.groupRobots : null,
  };
}

/** The official WeChat platforms (服务号, WeCom group robots) at the configured base addresses. */
export function createWechatPlatformApis({ config }: { config: Config }): { officialAccount: OfficialAccountApi; groupRobots: GroupRobotApi } {
  return {
    officialAccount: new WechatOfficialAccountApi({ apiBase: config.WECHAT_OA_API_BASE, authorizeBase: config.WECHAT_OA_AUTHORIZE_BASE }),
    groupRobots: new WecomGroupRobotApi({ baseUrl: config.WECOM_ROBOT_BASE }),
  };
}
