import { expect } from 'chai';
import { createPolicyBodySchema } from '../../schemas/policy.schema.js';
import type { TextFindings } from '../../schemas/text-findings.schema.js';
import type { Store } from '../../server/ports/store.port.js';
import { newPolicyRecord } from '../../server/services/policy-workflow.js';

const DRAFTER = { id: 'drafter-a', name: '起草人甲', role: 'drafter' as const };

function findings(overrides: Partial<TextFindings> = {}): TextFindings {
  return {
    policyId: 'p-hygiene',
    repairs: [{ code: 'pinyin_annotation', message: '删除拼音注音 4 处：(zhī)(shí)(chǎn)(quán)', line: 3, before: '知(zhī)识(shí)产(chǎn)权(quán)', after: '知识产权', at: '2026-05-01T01:00:00.000Z' }],
    suspects: [{ line: 5, text: '澳门百家乐娱乐城', code: 'gambling', reason: '含博彩类词语“百家乐”', status: 'kept', decidedBy: DRAFTER.id, decidedAt: '2026-05-01T02:00:00.000Z' }],
    metadata: { title: '关于优化营商环境的通知', addressees: ['各区知识产权局', '各有关单位'], writtenOn: '2026-01-05' },
    updatedAt: '2026-05-01T02:00:00.000Z',
    ...overrides,
  };
}

/** The repair history and suspect decisions every store adapter keeps: one record per policy, replaced whole. */
export function textFindingsContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`policy text findings contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
      await store.migrate();
      const policy = newPolicyRecord({ id: 'p-hygiene', body: createPolicyBodySchema.parse({ title: '测试政策', issuer: '上海市知识产权局' }), actor: DRAFTER, at: '2026-05-01T00:00:00.000Z' });
      await store.policies.insert(policy);
    });
    afterEach(async () => store.close());

    it('has nothing for a policy never checked', async () => {
      expect(await store.textFindings.get('p-hygiene')).to.equal(null);
      expect(await store.textFindings.get('p-unknown')).to.equal(null);
    });

    it('keeps every field, including empty lists and optional metadata', async () => {
      const saved = findings();
      await store.textFindings.save(saved);
      expect(await store.textFindings.get('p-hygiene')).to.deep.equal(saved);
      const empty = findings({ repairs: [], suspects: [], metadata: {} });
      await store.textFindings.save(empty);
      expect(await store.textFindings.get('p-hygiene')).to.deep.equal(empty);
    });

    it('replaces the record of the same policy rather than adding a second one', async () => {
      await store.textFindings.save(findings());
      const decided = findings({
        suspects: [{ line: 5, text: '澳门百家乐娱乐城', code: 'gambling', reason: '含博彩类词语“百家乐”', status: 'excluded', decidedBy: 'drafter-b', decidedAt: '2026-05-02T00:00:00.000Z' }],
        updatedAt: '2026-05-02T00:00:00.000Z',
      });
      await store.textFindings.save(decided);
      expect(await store.textFindings.get('p-hygiene')).to.deep.equal(decided);
    });
  });
}
