import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { z } from 'zod';
import { defineRoute, droppedKeys, mountRoute, type Access, type ResponseCheck } from '../../server/http/route.js';

const policySchema = z.object({ id: z.string(), title: z.string(), articles: z.array(z.object({ no: z.number() })) });

/** A handler that returns more than its contract: an internal note and a reviewer's e-mail. */
function leakyRoute(access: Access) {
  return defineRoute({
    method: 'get',
    path: '/api/v1/things/:id',
    tag: 'test',
    summary: 'test',
    access,
    params: z.object({ id: z.string() }),
    response: policySchema,
    handler: async ({ params }) => ({
      id: params.id,
      title: '标题',
      articles: [{ no: 1, reviewerEmail: 'reviewer@example.cn' }],
      internalNote: '尚未公开',
    }),
  });
}

async function call({ access, check }: { access: Access; check: ResponseCheck }): Promise<{ status: number; body: unknown }> {
  const app = express();
  const router = express.Router();
  mountRoute({ router, spec: leakyRoute(access), authorize: async () => ({ actor: null, subscriber: null }), responseCheck: check });
  app.use(router);
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: error instanceof Error ? error.message : 'error' });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/things/p-1`);
    return { status: res.status, body: await res.json() };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('responses held to their route schema', () => {
  it('drops a field the schema does not name from a public response, however deep', async () => {
    const res = await call({ access: 'public', check: 'public' });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ id: 'p-1', title: '标题', articles: [{ no: 1 }] });
  });

  it('fails the request in strict mode (tests), naming each undeclared field', async () => {
    const res = await call({ access: 'public', check: 'strict' });
    expect(res.status).to.equal(500);
    expect(JSON.stringify(res.body)).to.include('articles[0].reviewerEmail').and.include('internalNote');
    const staff = await call({ access: ['admin'], check: 'strict' });
    expect(staff.status).to.equal(500);
  });

  it('lists dropped keys only where the parsed value lost them', () => {
    expect(droppedKeys({ sent: { a: 1, b: { c: 2, d: undefined } }, kept: { a: 1, b: { c: 2 } } })).to.deep.equal([]);
    expect(droppedKeys({ sent: [{ a: 1, x: 2 }], kept: [{ a: 1 }] })).to.deep.equal(['[0].x']);
  });
});
