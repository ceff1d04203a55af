import { officialAccountSettingsSchema, platformTokenSchema, wecomRobotSchema, type OfficialAccountSettings, type PlatformToken, type RobotStatus, type WecomRobot } from '../../../schemas/wechat-channels.schema.js';
import type { WechatChannelRepository } from '../../ports/wechat-channels.port.js';
import { isDuplicateKeyError, mongoose, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

export const WECHAT_CHANNEL_COLLECTIONS = {
  /** `_id` = 'office' (one office per installation). */
  officialAccounts: 'wechat_official_accounts',
  /** `_id` = the park group's contact id. */
  robots: 'wecom_robots',
  /** `_id` = token name. */
  tokens: 'platform_tokens',
} as const;

export type AccountDoc = OfficialAccountSettings & { _id: string };
export type RobotDoc = Omit<WecomRobot, 'contactId'> & { _id: string };
export type TokenDoc = Omit<PlatformToken, 'name'> & { _id: string };

const { Mixed } = mongoose.Schema.Types;

const accountModelSchema = storedSchema(
  { _id: String, appId: String, appSecret: String, templateId: String, fields: Mixed, updatedBy: String, updatedAt: String },
  { collection: WECHAT_CHANNEL_COLLECTIONS.officialAccounts },
);
const robotModelSchema = storedSchema(
  { _id: String, parkId: String, groupName: String, webhookKey: String, status: String, lastError: String, lastCheckedAt: String, updatedBy: String, updatedAt: String },
  { collection: WECHAT_CHANNEL_COLLECTIONS.robots },
);
robotModelSchema.index({ parkId: 1, groupName: 1 }, { name: 'wecom_robots_park' });
const tokenModelSchema = storedSchema(
  { _id: String, token: String, expiresAt: String, leaseOwner: String, leaseUntil: String, updatedAt: String },
  { collection: WECHAT_CHANNEL_COLLECTIONS.tokens },
);

export const wechatChannelModels: ModelBinding[] = [
  { name: 'WechatOfficialAccount', schema: accountModelSchema, shape: officialAccountSettingsSchema.shape, storageOnly: ['_id'] },
  { name: 'WecomRobot', schema: robotModelSchema, shape: wecomRobotSchema.shape, idField: 'contactId' },
  { name: 'PlatformToken', schema: tokenModelSchema, shape: platformTokenSchema.shape, idField: 'name' },
];

/** 服务号 settings, park group robots and shared platform tokens. */
export class MongoWechatChannelRepository implements WechatChannelRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get accounts() {
    return this.ctx.connection.collection<AccountDoc>(WECHAT_CHANNEL_COLLECTIONS.officialAccounts);
  }

  private get robots() {
    return this.ctx.connection.collection<RobotDoc>(WECHAT_CHANNEL_COLLECTIONS.robots);
  }

  private get tokens() {
    return this.ctx.connection.collection<TokenDoc>(WECHAT_CHANNEL_COLLECTIONS.tokens);
  }

  async getOfficialAccount(): Promise<OfficialAccountSettings | null> {
    const doc = await this.accounts.findOne({ _id: 'office' });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return officialAccountSettingsSchema.parse(rest);
  }

  async saveOfficialAccount(settings: OfficialAccountSettings): Promise<void> {
    await this.accounts.replaceOne({ _id: 'office' }, { ...settings }, { upsert: true });
  }

  async saveRobot(robot: WecomRobot): Promise<void> {
    const { contactId, ...rest } = robot;
    await this.robots.replaceOne({ _id: contactId }, rest, { upsert: true });
  }

  async getRobot(contactId: string): Promise<WecomRobot | null> {
    const doc = await this.robots.findOne({ _id: contactId });
    return doc ? robotOf(doc) : null;
  }

  async listRobots({ parkId }: { parkId?: string }): Promise<WecomRobot[]> {
    const docs = await this.robots.find(parkId === undefined ? {} : { parkId }).sort({ parkId: 1, groupName: 1, _id: 1 }).toArray();
    return docs.map(robotOf);
  }

  async markRobot({ contactId, status, error, at }: { contactId: string; status: RobotStatus; error: string | null; at: string }): Promise<boolean> {
    return (await this.robots.updateOne({ _id: contactId }, { $set: { status, lastError: error, lastCheckedAt: at } })).matchedCount > 0;
  }

  async getToken(name: string): Promise<PlatformToken | null> {
    const doc = await this.tokens.findOne({ _id: name });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return platformTokenSchema.parse({ ...rest, name: _id });
  }

  async acquireTokenLease({ name, owner, now, leaseUntil }: { name: string; owner: string; now: string; leaseUntil: string }): Promise<boolean> {
    // The filter matches a free, expired or own lease; when the token exists but is held, the upsert
    // tries to insert a second document with the same _id and the unique _id refuses it.
    try {
      await this.tokens.updateOne(
        { _id: name, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }, { leaseOwner: owner }] },
        { $set: { leaseOwner: owner, leaseUntil, updatedAt: now }, $setOnInsert: { token: null, expiresAt: null } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async saveToken({ name, owner, token, expiresAt, at }: { name: string; owner: string; token: string; expiresAt: string; at: string }): Promise<void> {
    await this.tokens.updateOne({ _id: name }, { $set: { token, expiresAt, updatedAt: at }, $setOnInsert: { leaseOwner: null, leaseUntil: null } }, { upsert: true });
    await this.tokens.updateOne({ _id: name, leaseOwner: owner }, { $set: { leaseOwner: null, leaseUntil: null } });
  }

  async invalidateToken({ name, token, at }: { name: string; token: string; at: string }): Promise<void> {
    await this.tokens.updateOne({ _id: name, token }, { $set: { token: null, expiresAt: null, updatedAt: at } });
  }
}

function robotOf(doc: RobotDoc): WecomRobot {
  const { _id, ...rest } = doc;
  return wecomRobotSchema.parse({ ...rest, contactId: _id });
}
