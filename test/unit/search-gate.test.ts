import { expect } from 'chai';
import { DomainError, retryAfterOf } from '../../server/errors.js';
import { SearchGate } from '../../server/services/search-gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('SearchGate', function () {
  it('runs searches one at a time and lets other work in between two of them', async function () {
    const gate = new SearchGate({ concurrency: 1, maxQueue: 10, maxWaitMs: 10_000 });
    const events: string[] = [];
    const search = (name: string) =>
      gate.run(async () => {
        events.push(`${name} start`);
        // Something else that arrived meanwhile (a /healthz) is scheduled the way I/O callbacks run.
        setImmediate(() => events.push(`other work after ${name}`));
        events.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([search('a'), search('b'), search('c')]);
    expect(results).to.deep.equal(['a', 'b', 'c']);
    expect(events.slice(0, 4)).to.deep.equal(['a start', 'a end', 'other work after a', 'b start']);
    expect(events.indexOf('other work after b')).to.be.lessThan(events.indexOf('c start'));
  });

  it('runs searches back to back while a slice of the loop lasts, then lets other work in', async function () {
    // Each search takes 2 ms of the gate's clock.
    let now = 1_000;
    const gate = new SearchGate({ concurrency: 1, maxQueue: 10, maxWaitMs: 10_000, sliceMs: 5 }, () => now);
    const events: string[] = [];
    const search = (name: string) =>
      gate.run(async () => {
        events.push(`${name} start`);
        setImmediate(() => events.push(`other work after ${name}`));
        now += 2;
        return name;
      });
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map(search));
    expect(results).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f']);
    // The first search waits for the loop to come round, which starts a slice; a, b and c take 6 ms,
    // so the slice of 5 ms is spent after c and the loop turns again before d.
    expect(events).to.deep.equal([
      'a start',
      'b start',
      'c start',
      'other work after a',
      'other work after b',
      'other work after c',
      'd start',
      'e start',
      'f start',
    ]);
  });

  it('never runs more searches at once than its slots', async function () {
    const gate = new SearchGate({ concurrency: 2, maxQueue: 10, maxWaitMs: 10_000 });
    let running = 0;
    let most = 0;
    const blockers = Array.from({ length: 5 }, () => deferred());
    const runs = blockers.map((blocker) =>
      gate.run(async () => {
        running += 1;
        most = Math.max(most, running);
        await blocker.promise;
        running -= 1;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    for (const blocker of blockers) blocker.resolve();
    await Promise.all(runs);
    expect(most).to.equal(2);
  });

  it('refuses with search_busy and a Retry-After once the queue is full, and runs the queued ones', async function () {
    const gate = new SearchGate({ concurrency: 1, maxQueue: 2, maxWaitMs: 10_000 });
    const blocker = deferred();
    const first = gate.run(() => blocker.promise);
    // The first search has its slot; two more may wait.
    await new Promise((resolve) => setImmediate(resolve));
    const second = gate.run(async () => 'second');
    const third = gate.run(async () => 'third');
    let refused: unknown = null;
    await gate.run(async () => 'fourth').catch((error: unknown) => {
      refused = error;
    });
    expect(refused).to.be.instanceOf(DomainError);
    const error = refused as unknown as DomainError;
    expect(error.type).to.equal('unavailable');
    expect(error.code).to.equal('search_busy');
    expect(error.message).to.match(/搜索/);
    expect(retryAfterOf(error)).to.equal(1);
    blocker.resolve();
    await first;
    expect(await Promise.all([second, third])).to.deep.equal(['second', 'third']);
  });

  it('refuses a search that waited longer than allowed, without running it', async function () {
    const gate = new SearchGate({ concurrency: 1, maxQueue: 10, maxWaitMs: 20 });
    const blocker = deferred();
    const first = gate.run(() => blocker.promise);
    let ran = false;
    const waited = await gate
      .run(async () => {
        ran = true;
      })
      .then(() => null, (error: unknown) => error);
    expect(waited).to.have.property('code', 'search_busy');
    expect(ran).to.equal(false);
    expect(gate.queued).to.equal(0);
    blocker.resolve();
    await first;
  });
});
