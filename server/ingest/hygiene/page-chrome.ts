import { normalizeText } from '../../text/text-normalizer.js';

/**
 * Lines a government website puts around an article (share and print buttons, font-size switches,
 * view counters, breadcrumbs, footers). Matched on the normalised line, so Traditional characters
 * and full-width punctuation (【字體：大 中 小】, 分享到：) are caught too; a line is dropped only when
 * chrome is all it contains.
 */
interface ChromeRule {
  name: string;
  re: RegExp;
}

const SEP = '[\\s|｜/·•、,，:：\\[\\]【】()（）<>《》-]*';

/** Words that are chrome only when they stand alone (or only with other chrome) on a line. */
const CHROME_WORDS = [
  '分享到', '分享', '收藏本文', '收藏本页', '收藏', '打印本页', '打印此页', '打印本文', '打印', '关闭窗口', '关闭本页', '关闭',
  '返回顶部', '返回首页', '返回列表', '返回', '我要纠错', '纠错', '字体', '字号', '大', '中', '小', '默认', '放大', '缩小',
  '微信', '微博', '新浪微博', 'qq空间', 'qq好友', '腾讯微博', '豆瓣', '复制链接', '朋友圈', '扫一扫', '视力保护色', '护眼模式',
  '无障碍', '长者模式', '网站地图', '联系我们', '在线访谈', '下载文档', '下载全文', '相关链接', '相关阅读', '相关文章', '附件下载',
];

const CHROME_WORDS_RE = new RegExp(`^(?:${SEP}(?:${CHROME_WORDS.map((word) => word.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')).join('|')}))+${SEP}$`, 'u');

/** Lines recognised by their shape: labels and counters that never occur in a policy's wording. */
const CHROME_RULES: readonly ChromeRule[] = [
  { name: '分享按钮', re: /^分享到?\s*[:：]/u },
  { name: '字号切换', re: /^[【[(（]?\s*字[体号]\s*[:：]\s*[【[]?\s*大\s*[】\]]?\s*[【[]?\s*中\s*[】\]]?\s*[【[]?\s*小/u },
  { name: '来源与浏览次数', re: /^(?:信息)?来源\s*[:：].{0,60}(?:浏览次数|点击次数|阅读次数|点击数|访问量|浏览量|发布时间|作者|字[体号])/u },
  { name: '发布时间栏', re: /^(?:发布|发表|更新)(?:时间|日期)\s*[:：].{0,40}(?:来源|浏览|点击|阅读|作者|字[体号])/u },
  { name: '浏览次数', re: /^(?:浏览次数|点击次数|阅读次数|点击数|访问量|浏览量)\s*[:：]?\s*\d*\s*(?:次)?$/u },
  { name: '当前位置', re: /^(?:当前位置|您的位置|您现在的位置|所在位置)\s*[:：]/u },
  { name: '翻页链接', re: /^(?:上一篇|下一篇|上一条|下一条)\s*[:：]/u },
  { name: '扫码阅读', re: /^扫一扫在手机(?:上)?(?:打开|查看|阅读)(?:当前页|本页)?$/u },
  { name: '网站页脚', re: /^(?:版权所有|copyright|主办单位|承办单位|技术支持|网站标识码|网站标识)\s*[:：©]?.{0,80}$/u },
  { name: '备案号', re: /^.{0,40}(?:icp备|icp证|公网安备|网安备)\s*\d*.{0,40}$/u },
  { name: '打印关闭', re: /^(?:[[【]\s*(?:打印本页|打印|关闭窗口|关闭|收藏|返回顶部|我要纠错)\s*[\]】]\s*)+$/u },
];

export interface ChromeMatch {
  /** Which kind of chrome, in Chinese, for the repair message. */
  name: string;
}

/** The chrome the line consists of, or null when the line has content of its own. */
export function matchPageChrome({ line, normalized = normalizeText(line) }: { line: string; normalized?: string }): ChromeMatch | null {
  const text = normalized.trim().replace(/\s+/gu, ' ');
  if (text === '') return null;
  // A long line is prose that happens to start like a label; chrome lines are short.
  if (Array.from(text).length > 120) return null;
  if (CHROME_WORDS_RE.test(text) && /[\p{Script=Han}a-z]/u.test(text) && !/^[大中小]$/u.test(text)) return { name: '页面按钮' };
  for (const rule of CHROME_RULES) {
    if (rule.re.test(text)) return { name: rule.name };
  }
  return null;
}
