import { expect } from 'chai';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { fillPath, registeredRoutes } from '../support/express-routes.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

type Caller = 'anonymous' | 'drafter' | 'reviewer' | 'admin' | 'subscriber';
type Access = 'public' | 'subscriber' | string[];

interface TableRoute {
  method: string;
  path: string;
  access: Access;
}

const REFUSALS = new Set(['unauthenticated', 'role_forbidden', 'invalid_token']);

/** What the declared access promises each caller: let through, 401 or 403. */
function expected({ access, caller }: { access: Access; caller: Caller }): 'through' | 401 | 403 {
  if (access === 'public') return 'through';
  if (caller === 'anonymous') return 401;
  if (access === 'subscriber') return caller === 'subscriber' ? 'through' : 403;
  return caller !== 'subscriber' && access.includes(caller) ? 'through' : 403;
}

describe('role matrix: every API route against its declared access', () => {
  let t: TestPlatform;
  let table: TableRoute[];
  const tokens = new Map<Caller, string>();

  before(async () => {
    t = await startTestPlatform();
    tokens.set('admin', TEST_ADMIN_TOKEN);
    tokens.set('drafter', await t.user({ id: 'matrix-drafter', role: 'drafter' }));
    tokens.set('reviewer', await t.user({ id: 'matrix-reviewer', role: 'reviewer' }));
    const created = await t.api<{ token: string }>({
      method: 'POST',
      path: '/api/v1/subscribers',
      token: TEST_ADMIN_TOKEN,
      body: { kind: 'enterprise', name: '矩阵测试企业', creditCode: syntheticCreditCode(901), profile: {}, contacts: [{ channel: 'wechat', address: '矩阵联络员' }] },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    tokens.set('subscriber', created.body.token);

    // The OpenAPI document is generated from the route table, with each protected route's `x-access`.
    const doc = await t.api<{ paths: Record<string, Record<string, { 'x-access'?: Access; security?: unknown }>> }>({ path: '/api/openapi.json' });
    table = Object.entries(doc.body.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{(\w+)\}/g, ':$1'),
        access: operation['x-access'] ?? 'public',
      })),
    );
  });
  after(async () => t.close());

  it('covers every /api route the application registers', () => {
    const apps = t.platform.apps;
    if (!apps) throw new Error('the test platform runs the web role');
    const inTable = new Set(table.map((route) => `${route.method} ${route.path}`));
    const registered = registeredRoutes(apps.api).filter((route) => route.path.startsWith('/api/v1/'));
    expect(registered.length).to.be.greaterThan(60);
    expect(registered.filter((route) => !inTable.has(`${route.method} ${route.path}`))).to.deep.equal([]);
    expect(table.filter((route) => route.access === 'public').length).to.be.greaterThan(5);
    expect(table.filter((route) => route.access === 'subscriber').length).to.be.greaterThan(5);
  });

  it('lets each caller through exactly where the route declares it, answering 401 or 403 elsewhere', async () => {
    const wrong: string[] = [];
    const callers: Caller[] = ['anonymous', 'drafter', 'reviewer', 'admin', 'subscriber'];
    for (const route of table) {
      const path = fillPath({ path: route.path, values: {}, fallback: 'matrix-missing' });
      for (const caller of callers) {
        const token = tokens.get(caller);
        const res = await t.api<{ error?: { code?: string } } | string>({ method: route.method, path, ...(token ? { token } : {}) });
        const code = typeof res.body === 'object' && res.body !== null ? res.body.error?.code : undefined;
        const want = expected({ access: route.access, caller });
        // Let through means the access check passed: a domain refusal further on (`park_only`) is not an access answer.
        const refused = code !== undefined && REFUSALS.has(code);
        const ok = want === 'through' ? !refused && res.status !== 401 : res.status === want && refused;
        if (!ok) wrong.push(`${route.method} ${route.path} as ${caller}: expected ${want}, got ${res.status} ${code ?? ''}`);
      }
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
  });

  it('keeps disclosure case contents to the disclosure office (admin, reviewer) and calendar changes to administrators', () => {
    const accessOf = (method: string, path: string) => table.find((route) => route.method === method && route.path === path)?.access;
    const staffRoutes = table.filter((route) => route.path.startsWith('/api/v1/staff/disclosure-requests'));
    expect(staffRoutes.length).to.be.greaterThan(5);
    for (const route of staffRoutes) expect(route.access, `${route.method} ${route.path}`).to.deep.equal(['admin', 'reviewer']);
    expect(accessOf('POST', '/api/v1/disclosure-requests')).to.equal('public');
    expect(accessOf('GET', '/api/v1/disclosure-requests/track/:token')).to.equal('public');
    expect(accessOf('POST', '/api/v1/calendar/adjustments')).to.deep.equal(['admin']);
    expect(accessOf('DELETE', '/api/v1/calendar/adjustments/:date')).to.deep.equal(['admin']);
  });
});
