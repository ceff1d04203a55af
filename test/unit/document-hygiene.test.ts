import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { stripHtmlResidue } from '../../server/ingest/hygiene/html-residue.js';
import { matchPageChrome } from '../../server/ingest/hygiene/page-chrome.js';
import { isPinyinWord } from '../../server/ingest/hygiene/pinyin.js';
import { stripPinyinAnnotations } from '../../server/ingest/hygiene/pinyin-annotations.js';
import { findSuspectLines } from '../../server/ingest/hygiene/suspect-lines.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('pinyin words', () => {
  it('accepts words made of pinyin syllables, toned or not', () => {
    for (const word of ['zhī', 'shi2', 'chǎn', 'quan', 'zhishi', 'chanquan', 'xinan', 'guójiā', 'lǜ', 'nv3']) {
      expect(isPinyinWord(word), word).to.equal(true);
    }
  });

  it('refuses English words and acronyms', () => {
    for (const word of ['national', 'policy', 'PCT', 'WIPO', 'patent', 'http', 'www', 'strong']) {
      expect(isPinyinWord(word), word).to.equal(false);
    }
  });
});

describe('stripPinyinAnnotations', () => {
  it('strips toned readings after each character, in half- and full-width brackets', () => {
    expect(stripPinyinAnnotations({ line: '知(zhī)识(shí)产(chǎn)权(quán)保护' })).to.deep.equal({
      text: '知识产权保护',
      removed: ['(zhī)', '(shí)', '(chǎn)', '(quán)'],
    });
    expect(stripPinyinAnnotations({ line: '国（guó）家（jiā）知识产权局' }).text).to.equal('国家知识产权局');
    expect(stripPinyinAnnotations({ line: '营(ying2)商(shang1)环(huan2)境(jing4)' }).text).to.equal('营商环境');
    expect(stripPinyinAnnotations({ line: '营（ｙíｎｇ）商环境' }).text).to.equal('营商环境');
  });

  it('strips a run of toneless readings but not a lone one', () => {
    expect(stripPinyinAnnotations({ line: '知(zhi)识(shi)产(chan)权(quan)' }).text).to.equal('知识产权');
    expect(stripPinyinAnnotations({ line: '本办法所称安(an)全' }).removed).to.deep.equal([]);
  });

  it('leaves parenthetical Chinese, legal references and Latin abbreviations alone', () => {
    for (const line of [
      '《中华人民共和国专利法》（2020年修正）',
      '《专利代理条例》(2018年修订)',
      '按照专利合作条约(PCT)提出的国际申请',
      '世界知识产权组织（WIPO）',
      '符合条件的企业(含分支机构)',
      '依照第三条（一）项',
    ]) {
      expect(stripPinyinAnnotations({ line }).text, line).to.equal(line);
    }
  });
});

describe('stripHtmlResidue', () => {
  it('removes tags and decodes entities', () => {
    const result = stripHtmlResidue({ line: '<p>为加强</strong>知识产权&nbsp;保护&lt;试行&gt;&#8220;十四五&#x201D;</p>' });
    expect(result.text).to.equal('为加强知识产权 保护<试行>“十四五”');
    expect(result.tags).to.deep.equal(['<p>', '</strong>', '</p>']);
    expect(result.entities).to.deep.equal(['&nbsp;', '&lt;', '&gt;', '&#8220;', '&#x201D;']);
  });

  it('keeps comparisons, book-title marks and unknown ampersands', () => {
    for (const line of ['资助金额<5万元且>1万元的', '《专利法》', 'R&D投入', 'A&B公司']) {
      expect(stripHtmlResidue({ line }).text, line).to.equal(line);
    }
  });
});

