import { z } from 'zod';
import { officialAccountFieldsSchema, robotStatusSchema, type OfficialAccountSettings, type PlatformToken, type RobotStatus, type WecomRobot } from '../../../schemas/wechat-channels.schema.js';
import type { WechatChannelRepository } from '../../ports/wechat-channels.port.js';
import { StatementCache } from './statement-cache.js';
import type { Db } from './sqlite.support.js';

const accountRow = z.object({ app_id: z.string(), app_secret: z.string(), template_id: z.string(), fields: z.string(), updated_by: z.string(), updated_at: z.string() });
const robotRow = z.object({
  contact_id: z.string(),
  park_id: z.string(),
  group_name: z.string(),
  webhook_key: z.string(),
  status: robotStatusSchema,
  last_error: z.string().nullable(),
  last_checked_at: z.string().nullable(),
  updated_by: z.string(),
  updated_at: z.string(),
});
const tokenRow = z.object({ name: z.string(), token: z.string().nullable(), expires_at: z.string().nullable(), lease_owner: z.string().nullable(), lease_until: z.string().nullable(), updated_at: z.string() });

/** Row mappers, shared with the store export. */
export function robotFromRow(row: unknown): WecomRobot {
  const r = robotRow.parse(row);
  return {
    contactId: r.contact_id,
    parkId: r.park_id,
    groupName: r.group_name,
    webhookKey: r.webhook_key,
    status: r.status,
    lastError: r.last_error,
    lastCheckedAt: r.last_checked_at,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  };
}

export function officialAccountFromRow(row: unknown): OfficialAccountSettings {
  const r = accountRow.parse(row);
  return { appId: r.app_id, appSecret: r.app_secret, templateId: r.template_id, fields: officialAccountFieldsSchema.parse(JSON.parse(r.fields)), updatedBy: r.updated_by, updatedAt: r.updated_at };
}

export function tokenFromRow(row: unknown): PlatformToken {
  const r = tokenRow.parse(row);
  return { name: r.name, token: r.token, expiresAt: r.expires_at, leaseOwner: r.lease_owner, leaseUntil: r.lease_until, updatedAt: r.updated_at };
}

/** 服务号 settings, park group robots and shared platform tokens. */
export class SqliteWechatChannelRepository implements WechatChannelRepository {
  private readonly statements: StatementCache;

  constructor(db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
  }

  async getOfficialAccount(): Promise<OfficialAccountSettings | null> {
    const row = this.stmt(`SELECT app_id, app_secret, template_id, fields, updated_by, updated_at FROM wechat_official_accounts WHERE id = 'office'`).get();
    return row ? officialAccountFromRow(row) : null;
  }

  async saveOfficialAccount(settings: OfficialAccountSettings): Promise<void> {
    this.stmt(
      `INSERT INTO wechat_official_accounts (id, app_id, app_secret, template_id, fields, updated_by, updated_at) VALUES ('office', ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET app_id = excluded.app_id, app_secret = excluded.app_secret, template_id = excluded.template_id,
         fields = excluded.fields, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    ).run(settings.appId, settings.appSecret, settings.templateId, JSON.stringify(settings.fields), settings.updatedBy, settings.updatedAt);
  }

  async saveRobot(robot: WecomRobot): Promise<void> {
    this.stmt(
      `INSERT INTO wecom_robots (contact_id, park_id, group_name, webhook_key, status, last_error, last_checked_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (contact_id) DO UPDATE SET park_id = excluded.park_id, group_name = excluded.group_name, webhook_key = excluded.webhook_key, status = excluded.status,
         last_error = excluded.last_error, last_checked_at = excluded.last_checked_at, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    ).run(robot.contactId, robot.parkId, robot.groupName, robot.webhookKey, robot.status, robot.lastError, robot.lastCheckedAt, robot.updatedBy, robot.updatedAt);
  }

  async getRobot(contactId: string): Promise<WecomRobot | null> {
    const row = this.stmt('SELECT * FROM wecom_robots WHERE contact_id = ?').get(contactId);
    return row ? robotFromRow(row) : null;
  }

  async listRobots({ parkId }: { parkId?: string }): Promise<WecomRobot[]> {
    const rows = parkId === undefined ? this.stmt('SELECT * FROM wecom_robots ORDER BY park_id, group_name, contact_id').all() : this.stmt('SELECT * FROM wecom_robots WHERE park_id = ? ORDER BY group_name, contact_id').all(parkId);
    return rows.map(robotFromRow);
  }

  async markRobot({ contactId, status, error, at }: { contactId: string; status: RobotStatus; error: string | null; at: string }): Promise<boolean> {
    return this.stmt('UPDATE wecom_robots SET status = ?, last_error = ?, last_checked_at = ? WHERE contact_id = ?').run(status, error, at, contactId).changes > 0;
  }

  async getToken(name: string): Promise<PlatformToken | null> {
    const row = this.stmt('SELECT * FROM platform_tokens WHERE name = ?').get(name);
    return row ? tokenFromRow(row) : null;
  }

  async acquireTokenLease({ name, owner, now, leaseUntil }: { name: string; owner: string; now: string; leaseUntil: string }): Promise<boolean> {
    // One statement: the insert creates the row, the conditional update takes an expired or own lease.
    const result = this.stmt(
      `INSERT INTO platform_tokens (name, token, expires_at, lease_owner, lease_until, updated_at) VALUES (?, NULL, NULL, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until, updated_at = excluded.updated_at
       WHERE platform_tokens.lease_until IS NULL OR platform_tokens.lease_until < ? OR platform_tokens.lease_owner = excluded.lease_owner`,
    ).run(name, owner, leaseUntil, now, now);
    return result.changes > 0;
  }

  async saveToken({ name, owner, token, expiresAt, at }: { name: string; owner: string; token: string; expiresAt: string; at: string }): Promise<void> {
    this.stmt(
      `INSERT INTO platform_tokens (name, token, expires_at, lease_owner, lease_until, updated_at) VALUES (?, ?, ?, NULL, NULL, ?)
       ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, updated_at = excluded.updated_at,
         lease_owner = CASE WHEN platform_tokens.lease_owner = ? THEN NULL ELSE platform_tokens.lease_owner END,
         lease_until = CASE WHEN platform_tokens.lease_owner = ? THEN NULL ELSE platform_tokens.lease_until END`,
    ).run(name, token, expiresAt, at, owner, owner);
  }

  async invalidateToken({ name, token, at }: { name: string; token: string; at: string }): Promise<void> {
    this.stmt('UPDATE platform_tokens SET token = NULL, expires_at = NULL, updated_at = ? WHERE name = ? AND token = ?').run(at, name, token);
  }
}
