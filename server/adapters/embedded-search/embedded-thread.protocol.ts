/** Messages between the embedded search index's thread and the process that asks it. */
import { DomainError, type DomainErrorType } from '../../errors.js';
import type { AudiencePolicy } from '../../ports/audience-index.port.js';
import type { EmbeddedSearchIndexOptions } from './embedded.search-index.js';

/** The index's methods the thread answers, each called with its arguments as given. */
export type ThreadMethod =
  | 'open'
  | 'close'
  | 'ping'
  | 'upsertPolicies'
  | 'removePolicies'
  | 'searchPolicies'
  | 'clear'
  | 'getWatermark'
  | 'setWatermark'
  | 'countPolicies'
  | 'wordIndexReady'
  | 'upsertProfiles'
  | 'removeProfiles'
  | 'upsertSubscriptions'
  | 'removeSubscriptions'
  | 'clearAudience'
  | 'getAudienceWatermark'
  | 'setAudienceWatermark'
  | 'audienceSummary'
  | 'matchSubscriber'
  | 'replaceFaqs'
  | 'searchFaqs'
  | 'clearFaqs'
  | 'getFaqWatermark'
  | 'setFaqWatermark'
  | 'countFaqs';

/** What the thread is started with: the index's options, its own result cache always off (the asking side keeps results). */
export type ThreadOptions = Omit<EmbeddedSearchIndexOptions, 'resultCacheSize'>;

/** A request the thread answers, under the `id` its answer carries. */
export type ThreadAsk =
  | { op: 'call'; method: ThreadMethod; args: unknown[] }
  /** Starts `audienceBatches`; answers a cursor for `next` and `return`. */
  | { op: 'batches'; input: { policy: AudiencePolicy; batchSize: number } }
  | { op: 'next' | 'return'; cursor: number };

export type ThreadRequest =
  | (ThreadAsk & { id: number })
  /** Words the segmenter was taught on the asking side, to be taught here too before anything after them runs. No answer. */
  | { op: 'terms'; terms: string[] };

export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

/** An error as it crosses: a domain error keeps its type, code and details, so the HTTP layer answers as it would have. */
export type ThreadError =
  | { kind: 'domain'; type: DomainErrorType; code: string; message: string; details: unknown }
  | { kind: 'other'; name: string; message: string; stack: string | undefined };

export function toThreadError(error: unknown): ThreadError {
  if (error instanceof DomainError) return { kind: 'domain', type: error.type, code: error.code, message: error.message, details: error.details };
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message, stack: error.stack };
  return { kind: 'other', name: 'Error', message: String(error), stack: undefined };
}

export function fromThreadError(error: ThreadError): Error {
  if (error.kind === 'domain') return new DomainError({ type: error.type, code: error.code, message: error.message, details: error.details });
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
