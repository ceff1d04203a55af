import http from 'node:http';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

interface RawReply {
  status: number;
  encoding: string | undefined;
  vary: string | undefined;
  body: Buffer;
}

function get({ url, path, acceptEncoding }: { url: string; path: string; acceptEncoding?: string }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${url}${path}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, encoding: response.headers['content-encoding'], vary: response.headers.vary, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

function decode(reply: RawReply): string {
  if (reply.encoding === 'br') return zlib.brotliDecompressSync(reply.body).toString('utf8');
  if (reply.encoding === 'gzip') return zlib.gunzipSync(reply.body).toString('utf8');
  return reply.body.toString('utf8');
}

describe('response compression', function () {
  let t: TestPlatform;

  before(async function () {
    t = await startTestPlatform({ demo: true });
  });

  after(async function () {
    await t.close();
  });

  const searchPath = `/api/v1/policies?q=${encodeURIComponent('专利')}&facets=true`;

  it('sends search JSON as brotli when the client prefers it, and the same JSON as without compression', async function () {
    const plain = await get({ url: t.url, path: searchPath });
    const brotli = await get({ url: t.url, path: searchPath, acceptEncoding: 'br, gzip' });
    expect(plain.status).to.equal(200);
    expect(plain.encoding).to.equal(undefined);
    expect(brotli.encoding).to.equal('br');
    expect(brotli.vary ?? '').to.match(/accept-encoding/i);
    expect(brotli.body.length).to.be.lessThan(plain.body.length);
    expect(JSON.parse(decode(brotli))).to.deep.equal(JSON.parse(plain.body.toString('utf8')));
  });

  it('sends gzip to a client that accepts only gzip', async function () {
    const gzip = await get({ url: t.url, path: searchPath, acceptEncoding: 'gzip' });
    expect(gzip.encoding).to.equal('gzip');
    expect(JSON.parse(decode(gzip))).to.have.property('hits');
  });

  it('compresses HTML pages and the Atom feed', async function () {
    const page = await get({ url: t.url, path: '/search?q=%E4%B8%93%E5%88%A9', acceptEncoding: 'gzip' });
    expect(page.status).to.equal(200);
    expect(page.encoding).to.equal('gzip');
    expect(decode(page)).to.match(/<html/i);
    const feed = await get({ url: t.url, path: '/feeds/tags/need-funding.atom', acceptEncoding: 'br' });
    expect(feed.status).to.equal(200);
    expect(feed.encoding).to.equal('br');
    expect(decode(feed)).to.contain('<feed');
  });

  it('sends a client that names no encoding the body as it is, still saying the answer varies with it', async function () {
    const json = await get({ url: t.url, path: searchPath });
    expect(json.encoding).to.equal(undefined);
    expect(json.vary ?? '').to.match(/accept-encoding/i);
    const page = await get({ url: t.url, path: '/search?q=%E4%B8%93%E5%88%A9' });
    expect(page.encoding).to.equal(undefined);
    expect(page.body.toString('utf8')).to.match(/<html/i);
    // The page's own Vary adds to it rather than replacing it.
    expect(page.vary ?? '').to.match(/accept-encoding/i).and.match(/cookie/i);
    const compressed = await get({ url: t.url, path: '/search?q=%E4%B8%93%E5%88%A9', acceptEncoding: 'gzip' });
    expect(compressed.vary ?? '').to.match(/accept-encoding/i).and.match(/cookie/i);
  });

  it('leaves small bodies alone', async function () {
    const health = await get({ url: t.url, path: '/healthz', acceptEncoding: 'br, gzip' });
    expect(health.status).to.equal(200);
    expect(health.encoding).to.equal(undefined);
    expect(JSON.parse(health.body.toString('utf8'))).to.deep.equal({ status: 'ok' });
  });
});
