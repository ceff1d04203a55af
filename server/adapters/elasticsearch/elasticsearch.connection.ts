/**
 * One installation's connection to the cluster: the client, the index prefix, and how requests
 * are retried (429s, refused bulk items, unreachable nodes) and turned into domain errors. Every
 * other module of the adapter reads and writes through `call` and `bulk`.
 */
import { Client, errors, type estypes } from '@elastic/elasticsearch';
import { DomainError } from '../../errors.js';
import { indexNames, type IndexKind } from './elasticsearch.mappings.js';
import type { TextMode } from './elasticsearch.text-query.js';

/**
 * How long the adapter waits before trying again. Production keeps the defaults; tests against a
 * model of the cluster set the waits to zero so that injected refusals cost no wall-clock time.
 */
export interface ElasticsearchRetryPolicy {
  /** Connection errors, timeouts and 502/503/504, retried by the client itself. */
  clientMaxRetries: number;
  /** Whole requests refused with 429 (a node's queues or circuit breakers are full). */
  tooManyRequestsRetries: number;
  /** Full jitter, doubling from this base. */
  tooManyRequestsBaseMs: number;
  /** Times a bulk item refused with 429 is sent again, `bulkItemWaitMs` apart (the bulk helper's own retry). */
  bulkItemRetries: number;
  bulkItemWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: ElasticsearchRetryPolicy = {
  clientMaxRetries: 3,
  tooManyRequestsRetries: 4,
  tooManyRequestsBaseMs: 500,
  bulkItemRetries: 5,
  bulkItemWaitMs: 2_000,
};

/** Low, so that the bulk requests of one call reach the cluster in roughly the order they were made. */
const BULK_CONCURRENCY = 2;

export type BulkOperation<T> = { op: 'index'; id: string; doc: T } | { op: 'delete'; id: string };

export function statusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

export function errorTypeOf(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body: unknown = error.body;
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const cause: unknown = body.error;
  return typeof cause === 'object' && cause !== null && 'type' in cause && typeof cause.type === 'string' ? cause.type : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The cause stays on the error for logs but out of its message and details, which reach HTTP
 * clients: a connection error names the cluster's internal address.
 */
export function unavailable({ code, message, cause }: { code: string; message: string; cause?: unknown }): DomainError {
  const error = new DomainError({ type: 'unavailable', code, message });
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}

/** The cluster address without credentials, for messages that operators read. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

function isConnectionFailure(error: unknown): boolean {
  return error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError;
}

/** The action line of a bulk item, as the helper hands back a dropped one. */
function isDeleteAction(action: unknown): boolean {
  return typeof action === 'object' && action !== null && 'delete' in action;
}

function actionId(action: unknown): string {
  if (typeof action !== 'object' || action === null) return '?';
  for (const value of Object.values(action)) {
    if (typeof value === 'object' && value !== null && '_id' in value) return String(value._id);
  }
  return '?';
}

function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class ElasticsearchConnection {
  readonly url: string;
  readonly prefix: string;
  readonly requestTimeoutMs: number;
  private readonly retry: ElasticsearchRetryPolicy;
  private client: Client | null = null;

  constructor({ url, prefix, requestTimeoutMs, retry }: { url: string; prefix: string; requestTimeoutMs: number; retry: ElasticsearchRetryPolicy }) {
    this.url = url;
    this.prefix = prefix;
    this.requestTimeoutMs = requestTimeoutMs;
    this.retry = retry;
  }

  get isOpen(): boolean {
    return this.client !== null;
  }

  /**
   * Connects and runs `setup` with the client (version check, templates, aliases); the connection
   * counts as open only once setup succeeded. `setup` may already use `call`.
   */
  async open(setup: (client: Client) => Promise<void>): Promise<void> {
    if (this.client) return;
    const client = new Client({ node: this.url, requestTimeout: this.requestTimeoutMs, maxRetries: this.retry.clientMaxRetries, name: `policy-push:${this.prefix}` });
    try {
      this.client = client;
      await setup(client);
    } catch (error) {
      this.client = null;
      await client.close().catch(() => undefined);
      if (error instanceof DomainError) throw error;
      // Start-up failures are read by operators on the console, so the message says what went wrong.
      throw unavailable({ code: 'search_index_unavailable', message: `无法打开 Elasticsearch 检索索引（${redacted(this.url)}）：${messageOf(error)}`, cause: error });
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  alias(kind: IndexKind): string {
    return indexNames({ prefix: this.prefix, kind }).alias;
  }

  /** For best-effort clean-up only (closing points in time, dropping a half-built index). */
  clientIfOpen(): Client | null {
    return this.client;
  }

  private connection(): Client {
    if (!this.client) throw new DomainError({ type: 'unavailable', code: 'search_index_closed', message: '搜索索引尚未打开' });
    return this.client;
  }

  /**
   * Runs a request, retrying it when the cluster answers 429 for the whole request (full jitter,
   * doubling), and turns an unreachable cluster into the domain's `unavailable`.
   */
  async call<T>(request: (client: Client) => Promise<T>): Promise<T> {
    const client = this.connection();
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(client);
      } catch (error) {
        if (statusOf(error) === 429 && attempt < this.retry.tooManyRequestsRetries) {
          await sleep(Math.random() * this.retry.tooManyRequestsBaseMs * 2 ** attempt);
          continue;
        }
        if (isConnectionFailure(error)) throw unavailable({ code: 'search_index_unavailable', message: '检索服务暂时不可用，请稍后再试', cause: error });
        throw error;
      }
    }
  }

  /**
   * Writes through the client's bulk helper (which retries items refused with 429), then refreshes
   * the index so the next read sees the write, as the embedded engine's reads do. Items that still
   * fail are reported together; deleting an id the index does not hold is not a failure.
   */
  async bulk<T>(kind: IndexKind, operations: BulkOperation<T>[]): Promise<void> {
    if (operations.length === 0) return;
    const index = this.alias(kind);
    const failures: { id: string; status: number; reason: string }[] = [];
    await this.call(async (client) => {
      failures.length = 0;
      const stats = await client.helpers.bulk<BulkOperation<T>>(
        {
          datasource: operations,
          onDocument: (operation) => (operation.op === 'index' ? [{ index: { _index: index, _id: operation.id } }, operation.doc] : { delete: { _index: index, _id: operation.id } }),
          onDrop: (dropped) => {
            if (dropped.status === 404 && isDeleteAction(dropped.operation)) return;
            failures.push({ id: actionId(dropped.operation), status: dropped.status, reason: dropped.error?.reason ?? dropped.error?.type ?? 'rejected' });
          },
          retries: this.retry.bulkItemRetries,
          wait: this.retry.bulkItemWaitMs,
          concurrency: BULK_CONCURRENCY,
          // Writing to the alias only: a missing alias must fail, not auto-create an unmapped index under its name.
          require_alias: true,
          refreshOnCompletion: index,
        },
        { requestTimeout: this.requestTimeoutMs },
      );
      return stats;
    });
    if (failures.length > 0) {
      throw new DomainError({
        type: 'unavailable',
        code: 'search_index_write_failed',
        message: `写入检索索引 ${index} 时有 ${failures.length} 条失败：${failures.slice(0, 3).map((f) => `${f.id}（${f.status} ${f.reason}）`).join('；')}`,
        details: { index, failures: failures.slice(0, 50) },
      });
    }
  }

  async count(kind: IndexKind): Promise<number> {
    const index = this.alias(kind);
    return (await this.call((client) => client.count({ index }))).count;
  }

  /** Every word when some document holds them all, whatever the filters; otherwise any word. */
  async textMode({ index, words, query }: { index: string; words: readonly string[]; query: estypes.QueryDslQueryContainer }): Promise<TextMode> {
    if (words.length <= 1) return 'all';
    const response = await this.call((client) => client.count({ index, query }));
    return response.count > 0 ? 'all' : 'any';
  }
}
