import type { ChannelControl, PushPreferences } from '../../schemas/delivery.schema.js';
import type { Channel } from '../../schemas/subscriber.schema.js';
import type { LaneReport } from '../ports/push-queue.port.js';
import type { Store } from '../ports/store.port.js';

/** A lane that has not reported for this long belongs to a stopped process and is no longer shown. */
const LANE_FRESH_MS = 60_000;

/** Push settings people change: a subscriber's own preferences, and the administrators' channel switches. */
export class PushControlService {
  constructor(private readonly deps: { store: Store; now: () => Date }) {}

  preferences({ subscriberId }: { subscriberId: string }): Promise<PushPreferences> {
    return this.deps.store.pushSettings.getPreferences(subscriberId);
  }

  async setPreferences({ subscriberId, preferences }: { subscriberId: string; preferences: PushPreferences }): Promise<PushPreferences> {
    await this.deps.store.pushSettings.setPreferences({ subscriberId, preferences, at: this.deps.now().toISOString() });
    return preferences;
  }

  /** Lanes of every worker process that reported in the last minute. */
  recentLanes(): Promise<LaneReport[]> {
    return this.deps.store.deliveryLeases.listLanes({ since: new Date(this.deps.now().getTime() - LANE_FRESH_MS).toISOString() });
  }

  async channels(): Promise<{ controls: ChannelControl[]; lanes: LaneReport[] }> {
    return { controls: await this.deps.store.pushSettings.listControls(), lanes: await this.recentLanes() };
  }

  /** Every worker process reads the switch within a second; paused work stays queued. */
  async setControl({ channel, paused, reason, by }: { channel: Channel; paused: boolean; reason: string | null; by: string }): Promise<ChannelControl> {
    const at = this.deps.now().toISOString();
    await this.deps.store.pushSettings.setControl({ channel, paused, reason, by, at });
    return { channel, paused, reason, updatedBy: by, updatedAt: at };
  }
}
