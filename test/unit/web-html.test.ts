import { expect } from 'chai';
import { html, joinHtml, markedSnippet, raw, safeUrl } from '../../server/web/html.js';
import { escapeHtml } from '../../server/text/markup-escape.js';

describe('portal templates', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<p title="${name}">${name}</p>`.value).to.equal(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
  });

  it('nests templates without escaping them twice and renders lists, numbers and absent values', () => {
    const items = ['a<b', 'c'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${items}</ul>${0}${false}${null}${undefined}`.value).to.equal('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  it('passes trusted fragments only through raw()', () => {
    expect(html`${raw('<br>')}${'<br>'}`.value).to.equal('<br>&lt;br&gt;');
    expect(joinHtml(['a', html`<b>b</b>`, false], '<hr>').value).to.equal('a&lt;hr&gt;<b>b</b>');
    expect(escapeHtml('`')).to.equal('&#96;');
  });

  it('keeps only <mark> from search snippets', () => {
    expect(markedSnippet('专利<mark>质押</mark>&amp;<img src=x onerror=alert(1)>').value).to.equal('专利<mark>质押</mark>&amp;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('lets only site paths and http(s) URLs become links', () => {
    expect(safeUrl('/policies/a')).to.equal('/policies/a');
    expect(safeUrl('//evil.example/x')).to.equal('#');
    expect(safeUrl('javascript:alert(1)')).to.equal('#');
    expect(safeUrl('https://example.org/v')).to.equal('https://example.org/v');
  });
});
