import type { DeliveryStatus } from '../../schemas/delivery.schema.js';

/** Delivery statuses in staff words, for the pages and the exports alike. */
export const DELIVERY_STATUS_TEXT: Record<DeliveryStatus, string> = {
  pending: '排队中',
  sending: '发送中',
  sent: '已发送',
  delivered: '已送达',
  failed_temporary: '暂时失败，将重试',
  failed_permanent: '发送失败',
  skipped: '未发送',
};
