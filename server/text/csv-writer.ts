/**
 * CSV for spreadsheet programs (audit export, yearly report, delivery list): RFC 4180 quoting, a
 * byte-order mark so Excel reads the Chinese text as UTF-8, and text that starts with = + - @ made
 * inert, because spreadsheet programs would run it as a formula.
 */
export type CsvValue = string | number;

export function csvCell(value: CsvValue): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvDocument(rows: readonly (readonly CsvValue[])[]): string {
  return `\uFEFF${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
