/**
 * The audience of one policy, computed over the bitsets.
 *
 * Why bitsets: a policy's eligibility is a handful of word-wise ORs and ANDs over one bitset per
 * (dimension, tag) of the subscribers' expanded attributes, and its counts are popcounts, so a
 * million profiles cost a few milliseconds and no per-profile objects. Only the subscriptions
 * anchored on one of the policy's tags (plus the keyword-only ones) are looked at, and each is
 * verified against the policy from its compiled criteria in typed arrays.
 */
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Channel } from '../../../schemas/subscriber.schema.js';
import type { AudiencePolicy } from '../../ports/audience-index.port.js';
import { CHANNELS, constrainedDimensions, keywordMatches, type ConstrainedDimension } from '../../matching/match-semantics.js';
import { andInto, hasBit, orInto, popcount, setBit } from './embedded.bitset.js';
import { FLAG_ELIGIBLE_ONLY, FLAG_KEYWORDS, MODE_ALL, NONE, type AudienceBitsets } from './embedded.audience-bitsets.js';

/** The audience of one policy as bitsets over subscriber ordinals. */
export interface Audience {
  constrained: ConstrainedDimension[];
  /** Eligible or unknown on every constrained dimension (and with a profile). */
  eligible: Uint32Array;
  audience: Uint32Array;
  /** Per channel, audience members for whom a matching subscription asks for it and it is reachable. */
  byChannel: Map<Channel, Uint32Array>;
}

export class AudienceQueryPlanner {
  private readonly bitsets: AudienceBitsets;

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

  constructor({ bitsets }: { bitsets: AudienceBitsets }) {
    this.bitsets = bitsets;
  }

  /** Drops the scratch along with the bitsets it was sized for. */
  reset(): void {
    this.policyMarks = new Uint8Array(0);
    this.candidates = new Uint32Array(0);
    this.strictAny = new Uint32Array(0);
    this.looseAny = new Uint32Array(0);
    this.strictChannel = new Map();
    this.looseChannel = new Map();
  }

  // -------------------------------------------------------------------------------------------
  // Audience computation

  /** Eligible-or-unknown: AND over constrained dimensions of (OR of the criteria tags) | not stated. */
  eligibleBits(constrained: ConstrainedDimension[]): Uint32Array {
    const eligible = Uint32Array.from(this.bitsets.hasProfile);
    if (constrained.length === 0) return eligible;
    const mask = new Uint32Array(this.bitsets.subscriberWords);
    for (const { dimension, tags } of constrained) {
      const stated = this.bitsets.stated.get(dimension);
      for (let i = 0; i < mask.length; i++) mask[i] = ~(stated?.[i] ?? 0);
      const ordinals = this.bitsets.tagOrdinals.get(dimension);
      for (const tag of tags) {
        const ordinal = ordinals?.get(tag);
        const bits = ordinal === undefined ? undefined : this.bitsets.attributeBits[ordinal];
        if (bits) orInto(mask, bits);
      }
      andInto(eligible, mask);
    }
    return eligible;
  }

  computeAudience(policy: AudiencePolicy): Audience {
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
        const bits = this.bitsets.anchorBits[tag];
        if (bits) orInto(candidates, bits);
      }
      const perSubscriber = this.bitsets.ordinalBySubscription.size / Math.max(1, this.bitsets.ordinalBySubscriber.size);
      if (popcount(eligible) * perSubscriber < popcount(candidates)) this.scanEligibleFirst();
      else this.scanCandidates();
      for (const [key, group] of this.bitsets.keywordOnly) {
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
        for (let at = this.bitsets.firstSubscription[subscriber] as number; at !== NONE; at = this.bitsets.nextOfOwner[at] as number) {
          if (((this.bitsets.flags[at] as number) & FLAG_ELIGIBLE_ONLY) !== 0 && hasBit(candidates, at)) this.consider(at);
        }
      }
    }
    const loose = this.bitsets.looseSubscriptions;
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
    const words = this.bitsets.subscriberWords;
    const audience = new Uint32Array(words);
    for (let i = 0; i < words; i++) {
      audience[i] = (((this.strictAny[i] as number) & (eligible[i] as number)) | (this.looseAny[i] as number)) & (this.bitsets.hasProfile[i] as number);
    }
    const byChannel = new Map<Channel, Uint32Array>();
    for (const channel of CHANNELS) {
      const strict = this.strictChannel.get(channel);
      const loose = this.looseChannel.get(channel);
      const reachable = this.bitsets.reachableBits.get(channel);
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
    const subscriber = this.bitsets.owner[subscription] as number;
    const strict = ((this.bitsets.flags[subscription] as number) & FLAG_ELIGIBLE_ONLY) !== 0;
    // Checked first because it is one bit test and rules out most candidates of a narrow policy.
    if (strict && !hasBit(this.scanEligible, subscriber)) return;
    if (!this.interested(subscription)) return;
    const channels = this.bitsets.channelMask[subscription] as number;
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
    const pool = this.bitsets.pool;
    const marks = this.policyMarks;
    const flags = this.bitsets.flags[subscription] as number;
    const end = this.bitsets.clauseEnd[subscription] as number;
    let at = this.bitsets.clauseStart[subscription] as number;
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
    const entry = this.bitsets.keywordEntries.get(subscription);
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
    if (this.policyMarks.length < this.bitsets.tagIds.length) this.policyMarks = new Uint8Array(Math.max(64, this.bitsets.tagIds.length * 2));
    const marked: number[] = [];
    for (const [dimension, tags] of Object.entries(policy.tags) as [DimensionId, string[] | undefined][]) {
      const ordinals = this.bitsets.tagOrdinals.get(dimension);
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
    const subscriberWords = this.bitsets.subscriberWords;
    if (this.candidates.length !== this.bitsets.subscriptionWords) this.candidates = new Uint32Array(this.bitsets.subscriptionWords);
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
}
