import type { PolicyView } from '../content.js';

/** One policy of a digest, as the official channels show it. */
export interface NoticeItem {
  title: string;
  url: string;
  issuer: string;
  docNumber: string | null;
  reasons: string[];
  /** Park digests: the member enterprises the policy concerns. */
  memberNames: string[];
}

/**
 * What a push says, as facts rather than finished text: a 服务号 notice fills template fields
 * with limits of their own, a group robot renders markdown under a byte limit, so each channel
 * lays the facts out itself.
 */
export interface Notice {
  kind: 'policy' | 'reminder' | 'digest' | 'test';
  title: string;
  issuer: string | null;
  docNumber: string | null;
  /** ISO date-time the notice is about (publication, window close, digest run). */
  at: string;
  url: string;
  reasons: string[];
  daysLeft: number | null;
  items: NoticeItem[];
  unsubscribeUrl: string | null;
}

export function policyNotice({ view, reasons, unsubscribeUrl }: { view: PolicyView; reasons: string[]; unsubscribeUrl: string | null }): Notice {
  return { kind: 'policy', title: view.title, issuer: view.issuer, docNumber: view.docNumber, at: view.publishedAt, url: view.url, reasons, daysLeft: null, items: [], unsubscribeUrl };
}

export function reminderNotice({ view, daysLeft, unsubscribeUrl }: { view: PolicyView; daysLeft: number; unsubscribeUrl: string | null }): Notice {
  const closes = view.applicationWindow?.closesAt ?? view.publishedAt;
  return { kind: 'reminder', title: view.title, issuer: view.issuer, docNumber: view.docNumber, at: closes.length === 10 ? `${closes}T23:59:00+08:00` : closes, url: view.url, reasons: [], daysLeft, items: [], unsubscribeUrl };
}

export function digestNotice({
  title,
  at,
  url,
  items,
  parkItems,
  unsubscribeUrl,
}: {
  title: string;
  at: string;
  url: string;
  items: { view: PolicyView; reasons: string[] }[];
  parkItems: { view: PolicyView; memberNames: string[] }[];
  unsubscribeUrl: string | null;
}): Notice {
  const own = items.map(({ view, reasons }) => ({ title: view.title, url: view.url, issuer: view.issuer, docNumber: view.docNumber, reasons, memberNames: [] }));
  const park = parkItems.map(({ view, memberNames }) => ({ title: view.title, url: view.url, issuer: view.issuer, docNumber: view.docNumber, reasons: [], memberNames }));
  return { kind: 'digest', title, issuer: null, docNumber: null, at, url, reasons: [], daysLeft: null, items: [...own, ...park], unsubscribeUrl };
}
