import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { CARD_FONT_FAMILY } from '../../ports/image-processor.port.js';
import { escapeXml } from '../../text/markup-escape.js';

// The font files come with the project's own dependencies.
const FONT_PACKAGE = '@expo-google-fonts/noto-sans-sc';
const WEIGHT_DIRECTORIES = ['400Regular', '700Bold'];

let configured: string | null = null;

/**
 * Points fontconfig (used by sharp's SVG renderer) at the CJK font shipped in node_modules, so the
 * summary card renders Chinese on a machine that has no Chinese font at all instead of boxes.
 * fontconfig reads FONTCONFIG_FILE once, when the first text is rendered in the process, so this
 * runs at start, before any rendering. The file is written outside DATA_DIR because it must outlive
 * any one data directory in a process (tests open several).
 */
export function ensureCardFonts(): string {
  if (configured) return configured;
  const require = createRequire(import.meta.url);
  const packageRoot = path.dirname(require.resolve(`${FONT_PACKAGE}/package.json`));
  const directories = WEIGHT_DIRECTORIES.map((name) => path.join(packageRoot, name)).filter((dir) => fs.existsSync(dir));
  if (directories.length === 0) throw new Error(`font package ${FONT_PACKAGE} has no font directories under ${packageRoot}`);
  const key = crypto.createHash('sha256').update(directories.join('\n')).digest('hex').slice(0, 16);
  const home = path.join(os.tmpdir(), `policy-push-fonts-${key}`);
  const file = path.join(home, 'fonts.conf');
  const xml = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
    '<fontconfig>',
    ...directories.map((dir) => `  <dir>${escapeXml(dir)}</dir>`),
    `  <cachedir>${escapeXml(path.join(home, 'cache'))}</cachedir>`,
    // Whatever family a caller names, fall back to the bundled one rather than to nothing.
    `  <alias><family>sans-serif</family><prefer><family>${CARD_FONT_FAMILY}</family></prefer></alias>`,
    '</fontconfig>',
    '',
  ].join('\n');
  fs.mkdirSync(home, { recursive: true });
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== xml) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, xml);
    fs.renameSync(temporary, file);
  }
  process.env.FONTCONFIG_FILE = file;
  configured = file;
  return file;
}
