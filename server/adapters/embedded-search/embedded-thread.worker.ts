/**
 * The embedded search index on a thread of its own (see `embedded-thread.search-index.ts`). Each
 * message is handled as it arrives, in order, as calls on the index were on the main thread: every
 * write runs to its end before the next message is read, so a search asked after a write sees it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { addUserTerms } from '../../text/segmenter.js';
import type { AudienceMatch } from '../../ports/audience-index.port.js';
import { EmbeddedSearchIndex } from './embedded.search-index.js';
import { type ThreadMethod, type ThreadOptions, type ThreadReply, type ThreadRequest, toThreadError } from './embedded-thread.protocol.js';

const port = parentPort;
if (!port) throw new Error('embedded-thread.worker runs as a worker thread of the embedded search index');

const index = new EmbeddedSearchIndex({ ...(workerData as ThreadOptions), resultCacheSize: 0 });
const cursors = new Map<number, AsyncIterator<AudienceMatch[]>>();
let nextCursor = 1;

function answer(id: number, pending: () => unknown): void {
  const send = (reply: ThreadReply): void => {
    try {
      port?.postMessage(reply);
    } catch (error) {
      // A value that cannot be cloned is the index's bug; the caller still gets an answer.
      port?.postMessage({ id, ok: false, error: toThreadError(error) } satisfies ThreadReply);
    }
  };
  try {
    Promise.resolve(pending()).then(
      (value: unknown) => send({ id, ok: true, value }),
      (error: unknown) => send({ id, ok: false, error: toThreadError(error) }),
    );
  } catch (error) {
    send({ id, ok: false, error: toThreadError(error) });
  }
}

function call(method: ThreadMethod, args: unknown[]): unknown {
  const target = index[method] as unknown as (...args: unknown[]) => unknown;
  return target.apply(index, args);
}

function cursor(id: number): AsyncIterator<AudienceMatch[]> {
  const iterator = cursors.get(id);
  if (!iterator) throw new Error(`audience batches ${id} are finished or were never started`);
  return iterator;
}

port.on('message', (request: ThreadRequest) => {
  switch (request.op) {
    case 'terms':
      addUserTerms(request.terms);
      return;
    case 'call':
      answer(request.id, () => call(request.method, request.args));
      return;
    case 'batches':
      answer(request.id, () => {
        const id = nextCursor++;
        cursors.set(id, index.audienceBatches(request.input)[Symbol.asyncIterator]());
        return id;
      });
      return;
    case 'next':
      answer(request.id, async () => {
        const step = await cursor(request.cursor).next();
        if (step.done) cursors.delete(request.cursor);
        return step;
      });
      return;
    case 'return':
      answer(request.id, async () => {
        const iterator = cursors.get(request.cursor);
        cursors.delete(request.cursor);
        await iterator?.return?.();
      });
      return;
  }
});
