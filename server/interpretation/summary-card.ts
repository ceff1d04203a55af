import { CARD_FONT_FAMILY } from '../ports/image-processor.port.js';
import { escapeXml } from '../text/markup-escape.js';

/**
 * 政策一图读懂: a one-image summary of a published version (title, 文号, issuer, key points, who it is
 * for, the deadline), laid out as SVG (rendered to PNG by the image processor port), for the policy page, e-mails and WeChat.
 * SVG has no line wrapping, so lines are broken here with the usual Chinese rules: no line starts
 * with closing punctuation, and Latin words and numbers stay whole.
 */

export interface CardInput {
  title: string;
  docNumber: string | null;
  issuer: string;
  issuedAt: string | null;
  keyPoints: string[];
  audience: string | null;
  deadline: { label: string; date: string } | null;
  footer: string;
}

const WIDTH = 1080;
const MARGIN = 72;
const CONTENT = WIDTH - 2 * MARGIN;
const RED = '#b3261e';
const INK = '#1d1d1f';
const MUTED = '#5f6368';
const PANEL = '#fdf3f2';

const NO_LINE_START = new Set([...'，。、；：？！）》」』】〕…—,.;:?!)%']);
const NO_LINE_END = new Set([...'（《「『【〔(']);

/** Advance widths in ems, close to the bundled font's: ideographs are square, Latin is narrower. */
function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code >= 0x2e80) return 1;
  if (char === ' ') return 0.26;
  if (char === '%') return 0.9;
  if (/[0-9]/.test(char)) return 0.56;
  if (/[A-Z]/.test(char)) return 0.66;
  if (/[a-z]/.test(char)) return 0.54;
  if (code >= 0x2000) return 1;
  return 0.34;
}

function textWidth(text: string, fontSize: number): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width * fontSize;
}

/** Units that must not be split across lines: a Latin word or number, or one other character. */
function breakUnits(text: string): string[] {
  return text.match(/[A-Za-z0-9][A-Za-z0-9.,%:/-]*|[\s\S]/gu) ?? [];
}

export function wrapText({ text, fontSize, maxWidth, maxLines }: { text: string; fontSize: number; maxWidth: number; maxLines: number }): string[] {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean === '') return [];
  const lines: string[] = [];
  let line = '';
  const units = breakUnits(clean);
  for (let i = 0; i < units.length; i++) {
    const unit = units[i] ?? '';
    if (line === '' && unit === ' ') continue;
    const candidate = line + unit;
    if (textWidth(candidate, fontSize) <= maxWidth || line === '' || NO_LINE_START.has(unit)) {
      line = candidate;
      continue;
    }
    // Carry an opening bracket down with the word it opens.
    let carry = '';
    while (line.length > 1 && NO_LINE_END.has(line.at(-1) ?? '')) {
      carry = (line.at(-1) ?? '') + carry;
      line = line.slice(0, -1);
    }
    lines.push(line.trimEnd());
    line = carry + (unit === ' ' ? '' : unit);
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = kept[maxLines - 1] ?? '';
  while (last.length > 0 && textWidth(`${last}…`, fontSize) > maxWidth) last = last.slice(0, -1);
  kept[maxLines - 1] = `${last}…`;
  return kept;
}

function chineseDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

interface Block {
  svg: string;
  height: number;
}

function textLines({ lines, x, y, fontSize, lineHeight, fill, weight = 400 }: { lines: string[]; x: number; y: number; fontSize: number; lineHeight: number; fill: string; weight?: number }): string {
  return lines
    .map((line, i) => `<text x="${x}" y="${y + fontSize + i * lineHeight}" font-size="${fontSize}" font-weight="${weight}" fill="${fill}">${escapeXml(line)}</text>`)
    .join('');
}

function keyPointBlock({ points, top }: { points: string[]; top: number }): Block {
  const fontSize = 36;
  const lineHeight = 54;
  const indent = 78;
  let y = top;
  const parts: string[] = [];
  points.forEach((point, index) => {
    const lines = wrapText({ text: point, fontSize, maxWidth: CONTENT - indent, maxLines: 3 });
    parts.push(`<circle cx="${MARGIN + 26}" cy="${y + 26}" r="26" fill="${RED}"/>`);
    parts.push(`<text x="${MARGIN + 26}" y="${y + 38}" font-size="32" font-weight="700" fill="#ffffff" text-anchor="middle">${index + 1}</text>`);
    parts.push(textLines({ lines, x: MARGIN + indent, y: y - 6, fontSize, lineHeight, fill: INK }));
    y += Math.max(1, lines.length) * lineHeight + 28;
  });
  return { svg: parts.join(''), height: y - top };
}

