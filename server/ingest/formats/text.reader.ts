import { parseCsv } from '../../subscribers/csv.js';
import { decodeText, type DecodedText } from '../decode.js';
import type { ExtractedBlock, ExtractedDocument, IngestWarning } from '../ingest.types.js';

export function encodingWarnings(decoded: DecodedText): IngestWarning[] {
  if (!decoded.uncertain) return [];
  return [{ code: 'encoding_uncertain', message: `按 ${decoded.encoding.toUpperCase()} 解码；GB18030 与 Big5 都能读通，请核对正文是否正常。` }];
}

const lineBreaks = (text: string) => text.replace(/\r\n?/g, '\n');

/** `.txt`: one paragraph a line, as the office typed it. */
export function readPlainText({ bytes }: { bytes: Uint8Array }): ExtractedDocument {
  const decoded = decodeText({ bytes });
  const text = lineBreaks(decoded.text);
  const blocks: ExtractedBlock[] = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => ({ kind: 'paragraph', text: line }));
  return { format: 'txt', encoding: decoded.encoding, text, blocks, warnings: encodingWarnings(decoded) };
}

/** `.md`: ATX headings (`#`…`######`) become headings; the first level-1 heading is the title. */
export function readMarkdown({ bytes }: { bytes: Uint8Array }): ExtractedDocument {
  const decoded = decodeText({ bytes });
  const blocks: ExtractedBlock[] = [];
  const lines: string[] = [];
  for (const raw of lineBreaks(decoded.text).split('\n')) {
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(raw);
    const item = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(raw);
    if (heading?.[1] && heading[2]) {
      blocks.push({ kind: 'heading', level: heading[1].length, text: heading[2] });
      lines.push(heading[2]);
    } else if (item?.[1]) {
      blocks.push({ kind: 'list-item', text: raw.trim() });
      lines.push(raw.trim());
    } else {
      if (raw.trim()) blocks.push({ kind: 'paragraph', text: raw.trim() });
      lines.push(raw);
    }
  }
  const title = blocks.find((b) => b.kind === 'heading' && b.level === 1)?.text;
  return { format: 'md', encoding: decoded.encoding, text: lines.join('\n'), blocks, ...(title ? { title } : {}), warnings: encodingWarnings(decoded) };
}

/** `.csv` (as Excel saves it): the rows as one table, tab-separated. */
export function readCsv({ bytes }: { bytes: Uint8Array }): ExtractedDocument {
  const decoded = decodeText({ bytes });
  const rows = [...parseCsv(decoded.text)].map(({ fields }) => fields.map((f) => f.replace(/\s+/g, ' ').trim()).join('\t'));
  const text = rows.join('\n');
  return { format: 'csv', encoding: decoded.encoding, text, blocks: text ? [{ kind: 'table', text }] : [], warnings: encodingWarnings(decoded) };
}
