import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const PROBE = fileURLToPath(new URL('../support/builtins-probe.ts', import.meta.url));

/**
 * Every JSON response, page and queue row goes through JavaScript built-ins; a dependency that swaps
 * them for polyfills in the server's realm makes all of that slower. The probe runs in its own
 * process so that nothing another test loaded decides the answer.
 */
describe('JavaScript built-ins', function () {
  it('stay as Node made them after the server is loaded and has read a PDF and a Word file', async function () {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE], { timeout: 120_000, maxBuffer: 1 << 20 });
    const report = JSON.parse(stdout) as { loaded: boolean; changed: string[]; added: string[] };
    expect(report.loaded).to.equal(true);
    expect(report.changed, 'built-ins replaced').to.deep.equal([]);
    expect(report.added, 'built-ins added').to.deep.equal([]);
  });
});
