import { expect } from 'chai';
import { Taxonomy } from '../../server/services/taxonomy.js';
import { addUserTerms } from '../../server/text/segmenter.js';
import { suggestTags } from '../../server/web/tag-suggestions.js';
import type { Tag } from '../../schemas/taxonomy.schema.js';
import { TEST_TAXONOMY_TAGS } from '../support/fixtures.js';

describe('tag suggestions from a policy text', () => {
  const extra: Tag[] = [
    { id: 'ptype-measures', dimension: 'policy_type', label: '管理办法', synonyms: ['办法'], parent: null, deprecated: false, mergedInto: null },
    { id: 'ptype-rules', dimension: 'policy_type', label: '实施细则', synonyms: ['细则'], parent: null, deprecated: false, mergedInto: null },
    { id: 'subj-park', dimension: 'subject_type', label: '园区', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  ];
  const tags = [...TEST_TAXONOMY_TAGS, ...extra];
  const taxonomy = new Taxonomy({ dimensions: [], tags });
  before(() => addUserTerms(tags.map((t) => t.label)));

  it('finds labels and synonyms, suggests the most specific tag, and puts title words first', () => {
    const suggestions = suggestTags({
      title: '张江科学城知识产权质押融资贴息办法',
      body: '为支持浦东新区高企开展专利质押，制定本细则。第一条　本细则适用于张江科学城内的企业。',
      taxonomy,
    });
    const ids = suggestions.map((s) => s.tagId);
    expect(ids).to.include.members(['region-zhangjiang', 'need-pledge', 'qual-high-tech', 'ptype-measures']);
    // 浦东新区 is named too, but 张江科学城 lies inside it: the ancestor is implied.
    expect(ids).to.not.include('region-pudong');
    expect(suggestions.find((s) => s.tagId === 'qual-high-tech')?.term, 'found through its synonym').to.equal('高企');
    expect(suggestions.find((s) => s.tagId === 'region-zhangjiang')?.target).to.equal('criteria');
    expect(suggestions.find((s) => s.tagId === 'need-pledge')?.target).to.equal('tags');
    expect(suggestions[0]?.tagId, 'named in the title and the body').to.equal('region-zhangjiang');
  });

  it('takes the policy type from the title only, skips deprecated tags, and matches whole words', () => {
    const suggestions = suggestTags({ title: '关于专利申请资助（旧）的通知', body: '本细则由区知识产权局负责解释。产业园区企业可以申请。', taxonomy });
    const ids = suggestions.map((s) => s.tagId);
    expect(ids, 'the body mentions 细则 in passing').to.not.include('ptype-rules');
    expect(ids).to.not.include('need-old-subsidy');
    expect(suggestTags({ title: '', body: '', taxonomy })).to.deep.equal([]);
  });
});
