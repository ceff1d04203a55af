import { policyImportLineSchema, type CreatePolicyBody, type PolicyImportLine } from '../../schemas/policy.schema.js';
import { shanghaiToday } from '../services/validity.js';
import type { Actor } from '../services/actor.js';
import type { PolicyService } from '../services/policy.service.js';

/**
 * Imported demo policies are history and are never pushed. These two go through the normal
 * workflow (draft → review → publish) on first start, after the demo subscribers exist, so the
 * matcher and the dispatcher produce real pushes: emails in data/outbox/, messages in the WeChat
 * mock's log.
 */
export const DEMO_DRAFTER: Actor = { id: 'demo-drafter', name: '示例起草处室', role: 'drafter' };
export const DEMO_REVIEWER: Actor = { id: 'demo-reviewer', name: '示例审查处室', role: 'reviewer' };
/** 保密审查 and 合法性审查 are recorded by two different people (separation of duties). */
export const DEMO_LEGALITY_REVIEWER: Actor = { id: 'demo-legal-reviewer', name: '示例法制审核处室', role: 'reviewer' };

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function demoPushPolicies(today: string): CreatePolicyBody[] {
  return [
    {
      id: 'demo-pudong-pledge-2026',
      docNumber: '浦知发〔2026〕8号',
      title: '浦东新区关于开展2026年度知识产权质押融资贴息申报工作的通知',
      issuer: '浦东新区知识产权局',
      level: 'level-district',
      issuedAt: today,
      effectiveAt: today,
      expiresAt: null,
      disclosure: 'public',
      disclosureReason: null,
      body: `各有关企业：
为缓解科技型中小企业融资难题，推动知识产权价值实现，现就2026年度知识产权质押融资贴息申报工作通知如下。
一、支持对象
注册在浦东新区、以专利权或商标权质押取得银行贷款的企业。
二、支持标准
（一）按实际支付贷款利息的50%给予贴息，单个企业年度贴息不超过50万元；
（二）评估费、担保费按实际发生额的30%给予补助。
三、申报方式
企业通过浦东新区政务服务平台在线提交申请，附贷款合同、质押登记证明和付息凭证。
四、其他
本通知自发布之日起施行，由浦东新区知识产权局负责解释。`,
      criteria: { region: ['region-pudong'], subject_type: ['subj-enterprise'] },
      tags: ['need-ip-pledge-financing', 'ptype-notice', 'ip-patent'],
      applicationWindow: { opensAt: today, closesAt: addDays(today, 30) },
      predecessorId: null,
    },
    {
      id: 'demo-sh-insurance-standards-2026',
      docNumber: '沪知局〔2026〕21号',
      title: '上海市知识产权保险和标准制定项目资助申报指南',
      issuer: '上海市知识产权局',
      level: 'level-municipal',
      issuedAt: today,
      effectiveAt: today,
      expiresAt: null,
      disclosure: 'public',
      disclosureReason: null,
      body: `为引导企业运用保险工具分散知识产权风险、以专利支撑标准制定，制定本申报指南。
第一条　本市注册的企业投保知识产权保险的，按实际缴纳保费的50%给予资助，单个企业年度不超过30万元。
第二条　企业主导制定国际标准、国家标准并将自有专利纳入标准的，每项给予一次性资助。
第三条　获得专利授权的小微企业，可同时申请专利资助。
第四条　申报材料包括保险合同、保费发票、标准发布文件及专利证书复印件。
第五条　本指南自发布之日起施行。`,
      criteria: { region: ['region-shanghai'], subject_type: ['subj-enterprise'] },
      tags: ['need-ip-insurance', 'need-standards', 'need-patent-funding', 'ptype-subsidy'],
      applicationWindow: { opensAt: today, closesAt: addDays(today, 10) },
      predecessorId: null,
    },
  ];
}

/** Drafts, reviews (each kind by its own reviewer, neither of them an author) and publishes each demo push policy. */
export async function publishDemoPushes({
  policies,
  today,
  beforeSubmit,
}: {
  policies: PolicyService;
  today: string;
  /** Writes the policy's interpretation package: 三同步 refuses to submit a policy without one. */
  beforeSubmit?: (policyId: string) => Promise<void>;
}): Promise<string[]> {
  const published: string[] = [];
  for (const body of demoPushPolicies(today)) {
    const created = await policies.create({ actor: DEMO_DRAFTER, body });
    await beforeSubmit?.(created.id);
    await policies.submit({ actor: DEMO_DRAFTER, id: created.id });
    await policies.review({ actor: DEMO_REVIEWER, id: created.id, body: { kind: 'confidentiality', decision: 'approved', comment: '' } });
    await policies.review({ actor: DEMO_LEGALITY_REVIEWER, id: created.id, body: { kind: 'legality', decision: 'approved', comment: '' } });
    await policies.publish({ actor: DEMO_DRAFTER, id: created.id });
    published.push(created.id);
  }
  return published;
}

/**
 * The same two policies as import lines, published today: what a fresh demo start holds besides
 * policies.jsonl, for tests that compute their expectations from the demo files.
 */
export function demoPushImportLines(now: Date = new Date()): PolicyImportLine[] {
  const today = shanghaiToday(now);
  return demoPushPolicies(today).map((body) => policyImportLineSchema.parse({ ...body, state: 'published', publishedAt: now.toISOString() }));
}
