/**
 * RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. Yields one record per
 * row with its 1-based line number, so error reports point at the right line in the file.
 */
export function* parseCsv(text: string): Generator<{ line: number; fields: string[] }> {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < input.length; i += 1) {
    const ch = input.charAt(i);
    if (quoted) {
      if (ch === '"' && input.charAt(i + 1) === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === '\n') line += 1;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.length === 0) {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && input.charAt(i + 1) === '\n') i += 1;
      fields.push(field);
      if (fields.some((f) => f.trim() !== '')) yield { line: recordLine, fields };
      fields = [];
      field = '';
      line += 1;
      recordLine = line;
    } else {
      field += ch;
    }
  }
  fields.push(field);
  if (fields.some((f) => f.trim() !== '')) yield { line: recordLine, fields };
}
