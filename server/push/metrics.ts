import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Channel } from '../../schemas/subscriber.schema.js';
import type { Store } from '../ports/store.port.js';
import type { OutcomeObserver } from './dispatcher.js';

/**
 * Prometheus metrics. Queue depth and send/failure totals are read from the store at scrape time,
 * so any process (usually the web one) reports the whole platform's figures, whichever worker sent;
 * the publish-to-sent histogram is observed by the worker that sends, in its own process.
 */
export class PushMetrics implements OutcomeObserver {
  readonly registry = new Registry();
  private readonly publishToSent: Histogram<'channel'>;
  private wechat: () => Promise<{ loggedIn: number | null; paused: Record<string, number> }> = async () => ({ loggedIn: null, paused: {} });

  constructor(private readonly deps: { store: Store }) {
    const store = this.deps.store;
    new Gauge({
      name: 'policy_push_queue_depth',
      help: 'Deliveries and messages waiting, being sent or waiting for a retry, by channel and status',
      labelNames: ['channel', 'status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await store.deliveryLog.queueStats()) this.set({ channel: row.channel, status: row.status }, row.count);
      },
    });
    const totals = async () => store.deliveryLog.attemptTotals();
    new Counter({
      name: 'policy_push_attempts_total',
      help: 'Send attempts by channel and outcome (sent, failed_temporary, failed_permanent, skipped, lease_expired); rate() of outcome="sent" is the send rate',
      labelNames: ['channel', 'outcome'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await totals()) this.inc({ channel: row.channel, outcome: row.outcome }, row.count);
      },
    });
    new Counter({
      name: 'policy_push_failures_total',
      help: 'Failed or skipped attempts by channel and error class',
      labelNames: ['channel', 'error_class'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await totals()) if (row.errorClass) this.inc({ channel: row.channel, error_class: row.errorClass }, row.count);
      },
    });
    this.publishToSent = new Histogram({
      name: 'policy_push_publish_to_sent_seconds',
      help: 'Time from a policy version being published to its push being sent (immediate pushes, this process)',
      labelNames: ['channel'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [this.registry],
    });
    const wechat = () => this.wechat();
    new Gauge({
      name: 'policy_push_wechat_logged_in',
      help: '1 when the WeChat bot is logged in, 0 when not (absent when no worker runs the WeChat lane)',
      registers: [this.registry],
      async collect() {
        this.reset();
        const state = await wechat();
        if (state.loggedIn !== null) this.set(state.loggedIn);
      },
    });
    new Gauge({
      name: 'policy_push_lane_paused',
      help: '1 when a channel lane is paused (kill switch, logged-out bot, daily budget)',
      labelNames: ['channel'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [channel, paused] of Object.entries((await wechat()).paused)) this.set({ channel }, paused);
      },
    });
  }

  /** Lane and login state come from the lanes' reports in the store. */
  useLaneState(source: () => Promise<{ loggedIn: number | null; paused: Record<string, number> }>): void {
    this.wechat = source;
  }

  observe({ channel, outcome, publishedAt, at, kind }: { channel: Channel; outcome: string; errorClass: string | null; publishedAt: string | null; at: Date; kind: string }): void {
    if (outcome !== 'sent' || kind !== 'policy' || !publishedAt) return;
    this.publishToSent.observe({ channel }, Math.max(0, (at.getTime() - Date.parse(publishedAt)) / 1000));
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
