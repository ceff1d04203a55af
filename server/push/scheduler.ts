import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.port.js';
import { effectiveValidity } from '../services/validity.js';
import { addDays, daysBetween, latestDailySlot, latestWeeklySlot, shanghaiDate } from './schedule.js';

type CurrentVersion = Awaited<ReturnType<Store['policies']['listCurrentVersions']>>[number];

/** How far back the first park digest looks when a park never had one. */
const PARK_FIRST_WINDOW_DAYS = 7;

/**
 * Time-driven push: daily and weekly digests, deadline reminders and double opt-in confirmations.
 * Each run is keyed (digest run, reminder per policy × subscriber × channel × days, confirmation
 * per contact), so reruns, restarts and a second worker write nothing twice. Only the latest slot
 * is run: a worker that was down through 08:30 sends that morning's digest when it comes back.
 */
export class PushScheduler {
  /**
   * The public versions with an application window, as of a policy change sequence. The reminder
   * run comes every minute, and reading and decoding every current version each time grew with the
   * library (130 ms of the event loop per run at 300 policies); policies change far less often.
   */
  private windowed: { seq: number; versions: CurrentVersion[] } | null = null;

  constructor(private readonly deps: { store: Store; now: () => Date; logger: Logger; digestTime: string; reminderDays: number[] }) {}

  async runDigests(): Promise<{ runKey: string; created: number; alreadyRan: boolean }[]> {
    const now = this.deps.now();
    const results = [];
    for (const slot of [latestDailySlot({ now, time: this.deps.digestTime }), latestWeeklySlot({ now, time: this.deps.digestTime })]) {
      const result = await this.deps.store.digests.planDigest({
        runKey: slot.runKey,
        frequency: slot.frequency,
        slotAt: slot.slotAt,
        at: now.toISOString(),
        parkFirstWindowStart: new Date(now.getTime() - PARK_FIRST_WINDOW_DAYS * 86_400_000).toISOString(),
      });
      if (!result.alreadyRan) this.deps.logger.info('digest run planned', { runKey: slot.runKey, messages: result.created });
      results.push({ runKey: slot.runKey, ...result });
    }
    return results;
  }

  /**
   * Reminders go out from the digest time on the day they are due. A late reminder (a worker was
   * down, or the policy was published inside the window) becomes the one for the nearest threshold;
   * a threshold the push itself already fell inside is not reminded again.
   */
  async runReminders(): Promise<{ policyId: string; daysBefore: number; inserted: number }[]> {
    const now = this.deps.now();
    const date = latestDailySlot({ now, time: this.deps.digestTime }).date;
    const thresholds = [...this.deps.reminderDays].sort((a, b) => a - b);
    const out: { policyId: string; daysBefore: number; inserted: number }[] = [];
    for (const { version, validity } of await this.windowedVersions()) {
      const window = version.applicationWindow;
      if (!window) continue;
      if (effectiveValidity({ validity, expiresAt: version.expiresAt, today: date }) !== 'effective') continue;
      const daysLeft = daysBetween({ from: date, to: window.closesAt });
      if (daysLeft < 0) continue;
      const daysBefore = thresholds.find((d) => daysLeft <= d);
      if (daysBefore === undefined) continue;
      if (shanghaiDate(new Date(version.publishedAt)) > addDays({ date: window.closesAt, days: -daysBefore })) continue;
      const { inserted } = await this.deps.store.outbox.enqueueReminders({ policyId: version.policyId, version: version.version, daysBefore, closesAt: window.closesAt, at: now.toISOString() });
      if (inserted > 0) this.deps.logger.info('deadline reminders queued', { policyId: version.policyId, daysBefore, inserted });
      out.push({ policyId: version.policyId, daysBefore, inserted });
    }
    return out;
  }

  /** Read again only when a policy changed, in this process or another sharing the store. */
  private async windowedVersions(): Promise<CurrentVersion[]> {
    const seq = await this.deps.store.policies.latestSeq();
    if (this.windowed?.seq === seq) return this.windowed.versions;
    const versions = (await this.deps.store.policies.listCurrentVersions()).filter(({ version }) => Boolean(version.applicationWindow) && version.disclosure === 'public');
    this.windowed = { seq, versions };
    return versions;
  }

  async runConfirmations(): Promise<number> {
    const { inserted } = await this.deps.store.outbox.enqueueConfirmations({ at: this.deps.now().toISOString(), limit: 1000 });
    if (inserted > 0) this.deps.logger.info('contact confirmation emails queued', { inserted });
    return inserted;
  }
}