/** The card as SVG; its height follows the content. */
export function layoutSummaryCard(input: CardInput): string {
  const parts: string[] = [];
  let y = 0;
  // Header band.
  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="150" fill="${RED}"/>`);
  parts.push(`<text x="${MARGIN}" y="92" font-size="54" font-weight="700" fill="#ffffff">政策一图读懂</text>`);
  const issuerLines = wrapText({ text: input.issuer, fontSize: 30, maxWidth: 560, maxLines: 1 });
  parts.push(`<text x="${WIDTH - MARGIN}" y="90" font-size="30" fill="#ffe9e7" text-anchor="end">${escapeXml(issuerLines[0] ?? '')}</text>`);
  y = 150 + 64;

  const titleLines = wrapText({ text: input.title, fontSize: 52, maxWidth: CONTENT, maxLines: 3 });
  parts.push(textLines({ lines: titleLines, x: MARGIN, y, fontSize: 52, lineHeight: 72, fill: INK, weight: 700 }));
  y += titleLines.length * 72 + 16;
  const meta = [input.docNumber, input.issuedAt ? `${chineseDate(input.issuedAt)}印发` : null].filter((part): part is string => Boolean(part)).join('　');
  if (meta !== '') {
    parts.push(textLines({ lines: wrapText({ text: meta, fontSize: 30, maxWidth: CONTENT, maxLines: 1 }), x: MARGIN, y, fontSize: 30, lineHeight: 40, fill: MUTED }));
    y += 56;
  }
  parts.push(`<rect x="${MARGIN}" y="${y + 8}" width="${CONTENT}" height="4" fill="${RED}"/>`);
  y += 56;

  if (input.keyPoints.length > 0) {
    parts.push(`<text x="${MARGIN}" y="${y + 40}" font-size="40" font-weight="700" fill="${RED}">核心要点</text>`);
    y += 80;
    const block = keyPointBlock({ points: input.keyPoints.slice(0, 5), top: y });
    parts.push(block.svg);
    y += block.height + 8;
  }

  const panels: { label: string; text: string }[] = [];
  if (input.audience) panels.push({ label: '惠及对象', text: input.audience });
  if (input.deadline) panels.push({ label: input.deadline.label, text: chineseDate(input.deadline.date) });
  for (const panel of panels) {
    const lines = wrapText({ text: panel.text, fontSize: 34, maxWidth: CONTENT - 64, maxLines: 3 });
    const height = 40 + 46 + lines.length * 50 + 24;
    parts.push(`<rect x="${MARGIN}" y="${y}" width="${CONTENT}" height="${height}" rx="20" fill="${PANEL}"/>`);
    parts.push(`<text x="${MARGIN + 32}" y="${y + 68}" font-size="34" font-weight="700" fill="${RED}">${escapeXml(panel.label)}</text>`);
    parts.push(textLines({ lines, x: MARGIN + 32, y: y + 86, fontSize: 34, lineHeight: 50, fill: INK }));
    y += height + 28;
  }

  y += 24;
  const footerLines = wrapText({ text: input.footer, fontSize: 26, maxWidth: CONTENT, maxLines: 2 });
  parts.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${footerLines.length * 38 + 60}" fill="#f4f4f5"/>`);
  parts.push(textLines({ lines: footerLines, x: MARGIN, y: y + 22, fontSize: 26, lineHeight: 38, fill: MUTED }));
  y += footerLines.length * 38 + 60;

  const height = Math.max(y, 1080);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<g font-family="${CARD_FONT_FAMILY}, sans-serif">`,
    ...parts,
    '</g>',
    '</svg>',
  ].join('');
}

/** 3–5 points for the card: the drafter's, topped up with the first sentences of the benefits and content. */
export function cardKeyPoints({ keyPoints, benefits, mainContent }: { keyPoints: string[]; benefits: string | null; mainContent: string | null }): string[] {
  const points = [...keyPoints];
  const sentences = [benefits, mainContent]
    .flatMap((text) => (text ?? '').split(/[。；;\n]/u))
    .map((sentence) => sentence.replace(/^[\s（(]*[一二三四五六七八九十\d]+[、.．)）]\s*/u, '').trim())
    .filter((sentence) => sentence.length >= 6);
  for (const sentence of sentences) {
    if (points.length >= 3) break;
    if (!points.includes(sentence)) points.push(sentence.length > 60 ? `${sentence.slice(0, 59)}…` : sentence);
  }
  return points.slice(0, 5);
}
