/**
 * The one rule for putting text into HTML and into XML (Atom feeds, SVG cards, configuration
 * files), so a page, an email, a search snippet and a feed escape the same characters the same way.
 */

/**
 * Characters with a meaning in HTML text or in a quoted attribute value, and their escapes. The
 * backtick: old Internet Explorer accepted it as an attribute quote.
 */
export const HTML_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
});

// Tested before replacing: `replace` copies its subject even when nothing matches, and most text
// has nothing to escape.
const HTML_SPECIAL = /[&<>"'`]/;
const HTML_SPECIALS = /[&<>"'`]/g;

/** Escapes for both text and quoted attribute values. */
export function escapeHtml(text: string): string {
  return HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIALS, (char) => HTML_ESCAPES[char] ?? char) : text;
}

// XML 1.0 forbids most control characters even when escaped; user text may contain them.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes for XML text and attribute values; characters XML cannot carry at all are dropped. */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML_CHARS, '').replace(/[&<>"']/g, (char) => XML_ESCAPES[char] ?? char);
}
