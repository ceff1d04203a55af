import type { Criteria, DimensionId } from '../../schemas/taxonomy.schema.js';
import type { Profile, ProfileDimension } from '../../schemas/subscriber.schema.js';
import type { SubscriptionCriteria } from '../../schemas/subscription.schema.js';

interface TagReferences {
  criteria: Criteria;
  tags: string[];
  level: string | null;
}

function replaceAll(ids: string[], fromId: string, intoId: string): string[] {
  return [...new Set(ids.map((id) => (id === fromId ? intoId : id)))];
}

/**
 * The tag fields of a policy after merging `fromId` into `intoId`. Shared by every store adapter so
 * a merge rewrites documents identically whatever the engine.
 */
export function rewriteTagReferences({ content, fromId, intoId }: { content: TagReferences; fromId: string; intoId: string }): TagReferences {
  const criteria: Criteria = {};
  for (const [dimension, ids] of Object.entries(content.criteria) as [DimensionId, string[] | undefined][]) {
    if (ids) criteria[dimension] = replaceAll(ids, fromId, intoId);
  }
  return {
    criteria,
    tags: replaceAll(content.tags, fromId, intoId),
    level: content.level === fromId ? intoId : content.level,
  };
}

export function rewriteProfile({ profile, fromId, intoId }: { profile: Profile; fromId: string; intoId: string }): Profile {
  const out: Profile = {};
  for (const [dimension, ids] of Object.entries(profile) as [ProfileDimension, string[] | undefined][]) {
    if (ids) out[dimension] = replaceAll(ids, fromId, intoId);
  }
  return out;
}

export function rewriteCriteria({ criteria, fromId, intoId }: { criteria: SubscriptionCriteria; fromId: string; intoId: string }): SubscriptionCriteria {
  const out: SubscriptionCriteria = {};
  for (const [dimension, criterion] of Object.entries(criteria) as [DimensionId, SubscriptionCriteria[DimensionId]][]) {
    if (criterion) out[dimension] = { ...criterion, tags: replaceAll(criterion.tags, fromId, intoId) };
  }
  return out;
}
