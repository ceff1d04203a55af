import { expect } from 'chai';
import { highlightTerms, markTerms, policySnippet } from '../../server/text/highlight.js';
import { escapeHtml } from '../../server/text/markup-escape.js';
import { shanghaiToday } from '../../server/services/validity.js';

const marks = (snippet: string): string[] => [...snippet.matchAll(/<mark>(.*?)<\/mark>/g)].map((match) => match[1] ?? '');

describe('policy snippets', function () {
  it('marks the longest term where several start at the same place, and every later occurrence', function () {
    const body = '本办法支持知识产权质押融资。企业办理知识产权质押时，可申请融资贴息。';
    const snippet = policySnippet({ body, terms: ['知识产权质押融资', '知识产权', '融资'] });
    expect(marks(snippet)).to.deep.equal(['知识产权质押融资', '知识产权', '融资']);
  });

  it('treats terms holding regular-expression characters as plain text', function () {
    const body = '支持 C++ 与 (PCT) 国际申请，也支持 C 语言。a.b 不是 axb。';
    const snippet = policySnippet({ body, terms: ['c++', '(pct)', 'a.b'] });
    expect(marks(snippet)).to.deep.equal(['C++', '(PCT)', 'a.b']);
  });

  it('merges adjacent terms into one mark and escapes the text around them', function () {
    const body = '<b>专利</b>资助 & 奖励';
    const snippet = policySnippet({ body, terms: ['专利', '资助'] });
    expect(snippet).to.equal('&lt;b&gt;<mark>专利</mark>&lt;/b&gt;<mark>资助</mark> &amp; 奖励');
  });

  it('folds every kind of whitespace run to one space and escapes, as \\s+ and the shared escaping rule would', function () {
    // Every character JavaScript's \s matches, some that look alike but are not (either side of the
    // Han range's boundary too), the six escaped ones, CJK, a surrogate pair and the term itself, so
    // runs meet marks on either side.
    const alphabet = [
      ...'\t\n\v\f\r \u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff',
      ...'\u200b\u0085\u180e\u2fff\u3001\ufefe\uff00',
      ...'&<>"\'`',
      ...'专利a1。甲',
      '\u{20000}',
    ];
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    for (let round = 0; round < 2_000; round++) {
      const body = `甲${Array.from({ length: 1 + (next() % 40) }, () => alphabet[next() % alphabet.length]).join('')}`;
      // Marks and the text between them are folded each on its own, so a run is cut where a mark starts or ends.
      const expected = body
        .split(/(甲+)/)
        .map((piece, at) => (at % 2 === 1 ? `<mark>${piece}</mark>` : escapeHtml(piece.replace(/\s+/g, ' '))))
        .join('');
      expect(policySnippet({ body, terms: ['甲'] }), JSON.stringify(body)).to.equal(expected);
    }
  });

  it('chooses the window holding the most distinct terms over one repeating a single term', function () {
    const filler = '这是一段与检索无关的说明文字，'.repeat(12);
    const body = `专利专利专利专利${filler}商标与专利同时出现${filler}`;
    const snippet = policySnippet({ body, terms: ['专利', '商标'] });
    expect(marks(snippet)).to.include('商标');
  });

  it('paints a query word and its parts as one mark where they sit side by side', function () {
    const body = '企业办理知识产权质押，可申请贴息。';
    expect(marks(policySnippet({ body, terms: highlightTerms(['知识产权质押融资']) }))).to.deep.equal(['知识产权质押']);
  });

  it('answers the same for the same terms asked again, and differently for other terms', function () {
    const body = '高新技术企业认定与专利资助申报。';
    const first = policySnippet({ body, terms: ['专利资助'] });
    expect(policySnippet({ body, terms: ['专利资助'] })).to.equal(first);
    expect(marks(policySnippet({ body, terms: ['高新技术企业'] }))).to.deep.equal(['高新技术企业']);
  });
});

describe('marked FAQ questions', function () {
  it('marks by the same rule as snippets: the longest term at each place, in the original script', function () {
    const html = markTerms({ text: '如何申請專利資助？專利 & 資助', terms: ['专利资助', '专利', '资助'] });
    expect(html).to.equal('如何申請<mark>專利資助</mark>？<mark>專利</mark> &amp; <mark>資助</mark>');
  });
});

describe('shanghaiToday', function () {
  it('turns the date at Shanghai midnight even when asked within the same second before and after', function () {
    expect(shanghaiToday(new Date('2026-12-05T15:59:59.999Z'))).to.equal('2026-12-05');
    expect(shanghaiToday(new Date('2026-12-05T16:00:00.000Z'))).to.equal('2026-12-06');
    expect(shanghaiToday(new Date('2026-12-05T15:59:59.000Z'))).to.equal('2026-12-05');
  });
});
