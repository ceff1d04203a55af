/**
 * Audience matching kept entirely in memory, rebuilt from the store at start (the watermark starts
 * at 0) and kept current on every profile and subscription change.
 *
 * Why bitsets: a policy's eligibility is a handful of word-wise ORs and ANDs over one bitset per
 * (dimension, tag) of the subscribers' expanded attributes, and its counts are popcounts, so a
 * million profiles cost a few milliseconds and no per-profile objects. Subscriptions are indexed
 * by tag the same way (one bitset per tag over subscription ordinals) so that only the ones that
 * can be interested are looked at; each is verified against the policy from its compiled criteria
 * in typed arrays, and only matches that are actually returned are materialised, through the
 * reference rules of match-semantics.
 *
 * Nothing keeps the documents themselves: a million ProfileDoc and SubscriptionDoc objects would
 * cost around a gigabyte. What a match shows is rebuilt from the bitsets and compiled criteria.
 */
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import { PROFILE_DIMENSIONS, type Channel, type ProfileDimension } from '../../../schemas/subscriber.schema.js';
import { frequencySchema, type Criterion, type Frequency, type SubscriptionCriteria } from '../../../schemas/subscription.schema.js';
import type {
  AudienceIndex,
  AudienceMatch,
  AudiencePolicy,
  AudienceSummary,
  ProfileDoc,
  SubscriptionDoc,
} from '../../ports/audience-index.port.js';
import {
  CHANNELS,
  constrainedDimensions,
  effectiveClauses,
  effectiveKeywordIndexes,
  emptyChannelCounts,
  keywordMatches,
  matchSubscriber,
  type ConstrainedDimension,
  type MatchProfile,
  type MatchSubscription,
} from '../../matching/match-semantics.js';
import { Ordinals, andInto, clearBit, countAnd, countAndNot, eachBit, grown, hasBit, orInto, popcount, setBit } from './embedded.bitset.js';

const NONE = -1;
const MIN_CAPACITY = 1024;
const FREQUENCIES: readonly Frequency[] = frequencySchema.options;
const MODE_ANY = 0;
const MODE_ALL = 1;
const FLAG_ELIGIBLE_ONLY = 1;
const FLAG_KEYWORDS = 2;
/** Compaction of the clause pool once this share of it belongs to replaced or removed subscriptions. */
const POOL_GARBAGE_SHARE = 0.5;

// ---------------------------------------------------------------------------------------------
// Per-query state

interface KeywordEntry {
  keywords: string[];
  keywordTerms: string[][];
  /** The distinct keywords that have words, each with its key (see keywordKey). */
  effective: { key: string; words: string[] }[];
}

interface KeywordGroup {
  words: string[];
  subscriptions: Set<number>;
}

/** The audience of one policy as bitsets over subscriber ordinals. */
interface Audience {
  constrained: ConstrainedDimension[];
  /** Eligible or unknown on every constrained dimension (and with a profile). */
  eligible: Uint32Array;
  audience: Uint32Array;
  /** Per channel, audience members for whom a matching subscription asks for it and it is reachable. */
  byChannel: Map<Channel, Uint32Array>;
}

function keywordKey(words: readonly string[]): string {
  return words.join('\u0001');
}

/**
 * Profiles, subscriptions and the bitsets over them. Subscribers and subscriptions each get a
 * dense ordinal; a subscriber ordinal lives while it has a profile or a subscription, since a
 * subscription may arrive before its subscriber's profile.
 */
export class EmbeddedAudienceIndex implements AudienceIndex {
  private watermark = 0;

  // Interned (dimension, tag) pairs: one ordinal each, shared by profile and subscription bitsets.
  private tagOrdinals = new Map<DimensionId, Map<string, number>>();
  private tagIds: string[] = [];
  private tagsByDimension = new Map<DimensionId, number[]>();

