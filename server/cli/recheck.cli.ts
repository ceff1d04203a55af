import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeServices, openServices } from '../platform.js';
import type { RecheckReport } from '../services/text-hygiene.service.js';
import { createProgressBar } from './progress-bar.js';

/**
 * `npm run recheck [-- --json]`: runs the document hygiene checks over every stored policy and
 * lists what they find (repairs that would apply, suspect lines, heading warnings). Read-only: the
 * library is cleaned by opening a revision of each policy concerned.
 */
function printReport({ report, baseUrl }: { report: RecheckReport; baseUrl: string }): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  for (const entry of report.entries) {
    out('');
    out(`${entry.policyId}  ${entry.title}`);
    out(`  ${baseUrl.replace(/\/$/u, '')}/staff/policies/${entry.policyId}/text-check`);
    for (const repair of entry.repairs) out(`  可修复  第${repair.line ?? '?'}行  ${repair.message}`);
    for (const suspect of entry.suspects) out(`  可疑    第${suspect.line}行  ${suspect.reason}：${suspect.text.slice(0, 60)}`);
    for (const warning of entry.warnings) out(`  层级    ${warning.message}`);
  }
  out('');
  out(
    `复查完成：共 ${report.checked} 份政策，${report.entries.length} 份有发现；可修复 ${report.totals.repairs} 处，可疑内容 ${report.totals.suspects} 行，标题层级警告 ${report.totals.warnings} 条。`,
  );
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const config = loadConfig();
  // Nothing is written: the search index is left to the server that owns it.
  const services = await openServices({ config, logger: createLogger({ level: 'warn' }), syncSearch: false });
  try {
    const bar = createProgressBar({ label: '文本复查' });
    const report = await services.textHygiene.recheckLibrary({ onProgress: ({ done, total }) => bar.update({ done, total }) });
    bar.finish({ done: report.checked, total: report.checked });
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printReport({ report, baseUrl: config.PUBLIC_BASE_URL });
  } finally {
    await closeServices(services);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`复查失败：${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
