/**
 * The 三同步 panel says something true in every state of the workflow: a fresh draft has not been
 * reviewed yet (it is not "outside this round's review"), a policy in review is being reviewed, and
 * only a review that saw another package asks for the policy to be returned.
 */
import { expect } from 'chai';
import { packageContentSchema, type StaffInterpretation } from '../../schemas/interpretation.schema.js';
import type { PolicyStatus } from '../../schemas/policy.schema.js';
import { checkCompleteness, packageDigest, staffGate, type ReviewCoverage } from '../../server/interpretation/completeness.js';
import { Taxonomy } from '../../server/services/taxonomy.js';
import { syncState } from '../../server/web/views/staff.views.js';

const taxonomy = new Taxonomy({ dimensions: [{ id: 'policy_type', label: '政策类型', description: '' }], tags: [] });
const AT = '2026-01-01T00:00:00Z';
const content = packageContentSchema.parse({ sections: { mainContent: '对专利权质押贷款按利息的50%贴息。', scope: '浦东新区的高新技术企业。' } });
const packageDraft = { policyId: 'p-x', content, exemption: null, basedOnVersion: null, revision: 1, updatedAt: AT, updatedBy: 'd' };
const exemptDraft = { ...packageDraft, content: packageContentSchema.parse({ sections: {} }), exemption: { reason: '仅调整内部办理时限', recordedBy: 'd', recordedAt: AT } };

function review(kind: 'confidentiality' | 'legality', digest: string | null): ReviewCoverage {
  return { review: { id: kind === 'legality' ? 2 : 1, kind, decision: 'approved', round: 1, reviewerName: '审查', at: AT }, digest };
}

function gateOf({
  status,
  draft = packageDraft,
  seen = [],
  earlierReviews = false,
}: {
  status: PolicyStatus;
  draft?: typeof packageDraft | typeof exemptDraft | null;
  seen?: ('current' | 'other')[];
  earlierReviews?: boolean;
}) {
  const digest = packageDigest({ draft, draftFaqs: [] });
  const completeness = checkCompleteness({ policy: { tags: [], applicationWindow: null }, content: draft?.content ?? null, taxonomy, exempt: Boolean(draft?.exemption), unannotatedChanges: 0 });
  const kinds = ['confidentiality', 'legality'] as const;
  const roundCoverage = seen.map((s, i) => review(kinds[i] ?? 'legality', s === 'current' ? digest : 'an older package'));
  return staffGate({ policyStatus: status, draft, digest, completeness, roundCoverage, earlierReviews: earlierReviews || seen.length > 0 });
}

function panel({ status, gate, currentVersion = null, releases = [] }: { status: PolicyStatus; gate: StaffInterpretation['gate']; currentVersion?: number | null; releases?: StaffInterpretation['releases'] }) {
  const interpretation: StaffInterpretation = {
    policyId: 'p-x',
    policyStatus: status,
    draft: null,
    digest: null,
    completeness: { complete: true, policyTypes: [], required: [], missing: [], warnings: [] },
    gate,
    reviews: [],
    faqs: [],
    graphics: [],
    releases,
  };
  return syncState({ policy: { status, currentVersion }, interpretation });
}

describe('三同步 panel text in each workflow state', () => {
  it('a fresh draft without a package is asked for one, not told it was outside a review', () => {
    const gate = gateOf({ status: 'draft', draft: null });
    expect(gate).to.include({ status: 'blocked', code: 'interpretation_missing' });
    expect(gate.message).to.include('还没有解读材料').and.not.include('本轮审查');
  });

  it('a fresh, never-submitted draft with a complete package waits to be submitted', () => {
    const gate = gateOf({ status: 'draft' });
    expect(gate).to.deep.equal({ status: 'pending', code: 'interpretation_not_submitted', message: '解读材料已齐备，尚未送审。送审时随政策一并审查。' });
    const shown = panel({ status: 'draft', gate });
    expect(shown).to.include({ label: '待送审', ok: true });
    expect(shown.message).to.not.include('退回');
  });

  it('a draft returned or reopened after a review says the next submission starts a new review', () => {
    const gate = gateOf({ status: 'draft', earlierReviews: true });
    expect(gate.code).to.equal('interpretation_not_submitted');
    expect(gate.message).to.equal('解读材料已齐备，尚未重新送审。此前的审查不再有效：重新送审后，解读材料随政策接受新一轮审查。');
  });

  it('a draft with a recorded exemption shows the reason and that it is not submitted yet', () => {
    const gate = gateOf({ status: 'draft', draft: exemptDraft });
    expect(gate).to.include({ status: 'exempt' });
    expect(gate.message).to.equal('已记录免予解读的理由：仅调整内部办理时限。尚未送审，送审时该理由随政策一并审查。');
    expect(panel({ status: 'draft', gate })).to.include({ label: '免予解读', ok: true });
  });

  it('a policy in review whose package is what the reviewers see is being reviewed', () => {
    const none = gateOf({ status: 'in_review' });
    expect(none).to.deep.equal({ status: 'pending', code: 'interpretation_in_review', message: '审查中：解读材料已随政策一并送审，等待保密审查和合法性审查。' });
    expect(panel({ status: 'in_review', gate: none })).to.include({ label: '随政策审查中', ok: true });
    const one = gateOf({ status: 'in_review', seen: ['current'] });
    expect(one.message).to.equal('审查中：本轮已记录的审查看到的正是当前的解读材料；保密审查和合法性审查均通过后即可发布。');
    const exempt = gateOf({ status: 'in_review', draft: exemptDraft });
    expect(exempt.message).to.include('免予解读的理由（仅调整内部办理时限）已随政策一并送审');
  });

  it('a package changed after a review of this round asks for the policy to be returned', () => {
    const gate = gateOf({ status: 'in_review', seen: ['other'] });
    expect(gate).to.include({ status: 'blocked', code: 'interpretation_not_reviewed' });
    expect(gate.message).to.equal('三同步：本轮已有审查看到的是修改前的解读材料，请退回后重新送审');
    expect(panel({ status: 'in_review', gate })).to.include({ label: '解读未就绪', ok: false });
    const approved = gateOf({ status: 'approved', seen: ['current', 'other'] });
    expect(approved).to.include({ status: 'blocked', code: 'interpretation_not_reviewed' });
  });

  it('an approved policy whose package both reviews saw is ready, or exempt with its reason', () => {
    const ready = gateOf({ status: 'approved', seen: ['current', 'current'] });
    expect(ready).to.deep.equal({ status: 'ready', code: null, message: '解读材料完整，且已随政策通过本轮审查' });
    expect(panel({ status: 'approved', gate: ready })).to.include({ label: '解读已就绪', ok: true });
    const exempt = gateOf({ status: 'approved', draft: exemptDraft, seen: ['current', 'current'] });
    expect(exempt).to.deep.equal({ status: 'exempt', code: null, message: '免予解读：仅调整内部办理时限' });
  });

  it('a published policy says whether its package was published with it, or why not', () => {
    const gate = { status: 'ready' as const, code: null, message: '' };
    expect(panel({ status: 'published', gate, currentVersion: 2, releases: [{ version: 2, publishedAt: AT, exempt: false }] }).message).to.equal('解读材料已随第 2 版一并发布。修改须先发起修订。');
    expect(panel({ status: 'published', gate, currentVersion: 2, releases: [{ version: 2, publishedAt: AT, exempt: true }] }).message).to.include('（免予解读）');
    expect(panel({ status: 'published', gate, currentVersion: 1 })).to.include({ label: '未随政策发布', ok: false });
  });
});
