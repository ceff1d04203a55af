import { expect } from 'chai';
import { type LoadSample, median, roundOrder, summariseRounds } from '../../bench/support/paired-rounds.js';

function sample({ reqPerSec, latenciesMs = [], cpuSeconds = 1, completedOverall = 1000 }: { reqPerSec: number; latenciesMs?: number[]; cpuSeconds?: number | null; completedOverall?: number }): LoadSample {
  return { reqPerSec, latenciesMs, completedOverall, cpuSeconds, wallSeconds: 4, failures: 0, firstFailure: null };
}

describe('benchmark rounds: ratios read within each round', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([])).to.equal(0);
  });

  it('reverses the order of the loads every other round', () => {
    expect(roundOrder({ loads: ['a', 'b', 'c'], round: 0 })).to.deep.equal(['a', 'b', 'c']);
    expect(roundOrder({ loads: ['a', 'b', 'c'], round: 1 })).to.deep.equal(['c', 'b', 'a']);
    expect(roundOrder({ loads: ['a', 'b', 'c'], round: 2 })).to.deep.equal(['a', 'b', 'c']);
  });

  it('divides each round by the baseline of the same round, not by a baseline from another', () => {
    // The machine halves its speed in round 2: both loads of that round slow down together.
    const baseline = [4000, 2000, 4000].map((reqPerSec) => sample({ reqPerSec }));
    const search = [1200, 600, 1200].map((reqPerSec) => sample({ reqPerSec }));
    const summary = summariseRounds({ samples: search, baseline });
    expect(summary.ratios).to.deep.equal([0.3, 0.3, 0.3]);
    expect(summary.ratio).to.equal(0.3);
  });

  it('lets one slow round move the ratio by one rank only', () => {
    const baseline = [4000, 4000, 4000, 4000, 4000].map((reqPerSec) => sample({ reqPerSec }));
    const search = [1200, 1240, 200, 1160, 1280].map((reqPerSec) => sample({ reqPerSec }));
    expect(summariseRounds({ samples: search, baseline }).ratio).to.equal(0.3);
  });

  it('pools latencies and CPU over every round', () => {
    const summary = summariseRounds({
      samples: [sample({ reqPerSec: 1000, latenciesMs: [3, 9], cpuSeconds: 2, completedOverall: 2000 }), sample({ reqPerSec: 1000, latenciesMs: [1, 5], cpuSeconds: 1, completedOverall: 1000 })],
      baseline: [sample({ reqPerSec: 4000 }), sample({ reqPerSec: 4000 })],
    });
    expect(summary.latenciesMs).to.deep.equal([1, 3, 5, 9]);
    expect(summary.cpuMsPerRequest).to.equal(1);
    expect(summary.busy).to.equal(3 / 8);
  });

  it('reports no CPU figure when any round could not read it', () => {
    const summary = summariseRounds({ samples: [sample({ reqPerSec: 1000 }), sample({ reqPerSec: 1000, cpuSeconds: null })], baseline: [sample({ reqPerSec: 4000 }), sample({ reqPerSec: 4000 })] });
    expect(summary.cpuMsPerRequest).to.equal(null);
    expect(summary.busy).to.equal(null);
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => summariseRounds({ samples: [sample({ reqPerSec: 1 })], baseline: [] })).to.throw(/1 rounds of a load against 0/);
  });
});
