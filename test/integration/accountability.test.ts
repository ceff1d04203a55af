import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../server/config.js';
import type { Logger } from '../../server/logger.js';
import { closeServices, openServices } from '../../server/platform.js';
import { FormClient } from '../support/browserless-client.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface ErrorBody {
  error: { code: string; message: string };
}
interface AuditEntry {
  id: number;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  digest: string | null;
  details: Record<string, unknown>;
}

describe('disclosure and accountability over HTTP', () => {
  let t: TestPlatform;
  let drafter: string;
  let reviewerA: string;
  let reviewerB: string;
  let doc = 0;

  before(async () => {
    t = await startTestPlatform();
    drafter = await t.user({ id: 'acc-drafter', role: 'drafter', name: '周起草' });
    reviewerA = await t.user({ id: 'acc-reviewer-a', role: 'reviewer', name: '吴审查' });
    reviewerB = await t.user({ id: 'acc-reviewer-b', role: 'reviewer', name: '郑审查' });
  });
  after(async () => t.close());

  const post = (path: string, token: string, body?: unknown) => t.api<ErrorBody & Record<string, unknown>>({ method: 'POST', path, token, ...(body === undefined ? {} : { body }) });
  const review = (id: string, token: string, kind: 'confidentiality' | 'legality') => post(`/api/v1/policies/${id}/review`, token, { kind, decision: 'approved' });

  async function reviewAndPublish(id: string): Promise<void> {
    expect((await post(`/api/v1/policies/${id}/submit`, drafter)).status).to.equal(200);
    expect((await review(id, reviewerA, 'confidentiality')).status).to.equal(200);
    expect((await review(id, reviewerB, 'legality')).status).to.equal(200);
    const published = await post(`/api/v1/policies/${id}/publish`, drafter);
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
  }

  async function publishNew(overrides: Record<string, unknown> = {}): Promise<string> {
    doc += 1;
    const created = await post('/api/v1/policies', drafter, policyBody({ docNumber: `浦知审〔2026〕${doc}号`, ...overrides }));
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = String(created.body.id);
    await recordExemption({ t, id, token: drafter });
    await reviewAndPublish(id);
    return id;
  }

  async function reviseTo(id: string, patch: Record<string, unknown>): Promise<void> {
    expect((await post(`/api/v1/policies/${id}/revise`, drafter)).status).to.equal(200);
    const edited = await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}`, token: drafter, body: patch });
    expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
    await recordExemption({ t, id, token: drafter });
    await reviewAndPublish(id);
  }

  describe('one public-version rule', () => {
    it('serves no version of a policy once a revision withdraws it from disclosure, on any public path', async () => {
      const id = await publishNew({ title: '浦东新区专利导航项目管理办法', tags: ['need-pledge'] });
      const paths = [
        `/api/v1/policies/${id}?version=1`,
        `/api/v1/policies/${id}/interpretation?version=1`,
        `/api/v1/policies/${id}/interpretation/card.png?version=1`,
        `/policies/${id}?version=1`,
      ];
      for (const path of paths) expect((await t.api({ path })).status, `${path} while public`).to.equal(200);
      await t.platform.services.searchSync.catchUp();
      const searchFor = async () => (await t.api<{ hits: { id: string }[] }>({ path: `/api/v1/policies?q=${encodeURIComponent('专利导航项目')}` })).body.hits.map((h) => h.id);
      expect(await searchFor()).to.include(id);

      await reviseTo(id, { disclosure: 'withheld', disclosureReason: '涉及尚未公开的专项资金安排' });

      for (const path of [...paths, `/api/v1/policies/${id}`, `/api/v1/policies/${id}?version=2`, `/api/v1/policies/${id}/comparison?version=2`, `/policies/${id}`]) {
        const res = await t.api<ErrorBody>({ path, headers: { accept: path.startsWith('/api') ? 'application/json' : 'text/html' } });
        expect(res.status, `${path} after withdrawal`).to.equal(404);
      }
      await t.platform.services.searchSync.catchUp();
      expect(await searchFor()).not.to.include(id);
      const feed = await t.api<string>({ path: '/feeds/tags/need-pledge.atom' });
      expect(feed.body).not.to.include(id);
    });

    it('also withdraws a policy revised to 依申请公开, and hides it as the base of its successor comparison', async () => {
      const id = await publishNew({ title: '浦东新区商标品牌培育办法' });
      await reviseTo(id, { disclosure: 'on_request', disclosureReason: '仅向申请人提供' });
      expect((await t.api({ path: `/api/v1/policies/${id}?version=1` })).status).to.equal(404);
      expect((await t.api({ path: `/api/v1/policies/${id}/comparison?version=1` })).status).to.equal(404);
    });

    it('labels a superseded version 已修订 and links it to the current one, never 现行有效', async () => {
      const id = await publishNew({ title: '浦东新区知识产权保险补贴办法' });
      await reviseTo(id, { title: '浦东新区知识产权保险补贴办法（2026年修订）' });
      const old = await t.api<{ validity: string; validityLabel: string; isCurrent: boolean; currentVersion: number }>({ path: `/api/v1/policies/${id}?version=1` });
      expect(old.status).to.equal(200);
      expect(old.body).to.include({ validity: 'revised', validityLabel: '已修订', isCurrent: false, currentVersion: 2 });
      const current = await t.api<{ validityLabel: string; isCurrent: boolean }>({ path: `/api/v1/policies/${id}` });
      expect(current.body).to.include({ validityLabel: '现行有效', isCurrent: true });

      const page = await t.api<string>({ path: `/policies/${id}?version=1`, headers: { accept: 'text/html' } });
      expect(page.status).to.equal(200);
      expect(page.body).to.include('历史版本').and.include(`href="/policies/${id}"`).and.include('已修订');
      expect(page.body).not.to.match(/class="badge[^"]*">现行有效</);
    });
  });

  describe('separation of duties', () => {
    async function draftInReview(): Promise<string> {
      doc += 1;
      const created = await post('/api/v1/policies', drafter, policyBody({ docNumber: `浦知分〔2026〕${doc}号` }));
      const id = String(created.body.id);
      await recordExemption({ t, id, token: drafter });
      return id;
    }

    it('refuses an administrator who edited the drafter text, and one who edited only the interpretation package', async () => {
      const edited = await draftInReview();
      expect((await t.api({ method: 'PATCH', path: `/api/v1/policies/${edited}`, token: TEST_ADMIN_TOKEN, body: { title: '管理员改写的标题' } })).status).to.equal(200);
      expect((await post(`/api/v1/policies/${edited}/submit`, drafter)).status).to.equal(200);
      const refused = await review(edited, TEST_ADMIN_TOKEN, 'legality');
      expect(refused.status).to.equal(403);
      expect(refused.body.error.code).to.equal('review_own_edit');
      expect(refused.body.error.message).to.include('不能审查');

      const packaged = await draftInReview();
      await recordExemption({ t, id: packaged, token: TEST_ADMIN_TOKEN, reason: '管理员补记的免予解读理由' });
      expect((await post(`/api/v1/policies/${packaged}/submit`, drafter)).status).to.equal(200);
      expect((await review(packaged, TEST_ADMIN_TOKEN, 'confidentiality')).body.error.code).to.equal('review_own_edit');
      // Somebody who did not write it may.
      expect((await review(packaged, reviewerA, 'confidentiality')).status).to.equal(200);
    });

    it('needs two different people for 保密审查 and 合法性审查', async () => {
      const id = await draftInReview();
      expect((await post(`/api/v1/policies/${id}/submit`, drafter)).status).to.equal(200);
      expect((await review(id, reviewerA, 'confidentiality')).status).to.equal(200);
      const same = await review(id, reviewerA, 'legality');
      expect(same.status).to.equal(403);
      expect(same.body.error.code).to.equal('review_same_person');
      expect(same.body.error.message).to.include('两名不同人员');
      const other = await review(id, reviewerB, 'legality');
      expect(other.body.status).to.equal('approved');
    });

    it('lets REVIEW_SAME_PERSON_ALLOWED=1 relax only the two-people rule', async () => {
      const small = await startTestPlatform({ env: { REVIEW_SAME_PERSON_ALLOWED: '1' } });
      try {
        const writer = await small.user({ id: 'small-drafter', role: 'drafter' });
        const checker = await small.user({ id: 'small-reviewer', role: 'reviewer' });
        const created = await small.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: writer, body: policyBody() });
        const id = created.body.id;
        await recordExemption({ t: small, id, token: writer });
        await small.api({ method: 'PATCH', path: `/api/v1/policies/${id}`, token: TEST_ADMIN_TOKEN, body: { title: '管理员改过' } });
        await small.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: writer });
        const admin = await small.api<ErrorBody>({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: TEST_ADMIN_TOKEN, body: { kind: 'legality', decision: 'approved' } });
        expect(admin.body.error.code, 'authors still may not review').to.equal('review_own_edit');
        for (const kind of ['confidentiality', 'legality']) {
          const res = await small.api<{ status: string }>({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: checker, body: { kind, decision: 'approved' } });
          expect(res.status).to.equal(200);
        }
      } finally {
        await small.close();
      }
    });
  });

  describe('audit trail', () => {
    it('records who did each workflow step with the content digest, readable by staff per policy', async () => {
      const id = await publishNew({ title: '浦东新区知识产权运营基金管理办法' });
      const trail = await t.api<AuditEntry[]>({ path: `/api/v1/policies/${id}/audit`, token: reviewerA });
      expect(trail.status).to.equal(200);
      const steps = trail.body.map((e) => `${e.action}:${e.actorId}`);
      expect(steps).to.include.members([
        'policy.create:acc-drafter',
        'interpretation.update:acc-drafter',
        'policy.submit:acc-drafter',
        'policy.review:acc-reviewer-a',
        'policy.review:acc-reviewer-b',
        'policy.publish:acc-drafter',
      ]);
      const publish = trail.body.find((e) => e.action === 'policy.publish');
      expect(publish?.digest).to.match(/^[0-9a-f]{64}$/);
      expect(publish?.details).to.include({ version: 1 });
      expect(trail.body.find((e) => e.action === 'policy.review' && e.actorId === 'acc-reviewer-b')?.details).to.include({ kind: 'legality', decision: 'approved' });
      expect((await t.api({ path: `/api/v1/policies/${id}/audit` })).status).to.equal(401);

      const staff = new FormClient(t.url);
      await staff.get('/staff/sign-in');
      expect((await staff.post('/staff/sign-in', { token: reviewerA })).status).to.equal(303);
      const page = await staff.get(`/staff/policies/${id}/audit`);
      expect(page.status).to.equal(200);
      expect(page.text).to.include('操作记录').and.include('郑审查').and.include('policy.publish');
    });

    it('exports the whole trail to administrators as CSV and JSON Lines, with taxonomy and push-control actions', async () => {
      expect((await t.api({ method: 'POST', path: '/api/v1/taxonomy/tags', token: TEST_ADMIN_TOKEN, body: { id: 'need-audit-test', dimension: 'need', label: '审计测试需求', synonyms: [], parent: null } })).status).to.equal(201);
      expect((await t.api({ method: 'PUT', path: '/api/v1/push/channels/email', token: TEST_ADMIN_TOKEN, body: { paused: true, reason: '演练' } })).status).to.equal(200);
      expect((await t.api({ method: 'PUT', path: '/api/v1/push/channels/email', token: TEST_ADMIN_TOKEN, body: { paused: false } })).status).to.equal(200);

      const json = await t.api<{ items: AuditEntry[] }>({ path: '/api/v1/audit?actor=admin&limit=1000', token: TEST_ADMIN_TOKEN });
      expect(json.status).to.equal(200);
      const actions = json.body.items.map((e) => `${e.action}:${e.targetId}`);
      expect(actions).to.include.members(['taxonomy.tag.create:need-audit-test', 'push.channel.pause:email', 'push.channel.resume:email']);

      const csv = await t.api<string>({ path: '/api/v1/audit?format=csv&action=push.channel.pause', token: TEST_ADMIN_TOKEN });
      expect(csv.headers.get('content-type')).to.include('text/csv');
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).to.equal('id,at,actorId,actorName,actorRole,action,targetType,targetId,digest,details');
      expect(lines.slice(1).every((line) => line.includes(',push.channel.pause,push_channel,email,'))).to.equal(true);

      const jsonl = await fetch(`${t.url}/api/v1/audit?format=jsonl&targetType=tag`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(jsonl.headers.get('content-type')).to.include('application/x-ndjson');
      const parsed = (await jsonl.text()).trim().split('\n').map((line) => JSON.parse(line) as AuditEntry);
      expect(parsed.map((e) => e.action)).to.include('taxonomy.tag.create');

      expect((await t.api({ path: '/api/v1/audit', token: drafter })).status).to.equal(403);
    });
  });

  describe('staff accounts', () => {
    it('disables and re-enables an account: its token and portal session stop at once, all audited', async () => {
      const token = await t.user({ id: 'acc-temp', role: 'drafter', name: '临时起草' });
      const portal = new FormClient(t.url);
      await portal.get('/staff/sign-in');
      expect((await portal.post('/staff/sign-in', { token })).status).to.equal(303);
      expect((await portal.get('/staff')).status).to.equal(200);

      const disabled = await t.api<{ disabled: boolean }>({ method: 'PUT', path: '/api/v1/users/acc-temp/status', token: TEST_ADMIN_TOKEN, body: { disabled: true } });
      expect(disabled.body.disabled).to.equal(true);
      expect((await t.api({ path: '/api/v1/staff/policies', token })).status).to.equal(401);
      const after = await portal.get('/staff');
      expect(after.status).to.equal(303);
      expect(after.headers.get('location')).to.match(/^\/staff\/sign-in/);

      await t.api({ method: 'PUT', path: '/api/v1/users/acc-temp/status', token: TEST_ADMIN_TOKEN, body: { disabled: false } });
      expect((await t.api({ path: '/api/v1/staff/policies', token })).status).to.equal(200);

      const self = await t.api<ErrorBody>({ method: 'PUT', path: '/api/v1/users/admin/status', token: TEST_ADMIN_TOKEN, body: { disabled: true } });
      expect(self.status).to.equal(409);
      const trail = await t.api<{ items: AuditEntry[] }>({ path: '/api/v1/audit?target=acc-temp', token: TEST_ADMIN_TOKEN });
      expect(trail.body.items.map((e) => e.action)).to.deep.equal(['user.create', 'user.disable', 'user.enable']);
    });

    it('rotates a token: the old one and its sessions stop, the new one works, from the API and the portal', async () => {
      const old = await t.user({ id: 'acc-rotate', role: 'reviewer' });
      const rotated = await t.api<{ token: string }>({ method: 'POST', path: '/api/v1/users/acc-rotate/token', token: TEST_ADMIN_TOKEN });
      expect(rotated.status).to.equal(200);
      expect(rotated.body.token).to.match(/^ppt_/).and.not.equal(old);
      expect((await t.api({ path: '/api/v1/staff/policies', token: old })).status).to.equal(401);
      expect((await t.api({ path: '/api/v1/staff/policies', token: rotated.body.token })).status).to.equal(200);

      const admin = new FormClient(t.url);
      await admin.get('/staff/sign-in');
      await admin.post('/staff/sign-in', { token: TEST_ADMIN_TOKEN });
      const users = await admin.get('/staff/users');
      expect(users.text).to.include('/staff/users/acc-rotate/token').and.include('/staff/users/acc-rotate/disable');
      const again = await admin.post('/staff/users/acc-rotate/token', {});
      expect(again.status).to.equal(200);
      const fresh = /id="new-token">([^<]+)</.exec(again.text)?.[1] ?? '';
      expect(fresh).to.match(/^ppt_/);
      expect((await t.api({ path: '/api/v1/staff/policies', token: rotated.body.token })).status).to.equal(401);
      expect((await t.api({ path: '/api/v1/staff/policies', token: fresh })).status).to.equal(200);
      expect((await admin.post('/staff/users/acc-rotate/disable', {})).status).to.equal(303);
      expect((await t.api({ path: '/api/v1/staff/policies', token: fresh })).status).to.equal(401);

      const trail = await t.api<{ items: AuditEntry[] }>({ path: '/api/v1/audit?target=acc-rotate', token: TEST_ADMIN_TOKEN });
      expect(trail.body.items.map((e) => e.action)).to.deep.equal(['user.create', 'user.token.rotate', 'user.token.rotate', 'user.disable']);
    });
  });

  describe('start-up', () => {
    it('warns when ADMIN_TOKEN is unset and stays quiet when it is set', async () => {
      const warnings: string[] = [];
      const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message) => warnings.push(message) };
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-warning-'));
      try {
        const unset = await openServices({ config: loadConfig({ DATA_DIR: dir, DEMO_DATA: '0' }), logger });
        await closeServices(unset);
        expect(warnings.filter((w) => w.includes('ADMIN_TOKEN'))).to.have.length(1);
        const set = await openServices({ config: loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', ADMIN_TOKEN: TEST_ADMIN_TOKEN }), logger });
        await closeServices(set);
        expect(warnings.filter((w) => w.includes('ADMIN_TOKEN'))).to.have.length(1);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
