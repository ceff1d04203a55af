import type { MetadataProposal } from '../ingest.types.js';
import { addYears, findDates, standaloneDate } from './chinese-date.js';
import { findDocumentNumber } from './document-number.js';

/**
 * Reads the 公文 elements (GB/T 9704) off the text itself, for the drafter to confirm: nothing here
 * is stored without the drafter seeing it. Every finder returns nothing rather than a guess when
 * the text does not follow the convention.
 */

/** Words a 公文 title ends with (its 文种). */
const TITLE_ENDINGS = /(?:通知|通告|公告|办法|意见|规定|决定|方案|细则|规划|批复|函|通报|指南|条例|措施|实施意见|规则|指引|纲要|计划|要点|报告|决议|命令|议案|纪要|公报|清单|目录|标准|解读)$/u;
const ISSUER_ENDINGS = /(?:局|厅|委员会|委|办公室|办公厅|政府|部|院|署|中心|会|处|所|司|室|党组|管委会)$/u;
const ATTACHMENT_HEAD_RE = /^附\s*件\s*(\d{0,2})\s*[:：]?\s*(.*)$/u;
const LIST_ITEM_RE = /^(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*[.．、]\s*(.+)$/u;
const ISSUED_LINE_RE = /印\s*发\s*$/u;
const TITLE_MAX = 100;

function clean(line: string): string {
  return line.trim().replace(/\s+/gu, ' ');
}

function isTitleLike(line: string): boolean {
  const len = Array.from(line).length;
  return len >= 4 && len <= TITLE_MAX && !/[。；;！!？?]$/u.test(line) && !line.endsWith('：') && !line.endsWith(':');
}

/** Title: the first line (or two wrapped lines) ending with a 文种 word, near the top. */
/** A numbered heading (一、 / （一） / 1. / 第X条) is part of the body, never the document's title. */
const HEADING_START = /^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|第[一二三四五六七八九十百\d]+[章节条款])/u;

function findTitle({ lines, declared }: { lines: readonly string[]; declared?: string }): { title: string; index: number } | null {
  // The title comes before the addressees and the first sentence of the text.
  const bodyStart = lines.findIndex((line) => /[：:。；;]$/u.test(line) || HEADING_START.test(line));
  const head = lines.slice(0, Math.min(12, bodyStart >= 0 ? bodyStart : lines.length));
  for (let i = 0; i < head.length; i += 1) {
    const line = head[i] ?? '';
    if (!isTitleLike(line) || (findDocumentNumber({ line }) && Array.from(line).length < 24)) continue;
    if (TITLE_ENDINGS.test(line)) return { title: line, index: i };
    const next = head[i + 1] ?? '';
    const joined = `${line}${next}`;
    if (next !== '' && isTitleLike(joined) && TITLE_ENDINGS.test(joined) && !TITLE_ENDINGS.test(next.slice(0, 2))) {
      return { title: joined, index: i + 1 };
    }
  }
  if (declared && isTitleLike(clean(declared))) return { title: clean(declared), index: -1 };
  return null;
}

/** 主送机关: the first line after the title that ends with a colon and names bodies (各区知识产权局，各有关单位：). */
function findAddressees({ lines, after }: { lines: readonly string[]; after: number }): string[] | undefined {
  for (let i = Math.max(0, after + 1); i < Math.min(lines.length, after + 6); i += 1) {
    const line = lines[i] ?? '';
    const m = /^(.{2,150}?)[：:]$/u.exec(line);
    if (!m) continue;
    const names = (m[1] ?? '')
      .split(/[，,；;]/u)
      .map((name) => name.trim())
      .filter((name) => name !== '');
    if (names.length > 0 && names.every((name) => ISSUER_ENDINGS.test(name) || /单位|部门|机构|企业|学校|高校|园区|各/u.test(name))) return names;
  }
  return undefined;
}

/** 附件 list: `附件：1.xxx` / `附件1：xxx` lines and the numbered lines right after them. */
function findAttachments({ lines }: { lines: readonly string[] }): { names: string[] } | null {
  const names: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const m = ATTACHMENT_HEAD_RE.exec(lines[i] ?? '');
    if (!m) continue;
    const rest = clean(m[2] ?? '');
    // A bare "附件1" heading over an attachment body is not the list; its title is the next line.
    if (rest === '' && m[1] !== '') continue;
    if (rest !== '') names.push(rest.replace(LIST_ITEM_RE, '$1'));
    for (let j = i + 1; j < lines.length; j += 1) {
      const item = LIST_ITEM_RE.exec(lines[j] ?? '');
      if (!item) break;
      names.push(clean(item[1] ?? ''));
      i = j;
    }
    if (names.length > 0) break;
  }
  if (names.length === 0) {
    // No list: the bodies' own headings (附件1 / 标题) name them.
    for (let i = 0; i < lines.length; i += 1) {
      const m = /^附\s*件\s*\d{1,2}$/u.exec(lines[i] ?? '');
      const title = lines[i + 1];
      if (!m || title === undefined || title === '') continue;
        names.push(title);
    }
  }
  return names.length > 0 ? { names: names.map((name) => name.replace(/[。；;]$/u, '')) } : null;
}

