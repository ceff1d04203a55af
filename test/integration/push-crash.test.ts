import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { seedEmailOutbox } from '../../bench/support/push-seed.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices } from '../../server/platform.js';
import { TEST_TAXONOMY_TAGS } from '../support/fixtures.js';
import { startSmtpSink, waitFor } from '../support/smtp-sink.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DELIVERIES = 10_000;
const KILL_AFTER = 3_000;

function startWorker({ env }: { env: Record<string, string> }): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  exited.then((code) => {
    if (code !== null && code !== 0) process.stderr.write(`worker exited with ${code}: ${stderr.slice(-2000)}\n`);
  });
  return { child, exited };
}

describe('dispatcher crash: a worker killed with SIGKILL half-way through 10,000 emails', function () {
  this.timeout(120_000);

  it('loses nothing, ends every delivery sent, and duplicates at most what was in flight at the kill', async () => {
    const sink = await startSmtpSink();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-crash-'));
    const env = {
      DATA_DIR: dir,
      DEMO_DATA: '0',
      LOG_LEVEL: 'warn',
      ROLES: 'workers',
      SMTP_URL: sink.url,
      PUSH_CHANNELS: 'email',
      PUSH_LEASE_MS: '3000',
      PUSH_SWEEP_INTERVAL_MS: '500',
      PUSH_POLL_MS: '20',
      MATCHER_INTERVAL_MS: '60000',
      SCHEDULER_INTERVAL_MS: '3600000',
    };
    try {
      const services = await openServices({ config: loadConfig(env), logger: createLogger({ level: 'silent' }) });
      await services.taxonomy.seed({ dimensions: [], tags: TEST_TAXONOMY_TAGS });
      await seedEmailOutbox({ services, count: DELIVERIES, domain: 'crash.example.cn' });
      await closeServices(services);

      const first = startWorker({ env });
      await waitFor(() => sink.received.length >= KILL_AFTER, { timeoutMs: 60_000, intervalMs: 5 });
      first.child.kill('SIGKILL');
      await first.exited;

      const db = new Database(path.join(dir, 'platform.sqlite'), { readonly: true });
      const count = (status: string) => Number(db.prepare('SELECT COUNT(*) FROM deliveries WHERE status = ?').pluck().get(status));
      const inFlightAtKill = count('sending');
      const sentAtKill = count('sent');
      const receivedAtKill = sink.received.length;

      const second = startWorker({ env });
      await waitFor(() => count('sent') === DELIVERIES, { timeoutMs: 60_000, intervalMs: 100 });
      second.child.kill('SIGTERM');
      await second.exited;

      const statuses = db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status').all();
      const expired = Number(db.prepare("SELECT COUNT(*) FROM delivery_attempts WHERE outcome = 'lease_expired'").pluck().get());
      db.close();
      const refs = sink.received.map((m) => m.headers.get('x-policy-push-ref') ?? '');
      const distinct = new Set(refs);
      const duplicates = refs.length - distinct.size;
      process.stdout.write(
        `      crash figures: received before kill ${receivedAtKill}, recorded sent at kill ${sentAtKill}, in flight (leased) at kill ${inFlightAtKill}, ` +
          `leases expired and requeued ${expired}, received in total ${refs.length}, distinct ${distinct.size}, duplicates ${duplicates}\n`,
      );
      expect(statuses).to.deep.equal([{ status: 'sent', n: DELIVERIES }]);
      expect(distinct.size).to.equal(DELIVERIES);
      expect(refs.every((r) => r.startsWith('delivery:'))).to.equal(true);
      expect(duplicates).to.be.at.most(inFlightAtKill);
      expect(sentAtKill).to.be.lessThan(DELIVERIES);
    } finally {
      await sink.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
