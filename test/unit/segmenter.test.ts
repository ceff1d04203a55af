import { expect } from 'chai';
import { addUserTerms, analyzeForIndex, compoundParts, recallGrams, segmentForIndex, segmentQuery } from '../../server/text/segmenter.js';
import { POLICY_TERMS } from '../../server/text/policy-terms.js';

describe('segmenter', function () {
  describe('policy terms', function () {
    it('lists about forty domain terms without duplicates', function () {
      expect(POLICY_TERMS.length).to.be.at.least(40);
      expect(new Set(POLICY_TERMS).size).to.equal(POLICY_TERMS.length);
    });

    it('keeps domain terms whole', function () {
      for (const term of ['专精特新', '小巨人', '知识产权质押融资', '专利资助', '首台套', '研发费用加计扣除', '统一社会信用代码']) {
        expect(segmentQuery(`关于${term}的通知`)).to.include(term);
      }
    });

    it('does not glue a short term across word boundaries', function () {
      expect(segmentQuery('提高企业创新能力')).to.not.include('高企');
      expect(segmentQuery('企业申报高企')).to.include('高企');
    });
  });

  describe('segmentForIndex', function () {
    it('emits a compound and its parts', function () {
      const tokens = segmentForIndex('开展知识产权质押融资工作');
      expect(tokens).to.include.members(['知识产权质押融资', '知识', '产权', '质押', '融资']);
    });

    it('emits every dictionary word inside a compound, the long ones too', function () {
      expect(segmentForIndex('开展知识产权质押融资工作')).to.include.members(['知识产权', '质押融资']);
    });

    it('finds the words inside a taxonomy label that became one word', function () {
      addUserTerms(['专精特新中小企业']);
      const tokens = segmentForIndex('上海市专精特新中小企业认定管理办法');
      expect(tokens).to.include.members(['专精特新中小企业', '专精特新', '中小企业', '专精', '企业']);
      expect(tokens.filter((token) => token === '专精特新')).to.have.length(1);
    });

    it('does not make words across two words', function () {
      expect(segmentForIndex('提高企业创新能力')).to.not.include('高企');
    });

    it('drops punctuation and whitespace', function () {
      const tokens = segmentForIndex('专精特新“小巨人”企业，认定！ \n 办法。');
      for (const token of tokens) expect(token).to.match(/[\p{L}\p{N}]/u);
      expect(tokens).to.include.members(['专精特新', '小巨人', '企业', '认定', '办法']);
    });

    it('normalises Traditional, full-width and upper-case text', function () {
      expect(segmentForIndex('專利資助')).to.include('专利资助');
      expect(segmentForIndex('ＰＣＴ ISO')).to.include.members(['pct', 'iso']);
    });
  });

  describe('analyzeForIndex', function () {
    it('adds the bigrams of each long word, and none for short words', function () {
      addUserTerms(['张江科学城']);
      expect(analyzeForIndex('位于张江科学城的企业').grams).to.deep.equal(['张江', '江科', '科学', '学城']);
      expect(analyzeForIndex('专利 资助 企业').grams).to.deep.equal([]);
    });

    it('keeps the bigrams of two neighbouring words from reading as one run', function () {
      const { grams } = analyzeForIndex('科学城城市更新');
      expect(grams).to.include.members(['学城', '城市']);
      const at = grams.indexOf('学城');
      expect(grams[at + 1]).to.not.equal('城市');
    });
  });

  describe('recallGrams', function () {
    it('is empty for a dictionary word, which the word index finds inside any word', function () {
      expect(recallGrams('专利资助')).to.deep.equal([]);
      expect(recallGrams('知识产权')).to.deep.equal([]);
      expect(recallGrams('专')).to.deep.equal([]);
    });

    it('spells out a word the dictionary does not know, or one mixing letters and Chinese', function () {
      expect(recallGrams('张江')).to.deep.equal(['张江']);
      expect(recallGrams('g60')).to.deep.equal(['g6', '60']);
    });
  });

  describe('segmentQuery', function () {
    it('keeps a compound whole rather than demanding its parts', function () {
      expect(segmentQuery('知识产权质押融资')).to.deep.equal(['知识产权质押融资']);
    });

    it('drops the stop words of a plain question', function () {
      expect(segmentQuery('我们公司能申请专利资助吗')).to.deep.equal(['专利资助']);
      expect(segmentQuery('高企认定需要哪些申报条件？')).to.deep.equal(['高企', '认定', '申报条件']);
    });

    it('keeps stop words when nothing else is left', function () {
      expect(segmentQuery('如何申请')).to.deep.equal(['如何', '申请']);
    });

    it('removes duplicates and syntax characters', function () {
      expect(segmentQuery('专利 专利 "AND" *')).to.deep.equal(['专利', 'and']);
      expect(segmentQuery('*（）')).to.deep.equal([]);
    });

    it('normalises the query like the documents', function () {
      expect(segmentQuery('關於專利資助')).to.deep.equal(['专利资助']);
    });
  });

  describe('compoundParts', function () {
    it('covers a compound with the longest smaller words', function () {
      expect(compoundParts('知识产权质押融资').join('')).to.equal('知识产权质押融资');
      expect(compoundParts('知识产权质押融资')).to.include.members(['质押', '融资']);
      // Taxonomy labels become dictionary words at start (浦东新区), so only the cover is order-independent.
      expect(compoundParts('上海市浦东新区').join('')).to.equal('上海市浦东新区');
      expect(compoundParts('上海市浦东新区')[0]).to.equal('上海市');
    });

    it('has no parts for short or unsplittable words', function () {
      expect(compoundParts('专利')).to.deep.equal([]);
      expect(compoundParts('pct')).to.deep.equal([]);
    });
  });

  describe('addUserTerms', function () {
    it('teaches new whole words, in Simplified form even when given in Traditional', function () {
      expect(segmentQuery('量子点显示材料企业')).to.not.include('量子点显示材料');
      addUserTerms(['量子點顯示材料', ' ', 'x']);
      expect(segmentQuery('量子点显示材料企业')).to.include('量子点显示材料');
    });

    it('changes what is answered for words and queries asked before it', function () {
      // Characters no dictionary word holds, so no other test sees the new words.
      const [first, second] = ['铱钯锇', '铑钌钨'];
      const word = `${first}${second}`;
      const before = { parts: compoundParts(word), grams: recallGrams(first), query: segmentQuery(`${word}企业`) };
      expect(before.parts).to.deep.equal([]);
      expect(before.grams).to.deep.equal(['铱钯', '钯锇']);
      addUserTerms([first, second]);
      expect(compoundParts(word)).to.deep.equal([first, second]);
      expect(recallGrams(first)).to.deep.equal([]);
      expect(segmentQuery(`${word}企业`)).to.not.deep.equal(before.query);
    });
  });
});
