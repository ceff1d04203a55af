import type { DeliveryListItem } from '../../schemas/delivery-list.schema.js';
import { CHANNEL_LABELS, SUBSCRIBER_KIND_LABELS } from '../../schemas/subscriber.schema.js';
import { CSV_BOM, csvRow } from '../text/csv-writer.js';
import { DELIVERY_STATUS_TEXT } from './delivery-status-text.js';

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

export function csvHeader(): string {
  return `${CSV_BOM}${csvRow(COLUMNS.map(([title]) => title))}`;
}

export function csvLine(item: DeliveryListItem): string {
  return csvRow(COLUMNS.map(([, value]) => value(item)));
}
