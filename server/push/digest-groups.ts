import type { Explanation } from '../../schemas/delivery.schema.js';
import type { PolicyView } from './content.js';

/** One policy of a digest group, with what is particular to it (eligibility, 待确认). */
export interface DigestGroupItem {
  view: PolicyView;
  notes: string[];
}

/** Policies that reached the subscriber through the same subscriptions: one need, one reason. */
export interface DigestGroup {
  heading: string;
  /** Why the group was pushed, said once for all its policies. */
  reasons: string[];
  items: DigestGroupItem[];
}

/** Turns an explanation into sentences; given by the caller so wording stays in one module. */
export type ReasonWriter = (explanation: Explanation) => string[];

/**
 * Groups a digest's policies by the subscriptions they matched — the subscriber's needs as the
 * subscriber wrote them. The group's reason names each subscription once with every tag and
 * keyword its policies matched; a policy keeps only the notes that differ from policy to policy.
 */
export function groupDigestItems({
  items,
  subscriptionNames,
  describe,
}: {
  items: readonly { view: PolicyView; explanation: Explanation }[];
  subscriptionNames: ReadonlyMap<string, string>;
  describe: ReasonWriter;
}): DigestGroup[] {
  const groups = new Map<string, { ids: string[]; hits: Explanation['subscriptions']; items: DigestGroupItem[] }>();
  for (const { view, explanation } of items) {
    const ids = [...new Set(explanation.subscriptions.map((s) => s.subscriptionId))].sort();
    // Named subscriptions of one name (a frequency change keeps the name) are one need.
    const key = [...new Set(ids.map((id) => subscriptionNames.get(id) ?? id))].sort().join('\u0000');
    const group = groups.get(key) ?? { ids, hits: [], items: [] };
    group.hits.push(...explanation.subscriptions);
    group.items.push({ view, notes: describe({ ...explanation, subscriptions: [] }) });
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => {
    const names = [...new Set(group.ids.map((id) => subscriptionNames.get(id) ?? '订阅'))];
    return {
      heading: names.map((name) => `“${name}”`).join('、'),
      reasons: describe({ eligible: true, eligibility: {}, unknown: [], subscriptions: mergeHits(group.hits) }),
      items: group.items,
    };
  });
}

/** One hit per subscription name, with the union of what its policies matched, in first-seen order. */
function mergeHits(hits: Explanation['subscriptions']): Explanation['subscriptions'] {
  const merged = new Map<string, Explanation['subscriptions'][number]>();
  for (const hit of hits) {
    const current = merged.get(hit.subscriptionId);
    if (!current) {
      merged.set(hit.subscriptionId, { subscriptionId: hit.subscriptionId, matchedTags: { ...hit.matchedTags }, matchedKeywords: [...hit.matchedKeywords] });
      continue;
    }
    for (const [dimension, tags] of Object.entries(hit.matchedTags) as [keyof typeof hit.matchedTags, string[] | undefined][]) {
      current.matchedTags[dimension] = [...new Set([...(current.matchedTags[dimension] ?? []), ...(tags ?? [])])];
    }
    current.matchedKeywords = [...new Set([...current.matchedKeywords, ...hit.matchedKeywords])];
  }
  return [...merged.values()];
}
