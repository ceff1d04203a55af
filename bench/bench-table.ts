export interface BenchRow {
  name: string;
  p50Ms: number;
  p99Ms: number;
  n: number;
  note?: string;
}

const HEADERS = ['benchmark', 'p50 ms', 'p99 ms', 'n', 'note'] as const;

function cells(row: BenchRow): string[] {
  return [row.name, row.p50Ms.toFixed(2), row.p99Ms.toFixed(2), String(row.n), row.note ?? ''];
}

/** Display width, counting CJK and full-width characters as two columns so notes line up. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1;
  return width;
}

function pad({ text, width, right }: { text: string; width: number; right: boolean }): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

/** Numbers right-aligned, text left-aligned. */
export function formatTable(rows: BenchRow[]): string {
  const table = [HEADERS.slice(), ...rows.map(cells)];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((line) => displayWidth(line[column] ?? ''))));
  const numeric = (column: number): boolean => column >= 1 && column <= 3;
  const render = (line: string[]): string =>
    line.map((cell, column) => pad({ text: cell, width: widths[column] ?? 0, right: numeric(column) })).join('  ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(table[0] ?? []), rule, ...table.slice(1).map(render)].join('\n');
}

export function printTable(rows: BenchRow[]): void {
  console.log(formatTable(rows));
}