  // Subscribers
  private subscriberOrdinals = new Ordinals();
  private subscriberCapacity = 0;
  private subscriberWords = 0;
  private subscriberIds: (string | undefined)[] = [];
  private ordinalBySubscriber = new Map<string, number>();
  private hasProfile: Uint32Array = new Uint32Array(0);
  private stated = new Map<ProfileDimension, Uint32Array>();
  /** Per tag ordinal, subscribers whose expanded attributes hold it. */
  private attributeBits: (Uint32Array | undefined)[] = [];
  private reachableBits = new Map<Channel, Uint32Array>();
  private subscriptionCount: Int32Array = new Int32Array(0);
  private firstSubscription: Int32Array = new Int32Array(0);

  // Subscriptions
  private subscriptionOrdinals = new Ordinals();
  private subscriptionCapacity = 0;
  private subscriptionWords = 0;
  private subscriptionIds: (string | undefined)[] = [];
  private ordinalBySubscription = new Map<string, number>();
  private owner: Int32Array = new Int32Array(0);
  private nextOfOwner: Int32Array = new Int32Array(0);
  private previousOfOwner: Int32Array = new Int32Array(0);
  private flags: Uint8Array = new Uint8Array(0);
  private channelMask: Uint8Array = new Uint8Array(0);
  private frequency: Uint8Array = new Uint8Array(0);
  private clauseStart: Int32Array = new Int32Array(0);
  private clauseEnd: Int32Array = new Int32Array(0);
  /** Compiled criteria, clause after clause: dimension index, mode, tag count, tag ordinals. */
  private pool: Int32Array = new Int32Array(MIN_CAPACITY);
  private poolUsed = 0;
  private poolGarbage = 0;
  /** Per tag ordinal, subscriptions anchored on it (see anchorTags). */
  private anchorBits: (Uint32Array | undefined)[] = [];
  /** Subscriptions with eligibleOnly off, which may reach subscribers outside the eligible set. */
  private looseSubscriptions: Uint32Array = new Uint32Array(0);
  private keywordEntries = new Map<number, KeywordEntry>();
  /** Subscriptions with keywords and no criteria, grouped by keyword. */
  private keywordOnly = new Map<string, KeywordGroup>();

  // Scratch reused by every query; queries compute synchronously, so they never interleave.
  private policyMarks: Uint8Array = new Uint8Array(0);
  private candidates: Uint32Array = new Uint32Array(0);
  private strictAny: Uint32Array = new Uint32Array(0);
  private looseAny: Uint32Array = new Uint32Array(0);
  private strictChannel = new Map<Channel, Uint32Array>();
  private looseChannel = new Map<Channel, Uint32Array>();
  // The policy being computed, held in fields so the per-candidate calls take a bare ordinal.
  private scanEligible: Uint32Array = new Uint32Array(0);
  private scanTerms: ReadonlySet<string> = new Set();
  private keywordMemo = new Map<string, boolean>();

  constructor() {
    this.reset();
  }

  // -------------------------------------------------------------------------------------------
  // AudienceIndex

  async upsertProfiles(profiles: ProfileDoc[]): Promise<void> {
    for (const profile of profiles) this.putProfile(profile);
  }

  async removeProfiles(subscriberIds: string[]): Promise<void> {
    for (const subscriberId of subscriberIds) {
      const ordinal = this.ordinalBySubscriber.get(subscriberId);
      if (ordinal === undefined || !hasBit(this.hasProfile, ordinal)) continue;
      this.clearProfile(ordinal);
      this.releaseSubscriberIfUnused(ordinal);
    }
  }

  async upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void> {
    for (const subscription of subscriptions) this.putSubscription(subscription);
    this.compactPoolIfWasteful();
  }

  async removeSubscriptions(subscriptionIds: string[]): Promise<void> {
    for (const subscriptionId of subscriptionIds) {
      const ordinal = this.ordinalBySubscription.get(subscriptionId);
      if (ordinal === undefined) continue;
      this.detachSubscription(ordinal);
      this.ordinalBySubscription.delete(subscriptionId);
      this.subscriptionIds[ordinal] = undefined;
      this.subscriptionOrdinals.release(ordinal);
    }
    this.compactPoolIfWasteful();
  }

  async clearAudience(): Promise<void> {
    this.reset();
  }

  async getAudienceWatermark(): Promise<number> {
    return this.watermark;
  }

