import { expect } from 'chai';
import { escapeHtml, escapeXml } from '../../server/text/markup-escape.js';

describe('escaping text for HTML and XML', () => {
  it('escapes the six characters with a meaning in HTML text or a quoted attribute, and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>\`&</a>`)).to.equal('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&#96;&amp;&lt;/a&gt;');
    expect(escapeHtml('专利资助 a1。\t\u0001')).to.equal('专利资助 a1。\t\u0001');
  });

  it('escapes an ampersand once, so an entity in the text is shown as written', () => {
    expect(escapeHtml('&amp;')).to.equal('&amp;amp;');
    expect(escapeXml('&amp;')).to.equal('&amp;amp;');
  });

  it('escapes XML markup and drops the control characters XML 1.0 cannot carry even escaped', () => {
    expect(escapeXml(`<t a="1" b='2'>&</t>`)).to.equal('&lt;t a=&quot;1&quot; b=&apos;2&apos;&gt;&amp;&lt;/t&gt;');
    expect(escapeXml('甲\u0000\u0008乙\u000b\u000c\u001f丙\ufffe\uffff丁')).to.equal('甲乙丙丁');
    // Tab, line feed and carriage return are allowed, and so is the backtick.
    expect(escapeXml('a\tb\nc\rd`')).to.equal('a\tb\nc\rd`');
  });
});
