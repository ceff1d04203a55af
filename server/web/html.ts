/**
 * Server-side HTML templates. `html` escapes every interpolated value unless it is already
 * `SafeHtml` (the result of another `html` call or of `raw`), so user input — profile names,
 * questions, search terms — can never become markup by accident.
 */
import { escapeHtml, HTML_ESCAPES } from '../text/markup-escape.js';

export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What a template accepts: `false`, `null` and `undefined` render as nothing so `cond && html`…`` reads naturally. */
export type Interpolation = SafeHtml | string | number | false | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === false || value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolation) => render(v)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Marks a fragment as trusted markup. Only for text this code produced or already escaped. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

export function joinHtml(parts: readonly Interpolation[], separator: Interpolation = ''): SafeHtml {
  const sep = render(separator);
  return new SafeHtml(parts.map((p) => render(p)).filter((p) => p !== '').join(sep));
}

/**
 * Search snippets arrive from the index HTML-escaped with matches in `<mark>`. Everything but the
 * mark tags is escaped again (without touching entities), so a faulty index cannot inject markup.
 */
export function markedSnippet(snippet: string): SafeHtml {
  const parts = snippet.split(/(<\/?mark>)/);
  return new SafeHtml(parts.map((part) => (part === '<mark>' || part === '</mark>' ? part : part.replace(/[<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c))).join(''));
}

/** Only same-site paths and http(s) URLs may become links; anything else (javascript:, data:) becomes `#`. */
export function safeUrl(url: string): string {
  if (/^\/(?!\/)/.test(url)) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : '#';
  } catch {
    return '#';
  }
}
