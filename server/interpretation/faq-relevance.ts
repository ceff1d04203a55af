import type { FaqSearchDoc } from '../ports/faq-index.port.js';
import { compoundParts, segmentQuery } from '../text/segmenter.js';
import { normalizeText } from '../text/text-normalizer.js';

/**
 * Whether a FAQ found by an engine really answers a plain question, decided in the core so the
 * embedded engine and Elasticsearch give the same answer to 如何办理护照 (none).
 *
 * Engine scores cannot decide it: bm25 is relative to the corpus and the ranking blends it with
 * the wording of the question, so the best hit of an unrelated question still scores high. What a
 * question is about is in its topic words (the query words left after stop words and the words
 * that only say when or how, 今天 / 几点 / 办理). A FAQ is relevant when its text (question,
 * answer, category, the policy's title and tag words) contains at least half of those topic words,
 * each weighted by its length in characters, so 专利资助 counts more than 钱.
 */

/** Share of the query's topic (in characters) a FAQ must contain. */
export const MIN_TOPIC_COVERAGE = 0.5;

/**
 * Words that say when, how or how much rather than what: in a policy question they are never the
 * subject (今年专利资助什么时候开始申报 is about 专利资助). The segmenter's own stop words are
 * already gone; these stay there because they help bm25 rank wording, not decide relevance.
 */
const NOT_TOPIC = new Set([
  '办理', '办', '怎么样', '怎么', '怎样', '如何', '什么', '什么样', '多少', '几点', '几时', '多久', '多长', '时候', '什么时候', '时间',
  '今天', '明天', '昨天', '今年', '明年', '去年', '现在', '目前', '最近', '开始', '结束',
  '不能', '能不能', '可不可以', '行不行', '可以', '一下', '情况', '问题', '具体', '相关', '还有', '一般', '到底',
]);

interface TopicWord {
  word: string;
  /** Alternative spelling by parts: a compound is covered when each of its topic parts is. */
  parts: string[];
  weight: number;
}

export interface FaqRelevanceRule {
  /** False when the query names no topic at all (怎么申请): then nothing can be judged and every hit stays. */
  judged: boolean;
  isRelevant(doc: Pick<FaqSearchDoc, 'question' | 'answer' | 'category' | 'policyTitle' | 'tagText'>): boolean;
}

function topicWords(q: string): TopicWord[] {
  return segmentQuery(q).flatMap((word) => {
    if (NOT_TOPIC.has(word)) return [];
    const parts = compoundParts(word).filter((part) => !NOT_TOPIC.has(part));
    // 今天天气 is about 天气: its weight is what is left once the words of time are taken out.
    const weight = parts.length > 0 ? parts.reduce((sum, part) => sum + [...part].length, 0) : [...word].length;
    return [{ word, parts, weight }];
  });
}

function searchableText(doc: Pick<FaqSearchDoc, 'question' | 'answer' | 'category' | 'policyTitle' | 'tagText'>): string {
  return normalizeText([doc.question, doc.answer, doc.category ?? '', doc.policyTitle, doc.tagText].join('\n')).toLowerCase();
}

export function faqRelevanceRule(q: string): FaqRelevanceRule {
  const topic = topicWords(q);
  const total = topic.reduce((sum, word) => sum + word.weight, 0);
  if (total === 0) return { judged: false, isRelevant: () => true };
  return {
    judged: true,
    isRelevant: (doc) => {
      const text = searchableText(doc);
      let covered = 0;
      for (const { word, parts, weight } of topic) {
        if (text.includes(word) || (parts.length > 0 && parts.every((part) => text.includes(part)))) covered += weight;
      }
      return covered / total >= MIN_TOPIC_COVERAGE;
    },
  };
}
