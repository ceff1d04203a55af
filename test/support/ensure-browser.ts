/**
 * `npm test` runs this first (pretest). The browser suite drives Debian's chromium and needs a CJK
 * font for legible screenshots; on a fresh machine neither is there. As root with apt-get it installs
 * them, saying so; otherwise it prints the command to run and the BROWSER_TESTS=0 way to skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

export const PACKAGES = ['chromium', 'fonts-wqy-microhei'] as const;

export interface Machine {
  skip: boolean;
  hasChromium: boolean;
  hasCjkFont: boolean;
  root: boolean;
  hasAptGet: boolean;
}

export type Plan =
  | { action: 'none'; message: string | null }
  | { action: 'install'; message: string; commands: string[][] }
  | { action: 'advise'; message: string; fail: boolean };

/** What to do on this machine; pure, so the decision is tested without touching the system. */
export function planBrowserSetup(machine: Machine): Plan {
  if (machine.skip) return { action: 'none', message: 'BROWSER_TESTS=0: browser tests will be skipped.' };
  const missing = [...(machine.hasChromium ? [] : ['chromium']), ...(machine.hasCjkFont ? [] : ['a CJK font'])];
  if (missing.length === 0) return { action: 'none', message: null };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...PACKAGES];
  if (machine.root && machine.hasAptGet) {
    return {
      action: 'install',
      message: `Browser tests need ${missing.join(' and ')}: running "apt-get update && ${install.join(' ')}".`,
      commands: [['apt-get', 'update'], install],
    };
  }
  const command = `${machine.root ? '' : 'sudo '}apt-get update && ${machine.root ? '' : 'sudo '}${install.join(' ')}`;
  return {
    action: 'advise',
    // Without chromium the browser suite cannot run at all; without the font it runs with unreadable screenshots.
    fail: !machine.hasChromium,
    message:
      `Browser tests need ${missing.join(' and ')}, which this script installs only as root with apt-get.\n` +
      `  Install them:   ${command}\n` +
      '  Or skip them:   BROWSER_TESTS=0 npm test',
  };
}

function hasCjkFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().length > 0;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function inspect(): Machine {
  return {
    skip: process.env.BROWSER_TESTS === '0',
    hasChromium: fs.existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    hasCjkFont: hasCjkFont(),
    root: process.getuid?.() === 0,
    hasAptGet: onPath('apt-get'),
  };
}

function main(): number {
  const plan = planBrowserSetup(inspect());
  if (plan.action === 'none') {
    if (plan.message) console.log(plan.message);
    return 0;
  }
  if (plan.action === 'advise') {
    (plan.fail ? console.error : console.warn)(plan.message);
    return plan.fail ? 1 : 0;
  }
  console.log(plan.message);
  for (const [command, ...args] of plan.commands) {
    if (!command) continue;
    const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) {
      console.error(`"${[command, ...args].join(' ')}" failed (exit ${result.status ?? 'signal'}). Install ${PACKAGES.join(' ')} by hand, or run BROWSER_TESTS=0 npm test.`);
      return 1;
    }
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
