import { expect } from 'chai';
import type { NewAuditEntry } from '../../schemas/audit.schema.js';
import { DomainError } from '../../server/errors.js';
import type { Store } from '../../server/ports/store.port.js';
import { newAuditEntry } from '../../server/services/audit.service.js';
import { newPolicyRecord, policyDigest } from '../../server/services/policy-workflow.js';
import { createPolicyBodySchema } from '../../schemas/policy.schema.js';

const DRAFTER = { id: 'drafter-a', name: '起草人甲', role: 'drafter' as const };
const ADMIN = { id: 'admin-b', name: '管理员乙', role: 'admin' as const };

function entry(overrides: Partial<NewAuditEntry> & { at: string }): NewAuditEntry {
  return { ...newAuditEntry({ at: overrides.at, actor: DRAFTER, action: 'policy.update', targetType: 'policy', targetId: 'p-1' }), ...overrides };
}

/** The audit trail every store adapter must provide: append-only, in write order, filterable, and written with the change it records. */
export function auditContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`audit trail contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
      await store.migrate();
    });
    afterEach(async () => store.close());

    it('keeps entries in write order with every field and filters by actor, action, target and time', async () => {
      const first = await store.audit.append(entry({ at: '2026-05-01T01:00:00.000Z', digest: 'a'.repeat(64), details: { fields: 'title', round: 1, ok: true, none: null } }));
      await store.audit.append(entry({ at: '2026-05-01T02:00:00.000Z', action: 'policy.submit' }));
      await store.audit.append({ ...entry({ at: '2026-05-01T03:00:00.000Z' }), actorId: ADMIN.id, actorName: ADMIN.name, actorRole: 'admin', targetId: 'p-2' });
      await store.audit.append(entry({ at: '2026-05-02T00:00:00.000Z', action: 'user.disable', targetType: 'user', targetId: 'wang' }));

      const all = await store.audit.list({ limit: 10 });
      expect(all.map((e) => e.action)).to.deep.equal(['policy.update', 'policy.submit', 'policy.update', 'user.disable']);
      expect(all.map((e) => e.id)).to.deep.equal([...all.map((e) => e.id)].sort((a, b) => a - b));
      expect(all[0]).to.deep.equal({ ...first, details: { fields: 'title', round: 1, ok: true, none: null } });

      expect((await store.audit.list({ targetType: 'policy', targetId: 'p-1', limit: 10 })).map((e) => e.action)).to.deep.equal(['policy.update', 'policy.submit']);
      expect((await store.audit.list({ actorId: ADMIN.id, limit: 10 })).map((e) => e.targetId)).to.deep.equal(['p-2']);
      expect((await store.audit.list({ action: 'user.disable', limit: 10 })).map((e) => e.targetId)).to.deep.equal(['wang']);
      expect((await store.audit.list({ actions: ['policy.submit', 'user.disable'], limit: 10 })).map((e) => e.action)).to.deep.equal(['policy.submit', 'user.disable']);
      expect((await store.audit.list({ from: '2026-05-01T02:00:00.000Z', to: '2026-05-01T03:00:00.000Z', limit: 10 })).map((e) => e.action)).to.deep.equal(['policy.submit', 'policy.update']);
      const page = await store.audit.list({ limit: 2 });
      expect((await store.audit.list({ afterId: page.at(-1)?.id ?? 0, limit: 10 })).map((e) => e.action)).to.deep.equal(['policy.update', 'user.disable']);
    });

    it('records a policy write and its audit entry together, and neither when the write conflicts', async () => {
      const policy = newPolicyRecord({ id: 'p-audited', body: createPolicyBodySchema.parse({ title: '测试政策', issuer: '上海市知识产权局' }), actor: DRAFTER, at: '2026-05-01T01:00:00.000Z' });
      const created = newAuditEntry({ at: policy.createdAt, actor: DRAFTER, action: 'policy.create', targetType: 'policy', targetId: policy.id, digest: policyDigest(policy) });
      await store.policies.insert(policy, { audit: created });
      const stale = { ...policy, title: '改了标题', revision: 2 };
      try {
        await store.policies.update({ policy: stale, expectedRevision: 7, audit: { ...created, action: 'policy.update' } });
        expect.fail('a stale revision must conflict');
      } catch (error) {
        expect(error).to.be.instanceOf(DomainError);
      }
      await store.policies.update({ policy: stale, expectedRevision: 1, audit: { ...created, action: 'policy.update', digest: policyDigest(stale) } });
      const trail = await store.audit.list({ targetType: 'policy', targetId: policy.id, limit: 10 });
      expect(trail.map((e) => e.action)).to.deep.equal(['policy.create', 'policy.update']);
      expect(trail[1]?.digest).to.equal(policyDigest(stale)).and.not.equal(trail[0]?.digest);
    });

    it('disables a user and rotates a token with their audit entries, and reports an unknown user', async () => {
      await store.users.insert({ id: 'wang', name: '王起草', role: 'drafter', tokenHash: 'h1', disabled: false, createdAt: '2026-05-01T00:00:00.000Z' });
      const audit = newAuditEntry({ at: '2026-05-01T05:00:00.000Z', actor: ADMIN, action: 'user.disable', targetType: 'user', targetId: 'wang' });
      expect(await store.users.setDisabled({ id: 'wang', disabled: true, audit })).to.equal(true);
      expect((await store.users.get('wang'))?.disabled).to.equal(true);
      expect(await store.users.replaceToken({ id: 'wang', tokenHash: 'h2', audit: { ...audit, action: 'user.token.rotate' } })).to.equal(true);
      expect(await store.users.findByTokenHash('h1')).to.equal(null);
      expect((await store.users.findByTokenHash('h2'))?.id).to.equal('wang');
      expect(await store.users.setDisabled({ id: 'nobody', disabled: true, audit })).to.equal(false);
      const trail = await store.audit.list({ targetType: 'user', limit: 10 });
      expect(trail.map((e) => `${e.action}:${e.targetId}`)).to.deep.equal(['user.disable:wang', 'user.token.rotate:wang']);
    });
  });
}
