/**
 * `npm run bench`: every benchmark section, one table each, in one run.
 * `npm run bench -- --only=search` (comma-separated names) runs a subset.
 *
 * A new benchmark becomes a new entry in SECTIONS; see docs/benchmarks.md.
 */
import os from 'node:os';
import { type BenchRow, printTable } from './bench-table.js';
import { benchSearchHttp } from './search-http.bench.js';
import { benchSearchIndex } from './search-index.bench.js';
import { benchMatching } from './matching.bench.js';
import { benchOutbox } from './outbox.bench.js';
import { benchDelivery } from './delivery.bench.js';
import { benchIngest } from './ingest.bench.js';
import { ownPeakRssMb } from './support/http-load.js';

export interface BenchSection {
  /** What `--only=` matches. */
  name: string;
  title: string;
  run(): Promise<BenchRow[]>;
}

const SECTIONS: readonly BenchSection[] = [
  {
    name: 'search',
    title: 'Search: embedded index in process (10k and 50k policies, computed), then search and the policy page over HTTP against /healthz in the same run',
    run: async () => {
      const inProcess = await benchSearchIndex();
      const http = await benchSearchHttp();
      return [
        ...inProcess.map((row) => ({ ...row, name: `index: ${row.name}` })),
        ...http,
        // Read here rather than at the end of the run, so later sections do not inflate it.
        { name: 'peak RSS: bench process', peakRssMb: ownPeakRssMb(), note: 'VmHWM; in-process index + load generator' },
      ];
    },
  },
  {
    name: 'matching',
    title: 'Audience matching: 1,000,000 profiles, embedded engine vs naive scan; outbox writes',
    run: async () => [...(await benchMatching()), ...(await benchOutbox())],
  },
  {
    name: 'delivery',
    title: 'Delivery: emails/s from the dispatcher vs a bare nodemailer loop, same local SMTP server, same run; 服务号 notices and group robots against the local WeChat platform',
    run: () => benchDelivery(),
  },
  {
    name: 'ingest',
    title: 'Bringing documents in: 200 generated files per format, read + repair and import, next to plain-text JSONL import',
    run: () => benchIngest(),
  },
];

function selectedSections(argv: readonly string[]): BenchSection[] {
  const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  if (only === undefined) return [...SECTIONS];
  const wanted = only.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = wanted.filter((name) => !SECTIONS.some((section) => section.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.map((section) => section.name).join(', ')}\n`);
    process.exit(2);
  }
  return SECTIONS.filter((section) => wanted.includes(section.name));
}

async function main(): Promise<void> {
  const sections = selectedSections(process.argv.slice(2));
  console.log(`node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${os.platform()} ${os.release()}`);
  for (const section of sections) {
    console.log(`\n## ${section.title}\n`);
    printTable(await section.run());
  }
}

await main();