  async setAudienceWatermark(seq: number): Promise<void> {
    this.watermark = seq;
  }

  async audienceSummary({ policy, sampleSize }: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary> {
    const computed = this.computeAudience(policy);
    const { audience, constrained, eligible } = computed;
    const byChannel = emptyChannelCounts();
    // 待确认 means "may be eligible once stated": members reached despite being excluded do not count.
    const pending = Uint32Array.from(audience);
    andInto(pending, eligible);
    for (const [channel, bits] of computed.byChannel) byChannel[channel] = popcount(bits);
    const unknownByDimension: AudienceSummary['unknownByDimension'] = {};
    const breakdown: AudienceSummary['breakdown'] = {};
    for (const { dimension } of constrained) {
      const stated = this.stated.get(dimension);
      unknownByDimension[dimension] = stated ? countAndNot(pending, stated) : popcount(pending);
      const counts: Record<string, number> = {};
      for (const tag of this.tagsByDimension.get(dimension) ?? []) {
        const bits = this.attributeBits[tag];
        if (!bits) continue;
        const count = countAnd(audience, bits);
        if (count > 0) counts[this.tagIds[tag] ?? ''] = count;
      }
      breakdown[dimension] = counts;
    }
    const sample: AudienceMatch[] = [];
    const wanted = Math.max(0, sampleSize);
    if (wanted > 0) {
      const dimensions = constrained.map(({ dimension }) => dimension);
      eachBit(audience, (ordinal) => {
        const match = this.materialise({ ordinal, policy, dimensions });
        if (match) sample.push(match);
        return sample.length < wanted;
      });
    }
    return { subscribers: popcount(audience), unknownByDimension, byChannel, breakdown, sample };
  }

  async *audienceBatches({ policy, batchSize }: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]> {
    const { audience, constrained } = this.computeAudience(policy);
    const dimensions = constrained.map(({ dimension }) => dimension);
    const size = Math.max(1, Math.floor(batchSize));
    let batch: AudienceMatch[] = [];
    for (let i = 0; i < audience.length; i++) {
      let word = audience[i] as number;
      while (word !== 0) {
        const lowest = word & -word;
        word ^= lowest;
        // The audience was fixed when iteration began; a subscriber changed since is re-checked.
        const match = this.materialise({ ordinal: i * 32 + 31 - Math.clz32(lowest), policy, dimensions });
        if (!match) continue;
        batch.push(match);
        if (batch.length < size) continue;
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async matchSubscriber({
    subscriberId,
    policies,
  }: {
    subscriberId: string;
    policies: { key: string; policy: AudiencePolicy }[];
  }): Promise<{ key: string; match: AudienceMatch }[]> {
    const ordinal = this.ordinalBySubscriber.get(subscriberId);
    if (ordinal === undefined || !hasBit(this.hasProfile, ordinal)) return [];
    const profile = this.profileOf({ ordinal, dimensions: PROFILE_DIMENSIONS });
    const subscriptions = this.subscriptionsOf(ordinal);
    const out: { key: string; match: AudienceMatch }[] = [];
    for (const { key, policy } of policies) {
      const match = matchSubscriber({ policy, profile, subscriptions });
      if (match) out.push({ key, match });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Extras of this engine

  /** Subscribers with a profile that are eligible or unknown for the policy, whatever they subscribe to. */
  countEligible({ policy }: { policy: AudiencePolicy }): number {
    return popcount(this.eligibleBits(constrainedDimensions(policy.criteria)));
  }

  countProfiles(): number {
    return popcount(this.hasProfile);
  }

  countSubscriptions(): number {
    return this.ordinalBySubscription.size;
  }

  /** Subscribers holding an ordinal: those with a profile or at least one subscription. */
  countSubscribers(): number {
    return this.ordinalBySubscriber.size;
  }

  // -------------------------------------------------------------------------------------------
  // Audience computation

  /** Eligible-or-unknown: AND over constrained dimensions of (OR of the criteria tags) | not stated. */
  private eligibleBits(constrained: ConstrainedDimension[]): Uint32Array {
    const eligible = Uint32Array.from(this.hasProfile);
    if (constrained.length === 0) return eligible;
    const mask = new Uint32Array(this.subscriberWords);
    for (const { dimension, tags } of constrained) {
      const stated = this.stated.get(dimension);
      for (let i = 0; i < mask.length; i++) mask[i] = ~(stated?.[i] ?? 0);
      const ordinals = this.tagOrdinals.get(dimension);
      for (const tag of tags) {
        const ordinal = ordinals?.get(tag);
        const bits = ordinal === undefined ? undefined : this.attributeBits[ordinal];
        if (bits) orInto(mask, bits);
      }
      andInto(eligible, mask);
    }
    return eligible;
  }

  private computeAudience(policy: AudiencePolicy): Audience {
    const constrained = constrainedDimensions(policy.criteria);
    const eligible = this.eligibleBits(constrained);
    const marked = this.markPolicyTags(policy);
    this.prepareScratch();
    this.scanEligible = eligible;
    this.scanTerms = policy.terms;
    this.keywordMemo = new Map();
    try {
      const candidates = this.candidates;
      for (const tag of marked) {
        const bits = this.anchorBits[tag];
        if (bits) orInto(candidates, bits);
      }
      const perSubscriber = this.ordinalBySubscription.size / Math.max(1, this.ordinalBySubscriber.size);
      if (popcount(eligible) * perSubscriber < popcount(candidates)) this.scanEligibleFirst();
      else this.scanCandidates();
      for (const [key, group] of this.keywordOnly) {
        if (!this.keywordMatched({ key, words: group.words })) continue;
        for (const subscription of group.subscriptions) this.consider(subscription);
      }
    } finally {
      for (const tag of marked) this.policyMarks[tag] = 0;
      this.scanEligible = new Uint32Array(0);
      this.scanTerms = new Set();
      this.keywordMemo = new Map();
    }
    return this.combine({ constrained, eligible });
  }

  private scanCandidates(): void {
    const candidates = this.candidates;
    for (let i = 0; i < candidates.length; i++) {
      let word = candidates[i] as number;
      while (word !== 0) {
        const lowest = word & -word;
        word ^= lowest;
        this.consider(i * 32 + 31 - Math.clz32(lowest));
      }
    }
  }

  /**
   * For a narrow policy the eligible subscribers are far fewer than the candidate subscriptions:
   * their own eligibleOnly subscriptions, plus the loose candidates, are all that can match.
   */
  private scanEligibleFirst(): void {
    const { candidates, scanEligible: eligible } = this;
    for (let i = 0; i < eligible.length; i++) {
      let word = eligible[i] as number;
      while (word !== 0) {
        const lowest = word & -word;
        word ^= lowest;
        const subscriber = i * 32 + 31 - Math.clz32(lowest);
        for (let at = this.firstSubscription[subscriber] as number; at !== NONE; at = this.nextOfOwner[at] as number) {
          if (((this.flags[at] as number) & FLAG_ELIGIBLE_ONLY) !== 0 && hasBit(candidates, at)) this.consider(at);
        }
      }
    }
    const loose = this.looseSubscriptions;
    for (let i = 0; i < candidates.length; i++) {
      let word = (candidates[i] as number) & (loose[i] ?? 0);
      while (word !== 0) {
        const lowest = word & -word;
        word ^= lowest;
        this.consider(i * 32 + 31 - Math.clz32(lowest));
      }
    }
  }

  /** Strict (eligibleOnly) interest counts only for eligible subscribers; loose interest always. */
  private combine({ constrained, eligible }: { constrained: ConstrainedDimension[]; eligible: Uint32Array }): Audience {
    const words = this.subscriberWords;
    const audience = new Uint32Array(words);
    for (let i = 0; i < words; i++) {
      audience[i] = (((this.strictAny[i] as number) & (eligible[i] as number)) | (this.looseAny[i] as number)) & (this.hasProfile[i] as number);
    }
    const byChannel = new Map<Channel, Uint32Array>();
    for (const channel of CHANNELS) {
      const strict = this.strictChannel.get(channel);
      const loose = this.looseChannel.get(channel);
      const reachable = this.reachableBits.get(channel);
      const bits = new Uint32Array(words);
      if (strict && loose && reachable) {
        for (let i = 0; i < words; i++) {
          bits[i] = (((strict[i] as number) & (eligible[i] as number)) | (loose[i] as number)) & (reachable[i] as number) & (audience[i] as number);
        }
      }
      byChannel.set(channel, bits);
    }
    return { constrained, eligible, audience, byChannel };
  }

  /**
   * Records an interested subscription against its subscriber; idempotent, so duplicates are
   * harmless. A bare ordinal rather than an object: this runs once per candidate subscription.
   */
  private consider(subscription: number): void {
    const subscriber = this.owner[subscription] as number;
    const strict = ((this.flags[subscription] as number) & FLAG_ELIGIBLE_ONLY) !== 0;
    // Checked first because it is one bit test and rules out most candidates of a narrow policy.
    if (strict && !hasBit(this.scanEligible, subscriber)) return;
    if (!this.interested(subscription)) return;
    const channels = this.channelMask[subscription] as number;
    setBit(strict ? this.strictAny : this.looseAny, subscriber);
    const byChannel = strict ? this.strictChannel : this.looseChannel;
    for (let c = 0; c < CHANNELS.length; c++) {
      if ((channels & (1 << c)) === 0) continue;
      const bits = byChannel.get(CHANNELS[c] as Channel);
      if (bits) setBit(bits, subscriber);
    }
  }

  /** The compiled form of checkInterest: every clause against the policy's marked tags, then keywords. */
  private interested(subscription: number): boolean {
    const pool = this.pool;
    const marks = this.policyMarks;
    const flags = this.flags[subscription] as number;
    const end = this.clauseEnd[subscription] as number;
    let at = this.clauseStart[subscription] as number;
    // Neither criteria nor keywords: such a subscription would otherwise match every policy.
    if (at === end && (flags & FLAG_KEYWORDS) === 0) return false;
    while (at < end) {
      const mode = pool[at + 1] as number;
      const count = pool[at + 2] as number;
      const first = at + 3;
      at = first + count;
      let found = 0;
      for (let i = first; i < at; i++) found += marks[pool[i] as number] as number;
      if (mode === MODE_ALL ? found < count : found === 0) return false;
    }
    if ((flags & FLAG_KEYWORDS) === 0) return true;
    const entry = this.keywordEntries.get(subscription);
    if (!entry) return false;
    for (const keyword of entry.effective) if (this.keywordMatched(keyword)) return true;
    return false;
  }

  /** Each distinct keyword is checked once per policy, however many subscriptions share it. */
  private keywordMatched({ key, words }: { key: string; words: string[] }): boolean {
    const known = this.keywordMemo.get(key);
    if (known !== undefined) return known;
    const matched = keywordMatches({ words, terms: this.scanTerms });
    this.keywordMemo.set(key, matched);
    return matched;
  }

  /** Marks the policy's expanded tags in the scratch array; returns the marked ordinals to unmark. */
  private markPolicyTags(policy: AudiencePolicy): number[] {
    if (this.policyMarks.length < this.tagIds.length) this.policyMarks = new Uint8Array(Math.max(64, this.tagIds.length * 2));
    const marked: number[] = [];
    for (const [dimension, tags] of Object.entries(policy.tags) as [DimensionId, string[] | undefined][]) {
      const ordinals = this.tagOrdinals.get(dimension);
      if (!ordinals || !tags) continue;
      for (const tag of tags) {
        const ordinal = ordinals.get(tag);
        if (ordinal === undefined || this.policyMarks[ordinal] === 1) continue;
        this.policyMarks[ordinal] = 1;
        marked.push(ordinal);
      }
    }
    return marked;
  }

  private prepareScratch(): void {
    const subscriberWords = this.subscriberWords;
    if (this.candidates.length !== this.subscriptionWords) this.candidates = new Uint32Array(this.subscriptionWords);
    else this.candidates.fill(0);
    const fresh = (bits: Uint32Array | undefined): Uint32Array => {
      if (!bits || bits.length !== subscriberWords) return new Uint32Array(subscriberWords);
      bits.fill(0);
      return bits;
    };
    this.strictAny = fresh(this.strictAny);
    this.looseAny = fresh(this.looseAny);
    for (const channel of CHANNELS) {
      this.strictChannel.set(channel, fresh(this.strictChannel.get(channel)));
      this.looseChannel.set(channel, fresh(this.looseChannel.get(channel)));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Materialising matches through the reference rules

  private materialise({ ordinal, policy, dimensions }: { ordinal: number; policy: AudiencePolicy; dimensions: readonly ProfileDimension[] }): AudienceMatch | null {
    if (!hasBit(this.hasProfile, ordinal)) return null;
    return matchSubscriber({ policy, profile: this.profileOf({ ordinal, dimensions }), subscriptions: this.subscriptionsOf(ordinal) });
  }

  /** The profile rebuilt from the bitsets, on the dimensions asked for (the rest do not matter). */
  private profileOf({ ordinal, dimensions }: { ordinal: number; dimensions: readonly ProfileDimension[] }): MatchProfile {
    const attributes: MatchProfile['attributes'] = {};
    for (const dimension of dimensions) {
      const stated = this.stated.get(dimension);
      if (!stated || !hasBit(stated, ordinal)) continue;
      const held: string[] = [];
      for (const tag of this.tagsByDimension.get(dimension) ?? []) {
        const bits = this.attributeBits[tag];
        if (bits && hasBit(bits, ordinal)) held.push(this.tagIds[tag] ?? '');
      }
      attributes[dimension] = held;
    }
    const reachable = CHANNELS.filter((channel) => {
      const bits = this.reachableBits.get(channel);
      return bits !== undefined && hasBit(bits, ordinal);
    });
    return { subscriberId: this.subscriberIds[ordinal] ?? '', attributes, reachable };
  }

  private subscriptionsOf(subscriber: number): MatchSubscription[] {
    const out: MatchSubscription[] = [];
    for (let at = this.firstSubscription[subscriber] ?? NONE; at !== NONE; at = this.nextOfOwner[at] ?? NONE) out.push(this.subscriptionDoc(at));
    return out;
  }

  private subscriptionDoc(ordinal: number): MatchSubscription {
    const criteria: SubscriptionCriteria = {};
    const end = this.clauseEnd[ordinal] as number;
    let at = this.clauseStart[ordinal] as number;
    while (at < end) {
      const dimension = DIMENSION_IDS[this.pool[at] as number] as DimensionId;
      const mode: Criterion['mode'] = this.pool[at + 1] === MODE_ALL ? 'all' : 'any';
      const count = this.pool[at + 2] as number;
      const tags = Array.from(this.pool.subarray(at + 3, at + 3 + count), (tag) => this.tagIds[tag] ?? '');
      criteria[dimension] = { mode, tags };
      at += 3 + count;
    }
    const keywords = this.keywordEntries.get(ordinal);
    const mask = this.channelMask[ordinal] as number;
    return {
      id: this.subscriptionIds[ordinal] ?? '',
      criteria,
      keywordTerms: keywords?.keywordTerms ?? [],
      keywords: keywords?.keywords ?? [],
      channels: CHANNELS.filter((_, c) => (mask & (1 << c)) !== 0),
      frequency: FREQUENCIES[this.frequency[ordinal] as number] ?? 'immediate',
      eligibleOnly: ((this.flags[ordinal] as number) & FLAG_ELIGIBLE_ONLY) !== 0,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Profiles

  private putProfile(profile: ProfileDoc): void {
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

  private putSubscription(doc: SubscriptionDoc): void {
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
  private compactPoolIfWasteful(): void {
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
  // Tags and reset

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

  private reset(): void {
    this.watermark = 0;
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
    this.policyMarks = new Uint8Array(0);
    this.candidates = new Uint32Array(0);
    this.strictAny = new Uint32Array(0);
    this.looseAny = new Uint32Array(0);
    this.strictChannel = new Map();
    this.looseChannel = new Map();
  }
}
