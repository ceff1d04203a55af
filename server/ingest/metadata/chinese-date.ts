import { chineseNumeralToNumber } from '../../text/article-parser.js';

/**
 * Dates as 公文 write them: 二〇二三年三月一日, 二〇二三年十二月三十一日 (成文日期 in Chinese numerals,
 * where typists also use ○, O or 零 for 〇) and 2023年3月1日.
 */
const CN_DIGIT = '[〇○Ｏ零一二三四五六七八九十]';
const DATE_RE = new RegExp(
  `((?:19|20)\\d{2}|${CN_DIGIT}{4})\\s*年\\s*(\\d{1,2}|${CN_DIGIT}{1,3})\\s*月\\s*(\\d{1,2}|${CN_DIGIT}{1,4})\\s*日`,
  'gu',
);

export interface FoundDate {
  /** `YYYY-MM-DD`. */
  iso: string;
  raw: string;
  index: number;
}

function numberOf(text: string): number | null {
  return chineseNumeralToNumber({ numeral: text.replace(/[○Ｏ]/gu, '〇') });
}

function isoOf({ year, month, day }: { year: number; month: number; day: number }): string | null {
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return null;
  return date.toISOString().slice(0, 10);
}

/** Every valid date in the text, in order. */
export function findDates({ text }: { text: string }): FoundDate[] {
  const found: FoundDate[] = [];
  for (const m of text.matchAll(DATE_RE)) {
    const year = numberOf(m[1] ?? '');
    const month = numberOf(m[2] ?? '');
    const day = numberOf(m[3] ?? '');
    if (year === null || month === null || day === null) continue;
    const iso = isoOf({ year, month, day });
    if (iso) found.push({ iso, raw: m[0], index: m.index ?? 0 });
  }
  return found;
}

/** The date when the line is nothing but a date (a 成文日期 line), else null. */
export function standaloneDate({ line }: { line: string }): string | null {
  const trimmed = line.trim().replace(/^[（(]/u, '').replace(/[）)]$/u, '');
  const [first] = findDates({ text: trimmed });
  if (!first || first.raw.length !== trimmed.length) return null;
  return first.iso;
}

/** The day before `years` years after `from`: 有效期5年 from 2026-01-01 runs to 2030-12-31. */
export function addYears({ from, years }: { from: string; years: number }): string {
  const date = new Date(`${from}T00:00:00Z`);
  date.setUTCFullYear(date.getUTCFullYear() + years);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}
