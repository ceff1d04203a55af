import type { IngestWarning, PreparedDocument, Repair } from './ingest.types.js';
import { stripHtmlResidue } from './hygiene/html-residue.js';
import { matchPageChrome } from './hygiene/page-chrome.js';
import { stripPinyinAnnotations } from './hygiene/pinyin-annotations.js';
import { findSuspectLines } from './hygiene/suspect-lines.js';
import { proposeMetadata } from './metadata/metadata-proposal.js';
import { parseStructure } from '../text/article-parser.js';
import { normalizeText } from '../text/text-normalizer.js';

/**
 * Characters that are invisible but split words for search (zero-width spaces and joiners, soft
 * hyphens, a byte-order mark inside the text).
 */
const INVISIBLE_RE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/gu;

export interface PrepareInput {
  text: string;
  /** A title the container declared, used when the text has no recognisable title line. */
  title?: string;
  /** Hosts of the issuer besides *.gov.cn, whose links are not flagged. */
  allowedHosts?: readonly string[];
}

function repairLine({ line, normalizedLine, lineNumber, repairs }: { line: string; normalizedLine: string; lineNumber: number; repairs: Repair[] }): string | null {
  let text = line;
  // The line as search folds it, kept in step with `text` (recomputed only after a change).
  let normalized = normalizedLine;
  const record = ({ code, message, after }: { code: string; message: string; after: string }): void => {
    repairs.push({ code, message, line: lineNumber, before: text, after });
    text = after;
    normalized = normalizeText(after);
  };

  const visible = text.replace(INVISIBLE_RE, '');
  if (visible !== text) record({ code: 'invisible_characters', message: '删除不可见字符（零宽空格等）', after: visible });

  const html = stripHtmlResidue({ line: text });
  if (html.tags.length > 0 || html.entities.length > 0) {
    const parts = [
      html.tags.length > 0 ? `网页标签 ${html.tags.slice(0, 3).join(' ')}${html.tags.length > 3 ? ' 等' : ''}` : '',
      html.entities.length > 0 ? `字符实体 ${html.entities.slice(0, 3).join(' ')}${html.entities.length > 3 ? ' 等' : ''}` : '',
    ].filter((part) => part !== '');
    record({ code: 'html_residue', message: `删除残留的${parts.join('和')}`, after: html.text });
  }

  const pinyin = stripPinyinAnnotations({ line: text, normalized });
  if (pinyin.removed.length > 0) {
    const sample = pinyin.removed.slice(0, 4).join('');
    record({ code: 'pinyin_annotation', message: `删除拼音注音 ${pinyin.removed.length} 处：${sample}${pinyin.removed.length > 4 ? '…' : ''}`, after: pinyin.text });
  }

  const chrome = matchPageChrome({ line: text, normalized });
  if (chrome) {
    record({ code: 'page_chrome', message: `删除网页栏目内容（${chrome.name}）`, after: '' });
    return null;
  }
  // A line that held only markup is gone rather than left as a blank paragraph.
  if (text.trim() === '' && line.trim() !== '') return null;
  return text;
}

/**
 * Repairs a document's text and lists what a drafter must confirm.
 *
 * Line numbers: a `Repair` points at the line of the text as it arrived; a `SuspectLine` and a
 * structure warning point at the line of the repaired `text`, where the drafter decides on it.
 * The repaired text keeps its original characters (Traditional, full-width): search folds them at
 * indexing and query time (text-normalizer), and the public text shows what the office wrote.
 */
export function prepareDocument(input: PrepareInput): PreparedDocument {
  const repairs: Repair[] = [];
  const kept: string[] = [];
  const source = input.text.replace(/\r\n?/gu, '\n');
  // One pass of the normaliser for the whole text: it keeps lengths, so its lines match the source's.
  const normalizedLines = normalizeText(source).split('\n');
  source.split('\n').forEach((line, index) => {
    const repaired = repairLine({ line, normalizedLine: normalizedLines[index] ?? normalizeText(line), lineNumber: index + 1, repairs });
    if (repaired !== null) kept.push(repaired);
  });
  const text = kept.join('\n');

  const suspects = findSuspectLines({ text, options: input.allowedHosts ? { allowedHosts: input.allowedHosts } : {} });
  const warnings: IngestWarning[] = parseStructure({ body: text }).warnings;
  const metadata = proposeMetadata({ text, ...(input.title === undefined ? {} : { declaredTitle: input.title }) });
  return { text, repairs, suspects, warnings, metadata };
}
