import type { Explanation } from '../../schemas/delivery.schema.js';
import type { PolicyVersion } from '../../schemas/policy.schema.js';
import type { Store } from '../ports/store.port.js';
import { describeExplanation, type ExplanationViewer } from '../matching/explain.js';
import type { SubscriptionService } from '../services/subscription.service.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';

/** What every message says about one policy version. */
export interface PolicyView {
  policyId: string;
  version: number;
  title: string;
  docNumber: string | null;
  issuer: string;
  issuedAt: string | null;
  publishedAt: string;
  summary: string;
  /** Key points of the interpretation package, when one exists. */
  highlights: string[];
  applicationWindow: { opensAt: string; closesAt: string } | null;
  url: string;
}

/** Key points of a version's interpretation; supplied by the interpretation module once it exists. */
export type HighlightsSource = (input: { policyId: string; version: number }) => Promise<string[]>;

const SUMMARY_CHARS = 140;
const CACHE_LIMIT = 2000;

/** The first paragraph of the body, shortened: enough to decide whether to open the policy. */
export function summaryOf(body: string): string {
  const paragraph =
    body
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length >= 12 && !/[：:]$/.test(line)) ?? body.trim();
  return paragraph.length > SUMMARY_CHARS ? `${paragraph.slice(0, SUMMARY_CHARS)}……` : paragraph;
}

/**
 * Builds the facts messages are made of. Versions are immutable, so their views are cached; the
 * dispatcher asks for the same few policies thousands of times during a fan-out.
 */
export class PushContent {
  private readonly versions = new Map<string, PolicyView | null>();
  private highlightsSource: HighlightsSource | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      taxonomy: TaxonomyService;
      subscriptions: SubscriptionService;
      baseUrl: string;
    },
  ) {}

  /** Lets the interpretation module contribute key points without the push module depending on it. */
  useHighlights(source: HighlightsSource): void {
    this.highlightsSource = source;
    this.versions.clear();
  }

  get baseUrl(): string {
    return this.deps.baseUrl;
  }

  policyUrl(policyId: string): string {
    return `${this.deps.baseUrl}/policies/${encodeURIComponent(policyId)}`;
  }

  feedUrl(subscriptionId: string): string {
    return `${this.deps.baseUrl}/feeds/subscriptions/${this.deps.subscriptions.feedToken({ subscriptionId })}.atom`;
  }

  preferencesUrl(): string {
    return `${this.deps.baseUrl}/account/subscriptions`;
  }

  async policy({ policyId, version }: { policyId: string; version: number }): Promise<PolicyView | null> {
    const key = `${policyId}:${version}`;
    if (this.versions.has(key)) return this.versions.get(key) ?? null;
    const stored = await this.deps.store.policies.getVersion({ policyId, version });
    const view = stored ? await this.viewOf(stored) : null;
    if (this.versions.size >= CACHE_LIMIT) this.versions.clear();
    this.versions.set(key, view);
    return view;
  }

  private async viewOf(stored: PolicyVersion): Promise<PolicyView> {
    let highlights: string[] = [];
    if (this.highlightsSource) {
      try {
        highlights = (await this.highlightsSource({ policyId: stored.policyId, version: stored.version })).slice(0, 5);
      } catch {
        // A missing interpretation must never hold a push back.
        highlights = [];
      }
    }
    return {
      policyId: stored.policyId,
      version: stored.version,
      title: stored.title,
      docNumber: stored.docNumber,
      issuer: stored.issuer,
      issuedAt: stored.issuedAt,
      publishedAt: stored.publishedAt,
      summary: summaryOf(stored.body),
      highlights,
      applicationWindow: stored.applicationWindow,
      url: this.policyUrl(stored.policyId),
    };
  }

  reasons({ explanation, subscriptionNames, viewer }: { explanation: Explanation; subscriptionNames: ReadonlyMap<string, string>; viewer: ExplanationViewer }): string[] {
    return describeExplanation({ explanation, taxonomy: this.deps.taxonomy.current(), subscriptionNames, viewer });
  }
}
