import { expect } from 'chai';
import type { Delivery } from '../../schemas/delivery.schema.js';
import { queuedReason } from '../../server/push/queued-reason.js';

const now = new Date('2026-03-05T02:00:00.000Z');
type Row = Pick<Delivery, 'status' | 'channel' | 'frequency' | 'messageId' | 'nextAttemptAt' | 'leaseUntil'>;
const row = (overrides: Partial<Row> = {}): Row => ({ status: 'pending', channel: 'email', frequency: 'immediate', messageId: null, nextAttemptAt: null, leaseUntil: null, ...overrides });
const open = { paused: false, reason: null };

describe('why a delivery is still queued', function () {
  it('names the digest slot, the pause, the backoff, the lane hold and pacing', function () {
    expect(queuedReason({ delivery: row({ frequency: 'daily' }), now, digestTime: '08:30', hold: open })).to.equal('等待每日汇总：每天 08:30（北京时间）发送');
    expect(queuedReason({ delivery: row({ frequency: 'weekly' }), now, digestTime: '09:00', hold: open })).to.equal('等待每周汇总：每周一 09:00（北京时间）发送');
    expect(queuedReason({ delivery: row({ frequency: 'daily', messageId: 7 }), now, digestTime: '08:30', hold: open })).to.equal('已编入汇总消息 #7，随汇总发送');
    expect(queuedReason({ delivery: row({ frequency: 'daily' }), now, digestTime: '08:30', hold: { paused: true, reason: '已暂停：演练' } })).to.equal('渠道已暂停（已暂停：演练）：恢复后发送，暂停期间不计失败');
    expect(queuedReason({ delivery: row({ status: 'failed_temporary', nextAttemptAt: '2026-03-05T02:05:00.000Z' }), now, digestTime: '08:30', hold: open })).to.equal(
      '上次发送暂时失败，退避重试：2026-03-05T02:05:00.000Z 之后再试',
    );
    expect(queuedReason({ delivery: row({ channel: 'wechat' }), now, digestTime: '08:30', hold: { paused: false, reason: '已达到今日发送上限（500 条），明天继续' } })).to.equal('已达到今日发送上限（500 条），明天继续');
    expect(queuedReason({ delivery: row({ channel: 'wechat' }), now, digestTime: '08:30', hold: open })).to.equal('排队等待发送：按微信发送间隔逐条发送');
    expect(queuedReason({ delivery: row({ status: 'sending', leaseUntil: '2026-03-05T02:01:00.000Z' }), now, digestTime: '08:30', hold: open })).to.equal('正在发送：工作进程持有租约至 2026-03-05T02:01:00.000Z');
  });

  it('says nothing for a settled delivery', function () {
    for (const status of ['sent', 'delivered', 'failed_permanent', 'skipped'] as const) {
      expect(queuedReason({ delivery: row({ status }), now, digestTime: '08:30', hold: { paused: true, reason: null } })).to.equal(null);
    }
  });
});
