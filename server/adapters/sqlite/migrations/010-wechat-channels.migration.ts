import type { Migration } from '../sqlite.migrations.js';

export const wechatChannelsMigration: Migration = {
  version: 10,
  name: 'official WeChat channels: 服务号 settings, park group robots, shared access tokens',
  sql: `
      -- One office per installation: the single row has id 'office'.
      CREATE TABLE wechat_official_accounts (
        id TEXT PRIMARY KEY CHECK (id = 'office'),
        app_id TEXT NOT NULL,
        app_secret TEXT NOT NULL,
        template_id TEXT NOT NULL,
        fields TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      -- The park's wecom_robot contact names the group; a removed contact takes its robot along.
      CREATE TABLE wecom_robots (
        contact_id TEXT PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
        park_id TEXT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        group_name TEXT NOT NULL,
        webhook_key TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('unchecked', 'ok', 'invalid')),
        last_error TEXT,
        last_checked_at TEXT,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX wecom_robots_park ON wecom_robots (park_id, group_name);

      -- Access tokens shared by every worker process; lease_owner refreshes while lease_until is ahead.
      CREATE TABLE platform_tokens (
        name TEXT PRIMARY KEY,
        token TEXT,
        expires_at TEXT,
        lease_owner TEXT,
        lease_until TEXT,
        updated_at TEXT NOT NULL
      );
    `,
};