describe('matchPageChrome', () => {
  const chrome = [
    '分享到：',
    '分享到：微信 微博 QQ空间',
    '收藏本文',
    '打印本页',
    '关闭窗口',
    '【打印本页】【关闭窗口】',
    '【字体：大 中 小】',
    '【字體：大 中 小】',
    '字号：大 中 小',
    '来源：上海市知识产权局 浏览次数：1234',
    '发布时间：2026-01-05 来源：市知识产权局',
    '当前位置：首页 > 政务公开 > 政策文件',
    '上一篇：关于开展2025年度专利奖评选的通知',
    '扫一扫在手机打开当前页',
    '版权所有：上海市知识产权局',
    '沪ICP备12345678号',
    '返回顶部',
    '[打印] [关闭]',
  ];
  for (const line of chrome) {
    it(`drops “${line}”`, () => {
      expect(matchPageChrome({ line })).not.to.equal(null);
    });
  }

  const content = [
    '一、总体要求',
    '资金来源：市级财政专项资金。',
    '申报材料来源于企业自行填报。',
    '大',
    '（三）分享经验做法，打印材料报送。',
    '关闭不符合条件的代理机构网点。',
    '联系人：王老师，联系电话：021-12345678',
  ];
  for (const line of content) {
    it(`keeps “${line}”`, () => {
      expect(matchPageChrome({ line })).to.equal(null);
    });
  }
});

describe('findSuspectLines', () => {
  const flagged = (text: string) => findSuspectLines({ text }).map((s) => [s.line, s.code]);

  it('flags gambling and lottery advertisements', () => {
    expect(flagged('正文第一段。\n澳门百家乐娱乐城，注册送彩金\n正文第二段。')).to.deep.equal([[2, 'gambling']]);
    expect(flagged('彩票平台官方网址 www.lucky888.com')).to.deep.equal([[1, 'gambling']]);
    expect(flagged('体育彩票公益金支持全民健身设施建设。')).to.deep.equal([]);
    expect(flagged('棋牌室消防安全检查。')).to.deep.equal([]);
  });

  it('flags contact details of unrelated parties but not the office’s own contact', () => {
    expect(flagged('加QQ 123456789 代办专利包过')).to.deep.equal([[1, 'contact']]);
    expect(flagged('微信号：fafa8888 日赚千元')).to.deep.equal([[1, 'contact']]);
    expect(flagged('13812345678')).to.deep.equal([[1, 'contact']]);
    expect(flagged('联系人：王老师，联系电话：13812345678')).to.deep.equal([]);
    expect(flagged('咨询电话：021-12345678，传真：021-87654321')).to.deep.equal([]);
  });

  it('flags links to hosts outside government sites and the issuer’s own', () => {
    expect(flagged('详见 http://www.shanghai.gov.cn/nw12344/index.html')).to.deep.equal([]);
    expect(flagged('申报系统：https://www.cnipa.gov.cn')).to.deep.equal([]);
    expect(flagged('点此进入 https://bet365-cn.com/register')).to.deep.equal([[1, 'foreign_link']]);
    expect(findSuspectLines({ text: '登录 https://ipservice.sh.cn 提交', options: { allowedHosts: ['ipservice.sh.cn'] } })).to.deep.equal([]);
  });

  it('flags lines of bare pinyin but not English names', () => {
    expect(flagged('zhī shí chǎn quán bǎo hù zhōng xīn')).to.deep.equal([[1, 'pinyin_run']]);
    expect(flagged('China National Intellectual Property Administration')).to.deep.equal([]);
    expect(flagged('专利合作条约（PCT）国际申请')).to.deep.equal([]);
  });

  it('flags a junk line repeated three times', () => {
    const text = ['一、总体要求', '点击查看更多精彩内容请关注', '正文。', '点击查看更多精彩内容请关注', '点击查看更多精彩内容请关注'].join('\n');
    expect(flagged(text)).to.deep.equal([[2, 'repeated_line'], [4, 'repeated_line'], [5, 'repeated_line']]);
  });

  it('finds nothing in the demo library', () => {
    const lines = fs.readFileSync(path.join(here, '..', '..', 'server', 'demo', 'policies.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
    const found = lines.flatMap((line) => {
      const policy = JSON.parse(line) as { id: string; body: string };
      return findSuspectLines({ text: policy.body }).map((s) => `${policy.id}:${s.line}:${s.code}`);
    });
    expect(lines.length).to.be.greaterThan(50);
    expect(found).to.deep.equal([]);
  });
});

describe('stripPinyinAnnotations and acronyms', () => {
  it('keeps an upper-case acronym even in a line of toneless annotations', () => {
    expect(stripPinyinAnnotations({ line: '知(zhi)识(shi)产(chan)权(quan)组织(WIPO)' }).text).to.equal('知识产权组织(WIPO)');
  });
});
