import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { z } from 'zod';
import { defineRoute, mountRoute } from '../../server/http/route.js';

/** Every validated query a handler was given, in order, to compare by identity. */
async function serveQueries(run: (get: (query: string) => Promise<number>) => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const spec = defineRoute({
    method: 'get',
    path: '/api/v1/things',
    tag: 'test',
    summary: 'test',
    access: 'public',
    query: z.object({ n: z.coerce.number().int(), tags: z.string().optional() }),
    response: z.object({ n: z.number() }),
    handler: async ({ query }) => {
      seen.push(query);
      return { n: query.n };
    },
  });
  const app = express();
  app.set('query parser', 'extended');
  const router = express.Router();
  mountRoute({ router, spec, authorize: async () => ({ actor: null, subscriber: null }) });
  app.use(router);
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(400).json({ error: 'invalid' });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await run(async (query) => (await fetch(`http://127.0.0.1:${port}/api/v1/things?${query}`)).status);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return seen;
}

describe('validated queries kept by query string', () => {
  it('hands a repeated query string the same frozen value, and a different one its own', async () => {
    const seen = await serveQueries(async (get) => {
      expect(await get('n=1&tags=a')).to.equal(200);
      expect(await get('n=1&tags=a')).to.equal(200);
      expect(await get('n=2&tags=a')).to.equal(200);
    });
    const [first, again, other] = seen;
    expect(first).to.deep.equal({ n: 1, tags: 'a' });
    expect(again).to.equal(first);
    expect(Object.isFrozen(first)).to.equal(true);
    expect(other).to.deep.equal({ n: 2, tags: 'a' });
  });

  it('refuses an invalid query every time it is asked, never keeping it', async () => {
    const seen = await serveQueries(async (get) => {
      expect(await get('n=x')).to.equal(400);
      expect(await get('n=x')).to.equal(400);
      expect(await get('n=3')).to.equal(200);
    });
    expect(seen).to.deep.equal([{ n: 3 }]);
  });

  it('parses a long query string every time, still frozen, so what is kept stays small', async () => {
    const long = `n=4&tags=${'t'.repeat(600)}`;
    const seen = await serveQueries(async (get) => {
      expect(await get(long)).to.equal(200);
      expect(await get(long)).to.equal(200);
    });
    const [first, again] = seen;
    expect(again).to.deep.equal(first);
    expect(again).not.to.equal(first);
    expect(Object.isFrozen(again)).to.equal(true);
  });
});
