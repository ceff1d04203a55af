/**
 * The summary counts of a computed audience: popcounts over its bitsets, plus a sample of
 * materialised matches. Gives the same answer as summarizeAudience of match-semantics, which
 * counts the same thing over materialised matches instead.
 */
import type { AudienceMatch, AudiencePolicy, AudienceSummary } from '../../ports/audience-index.port.js';
import { emptyChannelCounts } from '../../matching/match-semantics.js';
import { andInto, countAnd, countAndNot, eachBit, popcount } from './embedded.bitset.js';
import type { AudienceBitsets } from './embedded.audience-bitsets.js';
import { materialiseMatch } from './embedded.audience-explanation.js';
import type { Audience } from './embedded.audience-query-planner.js';

export function summarizeAudienceBits({
  bitsets,
  computed,
  policy,
  sampleSize,
}: {
  bitsets: AudienceBitsets;
  computed: Audience;
  policy: AudiencePolicy;
  sampleSize: number;
}): AudienceSummary {
  const { audience, constrained, eligible } = computed;
  const byChannel = emptyChannelCounts();
  // 待确认 means "may be eligible once stated": members reached despite being excluded do not count.
  const pending = Uint32Array.from(audience);
  andInto(pending, eligible);
  for (const [channel, bits] of computed.byChannel) byChannel[channel] = popcount(bits);
  const unknownByDimension: AudienceSummary['unknownByDimension'] = {};
  const breakdown: AudienceSummary['breakdown'] = {};
  for (const { dimension } of constrained) {
    const stated = bitsets.stated.get(dimension);
    unknownByDimension[dimension] = stated ? countAndNot(pending, stated) : popcount(pending);
    const counts: Record<string, number> = {};
    for (const tag of bitsets.tagsByDimension.get(dimension) ?? []) {
      const bits = bitsets.attributeBits[tag];
      if (!bits) continue;
      const count = countAnd(audience, bits);
      if (count > 0) counts[bitsets.tagIds[tag] ?? ''] = count;
    }
    breakdown[dimension] = counts;
  }
  const sample: AudienceMatch[] = [];
  const wanted = Math.max(0, sampleSize);
  if (wanted > 0) {
    const dimensions = constrained.map(({ dimension }) => dimension);
    eachBit(audience, (ordinal) => {
      const match = materialiseMatch({ bitsets, ordinal, policy, dimensions });
      if (match) sample.push(match);
      return sample.length < wanted;
    });
  }
  return { subscribers: popcount(audience), unknownByDimension, byChannel, breakdown, sample };
}
