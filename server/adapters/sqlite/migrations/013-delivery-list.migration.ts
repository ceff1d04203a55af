import type { Migration } from '../sqlite.migrations.js';

export const deliveryListMigration: Migration = {
  version: 13,
  name: 'staff delivery list: one policy\'s deliveries in id order',
  sql: `
      -- The staff delivery list pages a policy's rows newest first; with the id implied at the end of
      -- this index, a page is read in order instead of sorting all of the policy's rows each time.
      CREATE INDEX deliveries_policy_list ON deliveries (policy_id);
    `,
};
