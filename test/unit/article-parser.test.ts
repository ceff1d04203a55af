import { expect } from 'chai';
import { articleSchema, type Article } from '../../schemas/article.schema.js';
import { chineseNumeralToNumber, parseArticles, parseStructure } from '../../server/text/article-parser.js';

function flatten(nodes: readonly Article[]): Article[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

function anchors(nodes: readonly Article[]): string[] {
  return flatten(nodes).map((node) => node.anchor);
}

function find(nodes: readonly Article[], anchor: string): Article {
  const node = flatten(nodes).find((n) => n.anchor === anchor);
  if (!node) throw new Error(`no node with anchor ${anchor}; have ${anchors(nodes).join(', ')}`);
  return node;
}

/** Every parse result must satisfy the schema and have unique, URL-safe anchors. */
function expectWellFormed(nodes: readonly Article[]): void {
  for (const node of nodes) articleSchema.parse(node);
  const all = anchors(nodes);
  expect(new Set(all).size, 'anchors are unique').to.equal(all.length);
  for (const anchor of all) expect(anchor).to.match(/^[a-z0-9-]+$/);
}

const REGULATION = [
  '第一章　总则',
  '第一条　为了规范专利代理行为，保障委托人、专利代理机构和专利代理师的合法权益，根据《中华人民共和国专利法》和《专利代理条例》，制定本办法。',
  '第二条　本办法所称专利代理机构，是指接受委托人的委托，在委托权限范围内办理专利申请或者其他专利事务的服务机构。',
  '第二章　专利代理机构',
  '第一节　设立',
  '第三条　申请设立专利代理机构的，应当符合下列条件：',
  '（一）有符合规定的机构名称；',
  '（二）有书面合伙协议或者公司章程；',
  '（三）有独立的经营场所。',
  '第二节　变更与注销',
  '第四条　专利代理机构名称、经营场所、合伙人或者股东等事项发生变化的，应当自变化之日起三十日内办理变更手续。',
  '第三章　附则',
  '第五条　本办法自2024年1月1日起施行。',
].join('\n');

const NOTICE = [
  '国家知识产权局办公室关于开展知识产权强市建设试点示范工作的通知',
  '各省、自治区、直辖市及新疆生产建设兵团知识产权局：',
  '为深入实施知识产权强国建设纲要，现就有关事项通知如下。',
  '一、总体要求',
  '坚持问题导向和目标导向，推动知识产权工作高质量发展。',
  '二、重点任务',
  '（一）提升知识产权创造质量',
  '1. 完善高价值专利培育机制，引导创新主体加强核心技术专利布局。',
  '2. 加强商标品牌建设，培育一批具有竞争力的区域品牌。',
  '（二）强化知识产权保护',
  '1. 健全行政裁决工作体系。',
  '2. 推进知识产权快速维权中心建设。',
  '三、组织实施',
  '各地要加强组织领导，认真抓好落实。',
  '国家知识产权局办公室',
  '2024年3月15日',
].join('\n');

describe('chineseNumeralToNumber', () => {
  const cases: ReadonlyArray<[string, number]> = [
    ['一', 1],
    ['九', 9],
    ['十', 10],
    ['十二', 12],
    ['二十', 20],
    ['二十三', 23],
    ['一百', 100],
    ['一百零一', 101],
    ['一百一十', 110],
    ['一百十', 110],
    ['两百', 200],
    ['一千零二十', 1020],
    ['一万零五', 10005],
    ['〇', 0],
    ['零', 0],
    ['二〇二四', 2024],
    ['3', 3],
    ['101', 101],
    ['１２', 12],
  ];
  for (const [numeral, expected] of cases) {
    it(`converts ${numeral} to ${expected}`, () => {
      expect(chineseNumeralToNumber({ numeral })).to.equal(expected);
    });
  }

  it('returns null for non-numerals instead of throwing', () => {
    expect(chineseNumeralToNumber({ numeral: '' })).to.equal(null);
    expect(chineseNumeralToNumber({ numeral: '总则' })).to.equal(null);
    expect(chineseNumeralToNumber({ numeral: '十a' })).to.equal(null);
    expect(chineseNumeralToNumber({ numeral: '1.5' })).to.equal(null);
  });
});

describe('parseArticles', () => {
  describe('regulation with chapters, sections and articles', () => {
    const result = parseArticles({ body: REGULATION });

    it('produces well-formed output', () => {
      expectWellFormed(result);
    });

    it('puts chapters at the top level with label and title split', () => {
      expect(result.map((n) => [n.kind, n.label, n.title, n.text])).to.deep.equal([
        ['chapter', '第一章', '总则', ''],
        ['chapter', '第二章', '专利代理机构', ''],
        ['chapter', '第三章', '附则', ''],
      ]);
    });

    it('nests articles in chapters with label, null title and body text', () => {
      const first = find(result, 'c1-a1');
      expect(first.kind).to.equal('article');
      expect(first.label).to.equal('第一条');
      expect(first.title).to.equal(null);
      expect(first.text).to.match(/^为了规范专利代理行为/);
      expect(result[0]?.children.map((n) => n.anchor)).to.deep.equal(['c1-a1', 'c1-a2']);
      expect(find(result, 'c3-a5').text).to.equal('本办法自2024年1月1日起施行。');
    });

    it('nests sections between chapters and articles, and closes them at the next section', () => {
      const chapter = find(result, 'c2');
      expect(chapter.children.map((n) => [n.kind, n.label, n.title])).to.deep.equal([
        ['section', '第一节', '设立'],
        ['section', '第二节', '变更与注销'],
      ]);
      expect(find(result, 'c2-sec1').children.map((n) => n.anchor)).to.deep.equal(['c2-sec1-a3']);
      expect(find(result, 'c2-sec2').children.map((n) => n.anchor)).to.deep.equal(['c2-sec2-a4']);
    });

    it('puts （一） subitems inside their article', () => {
      const article = find(result, 'c2-sec1-a3');
      expect(article.text).to.equal('申请设立专利代理机构的，应当符合下列条件：');
      expect(article.children.map((n) => [n.anchor, n.kind, n.label, n.text])).to.deep.equal([
        ['c2-sec1-a3-s1', 'subitem', '（一）', '有符合规定的机构名称；'],
        ['c2-sec1-a3-s2', 'subitem', '（二）', '有书面合伙协议或者公司章程；'],
        ['c2-sec1-a3-s3', 'subitem', '（三）', '有独立的经营场所。'],
      ]);
    });
  });

  describe('notice with 一、/（一）/1. nesting', () => {
    const result = parseArticles({ body: NOTICE });

    it('produces well-formed output', () => {
      expectWellFormed(result);
    });

    it('keeps text before the first marker as a preamble paragraph', () => {
      const [preamble] = result;
      expect(preamble).to.deep.equal({
        anchor: 'preamble',
        kind: 'paragraph',
        label: '',
        title: null,
        text: [
          '国家知识产权局办公室关于开展知识产权强市建设试点示范工作的通知',
          '各省、自治区、直辖市及新疆生产建设兵团知识产权局：',
          '为深入实施知识产权强国建设纲要，现就有关事项通知如下。',
        ].join('\n'),
        children: [],
      });
    });

    it('places 一、 items at the top level as headings', () => {
      expect(result.slice(1).map((n) => [n.anchor, n.kind, n.label, n.title])).to.deep.equal([
        ['i1', 'item', '一、', '总体要求'],
        ['i2', 'item', '二、', '重点任务'],
        ['i3', 'item', '三、', '组织实施'],
      ]);
    });

    it('nests （一） under 一、 and 1. under （一）, restarting numbering per parent', () => {
      expect(anchors(find(result, 'i2').children)).to.deep.equal([
        'i2-s1',
        'i2-s1-p1',
        'i2-s1-p2',
        'i2-s2',
        'i2-s2-p1',
        'i2-s2-p2',
      ]);
      const point = find(result, 'i2-s1-p2');
      expect(point.kind).to.equal('point');
      expect(point.label).to.equal('2.');
      expect(point.text).to.equal('加强商标品牌建设，培育一批具有竞争力的区域品牌。');
      expect(find(result, 'i2-s2').text).to.equal('强化知识产权保护');
    });

    it('appends unmarked lines to the current node', () => {
      expect(find(result, 'i1').text).to.equal('坚持问题导向和目标导向，推动知识产权工作高质量发展。');
      expect(find(result, 'i3').text).to.equal(
        ['各地要加强组织领导，认真抓好落实。', '国家知识产权局办公室', '2024年3月15日'].join('\n'),
      );
    });
  });

  describe('mixed markers inside articles', () => {
    const body = [
      '第八条　有下列情形之一的，专利申请人可以请求优先审查：',
      '（一）涉及节能环保、新一代信息技术等国家重点发展产业的；',
      '（二）符合下列条件之一的：',
      '1. 涉及各省级人民政府重点鼓励的产业；',
      '2、已经实施或者已经准备实施，并提交下列证明之一：',
      '(1) 由省级知识产权局出具的推荐意见；',
      '（2）由设区的市级知识产权局出具的推荐意见。',
      '3．就相同主题首次在中国提出专利申请，又向其他国家或者地区提出申请的。',
      '第九条　请求优先审查的，应当提交优先审查请求书。',
      '一、按照本办法第八条规定提交的，由国家知识产权局审核；',
      '二、其他情形由省级知识产权局审核。',
      '第十条　本办法由国家知识产权局负责解释。',
    ].join('\n');
    const result = parseArticles({ body });

    it('produces well-formed output', () => {
      expectWellFormed(result);
    });

    it('nests 1. under （一） under 第X条, and (1) under 1.', () => {
      expect(result.map((n) => n.anchor)).to.deep.equal(['a8', 'a9', 'a10']);
      expect(anchors(find(result, 'a8').children)).to.deep.equal([
        'a8-s1',
        'a8-s2',
        'a8-s2-p1',
        'a8-s2-p2',
        'a8-s2-p2-pp1',
        'a8-s2-p2-pp2',
        'a8-s2-p3',
      ]);
    });

    it('accepts 1. / 2、 / 3． and half- or full-width parentheses as labels', () => {
      expect(flatten(find(result, 'a8-s2').children).map((n) => [n.kind, n.label])).to.deep.equal([
        ['point', '1.'],
        ['point', '2、'],
        ['point', '(1)'],
        ['point', '（2）'],
        ['point', '3．'],
      ]);
      expect(find(result, 'a8-s2-p2-pp1').text).to.equal('由省级知识产权局出具的推荐意见；');
    });

    it('nests 一、 under 第X条 and closes it at the next article', () => {
      expect(find(result, 'a9').children.map((n) => [n.anchor, n.title, n.text])).to.deep.equal([
        ['a9-i1', null, '按照本办法第八条规定提交的，由国家知识产权局审核；'],
        ['a9-i2', null, '其他情形由省级知识产权局审核。'],
      ]);
      expect(find(result, 'a10').children).to.deep.equal([]);
    });

    // Until the 公文 ranks were fixed, a （一） met after (1) went inside it and took (2) with it.
    it('nests by the 公文 ranks, so a （一） met after (1) neither goes inside it nor captures (2)', () => {
      const reversed = parseStructure({ body: '(1) 甲方承担费用。\n（一）总额不超过十万元；\n(2) 乙方负责实施。' });
      expect(anchors(reversed.articles)).to.deep.equal(['pp1', 's1', 'pp2']);
      expect(reversed.warnings.map((w) => [w.code, w.line])).to.deep.equal([['heading_misplaced', 2]]);
    });
  });

  describe('marker recognition', () => {
    it('ignores references in the middle of a line', () => {
      const result = parseArticles({
        body: '第六条　根据第三条规定，专利代理机构应当在（一）项所列期限内报送材料，见一、二、三款。',
      });
      expect(result).to.have.length(1);
      expect(result[0]?.text).to.equal('根据第三条规定，专利代理机构应当在（一）项所列期限内报送材料，见一、二、三款。');
      expect(result[0]?.children).to.deep.equal([]);
    });

    it('treats a wrapped line starting with a cross-reference as continuation', () => {
      const body = [
        '第七条　专利代理机构违反本办法',
        '第三条规定的，由国家知识产权局责令改正；违反',
        '第四条第二款规定的，依照有关规定处理。',
        '第二章所列事项由省级知识产权局负责。',
      ].join('\n');
      const result = parseArticles({ body });
      expect(anchors(result)).to.deep.equal(['a7']);
      expect(result[0]?.text.split('\n')).to.have.length(4);
    });

    it('accepts articles without a separating space and Arabic numbering', () => {
      const result = parseArticles({ body: '第3条申请人应当如实提交材料。\n第4条 代理机构应当保守秘密。\n第二章专利代理师' });
      expect(result.map((n) => [n.anchor, n.label, n.title, n.text])).to.deep.equal([
        ['a3', '第3条', null, '申请人应当如实提交材料。'],
        ['a4', '第4条', null, '代理机构应当保守秘密。'],
        ['c2', '第二章', '专利代理师', ''],
      ]);
    });

    it('keeps a chapter out of an article even when it is first met after one', () => {
      const result = parseArticles({ body: '第一条　总体目标。\n第二章　保护\n第二条　加强保护。' });
      expect(anchors(result)).to.deep.equal(['a1', 'c2', 'c2-a2']);
    });

    it('converts large Chinese numerals and 第X条之一 into anchors', () => {
      const body = [
        '第十二条　申请人可以撤回申请。',
        '第一百零一条　本条例自公布之日起施行。',
        '第一百零一条之一　国务院专利行政部门可以制定实施细则。',
      ].join('\n');
      const result = parseArticles({ body });
      expect(result.map((n) => [n.anchor, n.label])).to.deep.equal([
        ['a12', '第十二条'],
        ['a101', '第一百零一条'],
        ['a101x1', '第一百零一条之一'],
      ]);
    });

    it('does not mistake decimals or years at line start for points', () => {
      const result = parseArticles({ body: '（一）资助标准：\n1.5倍于上年度标准执行；\n2024.3起施行。\n2024年度资金另行下达。' });
      expect(anchors(result)).to.deep.equal(['s1']);
      expect(result[0]?.text.split('\n')).to.have.length(4);
    });
  });

  describe('anchors for malformed numbering', () => {
    it('appends -2, -3 to repeated anchors and keeps children distinct', () => {
      const body = [
        '第五条　申请人应当缴纳年费。',
        '第五条　年费标准由国家知识产权局公布。',
        '（一）发明专利；',
        '第五条　逾期未缴纳的，专利权终止。',
        '（一）期满前提醒；',
      ].join('\n');
      const result = parseArticles({ body });
      expectWellFormed(result);
      expect(anchors(result)).to.deep.equal(['a5', 'a5-2', 'a5-2-s1', 'a5-3', 'a5-3-s1']);
    });

    it('deduplicates repeated subitem numbers within one parent', () => {
      const result = parseArticles({ body: '一、工作任务\n（一）加强审查；\n（一）加强保护；\n（二）加强运用。' });
      expect(anchors(result)).to.deep.equal(['i1', 'i1-s1', 'i1-s1-2', 'i1-s2']);
    });
  });

  describe('whitespace handling', () => {
    it('normalises CRLF, full-width spaces and blank lines', () => {
      const body = [
        '\u3000\u3000为加强专利代理监管，制定本办法。',
        '',
        '\u3000\u3000第一章\u3000总则\u3000',
        '\u3000',
        '\u3000\u3000第一条\u3000专利代理机构应当依法执业，',
        '\u3000\u3000诚实守信。  ',
        '   （一）\u3000遵守法律法规；',
        '\t1、如实告知风险。',
      ].join('\r\n');
      const result = parseArticles({ body });
      expectWellFormed(result);
      expect(anchors(result)).to.deep.equal(['preamble', 'c1', 'c1-a1', 'c1-a1-s1', 'c1-a1-s1-p1']);
      expect(find(result, 'preamble').text).to.equal('为加强专利代理监管，制定本办法。');
      expect(find(result, 'c1').title).to.equal('总则');
      expect(find(result, 'c1-a1').text).to.equal('专利代理机构应当依法执业，\n诚实守信。');
      expect(find(result, 'c1-a1-s1').text).to.equal('遵守法律法规；');
      expect(find(result, 'c1-a1-s1-p1').text).to.equal('如实告知风险。');
      for (const node of flatten(result)) expect(node.text).not.to.include('\r');
    });

    it('accepts a lone CR as a line break', () => {
      expect(anchors(parseArticles({ body: '第一条　甲。\r第二条　乙。' }))).to.deep.equal(['a1', 'a2']);
    });
  });

  describe('headings versus text for 一、 lines', () => {
    it('treats a short line without sentence punctuation as a heading', () => {
      const [item] = parseArticles({ body: '一、加强知识产权审查质量管理' });
      expect(item).to.include({ kind: 'item', label: '一、', title: '加强知识产权审查质量管理', text: '' });
    });

    it('treats a line ending with 。 or ； as text', () => {
      const result = parseArticles({ body: '一、各地要加强组织领导。\n二、严格审查标准；\n三、按期报送材料;' });
      expect(result.map((n) => [n.title, n.text])).to.deep.equal([
        [null, '各地要加强组织领导。'],
        [null, '严格审查标准；'],
        [null, '按期报送材料;'],
      ]);
    });

    it('treats a long line without punctuation as text', () => {
      const long = '各级知识产权管理部门要会同有关部门建立健全知识产权纠纷多元化解决机制并定期开展评估工作';
      const [item] = parseArticles({ body: `十一、${long}` });
      expect(item).to.include({ anchor: 'i11', title: null, text: long });
    });

    it('appends continuation lines of a heading item as its text', () => {
      const [item] = parseArticles({ body: '一、工作目标\n到2025年，专利审查周期进一步压减。' });
      expect(item).to.include({ title: '工作目标', text: '到2025年，专利审查周期进一步压减。' });
    });
  });

  describe('bodies without markers', () => {
    it('returns [] for an empty or blank body', () => {
      expect(parseArticles({ body: '' })).to.deep.equal([]);
      expect(parseArticles({ body: ' \r\n\u3000\n\t' })).to.deep.equal([]);
    });

    it('returns a single paragraph when there are no markers', () => {
      const body = '为进一步优化营商环境，\n现将有关事项公告如下。\n特此公告。';
      expect(parseArticles({ body })).to.deep.equal([
        { anchor: 'preamble', kind: 'paragraph', label: '', title: null, text: body, children: [] },
      ]);
    });
  });

  describe('robustness', () => {
    it('never throws on odd input', () => {
      const samples = [
        '第',
        '第条',
        '第章',
        '（',
        '（）',
        '、',
        '1.',
        '一、',
        '第一章',
        '\u0000\uFEFF\uD800',
        '第九九九九九九九九九九九九九九九九九九九九九九条 溢出',
        `第${'9'.repeat(400)}条 溢出`,
        '第一条之〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇 之后',
        '\n\n\r\r\n',
      ];
      for (const body of samples) {
        expectWellFormed(parseArticles({ body }));
      }
    });

    it('produces well-formed trees for random marker soup', () => {
      const pieces = ['第一章 ', '第二节 ', '第三条 ', '第三条', '一、', '（二）', '(3)', '4.', '5、', '十', '百', '零', '。', '\n', '\r\n', '\u3000', '文字', '第'];
      let seed = 42;
      const next = (): number => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed;
      };
      for (let round = 0; round < 300; round += 1) {
        const length = next() % 40;
        const body = Array.from({ length }, () => pieces[next() % pieces.length] ?? '').join('');
        expectWellFormed(parseArticles({ body }));
      }
    });
  });

  describe('公文 ranks whatever order styles first appear in', () => {
    it('keeps （二）…（五） siblings when a 1. point is met before any （一）', () => {
      const body = [
        '为做好专利转化工作，通知如下：',
        '1. 各单位要高度重视。',
        '（一）加强组织领导；',
        '（二）明确责任分工；',
        '（三）强化资金保障；',
        '（四）做好宣传引导；',
        '（五）加强监督检查。',
      ].join('\n');
      const { articles, warnings } = parseStructure({ body });
      expectWellFormed(articles);
      expect(articles.map((n) => n.anchor)).to.deep.equal(['preamble', 'p1', 's1', 's2', 's3', 's4', 's5']);
      expect(warnings).to.deep.equal([]);
    });

    it('reports a garbled （一） heading and keeps its siblings at their own level', () => {
      const body = [
        '一、主要任务',
        '（一 ）提升创造质量',
        '1. 培育高价值专利。',
        '（二）强化保护',
        '（三）促进运用',
        '二、保障措施',
      ].join('\n');
      const { articles, warnings } = parseStructure({ body });
      expectWellFormed(articles);
      expect(anchors(articles)).to.deep.equal(['i1', 'i1-s1', 'i1-s1-p1', 'i1-s2', 'i1-s3', 'i2']);
      expect(warnings.map((w) => [w.code, w.line])).to.deep.equal([['heading_malformed', 2]]);
      expect(warnings[0]?.message).to.include('（一 ）');
    });

    it('reports a stray （一） out of sequence without nesting what follows under it', () => {
      const body = ['一、工作任务', '（一）加强审查；', '（二）加强保护；', '（一）加强运用；', '（四）加强服务；', '（五）加强管理。'].join('\n');
      const { articles, warnings } = parseStructure({ body });
      expect(find(articles, 'i1').children.map((n) => n.label)).to.deep.equal(['（一）', '（二）', '（一）', '（四）', '（五）']);
      expect(warnings.map((w) => [w.code, w.line])).to.deep.equal([['heading_repeated', 4], ['heading_gap', 5]]);
    });

    it('flags mixed-width brackets and a missing numbered heading', () => {
      const { warnings } = parseStructure({ body: '（一）甲；\n(二）乙；\n（四）丁。' });
      expect(warnings.map((w) => [w.code, w.line])).to.deep.equal([['heading_malformed', 2], ['heading_gap', 3]]);
    });

    it('numbers articles through the document, across chapters, without warnings', () => {
      expect(parseStructure({ body: REGULATION }).warnings).to.deep.equal([]);
      expect(parseStructure({ body: NOTICE }).warnings).to.deep.equal([]);
      const { warnings } = parseStructure({ body: '第一条　甲。\n第三条　丙。' });
      expect(warnings.map((w) => w.code)).to.deep.equal(['heading_gap']);
    });

    it('places 第X款 between 第X条 and 一、, and leaves 第二款规定 as text', () => {
      const body = ['第五条　申请人应当提交材料。', '第一款　材料包括：', '一、申请书；', '第二款规定的材料可以补交。', '第二款　逾期不补交的，视为撤回。'].join('\n');
      const { articles } = parseStructure({ body });
      expectWellFormed(articles);
      expect(anchors(articles)).to.deep.equal(['a5', 'a5-k1', 'a5-k1-i1', 'a5-k2']);
      expect(find(articles, 'a5-k1-i1').text).to.equal('申请书；\n第二款规定的材料可以补交。');
    });
  });

  describe('attachments', () => {
    const body = [
      '关于开展2026年专利资助申报工作的通知',
      '各区知识产权局：',
      '一、申报条件',
      '（一）在本市注册的企业；',
      '二、申报材料',
      '附件：1.专利资助申请表',
      '2.承诺书',
      '上海市知识产权局',
      '2026年1月5日',
      '附件1',
      '专利资助申请表',
      '一、基本信息',
      '（一）企业名称',
      '附件2：承诺书',
      '本单位承诺所填信息真实有效。',
    ].join('\n');
    const { articles, warnings } = parseStructure({ body });

    it('makes the attachment list and each attachment body parts of their own', () => {
      expectWellFormed(articles);
      expect(articles.map((n) => [n.anchor, n.kind, n.label, n.title])).to.deep.equal([
        ['preamble', 'paragraph', '', null],
        ['i1', 'item', '一、', '申报条件'],
        ['i2', 'item', '二、', '申报材料'],
        ['att-list', 'attachment', '附件', '1.专利资助申请表'],
        ['att1', 'attachment', '附件1', null],
        ['att2', 'attachment', '附件2', '承诺书'],
      ]);
      expect(anchors(find(articles, 'att1').children)).to.deep.equal(['att1-i1', 'att1-i1-s1']);
      expect(find(articles, 'att1').text).to.equal('专利资助申请表');
      expect(find(articles, 'att2').text).to.equal('本单位承诺所填信息真实有效。');
    });

    it('restarts numbering inside an attachment without warnings', () => {
      expect(warnings).to.deep.equal([]);
    });

    it('does not take a sentence starting with 附件 for an attachment', () => {
      expect(anchors(parseArticles({ body: '一、要求\n附件材料须于3月1日前报送。' }))).to.deep.equal(['i1']);
    });
  });
});
