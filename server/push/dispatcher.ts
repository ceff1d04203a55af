import os from 'node:os';
import crypto from 'node:crypto';
import { ERROR_CLASSES, type ErrorClass, type SendOutcome, type WorkRef } from '../../schemas/delivery.schema.js';
import type { Channel } from '../../schemas/subscriber.schema.js';
import type { Logger } from '../logger.js';
import type { LaneReport } from '../ports/push-queue.port.js';
import type { Store } from '../ports/store.port.js';
import type { Composed, Composer } from './composer.js';
import { fullJitterDelay, type TokenBucket } from './rate.js';

export interface SendResult {
  response: string;
  /** Contacts the provider refused permanently: they are marked invalid. */
  invalidContactIds: string[];
}

/** A failed send, classified by the channel driver. */
export class SendFailure extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    readonly response: string,
    readonly options: { permanent: boolean; invalidContactIds?: string[]; pauseLane?: boolean; retryAfterMs?: number },
  ) {
    super(response);
    this.name = 'SendFailure';
  }
}

/** What differs between email and WeChat: how to send, and when the lane must hold back. */
export interface ChannelDriver {
  readonly channel: Channel;
  readonly dryRun: boolean;
  account(): string | null;
  /** Why the lane must not claim now (kill switch, bot logged out, daily budget), or null. */
  blockedReason(): Promise<string | null>;
  send(item: Composed): Promise<SendResult>;
  /** Waits between two sends (WeChat's human pacing); email returns at once. */
  pace(): Promise<void>;
  close(): Promise<void>;
}

export interface LaneOptions {
  batchSize: number;
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a graceful stop waits for sends in flight before leaving them to the sweeper. */
  drainMs: number;
}

export interface OutcomeObserver {
  observe(input: { channel: Channel; outcome: SendOutcome['outcome']; errorClass: string | null; publishedAt: string | null; at: Date; kind: string }): void;
}

export function workerId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
}

const FLUSH_AT = 100;
const FLUSH_DELAY_MS = 10;
const HEARTBEAT_MS = 10_000;

/**
 * One channel's dispatcher: a feeder claims due work under a lease (urgent first) and composes it;
 * `concurrency` senders take tokens from the channel's and the account's buckets and send; results
 * are written back in small batches. Stop releases what was not started and waits for the rest.
 */
