import type { SearchHit } from '../../../schemas/policy.schema.js';
import { html, markedSnippet, type SafeHtml } from '../html.js';
import { validityBadge } from './components.js';
import { formatDate } from './format.js';

export function policyCard({ hit, headingLevel = 3 }: { hit: SearchHit; headingLevel?: 2 | 3 }): SafeHtml {
  const title = html`<a href="/policies/${hit.id}">${hit.title}</a>`;
  return html`<li class="card">
    ${headingLevel === 2 ? html`<h2>${title}</h2>` : html`<h3>${title}</h3>`}
    <p class="meta">${validityBadge(hit.validity)} ${hit.docNumber && html`<span>${hit.docNumber}</span> · `}<span>${hit.issuer}</span> · <span>发布日期 ${formatDate(hit.issuedAt)}</span>${
      hit.applicationWindow && html` · <span>申报期 ${formatDate(hit.applicationWindow.opensAt)}至${formatDate(hit.applicationWindow.closesAt)}</span>`
    }</p>
    ${hit.snippet && html`<p class="snippet">${markedSnippet(hit.snippet)}</p>`}
  </li>`;
}
