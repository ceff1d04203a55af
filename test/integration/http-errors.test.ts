import { expect } from 'chai';
import type { Logger } from '../../server/logger.js';
import { portalAnswers } from '../../server/web/portal.js';
import { FormClient } from '../support/browserless-client.js';
import { fillPath, pathParams, registeredRoutes, type RegisteredRoute } from '../support/express-routes.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/** Keeps what the platform logs at warn and error, to prove a client's mistake leaves no stack trace. */
function recordingLogger(): { logger: Logger; entries: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const entries: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    entries.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { entries, logger: { debug: () => {}, info: () => {}, warn: keep('warn'), error: keep('error') } };
}

const MALFORMED_ESCAPES = ['%ff', '%E4%B8', '%ff%fe'];

describe('HTTP errors a person sees', () => {
  let t: TestPlatform;
  let routes: RegisteredRoute[];
  const log = recordingLogger();

  before(async () => {
    t = await startTestPlatform({ logger: log.logger });
    const apps = t.platform.apps;
    if (!apps) throw new Error('the test platform runs the web role');
    const seen = new Set<string>();
    routes = [...registeredRoutes(apps.api), ...registeredRoutes(apps.portal)].filter((route) => {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });
  after(async () => t.close());

  it('answers a malformed escape in any path parameter of any route with 400, coded JSON on the API and the error page on the portal', async () => {
    const withParams = routes.filter((route) => pathParams(route.path).length > 0);
    // Both surfaces and every kind of parameter are in the table, or the walk has gone wrong.
    expect(withParams.length).to.be.greaterThan(80);
    expect(withParams.some((route) => portalAnswers({ method: route.method, path: fillPath({ path: route.path, values: {}, fallback: 'x' }) }))).to.equal(true);
    expect(withParams.some((route) => route.path.startsWith('/api/'))).to.equal(true);

    // Portal forms need the CSRF token of an anonymous visitor, as a browser would carry it.
    const browser = new FormClient(t.url);
    await browser.get('/account/sign-in');
    expect(browser.csrf()).to.not.equal('');

    const wrong: string[] = [];
    let checked = 0;
    for (const route of withParams) {
      for (const name of pathParams(route.path)) {
        for (const escape of MALFORMED_ESCAPES) {
          const path = fillPath({ path: route.path, values: { [name]: escape }, fallback: 'x' });
          const page = portalAnswers({ method: route.method, path });
          const response =
            route.method === 'POST' && page
              ? await browser.post(path, {})
              : await read(fetch(`${t.url}${path}`, { method: route.method, redirect: 'manual', headers: page ? { cookie: cookieHeader(browser) } : {} }));
          const { text } = response;
          checked += 1;
          const type = response.headers.get('content-type') ?? '';
          const problem =
            response.status !== 400
              ? `status ${response.status}`
              : page
                ? !type.startsWith('text/html') || !text.includes('提交的内容有误') || !text.includes('网址中含有无法识别的编码字符')
                  ? `not the portal error page (${type})`
                  : null
                : !type.startsWith('application/json') || !isCodedError(JSON.parse(text))
                  ? `not the coded JSON error (${type}): ${text.slice(0, 120)}`
                  : null;
          if (problem) wrong.push(`${route.method} ${path}: ${problem}`);
        }
      }
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
    expect(checked).to.be.greaterThan(250);
    expect(log.entries.filter((entry) => entry.level === 'error'), 'a client mistake is not logged as a server error').to.deep.equal([]);
  });

  it('answers the examples from the report exactly', async () => {
    for (const path of ['/api/v1/policies/%E4%B8', '/media/%ff', '/feeds/tags/%ff.atom']) {
      const res = await t.api<{ error: { code: string; message: string; details: unknown } }>({ path });
      expect(res.status, path).to.equal(400);
      expect(res.body.error).to.deep.equal({ code: 'malformed_path', message: '网址中含有无法识别的编码字符，请检查链接是否完整', details: { part: 'params' } });
    }
    for (const path of ['/policies/%ff', '/unsubscribe/%ff', '/staff/policies/%ff%fe']) {
      const res = await fetch(`${t.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(await res.text()).to.include('<h1>提交的内容有误</h1>');
    }
  });

  it('shows a person who follows an unknown link the portal 404 page, and keeps JSON for unknown API paths', async () => {
    for (const path of ['/about-us', '/about-us/team', '/policies-old', '/feeds/unknown']) {
      const res = await fetch(`${t.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status, path).to.equal(404);
      expect(res.headers.get('content-type'), path).to.match(/^text\/html/);
      const text = await res.text();
      expect(text, path).to.include('<h1>页面不存在</h1>');
      expect(text).to.include('返回首页');
    }
    for (const path of ['/api/v1/nothing-here', '/api/v2/policies', '/api']) {
      const res = await t.api<{ error: { code: string; message: string } }>({ path });
      expect(res.status, path).to.equal(404);
      expect(res.headers.get('content-type'), path).to.match(/^application\/json/);
      expect(res.body.error.code, path).to.equal('route_not_found');
      expect(res.body.error.message).to.match(/^接口不存在/);
    }
    // A known API endpoint outside /api still answers as before.
    expect((await t.api({ path: '/healthz' })).status).to.equal(200);
  });
});

function cookieHeader(browser: FormClient): string {
  return [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** A response with its body read, the shape the form client answers with. */
async function read(pending: Promise<Response>): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await pending;
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function isCodedError(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body;
  if (typeof error !== 'object' || error === null) return false;
  return (
    'code' in error &&
    error.code === 'malformed_path' &&
    'message' in error &&
    typeof error.message === 'string' &&
    /[\u4e00-\u9fff]/.test(error.message) &&
    'details' in error
  );
}
