import type { Migration } from '../sqlite.migrations.js';

/**
 * Park membership needs the park's confirmation. `park_id` keeps meaning the confirmed membership
 * (so every row that has one now is confirmed, as before); an unconfirmed request lives in its own
 * columns, which only the park's request list reads.
 */
export const parkMembershipRequestsMigration: Migration = {
  version: 6,
  name: 'park membership requests',
  sql: `
      ALTER TABLE subscribers ADD COLUMN park_request_park_id TEXT;
      ALTER TABLE subscribers ADD COLUMN park_request_status TEXT;
      CREATE INDEX subscribers_park_request ON subscribers (park_request_park_id, park_request_status, created_at) WHERE park_request_park_id IS NOT NULL;
  `,
};
