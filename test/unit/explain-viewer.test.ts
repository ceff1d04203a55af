import { expect } from 'chai';
import { describeExplanation } from '../../server/matching/explain.js';
import { Taxonomy } from '../../server/services/taxonomy.js';

/** One explanation module words the reasons for whoever reads them: 您 for the subscriber, 该企业 for staff. */
describe('audience reasons worded for their reader', () => {
  const taxonomy = new Taxonomy({
    dimensions: [
      { id: 'need', label: '需求', description: '' },
      { id: 'size', label: '企业规模', description: '' },
    ],
    tags: [{ id: 'need-pledge', dimension: 'need', label: '质押融资', synonyms: [], parent: null, deprecated: false, mergedInto: null }],
  });
  const explanation = { eligible: false, eligibility: {}, unknown: ['size' as const], subscriptions: [{ subscriptionId: 's1', matchedTags: { need: ['need-pledge'] }, matchedKeywords: [] }] };
  const subscriptionNames = new Map([['s1', '融资与资助']]);

  it('addresses the subscriber as 您', () => {
    expect(describeExplanation({ explanation, taxonomy, subscriptionNames, viewer: { kind: 'subscriber' } })).to.deep.equal([
      '您的订阅“融资与资助”匹配：需求“质押融资”',
      '您的资料与该政策的适用条件不完全相符（您选择了接收全部相关政策）',
      '待确认：企业规模（您的资料未填写，完善后推送更精准）',
    ]);
  });

  it('tells staff about the enterprise, park or person in the third person', () => {
    expect(describeExplanation({ explanation, taxonomy, subscriptionNames, viewer: { kind: 'staff', subscriberKind: 'enterprise' } })).to.deep.equal([
      '该企业的订阅“融资与资助”匹配：需求“质押融资”',
      '该企业的资料与该政策的适用条件不完全相符（该企业选择了接收全部相关政策）',
      '待确认：企业规模（该企业的资料未填写）',
    ]);
    const park = describeExplanation({ explanation, taxonomy, subscriptionNames, viewer: { kind: 'staff', subscriberKind: 'park' } });
    expect(park[0]).to.equal('该园区的订阅“融资与资助”匹配：需求“质押融资”');
    expect(park.join('')).to.not.include('您');
  });
});
