/**
 * Versioned schema migrations. Append only: a shipped migration is never edited, a change is a new
 * file in migrations/ added to the list below, so every data directory in the field is upgraded in order.
 */
import { policyLibraryMigration } from './migrations/001-policy-library.migration.js';
import { subscribersOutboxMigration } from './migrations/002-subscribers-outbox.migration.js';
import { pushMigration } from './migrations/003-push.migration.js';
import { interpretationMigration } from './migrations/004-interpretation.migration.js';
import { webAccountsMigration } from './migrations/005-web-accounts.migration.js';
import { parkMembershipRequestsMigration } from './migrations/006-park-membership-requests.migration.js';
import { auditTrailMigration } from './migrations/007-audit-trail.migration.js';
import { disclosureRequestsMigration } from './migrations/008-disclosure-requests.migration.js';
import { consultationsAnnualReportMigration } from './migrations/009-consultations-annual-report.migration.js';
import { wechatChannelsMigration } from './migrations/010-wechat-channels.migration.js';
import { pushTrackingMigration } from './migrations/011-push-tracking.migration.js';
import { policyTextFindingsMigration } from './migrations/012-policy-text-findings.migration.js';
import { deliveryListMigration } from './migrations/013-delivery-list.migration.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  policyLibraryMigration,
  subscribersOutboxMigration,
  pushMigration,
  interpretationMigration,
  webAccountsMigration,
  parkMembershipRequestsMigration,
  auditTrailMigration,
  disclosureRequestsMigration,
  consultationsAnnualReportMigration,
  wechatChannelsMigration,
  pushTrackingMigration,
  policyTextFindingsMigration,
  deliveryListMigration,
];