/** 成文日期: the last date standing alone on a line before the attachments (the signature block). */
function findWrittenOn({ lines, end }: { lines: readonly string[]; end: number }): { iso: string; index: number } | null {
  for (let i = end - 1; i >= 0; i -= 1) {
    const iso = standaloneDate({ line: lines[i] ?? '' });
    if (iso) return { iso, index: i };
  }
  return null;
}

function findIssuedOn({ lines }: { lines: readonly string[] }): string | undefined {
  for (const line of lines) {
    if (!ISSUED_LINE_RE.test(line)) continue;
    const dates = findDates({ text: line });
    const last = dates.at(-1);
    if (last) return last.iso;
  }
  return undefined;
}

function issuerFromTitle(title: string): string | undefined {
  const m = /^(.{2,60}?)(?:关于|印发)/u.exec(title);
  const issuer = m?.[1]?.trim();
  return issuer && ISSUER_ENDINGS.test(issuer) ? issuer : undefined;
}

function validityOf({ lines, fallbackStart }: { lines: readonly string[]; fallbackStart?: string }): Pick<MetadataProposal, 'effectiveFrom' | 'effectiveUntil' | 'validityText'> {
  const out: Pick<MetadataProposal, 'effectiveFrom' | 'effectiveUntil' | 'validityText'> = {};
  const sentences: string[] = [];
  for (const line of lines) {
    for (const sentence of line.split(/(?<=[。；;])/u)) {
      if (!/(?:起(?:施行|实施|执行|生效)|有效期)/u.test(sentence)) continue;
      sentences.push(sentence.trim());
      const from = /自(.{0,20}?)起(?:施行|实施|执行|生效)/u.exec(sentence);
      if (from && out.effectiveFrom === undefined) {
        const date = findDates({ text: from[1] ?? '' })[0]?.iso ?? (/印发|发布|公布/u.test(from[1] ?? '') ? fallbackStart : undefined);
        if (date) out.effectiveFrom = date;
      }
      const until = /有效期(?:至|到|截至)(.{0,20})/u.exec(sentence);
      const untilDate = until ? findDates({ text: until[1] ?? '' })[0]?.iso : undefined;
      if (untilDate && out.effectiveUntil === undefined) out.effectiveUntil = untilDate;
      const years = /有效期(?:为)?\s*(\d{1,2}|[一二三四五六七八九十])\s*年/u.exec(sentence);
      const count = years ? Number.parseInt(years[1] ?? '', 10) || '一二三四五六七八九十'.indexOf(years[1] ?? '') + 1 : 0;
      if (count > 0 && out.effectiveUntil === undefined && out.effectiveFrom) out.effectiveUntil = addYears({ from: out.effectiveFrom, years: count });
    }
  }
  if (sentences.length > 0) out.validityText = sentences;
  return out;
}

/** Proposes the document's metadata from its text (one paragraph per line). */
export function proposeMetadata({ text, declaredTitle }: { text: string; declaredTitle?: string }): MetadataProposal {
  const lines = text.split('\n').map(clean);
  const proposal: MetadataProposal = {};

  const title = findTitle({ lines, ...(declaredTitle === undefined ? {} : { declared: declaredTitle }) });
  if (title) proposal.title = title.title;

  for (const line of lines.slice(0, 15)) {
    const number = findDocumentNumber({ line });
    if (number) {
      proposal.documentNumber = number.value;
      break;
    }
  }

  const addressees = findAddressees({ lines, after: title?.index ?? -1 });
  if (addressees) proposal.addressees = addressees;

  const attachments = findAttachments({ lines });
  if (attachments) proposal.attachments = attachments.names;

  // The signature block closes the main text, before the attachment bodies (附件1 on a line of its own).
  const firstBody = lines.findIndex((line) => /^附\s*件\s*\d{0,2}\s*[:：]?$/u.test(line));
  const bodyEnd = firstBody >= 0 ? firstBody : lines.length;
  const written = findWrittenOn({ lines, end: bodyEnd });
  if (written) proposal.writtenOn = written.iso;

  // 发文机关署名 sits right above the 成文日期.
  const signature = written ? clean(lines[written.index - 1] ?? '') : '';
  if (signature !== '' && Array.from(signature).length <= 40 && ISSUER_ENDINGS.test(signature.split(/\s+/u)[0] ?? '')) {
    proposal.issuer = signature;
  } else if (proposal.title) {
    const fromTitle = issuerFromTitle(proposal.title);
    if (fromTitle) proposal.issuer = fromTitle;
  }

  const issuedOn = findIssuedOn({ lines });
  if (issuedOn) proposal.issuedOn = issuedOn;

  Object.assign(proposal, validityOf({ lines, ...(issuedOn ?? written?.iso ? { fallbackStart: issuedOn ?? written?.iso ?? '' } : {}) }));
  return proposal;
}
