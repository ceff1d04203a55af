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

/** Byte-order mark: without it spreadsheet programs read UTF-8 Chinese as mojibake. */
export const CSV_BOM = '\uFEFF';

/** One row with its line end, for writers that stream rows one at a time (after `CSV_BOM`). */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export function csvDocument(rows: readonly (readonly CsvValue[])[]): string {
  return `${CSV_BOM}${rows.map(csvRow).join('')}`;
}
