import type { Comparison, PublicInterpretation } from '../../schemas/interpretation.schema.js';
import type { PublicPolicy } from '../../schemas/policy.schema.js';
import type { PublicVersion } from '../services/public-versions.js';
import { DomainError } from '../errors.js';
import type { PortalExtensions } from './extensions.js';
import type { PortalServices } from './kit.js';
import { comparisonSlot, faqSlot, interpretationSlot, noPackageSlot, questionSlot } from './views/interpretation.views.js';

/** Absent things (no package, no older text to compare with) are not errors on a public page. */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DomainError && error.type === 'not_found') return null;
    throw error;
  }
}

interface PublicPackage {
  view: PublicInterpretation | null;
  comparison: Comparison | null;
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
  // The slots of one page read the same package and comparison; the policy object is shared by them for one request.
  const pages = new WeakMap<PublicPolicy, Promise<PublicPackage | null>>();
  const packageOf = ({ policy, found }: { policy: PublicPolicy; found: PublicVersion }) => {
    let page = pages.get(policy);
    if (!page) {
      page = unlessMissing(() => packages.findPublicPackage({ policyId: policy.id, version: policy.version, resolved: found }));
      pages.set(policy, page);
    }
    return page;
  };

  return {
    faqSearchPath: '/faq',
    policySlots: {
      interpretation: async ({ policy, found }) => {
        const view = (await packageOf({ policy, found }))?.view;
        if (!view) return null;
        return view.exempt ? noPackageSlot({ reason: view.exempt.reason }) : interpretationSlot({ view, title: policy.title });
      },
      faq: async ({ policy, found }) => {
        const view = (await packageOf({ policy, found }))?.view;
        const list = view ? view.faqs : isLatest(policy) ? ((await unlessMissing(() => faqs.listPublic({ policyId: policy.id, resolved: found }))) ?? []) : [];
        return list.length > 0 ? faqSlot({ faqs: list, policyId: policy.id }) : null;
      },
      comparison: async ({ policy, found }) => {
        const comparison = (await packageOf({ policy, found }))?.comparison;
        return comparison && comparison.changes.length > 0 ? comparisonSlot({ comparison }) : null;
      },
      question: async ({ policy, found, ctx }) => {
        const replies = (await unlessMissing(() => questions.publicReplies({ policyId: policy.id, resolved: found }))) ?? [];
        return questionSlot({ ctx, policyId: policy.id, replies, open: isLatest(policy) && policy.validity !== 'repealed' });
      },
    },
  };
}
