import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, format, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/** What `npm run lint:boundaries` checks: the application code, not tests or benchmarks. */
export const CHECKED_FOLDERS = ['server', 'workers', 'schemas'] as const;

export interface BoundaryViolation {
  rule: string;
  from: string;
  to: string;
}

/**
 * Runs the rule set in `.dependency-cruiser.cjs` of `root` over its application folders. Through the
 * API rather than the `depcruise` command because the command refuses Node 20, which the project
 * (and its Docker image) runs on; the analysis itself works there.
 */
export async function checkBoundaries({ root, folders = CHECKED_FOLDERS }: { root: string; folders?: readonly string[] }): Promise<{ violations: BoundaryViolation[]; report: string }> {
  const options = await extractDepcruiseOptions(path.join(root, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(path.join(root, 'tsconfig.json'));
  // Rule paths are relative to `root`, as they are to the folder the command runs in.
  const { output } = await cruise([...folders], { ...options, baseDir: root, validate: true }, undefined, { tsConfig });
  if (typeof output === 'string') throw new Error('dependency-cruiser returned a formatted report instead of a result');
  return { violations: violationsOf(output), report: String((await format(output, { outputType: 'err' })).output) };
}

function violationsOf(result: ICruiseResult): BoundaryViolation[] {
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { violations, report } = await checkBoundaries({ root });
  process.stdout.write(report);
  if (violations.length > 0) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  });
}
