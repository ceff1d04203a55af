import { expect } from 'chai';
import { compareArticles } from '../../server/interpretation/comparison.js';
import { diffTokens, wordDiff } from '../../server/interpretation/word-diff.js';
import { parseArticles } from '../../server/text/article-parser.js';

const OLD_RULES = `为促进本市专利质量提升，制定本办法。
第一条　本办法适用于在本市依法登记注册的企业、高校和科研院所。
第二条　市知识产权局负责专利资助的组织实施和监督管理。
第三条　对国内发明专利授权给予资助，每件资助1000元。
第四条　对通过《专利合作条约》途径提交的国际专利申请，每件资助5000元。
第五条　申请人应当在专利授权之日起一年内提出资助申请，逾期不予受理。
第六条　以欺骗手段获取资助的，依照第五条规定追回资助资金，三年内不予受理其申请。
第七条　本办法自2021年1月1日起施行。`;

function compare(before: string, after: string) {
  return compareArticles({ before: parseArticles({ body: before }), after: parseArticles({ body: after }) });
}

function kinds(result: ReturnType<typeof compare>): string[] {
  return result.changes.map((c) => `${c.kind}:${c.old.map((o) => o.label).join('+') || '-'}>${c.new?.label ?? '-'}`);
}

describe('new-vs-old comparison', () => {
  it('keeps later articles unchanged when an inserted article renumbers them', () => {
    const after = OLD_RULES.replace(
      '第三条　对国内发明专利授权给予资助，每件资助1000元。\n第四条　对通过《专利合作条约》途径提交的国际专利申请，每件资助5000元。\n第五条　申请人应当在专利授权之日起一年内提出资助申请，逾期不予受理。\n第六条　以欺骗手段获取资助的，依照第五条规定追回资助资金，三年内不予受理其申请。\n第七条',
      '第三条　对国内发明专利授权给予资助，每件资助1000元。\n第四条　对获得中国专利奖的项目，每项奖励20万元。\n第五条　对通过《专利合作条约》途径提交的国际专利申请，每件资助5000元。\n第六条　申请人应当在专利授权之日起一年内提出资助申请，逾期不予受理。\n第七条　以欺骗手段获取资助的，依照第六条规定追回资助资金，三年内不予受理其申请。\n第八条',
    );
    const result = compare(OLD_RULES, after);
    expect(kinds(result)).to.deep.equal([
      'unchanged:序言>序言',
      'unchanged:第一条>第一条',
      'unchanged:第二条>第二条',
      'unchanged:第三条>第三条',
      'added:->第四条',
      'unchanged:第四条>第五条',
      'unchanged:第五条>第六条',
      'unchanged:第六条>第七条',
      'unchanged:第七条>第八条',
    ]);
    const renumbered = result.changes.filter((c) => c.renumbered);
    expect(renumbered).to.have.length(4);
    // 第五条 became 第六条 in the cross-reference only because the cited article moved.
    expect(result.changes.find((c) => c.new?.label === '第七条')?.referencesRenumbered).to.equal(true);
    expect(result.summary).to.deep.equal({ added: 1, removed: 0, modified: 0, moved: 0, unchanged: 8 });
  });

  it('shows amended wording as a word-level change inside the article', () => {
    const after = OLD_RULES.replace('每件资助1000元', '每件资助最高2000元').replace('一年内', '六个月内');
    const result = compare(OLD_RULES, after);
    const third = result.changes.find((c) => c.new?.label === '第三条');
    expect(third?.kind).to.equal('modified');
    expect(third?.diff?.filter((s) => s.op !== 'equal')).to.deep.equal([
      { op: 'delete', text: '1000' },
      { op: 'insert', text: '最高2000' },
    ]);
    const fifth = result.changes.find((c) => c.new?.label === '第五条');
    expect(fifth?.diff?.filter((s) => s.op === 'delete').map((s) => s.text)).to.deep.equal(['一年']);
    expect(fifth?.diff?.filter((s) => s.op === 'insert').map((s) => s.text)).to.deep.equal(['六个月']);
    expect(result.summary.modified).to.equal(2);
    expect(result.summary.unchanged).to.equal(6);
  });

  it('recognises two articles merged into one', () => {
    const after = `为促进本市专利质量提升，制定本办法。
第一条　本办法适用于在本市依法登记注册的企业、高校和科研院所。
第二条　市知识产权局负责专利资助的组织实施和监督管理。
第三条　对国内发明专利授权给予资助，每件资助1000元；对通过《专利合作条约》途径提交的国际专利申请，每件资助5000元。
第四条　申请人应当在专利授权之日起一年内提出资助申请，逾期不予受理。
第五条　以欺骗手段获取资助的，依照第四条规定追回资助资金，三年内不予受理其申请。
第六条　本办法自2021年1月1日起施行。`;
    const result = compare(OLD_RULES, after);
    const merged = result.changes.find((c) => c.new?.label === '第三条');
    expect(merged?.kind).to.equal('modified');
    expect(merged?.merged).to.equal(true);
    expect(merged?.old.map((o) => o.label)).to.deep.equal(['第三条', '第四条']);
    expect(result.summary.removed).to.equal(0);
    expect(result.changes.find((c) => c.new?.label === '第五条')?.kind).to.equal('unchanged');
  });

  it('recognises a moved article without calling its neighbours changed', () => {
    const after = `为促进本市专利质量提升，制定本办法。
第一条　本办法适用于在本市依法登记注册的企业、高校和科研院所。
第二条　对国内发明专利授权给予资助，每件资助1000元。
第三条　对通过《专利合作条约》途径提交的国际专利申请，每件资助5000元。
第四条　申请人应当在专利授权之日起一年内提出资助申请，逾期不予受理。
第五条　以欺骗手段获取资助的，依照第四条规定追回资助资金，三年内不予受理其申请。
第六条　市知识产权局负责专利资助的组织实施和监督管理。
第七条　本办法自2021年1月1日起施行。`;
    const result = compare(OLD_RULES, after);
    expect(result.summary).to.deep.equal({ added: 0, removed: 0, modified: 0, moved: 1, unchanged: 7 });
    const moved = result.changes.find((c) => c.kind === 'moved');
    expect(moved?.old[0]?.label).to.equal('第二条');
    expect(moved?.new?.label).to.equal('第六条');
    expect(moved?.textChanged).to.equal(false);
  });

  it('aligns documents written in different numbering styles', () => {
    const notice = `各区知识产权局：
一、资助范围
对国内发明专利授权给予资助，每件资助1000元。
二、申请期限
申请人应当在专利授权之日起一年内提出资助申请，逾期不予受理。
三、监督管理
以欺骗手段获取资助的，追回资助资金，三年内不予受理其申请。`;
    const rules = `各区知识产权局：
第一条　对国内发明专利授权给予资助，每件资助1000元。
第二条　对通过《专利合作条约》途径提交的国际专利申请，每件资助3000元。
第三条　申请人应当在专利授权之日起一年内提出资助申请，逾期不予受理。
第四条　以欺骗手段获取资助的，追回资助资金，五年内不予受理其申请。`;
    const result = compare(notice, rules);
    expect(kinds(result)).to.deep.equal([
      'unchanged:序言>序言',
      'modified:一、>第一条',
      'added:->第二条',
      'modified:二、>第三条',
      'modified:三、>第四条',
    ]);
    const last = result.changes.at(-1);
    expect(last?.diff?.filter((s) => s.op !== 'equal').map((s) => `${s.op}:${s.text}`)).to.include.members(['delete:三年', 'insert:五年']);
  });

  it('lists a removed article where it stood and an added one where it appears', () => {
    const after = OLD_RULES.replace('第四条　对通过《专利合作条约》途径提交的国际专利申请，每件资助5000元。\n', '')
      .replace('第五条　申请人', '第四条　申请人')
      .replace('第六条　以欺骗', '第五条　以欺骗')
      .replace('依照第五条', '依照第四条')
      .replace('第七条　本办法', '第六条　对获得中国专利金奖的单位给予一次性奖励。\n第七条　本办法');
    const result = compare(OLD_RULES, after);
    expect(kinds(result)).to.deep.equal([
      'unchanged:序言>序言',
      'unchanged:第一条>第一条',
      'unchanged:第二条>第二条',
      'unchanged:第三条>第三条',
      'removed:第四条>-',
      'unchanged:第五条>第四条',
      'unchanged:第六条>第五条',
      'added:->第六条',
      'unchanged:第七条>第七条',
    ]);
  });

  it('attaches drafter notes by change key and keeps notes whose change disappeared', () => {
    const after = OLD_RULES.replace('每件资助1000元', '每件资助2000元');
    const first = compare(OLD_RULES, after);
    const key = first.changes.find((c) => c.kind === 'modified')?.key ?? '';
    expect(key).to.equal('a3>a3');
    const annotated = compareArticles({
      before: parseArticles({ body: OLD_RULES }),
      after: parseArticles({ body: after }),
      notes: [
        { key, note: '资助标准提高一倍，企业每件发明专利可多获 1000 元。' },
        { key: 'a9>a9', note: '过时的批注' },
      ],
    });
    expect(annotated.changes.find((c) => c.key === key)?.note).to.include('提高一倍');
    expect(annotated.orphanNotes.map((n) => n.key)).to.deep.equal(['a9>a9']);
  });
});

describe('word diff', () => {
  it('splits text into words that join back to the original', () => {
    const text = '企业以专利权开展知识产权质押融资的，按实际贷款利息的50%给予贴息。';
    const tokens = diffTokens(text);
    expect(tokens.join('')).to.equal(text);
    expect(tokens).to.include('知识产权质押融资');
    expect(tokens).to.include('贴息');
  });

  it('reports whole words, not single characters', () => {
    const segments = wordDiff({ before: '按实际贷款利息的50%给予贴息', after: '按实际贷款利息的80%给予贴息和担保费补贴' });
    expect(segments.map((s) => s.op)).to.deep.equal(['equal', 'delete', 'insert', 'equal', 'insert']);
    expect(segments.map((s) => s.text).join('|')).to.equal('按实际贷款利息的|50%|80%|给予贴息|和担保费补贴');
  });
});