export class ChannelLane {
  private readonly queue: Composed[] = [];
  private stopping = false;
  private running: Promise<void>[] = [];
  private wakers: (() => void)[] = [];
  private outcomes: SendOutcome[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private state: LaneReport['state'] = 'stopped';
  private reason: string | null = null;
  private lastReport = 0;
  private inFlight = 0;
  private pauseRead: Promise<string | null> | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      composer: Composer;
      driver: ChannelDriver;
      buckets: { channel: TokenBucket; account: (account: string) => TokenBucket };
      owner: string;
      options: LaneOptions;
      logger: Logger;
      now: () => Date;
      observer?: OutcomeObserver;
    },
  ) {}

  get channel(): Channel {
    return this.deps.driver.channel;
  }

  status(): { channel: Channel; state: LaneReport['state']; reason: string | null; inFlight: number; queued: number } {
    return { channel: this.channel, state: this.state, reason: this.reason, inFlight: this.inFlight, queued: this.queue.length };
  }

  start(): void {
    if (this.running.length > 0) return;
    this.stopping = false;
    this.running = [this.feed(), ...Array.from({ length: this.deps.options.concurrency }, () => this.send())];
  }

  async stop(): Promise<void> {
    if (this.running.length === 0) return;
    this.stopping = true;
    const unstarted = this.queue.splice(0);
    this.wake();
    const released = await this.deps.store.deliveryLeases.release({ refs: unstarted.map((c) => c.ref), owner: this.deps.owner, at: this.deps.now().toISOString() });
    const drained = Promise.all(this.running);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.deps.options.drainMs).unref());
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.deps.logger.warn('dispatcher stopped with sends still in flight; their leases will expire', { channel: this.channel, inFlight: this.inFlight });
    }
    this.running = [];
    await this.flush();
    await this.setState('stopped', null, true);
    await this.deps.driver.close();
    this.deps.logger.info('dispatcher lane stopped', { channel: this.channel, released });
  }

  /** Runs the lane until nothing is due (tests and benchmarks); the lane must not be started. */
  async drain({ timeoutMs }: { timeoutMs: number }): Promise<void> {
    const until = Date.now() + timeoutMs;
    this.start();
    while (Date.now() < until) {
      await sleep(this.deps.options.pollMs);
      if (this.queue.length === 0 && this.inFlight === 0 && this.state === 'running' && this.reason === 'idle') break;
    }
    await this.stop();
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  /** Sleeps until `ms` passed, or until woken (new work, stop). */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers = this.wakers.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakers.push(done);
    });
  }

  private async setState(state: LaneReport['state'], reason: string | null, force = false): Promise<void> {
    const changed = state !== this.state || reason !== this.reason;
    if (changed && state === 'paused') this.deps.logger.warn('dispatcher lane paused', { channel: this.channel, reason });
    if (changed && this.state === 'paused' && state === 'running') this.deps.logger.info('dispatcher lane resumed', { channel: this.channel });
    this.state = state;
    this.reason = reason;
    const now = Date.now();
    if (!changed && !force && now - this.lastReport < HEARTBEAT_MS) return;
    this.lastReport = now;
    try {
      await this.deps.store.deliveryLeases.reportLane({
        owner: this.deps.owner,
        channel: this.channel,
        state,
        reason: reason === 'idle' ? null : reason,
        account: this.deps.driver.account(),
        dryRun: this.deps.driver.dryRun,
        updatedAt: this.deps.now().toISOString(),
      });
    } catch (error) {
      this.deps.logger.warn('lane state not recorded', { channel: this.channel, error });
    }
  }

  /**
   * Kill switches set through the API live in the store, so every worker process sees them. Read
   * before every claim and every send; concurrent senders share one read that began moments
   * before they asked, so no send starts on a pause state older than one store read.
   */
  private async freshPause(): Promise<string | null> {
    this.pauseRead ??= this.deps.store.pushSettings
      .listControls()
      .then((controls) => {
        const control = controls.find((c) => c.channel === this.channel);
        const paused = control?.paused ? `已暂停：${control.reason ?? '管理员暂停了该渠道'}` : null;
        return paused;
      })
      .finally(() => {
        this.pauseRead = null;
      });
    return this.pauseRead;
  }

  /**
   * A paused lane holds no message: the one about to go and everything composed ahead of it go
   * back to the outbox under no lease and without spending an attempt, ready for any worker once
   * the channel is resumed.
   */
  private async holdForPause({ item, reason }: { item: Composed; reason: string }): Promise<void> {
    const held = [item, ...this.queue.splice(0)];
    await this.deps.store.deliveryLeases.release({ refs: held.map((c) => c.ref), owner: this.deps.owner, at: this.deps.now().toISOString() });
    await this.setState('paused', reason);
    this.deps.logger.info('sends held back by a pause', { channel: this.channel, released: held.length });
  }

  private async feed(): Promise<void> {
    const { options } = this.deps;
    while (!this.stopping) {
      try {
        // Keep about one batch queued ahead of the senders, so a claim never leaves them idle.
        if (this.queue.length >= options.batchSize) {
          await this.nap(options.pollMs);
          continue;
        }
        const blocked = (await this.freshPause()) ?? (await this.deps.driver.blockedReason());
        if (blocked) {
          await this.setState('paused', blocked);
          await this.nap(options.pollMs);
          continue;
        }
        const now = this.deps.now();
        const claimed = await this.deps.store.deliveryLeases.claim({
          channel: this.channel,
          now: now.toISOString(),
          leaseUntil: new Date(now.getTime() + options.leaseMs).toISOString(),
          owner: this.deps.owner,
          limit: options.batchSize,
        });
        if (claimed.length === 0) {
          await this.setState('running', 'idle');
          await this.nap(options.pollMs);
          continue;
        }
        await this.setState('running', null);
        const composed = await this.deps.composer.compose(claimed);
        if (this.stopping) {
          await this.deps.store.deliveryLeases.release({ refs: composed.map((c) => c.ref), owner: this.deps.owner, at: this.deps.now().toISOString() });
          break;
        }
        this.queue.push(...composed);
        this.wake();
      } catch (error) {
        this.deps.logger.error('dispatcher feed failed', { channel: this.channel, error });
        await this.nap(options.pollMs * 5);
      }
    }
  }

  private async send(): Promise<void> {
    while (true) {
      const item = this.queue.shift();
      if (!item) {
        if (this.stopping) return;
        await this.nap(this.deps.options.pollMs);
        continue;
      }
      this.inFlight += 1;
      try {
        await this.handle(item);
      } catch (error) {
        this.deps.logger.error('dispatcher send failed unexpectedly', { channel: this.channel, ref: item.ref, error });
      } finally {
        this.inFlight -= 1;
      }
    }
  }

  private async handle(item: Composed): Promise<void> {
    const { driver } = this.deps;
    const account = driver.account() ?? this.channel;
    for (const id of item.excludedDeliveryIds) {
      this.push({ ref: { source: 'delivery', id }, channel: item.channel, outcome: 'skipped', attempt: 0, errorClass: 'unsubscribed', response: '相关订阅已取消，未随汇总发送', account, dryRun: false, durationMs: 0, nextAttemptAt: null });
    }
    if (item.skip) {
      this.push({ ref: item.ref, channel: item.channel, outcome: 'skipped', attempt: item.attempt, errorClass: item.skip.errorClass, response: item.skip.reason, account, dryRun: false, durationMs: 0, nextAttemptAt: null });
      return;
    }
    await this.deps.buckets.channel.take();
    await this.deps.buckets.account(account).take();
    // Waiting for a token or for pacing can take seconds: the pause is read afresh from the store
    // right before the send, so a pause recorded by any process stops the next send of every lane.
    const paused = await this.freshPause();
    if (paused) {
      await this.holdForPause({ item, reason: paused });
      return;
    }
    const started = performance.now();
    try {
      const result = driver.dryRun ? { response: '演练模式（dry-run）：已生成消息，未实际发送', invalidContactIds: [] } : await driver.send(item);
      if (driver.dryRun) this.deps.logger.info('dry-run: message not sent', { channel: this.channel, ref: item.ref, preview: (item.wechat?.text ?? item.email?.subject ?? '').slice(0, 120) });
      this.push({ ref: item.ref, channel: item.channel, outcome: 'sent', attempt: item.attempt, errorClass: null, response: result.response, account, dryRun: driver.dryRun, durationMs: performance.now() - started, nextAttemptAt: null });
      await this.invalidate(result.invalidContactIds);
      this.deps.observer?.observe({ channel: item.channel, outcome: 'sent', errorClass: null, publishedAt: item.publishedAt, at: this.deps.now(), kind: kindOf(item) });
    } catch (error) {
      const failure = error instanceof SendFailure ? error : new SendFailure('provider_error', error instanceof Error ? error.message : String(error), { permanent: false });
      if (failure.options.pauseLane) {
        // Not the message's fault: it goes back to the queue without spending an attempt.
        await this.deps.store.deliveryLeases.release({ refs: [item.ref], owner: this.deps.owner, at: this.deps.now().toISOString() });
        await this.setState('paused', failure.response);
        return;
      }
      await this.invalidate(failure.options.invalidContactIds ?? []);
      const exhausted = !failure.options.permanent && item.attempt >= this.deps.options.maxAttempts;
      const outcome = failure.options.permanent || exhausted ? 'failed_permanent' : 'failed_temporary';
      const errorClass: ErrorClass = exhausted ? 'attempts_exhausted' : failure.errorClass;
      // A provider that names a back-off (a rate limit) is not asked again before it ends.
      const delay = Math.max(failure.options.retryAfterMs ?? 0, fullJitterDelay({ attempt: item.attempt, baseMs: this.deps.options.retryBaseMs, maxMs: this.deps.options.retryMaxMs }));
      this.push({
        ref: item.ref,
        channel: item.channel,
        outcome,
        attempt: item.attempt,
        errorClass,
        response: exhausted ? `${ERROR_CLASSES.attempts_exhausted.label}（最后一次：${failure.response}）` : failure.response,
        account,
        dryRun: false,
        durationMs: performance.now() - started,
        nextAttemptAt: outcome === 'failed_temporary' ? new Date(this.deps.now().getTime() + delay).toISOString() : null,
      });
      this.deps.observer?.observe({ channel: item.channel, outcome, errorClass, publishedAt: null, at: this.deps.now(), kind: kindOf(item) });
      this.deps.logger.warn('push failed', { channel: this.channel, ref: item.ref, attempt: item.attempt, outcome, errorClass, response: failure.response });
    } finally {
      await driver.pace();
    }
  }

  private async invalidate(contactIds: string[]): Promise<void> {
    for (const contactId of contactIds) {
      const at = this.deps.now().toISOString();
      await this.deps.store.subscribers.setContactState({ contactId, invalidAt: at, at });
      this.deps.logger.warn('contact marked invalid after a permanent rejection', { contactId });
    }
  }

  private push(outcome: SendOutcome): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length >= FLUSH_AT) void this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
    }
  }

  /** Results are written in batches, one transaction each; a crash loses at most what was not yet written. */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.outcomes;
    this.outcomes = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.deps.store.deliveryLeases.recordOutcomes({ outcomes: batch, owner: this.deps.owner, at: this.deps.now().toISOString() });
      } catch (error) {
        this.deps.logger.error('send results not recorded; retrying', { channel: this.channel, count: batch.length, error });
        this.outcomes.unshift(...batch);
        this.flushTimer ??= setTimeout(() => void this.flush(), 500);
      }
    });
    return this.flushing;
  }
}

function kindOf(item: Composed): string {
  return item.work.source === 'delivery' ? 'policy' : item.work.message.kind;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type { WorkRef };
