import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NewDelivery } from '../schemas/delivery.schema.js';
import { SqliteStore } from '../server/adapters/sqlite/sqlite.store.js';
import { printTable, type BenchRow } from './bench-table.js';

const ROWS = 300_000;
const BATCH = 5_000;
const BASELINE_ROWS = 5_000;
const TARGET_ROWS_PER_SECOND = 200_000;

function row(i: number, policyId: string): NewDelivery {
  return {
    policyId,
    version: 1,
    subscriberId: `sub-${i}`,
    channel: i % 3 === 0 ? 'wechat' : 'email',
    frequency: i % 5 === 0 ? 'daily' : 'immediate',
    subscriptionIds: [`s-${i}`],
    explanation: {
      eligible: true,
      eligibility: { region: ['region-shanghai'] },
      unknown: i % 10 === 0 ? ['size'] : [],
      subscriptions: [{ subscriptionId: `s-${i}`, matchedTags: { need: ['need-funding'] }, matchedKeywords: [] }],
    },
    urgent: false,
  };
}

/**
 * Outbox write rate of the store, as the matcher uses it (batches of 5,000 in one transaction each),
 * against the baseline of one transaction per row, measured in the same run on the same file.
 */
export async function benchOutbox(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-outbox-'));
  const store = new SqliteStore({ file: path.join(dir, 'platform.sqlite') });
  try {
    await store.migrate();
    const at = new Date().toISOString();
    const rows = Array.from({ length: ROWS }, (_, i) => row(i, 'bench-broad'));
    const started = performance.now();
    let inserted = 0;
    for (let i = 0; i < rows.length; i += BATCH) inserted += (await store.outbox.enqueue(rows.slice(i, i + BATCH), at)).inserted;
    const batchedSeconds = (performance.now() - started) / 1000;

    const rerunStarted = performance.now();
    let duplicates = 0;
    for (let i = 0; i < rows.length; i += BATCH) duplicates += (await store.outbox.enqueue(rows.slice(i, i + BATCH), at)).inserted;
    const rerunSeconds = (performance.now() - rerunStarted) / 1000;

    const baselineStarted = performance.now();
    for (let i = 0; i < BASELINE_ROWS; i += 1) await store.outbox.enqueue([row(i, 'bench-baseline')], at);
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;

    const batchedRate = inserted / batchedSeconds;
    const baselineRate = BASELINE_ROWS / baselineSeconds;
    return [
      {
        name: `outbox: enqueue ${ROWS.toLocaleString('en')} rows, batches of ${BATCH}`,
        reqPerSec: batchedRate,
        ratio: batchedRate / baselineRate,
        note: `rows/s (req/s column); ${batchedSeconds.toFixed(2)} s; target ≥ ${TARGET_ROWS_PER_SECOND.toLocaleString('en')} rows/s ${batchedRate >= TARGET_ROWS_PER_SECOND ? 'met' : 'NOT met'}; ratio vs baseline`,
      },
      {
        name: 'outbox: rerun of the same rows (idempotent)',
        reqPerSec: ROWS / rerunSeconds,
        note: `${duplicates} duplicates written (must be 0); ${rerunSeconds.toFixed(2)} s`,
      },
      { name: 'outbox baseline: one transaction per row', reqPerSec: baselineRate, note: `${BASELINE_ROWS} rows, WAL + synchronous=NORMAL` },
    ];
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await benchOutbox());
}
