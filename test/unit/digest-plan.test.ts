import { expect } from 'chai';
import { digestDedupeKey, digestPayload, digestRunDecision, planDigestGroups, type WaitingDelivery } from '../../server/push/digest-plan.js';

const row = (id: number, subscriberId: string, policyId: string, version: number, channel: WaitingDelivery['channel'] = 'email'): WaitingDelivery => ({ id, subscriberId, channel, policyId, version });

describe('digest planning', () => {
  it('gives each subscriber and channel one digest listing each policy in its newest waiting version', () => {
    const groups = planDigestGroups([
      row(1, 's-2', 'p-a', 1),
      row(2, 's-1', 'p-a', 1),
      row(3, 's-1', 'p-a', 2),
      row(4, 's-1', 'p-b', 1, 'wechat'),
      row(5, 's-1', 'p-c', 1),
      row(6, 's-1', 'p-a', 3),
    ]);
    expect(groups).to.deep.equal([
      { subscriberId: 's-1', channel: 'email', keep: [6, 5], superseded: [3, 2] },
      { subscriberId: 's-1', channel: 'wechat', keep: [4], superseded: [] },
      { subscriberId: 's-2', channel: 'email', keep: [1], superseded: [] },
    ]);
  });

  it('does not depend on the order the store read the rows in', () => {
    const rows = [row(1, 's-1', 'p-a', 1), row(2, 's-1', 'p-a', 2), row(3, 's-1', 'p-b', 1)];
    expect(planDigestGroups([...rows].reverse())).to.deep.equal(planDigestGroups(rows));
    expect(planDigestGroups([])).to.deep.equal([]);
  });

  it('keys a digest by run, subscriber and channel and carries no park items', () => {
    expect(digestDedupeKey({ runKey: 'daily:2026-05-01', subscriberId: 's-1', channel: 'wechat' })).to.equal('digest:daily:2026-05-01:s-1:wechat');
    expect(digestPayload({ runKey: 'weekly:2026-05-04', frequency: 'weekly' })).to.deep.equal({ kind: 'digest', frequency: 'weekly', runKey: 'weekly:2026-05-04', parkItems: [], parkCoveredThrough: null });
  });

  it('plans a run once: a finished run or a live lease is left alone, an expired lease is resumed', () => {
    const at = '2026-05-01T08:00:00.000Z';
    expect(digestRunDecision({ existing: null, at })).to.equal('start');
    expect(digestRunDecision({ existing: { status: 'done', leaseUntil: null }, at })).to.equal('skip');
    expect(digestRunDecision({ existing: { status: 'running', leaseUntil: '2026-05-01T08:05:00.000Z' }, at })).to.equal('skip');
    expect(digestRunDecision({ existing: { status: 'running', leaseUntil: '2026-05-01T07:59:00.000Z' }, at })).to.equal('resume');
    expect(digestRunDecision({ existing: { status: 'running', leaseUntil: null }, at })).to.equal('resume');
  });
});
