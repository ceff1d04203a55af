import { SUBSCRIBE_FIELD_LIMITS, type OfficialAccountFields, type SubscribeFieldKind } from '../../../schemas/wechat-channels.schema.js';
import type { Notice } from './notice.js';

const KIND_LABELS: Record<Notice['kind'], string> = { policy: '新政策', reminder: '申报提醒', digest: '政策汇总', test: '测试消息' };

function fieldKind(key: string): SubscribeFieldKind {
  const prefix = /^([a-z_]+?)\d+$/.exec(key)?.[1] ?? 'thing';
  return prefix in SUBSCRIBE_FIELD_LIMITS ? (prefix as SubscribeFieldKind) : 'thing';
}

/** Shanghai wall-clock parts of an instant. */
function shanghai(iso: string): { date: string; time: string } {
  const at = new Date(Date.parse(iso) + 8 * 3_600_000).toISOString();
  return { date: at.slice(0, 10), time: `${at.slice(0, 10)} ${at.slice(11, 16)}` };
}

/**
 * A value cut to what the platform accepts for the field's kind. Counted in characters (code
 * points), as the platform counts them; a cut `thing` ends with an ellipsis so it does not read as
 * the whole title. `character_string` takes letters, digits and symbols only.
 */
export function fieldValue({ key, value }: { key: string; value: string }): string {
  const kind = fieldKind(key);
  const limit = SUBSCRIBE_FIELD_LIMITS[kind];
  let text = value.replace(/\s+/g, ' ').trim();
  if (kind === 'character_string' || kind === 'letter' || kind === 'number' || kind === 'symbol') text = text.replace(/[^\x21-\x7e]/g, '');
  if (text === '') text = '-';
  const chars = Array.from(text);
  if (chars.length <= limit) return text;
  if (kind === 'thing' || kind === 'name') return `${chars.slice(0, limit - 1).join('')}…`;
  return chars.slice(0, limit).join('');
}

/** The template's `data`: each configured keyword with its value, cut to the field's limit. */
export function subscribeData({ notice, fields }: { notice: Notice; fields: OfficialAccountFields }): Record<string, { value: string }> {
  const count = notice.items.length;
  const title = notice.kind === 'digest' ? `${notice.title}（${count}条）` : notice.kind === 'reminder' && notice.daysLeft !== null ? `${notice.daysLeft}天后截止：${notice.title}` : notice.title;
  const when = shanghai(notice.at);
  const candidates: [string | null, string][] = [
    [fields.title, title],
    [fields.issuer, notice.issuer ?? notice.items[0]?.issuer ?? '政策推送平台'],
    [fields.date, fields.date && fieldKind(fields.date) === 'date' ? when.date : when.time],
    [fields.kind, KIND_LABELS[notice.kind]],
    [fields.number, notice.docNumber ?? (count > 0 ? String(count) : '-')],
  ];
  const data: Record<string, { value: string }> = {};
  for (const [key, value] of candidates) {
    if (key) data[key] = { value: fieldValue({ key, value }) };
  }
  return data;
}
