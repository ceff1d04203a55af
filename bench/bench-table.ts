/**
 * One line of a benchmark table. Only `name` is required because sections mix kinds of rows
 * (latencies, throughput, memory); a column that no row fills is left out of the printed table.
 */
export interface BenchRow {
  name: string;
  p50Ms?: number;
  p99Ms?: number;
  n?: number;
  reqPerSec?: number;
  /** Throughput relative to a baseline row of the same section (e.g. search over a trivial endpoint). */
  ratio?: number;
  peakRssMb?: number;
  note?: string;
}

interface Column {
  header: string;
  numeric: boolean;
  cell(row: BenchRow): string;
}

const fixed = (value: number | undefined, digits: number): string => (value === undefined ? '' : value.toFixed(digits));

const COLUMNS: readonly Column[] = [
  { header: 'benchmark', numeric: false, cell: (row) => row.name },
  { header: 'p50 ms', numeric: true, cell: (row) => fixed(row.p50Ms, 2) },
  { header: 'p99 ms', numeric: true, cell: (row) => fixed(row.p99Ms, 2) },
  { header: 'n', numeric: true, cell: (row) => (row.n === undefined ? '' : String(row.n)) },
  { header: 'req/s', numeric: true, cell: (row) => fixed(row.reqPerSec, 0) },
  { header: 'ratio', numeric: true, cell: (row) => fixed(row.ratio, 2) },
  { header: 'peak RSS MB', numeric: true, cell: (row) => fixed(row.peakRssMb, 0) },
  { header: 'note', numeric: false, cell: (row) => row.note ?? '' },
];

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
  const columns = COLUMNS.filter((column, at) => at === 0 || rows.some((row) => column.cell(row) !== ''));
  const table = [columns.map((column) => column.header), ...rows.map((row) => columns.map((column) => column.cell(row)))];
  const widths = columns.map((_, at) => Math.max(...table.map((line) => displayWidth(line[at] ?? ''))));
  const render = (line: string[]): string =>
    line.map((cell, at) => pad({ text: cell, width: widths[at] ?? 0, right: columns[at]?.numeric ?? false })).join('  ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(table[0] ?? []), rule, ...table.slice(1).map(render)].join('\n');
}

export function printTable(rows: BenchRow[]): void {
  console.log(formatTable(rows));
}
