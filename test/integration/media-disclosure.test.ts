import { expect } from 'chai';
import sharp from 'sharp';
import { FormClient } from '../support/browserless-client.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

interface ErrorBody {
  error: { code: string; message: string };
}
interface Graphic {
  alt: string;
  image: { variants: { url: string; width: number }[] };
}

describe('graphics files follow the disclosure rule over HTTP', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewerA: string;
  let reviewerB: string;
  let doc = 0;
  let colour = 0;

  before(async () => {
    t = await startTestPlatform();
    drafter = await t.user({ id: 'media-drafter', role: 'drafter', name: '钱起草' });
    reviewerA = await t.user({ id: 'media-reviewer-a', role: 'reviewer', name: '孙审查' });
    reviewerB = await t.user({ id: 'media-reviewer-b', role: 'reviewer', name: '李审查' });
  });
  after(async () => t.close());

  const post = (path: string, token: string, body?: unknown) => t.api<ErrorBody & Record<string, unknown>>({ method: 'POST', path, token, ...(body === undefined ? {} : { body }) });

  async function reviewAndPublish(id: string): Promise<void> {
    expect((await post(`/api/v1/policies/${id}/submit`, drafter)).status).to.equal(200);
    expect((await post(`/api/v1/policies/${id}/review`, reviewerA, { kind: 'confidentiality', decision: 'approved' })).status).to.equal(200);
    expect((await post(`/api/v1/policies/${id}/review`, reviewerB, { kind: 'legality', decision: 'approved' })).status).to.equal(200);
    const published = await post(`/api/v1/policies/${id}/publish`, drafter);
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
  }

  /** A draft with one graphic (a picture no other test uploads) in its package; returns its file URLs. */
  async function draftWithGraphic(): Promise<{ id: string; urls: string[] }> {
    doc += 1;
    colour += 1;
    const created = await post('/api/v1/policies', drafter, policyBody({ docNumber: `浦知图〔2026〕${doc}号` }));
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = String(created.body.id);
    const png = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: colour * 40, g: 90, b: 160 } } }).png().toBuffer();
    const form = new FormData();
    form.append('revision', '0');
    form.append('alt', '申报流程图：在线申报、审核、公示、拨付四个步骤');
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'flow.png');
    const response = await fetch(`${t.url}/api/v1/policies/${id}/interpretation/graphics`, { method: 'POST', headers: { authorization: `Bearer ${drafter}` }, body: form });
    const body = (await response.json()) as { graphics: Graphic[] };
    expect(response.status, JSON.stringify(body)).to.equal(201);
    const urls = body.graphics[0]?.image.variants.map((v) => v.url) ?? [];
    expect(urls.length).to.be.greaterThan(2);
    await recordExemption({ t, id, token: drafter });
    return { id, urls };
  }

  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${t.url}${url}`, { headers });

  async function expectHidden(urls: readonly string[], what: string): Promise<void> {
    for (const url of urls) {
      const res = await get(url, { accept: 'application/json' });
      expect(res.status, `${url} ${what}`).to.equal(404);
      expect(((await res.json()) as ErrorBody).error.code).to.equal('media_not_found');
    }
  }

  it('serves a public policy graphic, and none of its files once a revision withdraws the policy from disclosure', async () => {
    const { id, urls } = await draftWithGraphic();
    await reviewAndPublish(id);
    for (const url of urls) {
      const res = await get(url);
      expect(res.status, `${url} while public`).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^image\//);
      // Not cached for ever: a withdrawal has to reach shared caches as well.
      expect(res.headers.get('cache-control')).to.equal('public, max-age=300');
    }

    expect((await post(`/api/v1/policies/${id}/revise`, drafter)).status).to.equal(200);
    const edited = await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}`, token: drafter, body: { disclosure: 'withheld', disclosureReason: '涉及尚未公开的专项资金安排' } });
    expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
    // While the withdrawal is only a draft, version 1 is still public and so are its files.
    expect((await get(urls[0] ?? '')).status).to.equal(200);
    await recordExemption({ t, id, token: drafter });
    await reviewAndPublish(id);

    await expectHidden(urls, 'after withdrawal');
    // A browser gets the same answer; staff still see the file they worked on.
    expect((await get(urls[0] ?? '', { accept: 'image/avif,image/webp,*/*' })).status).to.equal(404);
    const staff = await get(urls[0] ?? '', { authorization: `Bearer ${drafter}` });
    expect(staff.status).to.equal(200);
    expect(staff.headers.get('cache-control')).to.equal('private, no-store');
  });

  it('keeps a draft graphic from the public and shows it to staff through a token or a portal session', async () => {
    const { urls } = await draftWithGraphic();
    await expectHidden(urls, 'of a draft');
    for (const url of urls) expect((await get(url, { authorization: `Bearer ${reviewerA}` })).status, url).to.equal(200);

    const staff = new FormClient(t.url);
    await staff.get('/staff/sign-in');
    expect((await staff.post('/staff/sign-in', { token: drafter })).status).to.equal(303);
    const preview = await staff.get(urls[0] ?? '');
    expect(preview.status).to.equal(200);
    expect(preview.headers.get('content-type')).to.match(/^image\//);

    // A browser with a portal cookie but no staff session gets the portal's Chinese 404 page.
    const visitor = new FormClient(t.url);
    visitor.cookies.set('pp_session', 'not-a-session');
    const refused = await visitor.get(urls[0] ?? '');
    expect(refused.status).to.equal(404);
    expect(refused.headers.get('content-type')).to.match(/^text\/html/);
    expect(refused.text).to.include('图片不存在');
  });
});
