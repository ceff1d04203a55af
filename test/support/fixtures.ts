import type { TaxonomyData } from '../../schemas/taxonomy.schema.js';

/** A small taxonomy for tests that must not depend on the demo data. */
export const TEST_TAXONOMY_TAGS: TaxonomyData['tags'] = [
  { id: 'region-shanghai', dimension: 'region', label: '上海市', synonyms: ['沪'], parent: null, deprecated: false, mergedInto: null },
  { id: 'region-pudong', dimension: 'region', label: '浦东新区', synonyms: [], parent: 'region-shanghai', deprecated: false, mergedInto: null },
  { id: 'region-zhangjiang', dimension: 'region', label: '张江科学城', synonyms: [], parent: 'region-pudong', deprecated: false, mergedInto: null },
  { id: 'region-xuhui', dimension: 'region', label: '徐汇区', synonyms: [], parent: 'region-shanghai', deprecated: false, mergedInto: null },
  { id: 'qual-high-tech', dimension: 'qualification', label: '高新技术企业', synonyms: ['高企'], parent: null, deprecated: false, mergedInto: null },
  { id: 'qual-srdi', dimension: 'qualification', label: '专精特新中小企业', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'need-funding', dimension: 'need', label: '资金扶持', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'need-patent-funding', dimension: 'need', label: '专利资助', synonyms: [], parent: 'need-funding', deprecated: false, mergedInto: null },
  { id: 'need-pledge', dimension: 'need', label: '知识产权质押融资', synonyms: ['专利质押'], parent: null, deprecated: false, mergedInto: null },
  { id: 'need-old-subsidy', dimension: 'need', label: '专利申请资助（旧）', synonyms: [], parent: null, deprecated: true, mergedInto: null },
  { id: 'level-municipal', dimension: 'issuer_level', label: '市级', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'level-district', dimension: 'issuer_level', label: '区级', synonyms: [], parent: null, deprecated: false, mergedInto: null },
];

export const PLEDGE_POLICY_BODY = `为缓解科技型中小企业融资难题，推动知识产权价值实现，制定本办法。
第一条　本办法适用于注册在浦东新区的高新技术企业。
第二条　企业以专利权开展知识产权质押融资的，按实际贷款利息的50%给予贴息。
（一）单个企业年度贴息不超过50万元；
（二）评估费、担保费按实际发生额的30%给予补助。
第三条　本办法自发布之日起施行。`;

export function policyBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: '浦东新区知识产权质押融资贴息办法',
    docNumber: '浦知规〔2026〕1号',
    issuer: '浦东新区知识产权局',
    level: 'level-district',
    issuedAt: '2026-03-01',
    effectiveAt: '2026-03-01',
    body: PLEDGE_POLICY_BODY,
    criteria: { region: ['region-pudong'], qualification: ['qual-high-tech'] },
    tags: ['need-pledge'],
    ...overrides,
  };
}
