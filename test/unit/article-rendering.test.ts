import { expect } from 'chai';
import { deepFreeze } from '../../server/deep-freeze.js';
import { parseArticles } from '../../server/text/article-parser.js';
import { articleBody, articleToc } from '../../server/web/views/articles.js';

const BODY = '第一章　总则\n第一条　为了支持企业以知识产权质押融资，制定本办法。\n第二条　贴息比例为50%。\n第二章　附则\n第三条　本办法自发布之日起施行。';

describe('policy body rendering', () => {
  it('renders a frozen stored article list exactly like a live one', () => {
    const live = parseArticles({ body: BODY });
    const frozen = deepFreeze(parseArticles({ body: BODY }));
    expect(articleBody(frozen).value).to.equal(articleBody(live).value).and.contain('贴息比例为50%');
    expect(articleToc(frozen)?.value).to.equal(articleToc(live)?.value);
    // Asked again, the same document renders the same markup.
    expect(articleBody(frozen).value).to.equal(articleBody(live).value);
  });

  it('renders a changed text from its own new list, never the markup of the earlier one', () => {
    const before = deepFreeze(parseArticles({ body: BODY }));
    expect(articleBody(before).value).to.contain('贴息比例为50%');
    const after = deepFreeze(parseArticles({ body: BODY.replace('50%', '60%').replace('第三条', '第三条　附件另行公布。\n第四条') }));
    const rendered = articleBody(after).value;
    expect(rendered).to.contain('贴息比例为60%').and.not.contain('贴息比例为50%');
    expect(articleToc(after)?.value).to.contain('第四条');
    expect(articleToc(before)?.value).not.to.contain('第四条');
  });

  it('renders a list that is still being edited afresh every time', () => {
    const editing = parseArticles({ body: BODY });
    expect(articleBody(editing).value).to.contain('贴息比例为50%');
    const second = editing[0]?.children[1];
    if (!second) throw new Error('the fixture has a second article in its first chapter');
    editing[0]?.children.splice(1, 1, { ...second, text: '贴息比例为70%。' });
    expect(articleBody(editing).value).to.contain('贴息比例为70%').and.not.contain('贴息比例为50%');
  });
});
