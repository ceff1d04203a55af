/**
 * 文号: issuer abbreviation, year in brackets, serial number (沪知局〔2026〕21号). Documents and web
 * pages write the brackets as 〔〕, [], ［］, (), （） or 【】; the proposal always uses 〔〕, the
 * form GB/T 9704 prescribes.
 */
const DOC_NUMBER_RE = /([\p{Script=Han}]{0,7}?(?:[\p{Script=Han}]|[A-Z]))\s*[〔[［(（【]\s*((?:19|20)\d{2})\s*[〕\]］)）】]\s*第?\s*(\d{1,5})\s*号/u;

export interface DocumentNumber {
  value: string;
  /** As written, for the repair list when it differs. */
  raw: string;
}

/** The first 文号 in the line, normalised to 〔〕, or null. */
export function findDocumentNumber({ line }: { line: string }): DocumentNumber | null {
  const m = DOC_NUMBER_RE.exec(line);
  if (!m) return null;
  const prefix = (m[1] ?? '').replace(/^(?:文号|发文字号|索引号)/u, '');
  if (prefix === '') return null;
  return { value: `${prefix}〔${m[2] ?? ''}〕${Number.parseInt(m[3] ?? '0', 10)}号`, raw: m[0] };
}
