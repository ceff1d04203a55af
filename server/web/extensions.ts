import type { PublicPolicy } from '../../schemas/policy.schema.js';
import type { PublicVersion } from '../services/public-versions.js';
import type { WebContext } from './context.js';
import type { SafeHtml } from './html.js';

/**
 * The places on the public policy page that other modules fill: the interpretation package, the
 * FAQ list, the new-vs-old comparison and the question form. A slot without a renderer (or whose
 * renderer returns null) leaves no trace on the page.
 */
export const POLICY_SLOTS = ['interpretation', 'faq', 'comparison', 'question', 'consultation'] as const;
export type PolicySlot = (typeof POLICY_SLOTS)[number];

export const POLICY_SLOT_TITLES: Record<PolicySlot, string> = {
  interpretation: '政策解读',
  faq: '常见问题',
  comparison: '新旧政策对比',
  question: '我要提问',
  consultation: '意见采纳情况',
};

/**
 * `found` is the public version the page was built from (PublicVersions decided it for this request):
 * renderers pass it on as `resolved` instead of reading and deciding about the same policy again.
 */
export type PolicySlotRenderer = (input: { policy: PublicPolicy; found: PublicVersion; ctx: WebContext }) => Promise<SafeHtml | null>;

export interface PortalExtensions {
  policySlots?: Partial<Record<PolicySlot, PolicySlotRenderer>>;
  /** When present, the home page shows the FAQ search box, which submits to this path with `q`. */
  faqSearchPath?: string;
}
