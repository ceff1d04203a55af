import type { PublicInterpretation } from '../../schemas/interpretation.schema.js';
import type { PublicPolicy } from '../../schemas/policy.schema.js';
import { DomainError } from '../errors.js';
import type { PortalExtensions } from './extensions.js';
import type { PortalServices } from './kit.js';
import { comparisonSlot, faqSlot, interpretationSlot, questionSlot } from './views/interpretation.views.js';

/** Absent things (no package, no older text to compare with) are not errors on a public page. */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DomainError && error.type === 'not_found') return null;
    throw error;
  }
}

function isLatest(policy: PublicPolicy): boolean {
  return policy.version === (policy.versions.at(-1)?.version ?? policy.version);
}

/**
 * Fills the policy page's slots from the interpretation module: the published package, the FAQ
 * list, the new-vs-old table and the question form with the published replies.
 */
export function interpretationExtensions({ interpretation }: { interpretation: PortalServices['interpretation'] }): PortalExtensions {
  const { packages, faqs, questions } = interpretation;
  // The slots of one page read the same package; the policy object is shared by them for one request.
  const views = new WeakMap<PublicPolicy, Promise<PublicInterpretation | null>>();
  const viewOf = (policy: PublicPolicy) => {
    let view = views.get(policy);
    if (!view) {
      view = unlessMissing(() => packages.getPublicView({ policyId: policy.id, version: policy.version }));
      views.set(policy, view);
    }
    return view;
  };

  return {
    faqSearchPath: '/faq',
    policySlots: {
      interpretation: async ({ policy }) => {
        const view = await viewOf(policy);
        return view && !view.exempt ? interpretationSlot({ view, title: policy.title }) : null;
      },
      faq: async ({ policy }) => {
        const view = await viewOf(policy);
        const list = view ? view.faqs : isLatest(policy) ? ((await unlessMissing(() => faqs.listPublic({ policyId: policy.id }))) ?? []) : [];
        return list.length > 0 ? faqSlot({ faqs: list, policyId: policy.id }) : null;
      },
      comparison: async ({ policy }) => {
        const comparison = await unlessMissing(() => packages.getPublicComparison({ policyId: policy.id, version: policy.version }));
        return comparison && comparison.changes.length > 0 ? comparisonSlot({ comparison }) : null;
      },
      question: async ({ policy, ctx }) => {
        const replies = (await unlessMissing(() => questions.publicReplies({ policyId: policy.id }))) ?? [];
        return questionSlot({ ctx, policyId: policy.id, replies, open: isLatest(policy) && policy.validity !== 'repealed' });
      },
    },
  };
}
