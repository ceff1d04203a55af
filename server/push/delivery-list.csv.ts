import type { DeliveryListItem } from '../../schemas/delivery-list.schema.js';
import { CHANNEL_LABELS, SUBSCRIBER_KIND_LABELS } from '../../schemas/subscriber.schema.js';
import { DELIVERY_STATUS_TEXT } from './delivery-status-text.js';

/** Byte order mark: without it spreadsheet programs read UTF-8 Chinese as mojibake. */
export const CSV_BOM = '\uFEFF';

const COLUMNS: readonly [string, (item: DeliveryListItem) => string][] = [
  ['编号', (i) => String(i.id)],
  ['政策', (i) => i.policyId],
  ['版本', (i) => String(i.version)],
  ['订阅用户', (i) => i.subscriberName],
  ['用户类型', (i) => (i.subscriberKind ? SUBSCRIBER_KIND_LABELS[i.subscriberKind] : '')],
  ['渠道', (i) => CHANNEL_LABELS[i.channel]],
  ['联系方式（已隐去部分）', (i) => i.contact ?? ''],
  ['状态', (i) => DELIVERY_STATUS_TEXT[i.status]],
  ['失败原因', (i) => i.reason ?? ''],
  ['排队原因', (i) => i.queuedReason ?? ''],
  ['尝试次数', (i) => String(i.attempts)],
  ['发送时间', (i) => i.sentAt ?? ''],
  ['入队时间', (i) => i.createdAt],
];

/** One CSV cell: a leading = + - @ (or tab, CR) would run as a formula, so it gets a quote in front. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_BOM}${COLUMNS.map(([title]) => csvCell(title)).join(',')}\r\n`;
}

export function csvLine(item: DeliveryListItem): string {
  return `${COLUMNS.map(([, value]) => csvCell(value(item))).join(',')}\r\n`;
}
