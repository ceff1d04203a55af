import { expect } from 'chai';
import { FormClient } from '../support/browserless-client.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/**
 * The policy page resolves the public version once and hands it to its slots, and the store reuses
 * decoded rows while their stored text is unchanged. Neither may let a page show what is no longer
 * public: every request decides afresh.
 */
describe('policy page: what was shown before is decided again on the next request', function () {
  this.timeout(60_000);
  let t: TestPlatform;
  let drafter: string;
  let reviewers: string[];

  async function publish(id: string): Promise<void> {
    await recordExemption({ t, id, token: drafter });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter, body: {} })).status).to.equal(200);
    for (const [i, kind] of ['confidentiality', 'legality'].entries()) {
      const res = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewers[i], body: { kind, decision: 'approved' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    const published = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter, body: {} });
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
  }

  async function revise(id: string, change: Record<string, unknown>): Promise<void> {
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/revise`, token: drafter, body: {} })).status).to.equal(200);
    const patched = await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}`, token: drafter, body: change });
    expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
    await publish(id);
  }

  before(async () => {
    t = await startTestPlatform();
    drafter = await t.user({ id: 'wang', role: 'drafter', name: '王起草' });
    reviewers = [await t.user({ id: 'zhao', role: 'reviewer', name: '赵审查' }), await t.user({ id: 'qian', role: 'reviewer', name: '钱审查' })];
  });

  after(async () => t.close());

  it('drops a policy withdrawn from disclosure, every version of it and every link to it at once', async () => {
    const old = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody() });
    const oldId = old.body.id;
    await publish(oldId);
    const text = await t.api<{ body: string }>({ path: `/api/v1/staff/policies/${oldId}`, token: drafter });
    await revise(oldId, { title: '浦东新区知识产权质押融资贴息办法（修订）', body: text.body.body.replace('50%给予贴息', '60%给予贴息') });
    const successor = await t.api<{ id: string }>({
      method: 'POST',
      path: '/api/v1/policies',
      token: drafter,
      body: policyBody({ title: '浦东新区知识产权金融扶持办法', docNumber: '浦知规〔2026〕9号', predecessorId: oldId }),
    });
    const newId = successor.body.id;
    await publish(newId);

    const visitor = new FormClient(t.url);
    // Read (and decode) every row the pages need, twice, before anything changes.
    for (let i = 0; i < 2; i += 1) {
      const current = await visitor.get(`/policies/${oldId}`);
      expect(current.status).to.equal(200);
      expect(current.text).to.contain('（修订）').and.contain(`action="/policies/${oldId}/questions"`).and.contain('60%给予贴息').and.not.contain('50%给予贴息');
      expect(current.text, 'the slots still see version 1 as the public text to compare with').to.contain('class="compare-table"');
      const first = await visitor.get(`/policies/${oldId}?version=1`);
      expect(first.status).to.equal(200);
      expect(first.text).to.contain('不接受留言').and.contain('50%给予贴息').and.not.contain('60%给予贴息');
      const next = await visitor.get(`/policies/${newId}`);
      expect(next.status).to.equal(200);
      expect(next.text).to.contain(`href="/policies/${oldId}"`).and.contain('class="compare-table"');
    }

    // A revision withdraws the old policy from disclosure (依申请公开): none of its versions is public any more.
    await revise(oldId, { disclosure: 'on_request', disclosureReason: '内部工作流程' });
    for (const path of [`/policies/${oldId}`, `/policies/${oldId}?version=1`, `/policies/${oldId}?version=2`, `/policies/${oldId}?version=3`]) {
      expect((await visitor.get(path)).status, path).to.equal(404);
    }
    expect((await t.api({ path: `/api/v1/policies/${oldId}` })).status).to.equal(404);
    const next = await visitor.get(`/policies/${newId}`);
    expect(next.status).to.equal(200);
    expect(next.text, 'no link to a withdrawn predecessor').not.to.contain(`href="/policies/${oldId}"`);
    expect(next.text, 'and no comparison with its text').not.to.contain('class="compare-table"');
    expect(next.text).to.contain(`action="/policies/${newId}/questions"`);
  });
});
