/**
 * The audience index's state: profiles and subscriptions as bitsets and typed arrays over dense
 * ordinals, and the application of every profile and subscription change to them.
 *
 * Nothing keeps the documents themselves: a million ProfileDoc and SubscriptionDoc objects would
 * cost around a gigabyte. Subscriptions are compiled into a clause pool (see writeClauses) and
 * indexed by tag (see anchorTags) so that a query only looks at the ones that can be interested.
 */
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import { PROFILE_DIMENSIONS, type Channel, type ProfileDimension } from '../../../schemas/subscriber.schema.js';
import { frequencySchema, type Frequency } from '../../../schemas/subscription.schema.js';
import type { ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import { CHANNELS, effectiveClauses, effectiveKeywordIndexes } from '../../matching/match-semantics.js';
import { Ordinals, clearBit, grown, hasBit, setBit } from './embedded.bitset.js';

export const NONE = -1;
const MIN_CAPACITY = 1024;
export const FREQUENCIES: readonly Frequency[] = frequencySchema.options;
const MODE_ANY = 0;
export const MODE_ALL = 1;
export const FLAG_ELIGIBLE_ONLY = 1;
export const FLAG_KEYWORDS = 2;
/** Compaction of the clause pool once this share of it belongs to replaced or removed subscriptions. */
const POOL_GARBAGE_SHARE = 0.5;

export interface KeywordEntry {
  keywords: string[];
  keywordTerms: string[][];
  /** The distinct keywords that have words, each with its key (see keywordKey). */
  effective: { key: string; words: string[] }[];
}

interface KeywordGroup {
  words: string[];
  subscriptions: Set<number>;
}

function keywordKey(words: readonly string[]): string {
  return words.join('\u0001');
}

/**
 * Profiles, subscriptions and the bitsets over them. Subscribers and subscriptions each get a
 * dense ordinal; a subscriber ordinal lives while it has a profile or a subscription, since a
 * subscription may arrive before its subscriber's profile. The fields are read directly by the
 * query planner and the explanation builder; only the methods here change them.
 */
export class AudienceBitsets {
  // Interned (dimension, tag) pairs: one ordinal each, shared by profile and subscription bitsets.
  tagOrdinals = new Map<DimensionId, Map<string, number>>();
  tagIds: string[] = [];
  tagsByDimension = new Map<DimensionId, number[]>();

  // Subscribers
  subscriberOrdinals = new Ordinals();
  subscriberCapacity = 0;
  subscriberWords = 0;
  subscriberIds: (string | undefined)[] = [];
  ordinalBySubscriber = new Map<string, number>();
  hasProfile: Uint32Array = new Uint32Array(0);
  stated = new Map<ProfileDimension, Uint32Array>();
  /** Per tag ordinal, subscribers whose expanded attributes hold it. */
  attributeBits: (Uint32Array | undefined)[] = [];
  reachableBits = new Map<Channel, Uint32Array>();
  subscriptionCount: Int32Array = new Int32Array(0);
  firstSubscription: Int32Array = new Int32Array(0);

  // Subscriptions
  subscriptionOrdinals = new Ordinals();
  subscriptionCapacity = 0;
  subscriptionWords = 0;
  subscriptionIds: (string | undefined)[] = [];
  ordinalBySubscription = new Map<string, number>();
  owner: Int32Array = new Int32Array(0);
  nextOfOwner: Int32Array = new Int32Array(0);
  previousOfOwner: Int32Array = new Int32Array(0);
  flags: Uint8Array = new Uint8Array(0);
  channelMask: Uint8Array = new Uint8Array(0);
  frequency: Uint8Array = new Uint8Array(0);
  clauseStart: Int32Array = new Int32Array(0);
  clauseEnd: Int32Array = new Int32Array(0);
  /** Compiled criteria, clause after clause: dimension index, mode, tag count, tag ordinals. */
  pool: Int32Array = new Int32Array(MIN_CAPACITY);
  poolUsed = 0;
  poolGarbage = 0;
  /** Per tag ordinal, subscriptions anchored on it (see anchorTags). */
  anchorBits: (Uint32Array | undefined)[] = [];
  /** Subscriptions with eligibleOnly off, which may reach subscribers outside the eligible set. */
  looseSubscriptions: Uint32Array = new Uint32Array(0);
  keywordEntries = new Map<number, KeywordEntry>();
  /** Subscriptions with keywords and no criteria, grouped by keyword. */
  keywordOnly = new Map<string, KeywordGroup>();

  constructor() {
    this.reset();
  }

  removeProfile(subscriberId: string): void {
    const ordinal = this.ordinalBySubscriber.get(subscriberId);
    if (ordinal === undefined || !hasBit(this.hasProfile, ordinal)) return;
    this.clearProfile(ordinal);
    this.releaseSubscriberIfUnused(ordinal);
  }

  removeSubscription(subscriptionId: string): void {
    const ordinal = this.ordinalBySubscription.get(subscriptionId);
    if (ordinal === undefined) return;
    this.detachSubscription(ordinal);
    this.ordinalBySubscription.delete(subscriptionId);
    this.subscriptionIds[ordinal] = undefined;
    this.subscriptionOrdinals.release(ordinal);
  }

  // -------------------------------------------------------------------------------------------
  // Profiles

  putProfile(profile: ProfileDoc): void {
    const ordinal = this.subscriberOrdinal(profile.subscriberId);
    if (hasBit(this.hasProfile, ordinal)) this.clearProfile(ordinal);
    setBit(this.hasProfile, ordinal);
    for (const dimension of PROFILE_DIMENSIONS) {
      const tags = profile.attributes[dimension];
      if (tags === undefined) continue;
      const stated = this.stated.get(dimension);
      if (stated) setBit(stated, ordinal);
      for (const tag of tags) {
        const tagOrdinal = this.internTag({ dimension, tag });
        let bits = this.attributeBits[tagOrdinal];
        if (!bits) {
          bits = new Uint32Array(this.subscriberWords);
          this.attributeBits[tagOrdinal] = bits;
        }
        setBit(bits, ordinal);
      }
    }
    for (const channel of profile.reachable) {
      const bits = this.reachableBits.get(channel);
      if (bits) setBit(bits, ordinal);
    }
  }

  /** Clears every profile bit of the ordinal; a hundred-odd tags make this cheaper than remembering them. */
  private clearProfile(ordinal: number): void {
    clearBit(this.hasProfile, ordinal);
    for (const bits of this.stated.values()) clearBit(bits, ordinal);
    for (const bits of this.reachableBits.values()) clearBit(bits, ordinal);
    for (const bits of this.attributeBits) if (bits) clearBit(bits, ordinal);
  }

  private subscriberOrdinal(subscriberId: string): number {
    const known = this.ordinalBySubscriber.get(subscriberId);
    if (known !== undefined) return known;
    const ordinal = this.subscriberOrdinals.allocate();
    this.ensureSubscriberCapacity(ordinal + 1);
    this.ordinalBySubscriber.set(subscriberId, ordinal);
    this.subscriberIds[ordinal] = subscriberId;
    this.subscriptionCount[ordinal] = 0;
    this.firstSubscription[ordinal] = NONE;
    return ordinal;
  }

  private releaseSubscriberIfUnused(ordinal: number): void {
    if (hasBit(this.hasProfile, ordinal) || (this.subscriptionCount[ordinal] ?? 0) > 0) return;
    const subscriberId = this.subscriberIds[ordinal];
    if (subscriberId !== undefined) this.ordinalBySubscriber.delete(subscriberId);
    this.subscriberIds[ordinal] = undefined;
    this.subscriberOrdinals.release(ordinal);
  }

  private ensureSubscriberCapacity(needed: number): void {
    if (needed <= this.subscriberCapacity) return;
    const capacity = Math.max(MIN_CAPACITY, this.subscriberCapacity * 2, Math.ceil(needed / 32) * 32);
    const words = capacity / 32;
    this.subscriberCapacity = capacity;
    this.subscriberWords = words;
    this.hasProfile = grown(this.hasProfile, words, 0);
    for (const [dimension, bits] of this.stated) this.stated.set(dimension, grown(bits, words, 0));
    for (const [channel, bits] of this.reachableBits) this.reachableBits.set(channel, grown(bits, words, 0));
    this.attributeBits = this.attributeBits.map((bits) => (bits ? grown(bits, words, 0) : undefined));
    this.subscriptionCount = grown(this.subscriptionCount, capacity, 0);
    this.firstSubscription = grown(this.firstSubscription, capacity, NONE);
  }

  // -------------------------------------------------------------------------------------------
  // Subscriptions

  putSubscription(doc: SubscriptionDoc): void {
    const subscriber = this.subscriberOrdinal(doc.subscriberId);
    // Counted before the old version is detached so that moving within one subscriber never frees it.
    this.subscriptionCount[subscriber] = (this.subscriptionCount[subscriber] ?? 0) + 1;
    let ordinal = this.ordinalBySubscription.get(doc.id);
    if (ordinal === undefined) {
      ordinal = this.subscriptionOrdinals.allocate();
      this.ensureSubscriptionCapacity(ordinal + 1);
      this.ordinalBySubscription.set(doc.id, ordinal);
      this.subscriptionIds[ordinal] = doc.id;
    } else {
      this.detachSubscription(ordinal);
    }
    this.link({ subscription: ordinal, subscriber });

    const clauses = effectiveClauses(doc.criteria);
    const effective = new Map<string, string[]>();
    for (const index of effectiveKeywordIndexes(doc.keywordTerms)) {
      const words = [...(doc.keywordTerms[index] ?? [])];
      effective.set(keywordKey(words), words);
    }
    this.flags[ordinal] = (doc.eligibleOnly ? FLAG_ELIGIBLE_ONLY : 0) | (effective.size > 0 ? FLAG_KEYWORDS : 0);
    if (!doc.eligibleOnly) setBit(this.looseSubscriptions, ordinal);
    let mask = 0;
    for (const channel of doc.channels) mask |= 1 << Math.max(0, CHANNELS.indexOf(channel));
    this.channelMask[ordinal] = mask;
    this.frequency[ordinal] = Math.max(0, FREQUENCIES.indexOf(doc.frequency));
    this.writeClauses({ ordinal, clauses });
    if (effective.size > 0) {
      this.keywordEntries.set(ordinal, {
        keywords: [...doc.keywords],
        keywordTerms: doc.keywordTerms.map((words) => [...words]),
        effective: [...effective].map(([key, words]) => ({ key, words })),
      });
    }
    if (clauses.length > 0) {
      for (const tag of this.anchorTags(ordinal)) setBit(this.anchorBitsFor(tag), ordinal);
      return;
    }
    for (const [key, words] of effective) {
      let group = this.keywordOnly.get(key);
      if (!group) {
        group = { words, subscriptions: new Set() };
        this.keywordOnly.set(key, group);
      }
      group.subscriptions.add(ordinal);
    }
  }

  /**
   * Tags under which the subscription is indexed: any policy it is interested in has one of them.
   * Every clause must hold, so one clause suffices: an `all` clause needs just one of its tags
   * (each is required), otherwise the `any` clause with the fewest tags.
   */
  private anchorTags(ordinal: number): number[] {
    let best: number[] | null = null;
    const end = this.clauseEnd[ordinal] as number;
    let at = this.clauseStart[ordinal] as number;
    while (at < end) {
      const mode = this.pool[at + 1] as number;
      const count = this.pool[at + 2] as number;
      const tags = Array.from(this.pool.subarray(at + 3, at + 3 + count));
      const candidate = mode === MODE_ALL ? tags.slice(0, 1) : tags;
      if (best === null || candidate.length < best.length) best = candidate;
      at += 3 + count;
    }
    return best ?? [];
  }

  private anchorBitsFor(tag: number): Uint32Array {
    let bits = this.anchorBits[tag];
    if (!bits) {
      bits = new Uint32Array(this.subscriptionWords);
      this.anchorBits[tag] = bits;
    }
    return bits;
  }

  private writeClauses({ ordinal, clauses }: { ordinal: number; clauses: ReturnType<typeof effectiveClauses> }): void {
    let length = 0;
    for (const clause of clauses) length += 3 + clause.tags.length;
    this.ensurePool(this.poolUsed + length);
    const start = this.poolUsed;
    let at = start;
    for (const { dimension, mode, tags } of clauses) {
      this.pool[at] = DIMENSION_IDS.indexOf(dimension);
      this.pool[at + 1] = mode === 'all' ? MODE_ALL : MODE_ANY;
      this.pool[at + 2] = tags.length;
      at += 3;
      for (const tag of tags) {
        this.pool[at] = this.internTag({ dimension, tag });
        at += 1;
      }
    }
    this.clauseStart[ordinal] = start;
    this.clauseEnd[ordinal] = at;
    this.poolUsed = at;
  }

  /** Takes the subscription out of every structure but keeps its ordinal and id. */
  private detachSubscription(ordinal: number): void {
    for (const tag of this.anchorTags(ordinal)) {
      const bits = this.anchorBits[tag];
      if (bits) clearBit(bits, ordinal);
    }
    const keywords = this.keywordEntries.get(ordinal);
    if (keywords) {
      for (const { key } of keywords.effective) {
        const group = this.keywordOnly.get(key);
        group?.subscriptions.delete(ordinal);
        if (group && group.subscriptions.size === 0) this.keywordOnly.delete(key);
      }
      this.keywordEntries.delete(ordinal);
    }
    this.poolGarbage += (this.clauseEnd[ordinal] ?? 0) - (this.clauseStart[ordinal] ?? 0);
    this.clauseStart[ordinal] = 0;
    this.clauseEnd[ordinal] = 0;
    this.flags[ordinal] = 0;
    clearBit(this.looseSubscriptions, ordinal);
    const subscriber = this.owner[ordinal] ?? NONE;
    this.unlink(ordinal);
    if (subscriber === NONE) return;
    this.subscriptionCount[subscriber] = (this.subscriptionCount[subscriber] ?? 1) - 1;
    this.releaseSubscriberIfUnused(subscriber);
  }

  /** Each subscriber's subscriptions form a doubly linked list through typed arrays: no per-subscriber arrays. */
  private link({ subscription, subscriber }: { subscription: number; subscriber: number }): void {
    const head = this.firstSubscription[subscriber] ?? NONE;
    this.owner[subscription] = subscriber;
    this.previousOfOwner[subscription] = NONE;
    this.nextOfOwner[subscription] = head;
    if (head !== NONE) this.previousOfOwner[head] = subscription;
    this.firstSubscription[subscriber] = subscription;
  }

  private unlink(subscription: number): void {
    const subscriber = this.owner[subscription] ?? NONE;
    if (subscriber === NONE) return;
    const previous = this.previousOfOwner[subscription] ?? NONE;
    const next = this.nextOfOwner[subscription] ?? NONE;
    if (previous === NONE) this.firstSubscription[subscriber] = next;
    else this.nextOfOwner[previous] = next;
    if (next !== NONE) this.previousOfOwner[next] = previous;
    this.owner[subscription] = NONE;
    this.previousOfOwner[subscription] = NONE;
    this.nextOfOwner[subscription] = NONE;
  }

  private ensureSubscriptionCapacity(needed: number): void {
    if (needed <= this.subscriptionCapacity) return;
    const capacity = Math.max(MIN_CAPACITY, this.subscriptionCapacity * 2, Math.ceil(needed / 32) * 32);
    const words = capacity / 32;
    this.subscriptionCapacity = capacity;
    this.subscriptionWords = words;
    this.owner = grown(this.owner, capacity, NONE);
    this.nextOfOwner = grown(this.nextOfOwner, capacity, NONE);
    this.previousOfOwner = grown(this.previousOfOwner, capacity, NONE);
    this.flags = grown(this.flags, capacity, 0);
    this.channelMask = grown(this.channelMask, capacity, 0);
    this.frequency = grown(this.frequency, capacity, 0);
    this.clauseStart = grown(this.clauseStart, capacity, 0);
    this.clauseEnd = grown(this.clauseEnd, capacity, 0);
    this.anchorBits = this.anchorBits.map((bits) => (bits ? grown(bits, words, 0) : undefined));
    this.looseSubscriptions = grown(this.looseSubscriptions, words, 0);
  }

  private ensurePool(needed: number): void {
    if (needed <= this.pool.length) return;
    this.pool = grown(this.pool, Math.max(needed, this.pool.length * 2), 0);
  }

  /** Replaced criteria leave holes in the pool; copying the live ones out bounds it to twice their size. */
  compactPoolIfWasteful(): void {
    if (this.poolUsed < MIN_CAPACITY || this.poolGarbage < this.poolUsed * POOL_GARBAGE_SHARE) return;
    const pool = new Int32Array(Math.max(MIN_CAPACITY, (this.poolUsed - this.poolGarbage) * 2));
    let at = 0;
    for (const ordinal of this.ordinalBySubscription.values()) {
      const start = this.clauseStart[ordinal] as number;
      const end = this.clauseEnd[ordinal] as number;
      pool.set(this.pool.subarray(start, end), at);
      this.clauseStart[ordinal] = at;
      at += end - start;
      this.clauseEnd[ordinal] = at;
    }
    this.pool = pool;
    this.poolUsed = at;
    this.poolGarbage = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Tags

  private internTag({ dimension, tag }: { dimension: DimensionId; tag: string }): number {
    let ordinals = this.tagOrdinals.get(dimension);
    if (!ordinals) {
      ordinals = new Map();
      this.tagOrdinals.set(dimension, ordinals);
    }
    const known = ordinals.get(tag);
    if (known !== undefined) return known;
    const ordinal = this.tagIds.length;
    ordinals.set(tag, ordinal);
    this.tagIds.push(tag);
    const list = this.tagsByDimension.get(dimension) ?? [];
    list.push(ordinal);
    this.tagsByDimension.set(dimension, list);
    this.attributeBits.push(undefined);
    this.anchorBits.push(undefined);
    return ordinal;
  }

  reset(): void {
    this.tagOrdinals = new Map();
    this.tagIds = [];
    this.tagsByDimension = new Map();
    this.subscriberOrdinals = new Ordinals();
    this.subscriberCapacity = 0;
    this.subscriberWords = 0;
    this.subscriberIds = [];
    this.ordinalBySubscriber = new Map();
    this.hasProfile = new Uint32Array(0);
    this.stated = new Map(PROFILE_DIMENSIONS.map((dimension) => [dimension, new Uint32Array(0)]));
    this.attributeBits = [];
    this.reachableBits = new Map(CHANNELS.map((channel) => [channel, new Uint32Array(0)]));
    this.subscriptionCount = new Int32Array(0);
    this.firstSubscription = new Int32Array(0);
    this.subscriptionOrdinals = new Ordinals();
    this.subscriptionCapacity = 0;
    this.subscriptionWords = 0;
    this.subscriptionIds = [];
    this.ordinalBySubscription = new Map();
    this.owner = new Int32Array(0);
    this.nextOfOwner = new Int32Array(0);
    this.previousOfOwner = new Int32Array(0);
    this.flags = new Uint8Array(0);
    this.channelMask = new Uint8Array(0);
    this.frequency = new Uint8Array(0);
    this.clauseStart = new Int32Array(0);
    this.clauseEnd = new Int32Array(0);
    this.pool = new Int32Array(MIN_CAPACITY);
    this.poolUsed = 0;
    this.poolGarbage = 0;
    this.anchorBits = [];
    this.looseSubscriptions = new Uint32Array(0);
    this.keywordEntries = new Map();
    this.keywordOnly = new Map();
  }
}

