import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const PROBE = fileURLToPath(new URL('../support/library-load-probe.ts', import.meta.url));

/**
 * The scale-out drivers, the Word and web-page readers' libraries and the workbook writer hold some
 * 40 MB of heap that every full collection marks, so a web process loads the drivers only when
 * configured and the others when it first uses them.
 * The probe runs in its own process so that nothing another test loaded decides the answer.
 */
describe('Heavy libraries in a web process on the embedded default', function () {
  it('are not loaded at start; the readers and the workbook writer load with the first file and workbook', async function () {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE], { timeout: 120_000, maxBuffer: 1 << 20 });
    const report = JSON.parse(stdout) as { atStart: string[]; afterUse: string[] };
    expect(report.atStart).to.deep.equal([]);
    expect(report.afterUse).to.have.members(['exceljs', 'cheerio', 'mammoth']);
  });
});
