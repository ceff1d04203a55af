/**
 * The embedded search index on a worker thread of its own, so computing a search never holds the
 * event loop that answers HTTP, and a server with two cores answers searches on both: the thread
 * ranks, counts facets and cuts snippets while the main thread parses requests and writes
 * responses. The index (bitsets, word index, bodies) lives on that thread only, not copied.
 *
 * Everything the index answers crosses by structured clone, in order: the thread handles messages
 * as they arrive, as calls were handled on one thread before. Repeated searches are answered here
 * from a result cache without a round trip, emptied by every write sent to the thread.
 */
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../../worker-thread.js';
import type { AudienceMatch, AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import type { FaqSearchDoc, FaqSearchHitDoc, FaqSearchRequest } from '../../ports/faq-index.port.js';
import type { PolicySearchDoc, PolicySearchRequest, PolicySearchResult, SearchIndex } from '../../ports/search-index.port.js';
import { followUserTerms } from '../../text/segmenter.js';
import type { EmbeddedSearchIndex, EmbeddedSearchIndexOptions } from './embedded.search-index.js';
import { searchIndexClosed } from './embedded.search-errors.js';
import { DEFAULT_RESULT_CACHE_SIZE, ResultCache, cacheKey } from './embedded.result-cache.js';
import { type ThreadAsk, type ThreadMethod, type ThreadOptions, type ThreadReply, type ThreadRequest, fromThreadError } from './embedded-thread.protocol.js';

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** A started thread and the answers awaited from it: a thread closed and another started never settle each other's. */
interface Thread {
  worker: Worker;
  waiting: Map<number, Waiter>;
}

export class ThreadedSearchIndex implements SearchIndex {
  readonly kind = 'embedded';
  readonly searchesOnCallerLoop = false;
  private readonly options: ThreadOptions;
  private thread: Thread | null = null;
  private nextId = 1;
  private readonly results: ResultCache;
  /** Counts writes sent: an answer asked before a write is handed on but not kept. */
  private generation = 0;
  private stopFollowingTerms: (() => void) | null = null;

  constructor({ resultCacheSize = DEFAULT_RESULT_CACHE_SIZE, ...options }: EmbeddedSearchIndexOptions) {
    this.options = options;
    this.results = new ResultCache(Math.max(0, Math.floor(resultCacheSize)));
  }

  /** Changes how many results are kept (0: none) and empties the cache, e.g. to measure uncached cost. */
  setResultCacheSize(size: number): void {
    this.results.resize(size);
  }

  async open(): Promise<void> {
    if (this.thread) return;
    this.forgetResults();
    const worker = startWorkerThread({ name: 'embedded-thread.worker', from: import.meta.url, workerData: this.options });
    const thread: Thread = { worker, waiting: new Map() };
    this.thread = thread;
    worker.unref();
    worker.on('message', (reply: ThreadReply) => this.settle({ thread, reply }));
    worker.on('exit', (code) => this.onExit({ thread, code }));
    worker.on('error', (error) => {
      // An exception nothing on the thread caught would have ended the process when the index ran
      // on the main thread; it still does, so a supervisor restarts it with an index rebuilt.
      throw new Error('the embedded search thread failed; the process exits so it can be restarted with its index rebuilt', { cause: error });
    });
    this.stopFollowingTerms = followUserTerms((terms) => this.post({ op: 'terms', terms }));
    try {
      await this.call('open', []);
    } catch (error) {
      await this.stopThread();
      throw error;
    }
    // The in-thread index empties its own cache when its word index is complete; this one follows.
    this.call('wordIndexReady', []).then(
      () => this.forgetResults(),
      () => undefined,
    );
  }

  async close(): Promise<void> {
    if (!this.thread) return;
    this.forgetResults();
    try {
      await this.call('close', []);
    } finally {
      await this.stopThread();
    }
  }

  ping(): Promise<void> {
    return this.call('ping', []);
  }

  upsertPolicies(docs: PolicySearchDoc[]): Promise<void> {
    this.forgetResults();
    return this.call('upsertPolicies', [docs]);
  }

  removePolicies(ids: string[]): Promise<void> {
    this.forgetResults();
    return this.call('removePolicies', [ids]);
  }

  async searchPolicies(request: PolicySearchRequest): Promise<PolicySearchResult> {
    const key = cacheKey(request);
    const cached = this.results.get(key);
    if (cached) return cached;
    const generation = this.generation;
    const result = await this.call('searchPolicies', [request]);
    return generation === this.generation ? this.results.keep(key, result) : result;
  }

  peekPolicies(request: PolicySearchRequest): PolicySearchResult | null {
    if (!this.thread) throw searchIndexClosed();
    return this.results.get(cacheKey(request)) ?? null;
  }

  clear(): Promise<void> {
    this.forgetResults();
    return this.call('clear', []);
  }

  getWatermark(): Promise<number> {
    return this.call('getWatermark', []);
  }

  setWatermark(seq: number): Promise<void> {
    return this.call('setWatermark', [seq]);
  }

  countPolicies(): Promise<number> {
    return this.call('countPolicies', []);
  }

  /** Resolves once the word index holds every stored policy (searches are right before, only slower). */
  wordIndexReady(): Promise<void> {
    return this.call('wordIndexReady', []);
  }

  upsertProfiles(profiles: ProfileDoc[]): Promise<void> {
    return this.call('upsertProfiles', [profiles]);
  }

  removeProfiles(subscriberIds: string[]): Promise<void> {
    return this.call('removeProfiles', [subscriberIds]);
  }

  upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void> {
    return this.call('upsertSubscriptions', [subscriptions]);
  }

  removeSubscriptions(subscriptionIds: string[]): Promise<void> {
    return this.call('removeSubscriptions', [subscriptionIds]);
  }

  clearAudience(): Promise<void> {
    return this.call('clearAudience', []);
  }

  getAudienceWatermark(): Promise<number> {
    return this.call('getAudienceWatermark', []);
  }

  setAudienceWatermark(seq: number): Promise<void> {
    return this.call('setAudienceWatermark', [seq]);
  }

  audienceSummary(input: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary> {
    return this.call('audienceSummary', [input]);
  }

  /** Batch by batch: the thread keeps the walk and hands over one batch per ask. */
  async *audienceBatches(input: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]> {
    const cursor = (await this.request({ op: 'batches', input })) as number;
    let finished = false;
    try {
      for (;;) {
        const step = (await this.request({ op: 'next', cursor })) as IteratorResult<AudienceMatch[]>;
        if (step.done) {
          finished = true;
          return;
        }
        yield step.value;
      }
    } finally {
      if (!finished && this.thread) await this.request({ op: 'return', cursor });
    }
  }

  matchSubscriber(input: { subscriberId: string; policies: { key: string; policy: AudiencePolicy }[] }): Promise<{ key: string; match: AudienceMatch }[]> {
    return this.call('matchSubscriber', [input]);
  }

  replaceFaqs(input: { policyIds: string[]; docs: FaqSearchDoc[] }): Promise<void> {
    return this.call('replaceFaqs', [input]);
  }

  searchFaqs(request: FaqSearchRequest): Promise<{ total: number; hits: FaqSearchHitDoc[] }> {
    return this.call('searchFaqs', [request]);
  }

  clearFaqs(): Promise<void> {
    return this.call('clearFaqs', []);
  }

  getFaqWatermark(): Promise<number> {
    return this.call('getFaqWatermark', []);
  }

  setFaqWatermark(seq: number): Promise<void> {
    return this.call('setFaqWatermark', [seq]);
  }

  countFaqs(): Promise<number> {
    return this.call('countFaqs', []);
  }

  private forgetResults(): void {
    this.generation += 1;
    this.results.clear();
  }

  private call<M extends ThreadMethod>(method: M, args: Parameters<EmbeddedSearchIndex[M]>): Promise<Awaited<ReturnType<EmbeddedSearchIndex[M]>>> {
    return this.request({ op: 'call', method, args }) as Promise<Awaited<ReturnType<EmbeddedSearchIndex[M]>>>;
  }

  private request(message: ThreadAsk): Promise<unknown> {
    const thread = this.thread;
    if (!thread) return Promise.reject(searchIndexClosed());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Referenced only while answers are awaited: an idle index does not keep a process alive, a busy one does.
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage({ ...message, id } satisfies ThreadRequest);
    });
  }

  private post(message: ThreadRequest): void {
    this.thread?.worker.postMessage(message);
  }

  private settle({ thread, reply }: { thread: Thread; reply: ThreadReply }): void {
    const waiter = thread.waiting.get(reply.id);
    if (!waiter) return;
    thread.waiting.delete(reply.id);
    if (thread.waiting.size === 0) thread.worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(fromThreadError(reply.error));
  }

  private onExit({ thread, code }: { thread: Thread; code: number }): void {
    if (this.thread === thread) this.detach();
    for (const waiter of thread.waiting.values()) waiter.reject(new Error(`the embedded search thread exited (code ${code}) before it answered`));
    thread.waiting.clear();
  }

  private async stopThread(): Promise<void> {
    const thread = this.thread;
    this.detach();
    await thread?.worker.terminate();
  }

  private detach(): void {
    this.thread = null;
    this.stopFollowingTerms?.();
    this.stopFollowingTerms = null;
  }
}
