import type { DeliveryListFilter as FilterInput, DeliveryListItem, DeliveryListPage, DeliveryListQuery } from '../../schemas/delivery-list.schema.js';
import type { DeliveryListFilter, DeliveryListRow } from '../ports/push-queue.port.js';
import type { Store } from '../ports/store.port.js';
import { reasonOf, type DeliveryLogService } from './delivery-log.service.js';
import { queuedReason, type ChannelHold } from './queued-reason.js';

const EXPORT_PAGE = 200;
const DAY_MS = 86_400_000;

/** A calendar day in Beijing as the instant it starts. */
function beijingDayStart(date: string): string {
  return new Date(`${date}T00:00:00+08:00`).toISOString();
}

/** The filters as the repository reads them: dates become a half-open range of instants. */
export function repositoryFilter(filter: FilterInput): DeliveryListFilter {
  return {
    policyId: filter.policyId,
    version: filter.version,
    channel: filter.channel,
    status: filter.status,
    parkId: filter.parkId,
    since: filter.from ? beijingDayStart(filter.from) : undefined,
    until: filter.to ? new Date(Date.parse(beijingDayStart(filter.to)) + DAY_MS).toISOString() : undefined,
  };
}

/**
 * The staff delivery list: who a push reached, on which channel, with status and reason, and for
 * rows still waiting why they wait. Pages by keyset (newest first); the export walks every page.
 */
export class DeliveryListService {
  constructor(private readonly deps: { store: Store; log: DeliveryLogService; now: () => Date; digestTime?: string }) {}

  async page(query: DeliveryListQuery): Promise<DeliveryListPage> {
    const { cursor, limit, ...filter } = query;
    const after = cursor?.startsWith('a') ? Number(cursor.slice(1)) : undefined;
    const before = cursor?.startsWith('b') ? Number(cursor.slice(1)) : undefined;
    const { rows, more } = await this.deps.store.deliveryLog.listDeliveries({
      filter: repositoryFilter(filter),
      ...(after !== undefined ? { after } : {}),
      ...(before !== undefined ? { before } : {}),
      limit,
    });
    const holds = await this.holds();
    const first = rows[0];
    const last = rows[rows.length - 1];
    const backwards = before !== undefined;
    // Going back, `more` means newer rows remain above; going forward, older rows below.
    const hasNewer = backwards ? more : cursor !== undefined;
    const hasOlder = backwards ? true : more;
    return {
      items: rows.map((row) => this.item({ row, holds })),
      nextCursor: last && hasOlder ? `a${last.id}` : null,
      prevCursor: first && hasNewer ? `b${first.id}` : null,
    };
  }

  /** Every row the filters select, page by page, so an export never holds the whole log in memory. */
  async *all(filter: FilterInput): AsyncGenerator<DeliveryListItem> {
    const holds = await this.holds();
    let after: number | undefined;
    for (;;) {
      const { rows, more } = await this.deps.store.deliveryLog.listDeliveries({ filter: repositoryFilter(filter), ...(after !== undefined ? { after } : {}), limit: EXPORT_PAGE });
      for (const row of rows) yield this.item({ row, holds });
      const last = rows[rows.length - 1];
      if (!more || !last) return;
      after = last.id;
    }
  }

  private async holds(): Promise<Map<string, ChannelHold>> {
    const channels = await this.deps.log.channels();
    return new Map(channels.map((c) => [c.channel, { paused: c.paused, reason: c.reason }]));
  }

  private item({ row, holds }: { row: DeliveryListRow; holds: Map<string, ChannelHold> }): DeliveryListItem {
    const { frequency: _frequency, messageId: _messageId, nextAttemptAt: _next, leaseUntil: _lease, ...shown } = row;
    return {
      ...shown,
      reason: row.errorClass !== null || row.lastError !== null ? reasonOf(row.errorClass, row.lastError) : null,
      queuedReason: queuedReason({
        delivery: row,
        now: this.deps.now(),
        digestTime: this.deps.digestTime ?? '08:30',
        hold: holds.get(row.channel) ?? { paused: false, reason: null },
      }),
    };
  }
}
