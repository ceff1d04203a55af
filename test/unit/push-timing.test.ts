import { expect } from 'chai';
import { fullJitterDelay, jitteredInterval, TokenBucket } from '../../server/push/rate.js';
import { daysBetween, latestDailySlot, latestWeeklySlot, shanghaiMidnight } from '../../server/push/schedule.js';
import { loadConfig } from '../../server/config.js';
import { classifySmtpError } from '../../server/adapters/nodemailer/nodemailer.mail-transport.js';

describe('push timing: Shanghai slots, backoff, token buckets', () => {
  it('puts the daily slot at 08:30 Asia/Shanghai (00:30 UTC) and the weekly one on Monday', () => {
    expect(latestDailySlot({ now: new Date('2026-03-02T00:29:59Z'), time: '08:30' }).runKey).to.equal('daily:2026-03-01');
    expect(latestDailySlot({ now: new Date('2026-03-02T00:30:00Z'), time: '08:30' })).to.deep.equal({
      runKey: 'daily:2026-03-02',
      frequency: 'daily',
      slotAt: '2026-03-02T00:30:00.000Z',
      date: '2026-03-02',
    });
    // Sunday 23:00 in Shanghai is still last week's slot; Monday 08:30 opens a new one.
    expect(latestWeeklySlot({ now: new Date('2026-03-01T15:00:00Z'), time: '08:30' }).runKey).to.equal('weekly:2026-02-23');
    expect(latestWeeklySlot({ now: new Date('2026-03-02T00:31:00Z'), time: '08:30' }).runKey).to.equal('weekly:2026-03-02');
    expect(latestWeeklySlot({ now: new Date('2026-03-08T10:00:00Z'), time: '08:30' }).runKey).to.equal('weekly:2026-03-02');
    expect(shanghaiMidnight(new Date('2026-03-02T15:59:00Z')).toISOString()).to.equal('2026-03-01T16:00:00.000Z');
    expect(daysBetween({ from: '2026-03-02', to: '2026-03-09' })).to.equal(7);
  });

  it('spreads retries with full jitter under a capped exponential', () => {
    expect(fullJitterDelay({ attempt: 1, baseMs: 1000, maxMs: 60_000, random: () => 0.999 })).to.equal(999);
    expect(fullJitterDelay({ attempt: 4, baseMs: 1000, maxMs: 60_000, random: () => 0.5 })).to.equal(4000);
    expect(fullJitterDelay({ attempt: 20, baseMs: 1000, maxMs: 60_000, random: () => 0.5 })).to.equal(30_000);
    expect(fullJitterDelay({ attempt: 3, baseMs: 1000, maxMs: 60_000, random: () => 0 })).to.equal(0);
    expect(jitteredInterval({ intervalMs: 1000, jitterMs: 300, random: () => 0 })).to.equal(700);
    expect(jitteredInterval({ intervalMs: 1000, jitterMs: 300, random: () => 1 })).to.equal(1300);
  });

  it('lets a burst through up to capacity, then refills at the rate', async () => {
    let clock = 0;
    const bucket = new TokenBucket({ ratePerSecond: 10, capacity: 3, now: () => clock });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).to.deep.equal([true, true, true, false]);
    clock += 100;
    expect(bucket.tryTake()).to.equal(true);
    expect(bucket.tryTake()).to.equal(false);
    const real = new TokenBucket({ ratePerSecond: 50, capacity: 1 });
    const started = performance.now();
    for (let i = 0; i < 6; i += 1) await real.take();
    expect(performance.now() - started).to.be.at.least(90);
  });

  it('classifies SMTP answers: 5xx for a recipient is permanent, 4xx and network errors are retried', () => {
    const rcpt = classifySmtpError({ message: 'Mailbox unavailable', code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', rejected: ['a@b.cn'] });
    expect([rcpt.errorClass, rcpt.permanent, rcpt.rejectedPermanently]).to.deep.equal(['recipient_rejected', true, ['a@b.cn']]);
    expect(classifySmtpError({ message: 'too big', responseCode: 552, command: 'DATA' }).errorClass).to.equal('message_rejected');
    const busy = classifySmtpError({ message: 'try later', responseCode: 451, command: 'RCPT TO' });
    expect([busy.errorClass, busy.permanent]).to.deep.equal(['mailbox_temporary', false]);
    expect(classifySmtpError({ message: 'refused', code: 'ECONNECTION' }).errorClass).to.equal('connection');
    expect(classifySmtpError({ message: 'slow', code: 'ETIMEDOUT' }).errorClass).to.equal('timeout');
  });

  it('checks the push settings at start', () => {
    const config = loadConfig({ DEMO_DATA: '0' });
    expect(config.PUSH_CHANNELS).to.deep.equal(['email', 'wechat']);
    expect(config.PUSH_MAX_ATTEMPTS).to.equal(5);
    expect(config.WECHATY_PUPPET).to.equal('wechaty-puppet-mock');
    expect(config.REMINDER_DAYS).to.deep.equal([7, 1]);
    expect(() => loadConfig({ SMTP_URL: 'http://mail' })).to.throw(/SMTP_URL/);
    expect(() => loadConfig({ DIGEST_TIME: '8:30' })).to.throw(/DIGEST_TIME/);
    expect(() => loadConfig({ PUSH_CHANNELS: 'email,sms' })).to.throw(/PUSH_CHANNELS/);
  });
});
