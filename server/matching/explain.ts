import type { Explanation } from '../../schemas/delivery.schema.js';
import type { SubscriberKind } from '../../schemas/subscriber.schema.js';
import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import type { AudienceMatch } from '../ports/audience-index.port.js';
import type { Taxonomy } from '../services/taxonomy.js';

export function explanationOf(match: AudienceMatch): Explanation {
  return {
    eligible: match.eligible,
    eligibility: match.eligibility,
    unknown: match.unknown,
    subscriptions: match.subscriptions.map((s) => ({ subscriptionId: s.subscriptionId, matchedTags: s.matchedTags, matchedKeywords: s.matchedKeywords })),
  };
}

function tagPhrases({ taxonomy, tags }: { taxonomy: Taxonomy; tags: Partial<Record<DimensionId, string[]>> }): string[] {
  return (Object.entries(tags) as [DimensionId, string[] | undefined][])
    .filter(([, ids]) => ids && ids.length > 0)
    .map(([dimension, ids]) => `${taxonomy.dimensionLabel(dimension)}“${(ids ?? []).map((id) => taxonomy.label(id)).join('、')}”`);
}

/**
 * Who reads the reasons: the subscriber is addressed as 您; staff read about the subscriber in the
 * third person (该企业的订阅…), so one module words both and the reasons never drift apart.
 */
export type ExplanationViewer = { kind: 'subscriber' } | { kind: 'staff'; subscriberKind: SubscriberKind };

const THIRD_PERSON: Record<SubscriberKind, string> = { enterprise: '该企业', park: '该园区', individual: '该用户' };

/** “为什么推送给您”: the stored explanation as short Chinese sentences, worded for the viewer. */
export function describeExplanation({
  explanation,
  taxonomy,
  subscriptionNames,
  viewer,
}: {
  explanation: Explanation;
  taxonomy: Taxonomy;
  subscriptionNames: ReadonlyMap<string, string>;
  viewer: ExplanationViewer;
}): string[] {
  const who = viewer.kind === 'subscriber' ? '您' : THIRD_PERSON[viewer.subscriberKind];
  const reasons: string[] = [];
  for (const hit of explanation.subscriptions) {
    const parts = [...tagPhrases({ taxonomy, tags: hit.matchedTags }), ...(hit.matchedKeywords.length > 0 ? [`关键词“${hit.matchedKeywords.join('、')}”`] : [])];
    const name = subscriptionNames.get(hit.subscriptionId) ?? '订阅';
    reasons.push(`${who}的订阅“${name}”匹配：${parts.join('；') || '全部政策'}`);
  }
  const eligibility = tagPhrases({ taxonomy, tags: explanation.eligibility });
  if (explanation.eligible && eligibility.length > 0) reasons.push(`符合适用条件：${eligibility.join('；')}`);
  if (!explanation.eligible) reasons.push(`${who}的资料与该政策的适用条件不完全相符（${who}选择了接收全部相关政策）`);
  if (explanation.unknown.length > 0) {
    const dimensions = explanation.unknown.map((d) => taxonomy.dimensionLabel(d)).join('、');
    reasons.push(viewer.kind === 'subscriber' ? `待确认：${dimensions}（您的资料未填写，完善后推送更精准）` : `待确认：${dimensions}（${who}的资料未填写）`);
  }
  return reasons;
}
