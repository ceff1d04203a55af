import { expect } from 'chai';
import type { PushMessagePayload } from '../../schemas/delivery.schema.js';
import { foldParkItems, hasReachableParkGroup, parkDigestAction, parkDigestDedupeKey, parkDigestPayload, parkDigestPlanned, parkWindow, type MemberDelivery } from '../../server/push/park-digest.js';

const member = (id: number, subscriberId: string, policyId: string, version: number, status: MemberDelivery['status'] = 'pending'): MemberDelivery => ({ id, subscriberId, policyId, version, status });
const digest = (parkCoveredThrough: number | null): { payload: PushMessagePayload } => ({ payload: { kind: 'digest', frequency: 'daily', runKey: 'daily:2026-05-01', parkItems: [], parkCoveredThrough } });

describe('park digests', () => {
  it('lists each policy once, in the newest version, with every member it concerns, leaving skipped rows out', () => {
    const items = foldParkItems([
      member(5, 'm-2', 'p-b', 1),
      member(1, 'm-1', 'p-a', 1),
      member(2, 'm-2', 'p-a', 2),
      member(3, 'm-1', 'p-a', 2),
      member(4, 'm-3', 'p-c', 1, 'skipped'),
      member(6, 'm-2', 'p-b', 1),
    ]);
    expect(items).to.deep.equal([
      { policyId: 'p-a', version: 2, memberIds: ['m-2', 'm-1'] },
      { policyId: 'p-b', version: 1, memberIds: ['m-2'] },
    ]);
  });

  it('starts after the previous watermark, or looks back a bounded time for the first digest', () => {
    expect(parkWindow({ previousCoveredThrough: null, maxId: 90, parkFirstWindowStart: '2026-04-30T00:00:00.000Z' })).to.deep.equal({ afterId: 0, throughId: 90, createdSince: '2026-04-30T00:00:00.000Z' });
    expect(parkWindow({ previousCoveredThrough: 40, maxId: 90, parkFirstWindowStart: '2026-04-30T00:00:00.000Z' })).to.deep.equal({ afterId: 40, throughId: 90, createdSince: null });
  });

  it('folds into the park’s own digest of the run, creates one only when there is news, and skips a park already planned', () => {
    const items = [{ policyId: 'p-a', version: 1, memberIds: ['m-1'] }];
    expect(parkDigestAction({ own: digest(null), parkItems: [] })).to.equal('fold');
    expect(parkDigestAction({ own: digest(12), parkItems: items })).to.equal('none');
    expect(parkDigestAction({ own: null, parkItems: items })).to.equal('create');
    expect(parkDigestAction({ own: null, parkItems: [] })).to.equal('none');
    expect(parkDigestPlanned(digest(12))).to.equal(true);
    expect(parkDigestPlanned(digest(null))).to.equal(false);
    expect(parkDigestPlanned(null)).to.equal(false);
    expect(parkDigestPayload({ runKey: 'daily:2026-05-01', parkItems: items, maxId: 7 })).to.deep.equal({ kind: 'digest', frequency: 'daily', runKey: 'daily:2026-05-01', parkItems: items, parkCoveredThrough: 7 });
    expect(parkDigestDedupeKey({ runKey: 'daily:2026-05-01', parkId: 'park-1' })).to.equal('digest:daily:2026-05-01:park-1:wechat');
  });

  it('goes only to parks with a WeChat group that did not bounce', () => {
    expect(hasReachableParkGroup([{ channel: 'wechat', confirmedAt: null, invalidAt: null }])).to.equal(true);
    expect(hasReachableParkGroup([{ channel: 'wechat', confirmedAt: null, invalidAt: '2026-05-01T00:00:00.000Z' }])).to.equal(false);
    expect(hasReachableParkGroup([{ channel: 'email', confirmedAt: '2026-05-01T00:00:00.000Z', invalidAt: null }])).to.equal(false);
    expect(hasReachableParkGroup([])).to.equal(false);
  });
});
