import type { Notice, NoticeItem } from './notice.js';

/** WeCom refuses a markdown message over 4096 bytes (UTF-8). */
export const ROBOT_MARKDOWN_MAX_BYTES = 4096;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Markdown link text must not close the link or start a heading. */
function plain(text: string): string {
  return text.replace(/[[\]()#*`>]/g, ' ').replace(/\s+/g, ' ').trim();
}

function itemBlock({ item, index }: { item: NoticeItem; index: number }): string {
  const meta = [item.issuer, item.docNumber].filter(Boolean).map((t) => plain(String(t))).join(' · ');
  const lines = [`**${index}. [${plain(item.title)}](${item.url})**`];
  if (meta) lines.push(`<font color="comment">${meta}</font>`);
  if (item.memberNames.length > 0) lines.push(`涉及成员企业：${item.memberNames.slice(0, 8).map(plain).join('、')}${item.memberNames.length > 8 ? ` 等 ${item.memberNames.length} 家` : ''}`);
  if (item.reasons[0]) lines.push(`<font color="comment">推送原因：${plain(item.reasons[0])}</font>`);
  return lines.join('\n');
}

/**
 * The group message: a heading, then each policy with why it was sent. Policies that do not fit in
 * 4096 bytes are counted in a closing line that links to the full list, never cut mid-item.
 */
export function robotMarkdown({ notice, moreUrl }: { notice: Notice; moreUrl: string }): string {
  const head: string[] = [`### ${plain(notice.title)}`];
  if (notice.kind === 'policy' || notice.kind === 'reminder' || notice.kind === 'test') {
    const meta = [notice.issuer, notice.docNumber].filter(Boolean).map((t) => plain(String(t))).join(' · ');
    if (meta) head.push(`<font color="comment">${meta}</font>`);
    if (notice.kind === 'reminder' && notice.daysLeft !== null) head.push(`<font color="warning">申报还剩 ${notice.daysLeft} 天截止</font>`);
    if (notice.reasons[0]) head.push(`推送原因：${plain(notice.reasons[0])}`);
    head.push(`[查看政策原文与解读](${notice.url})`);
  } else {
    head.push(`> 本期共 ${notice.items.length} 条政策`);
  }
  const footer = notice.unsubscribeUrl ? `\n\n<font color="comment">[不再接收](${notice.unsubscribeUrl})</font>` : '';
  let text = head.join('\n');
  let shown = 0;
  for (const [i, item] of notice.items.entries()) {
    const block = `\n\n${itemBlock({ item, index: i + 1 })}`;
    const rest = notice.items.length - i - 1;
    const tail = rest > 0 ? `\n\n……另有 ${rest} 条，[查看全部](${moreUrl})` : '';
    if (bytes(text + block + tail + footer) > ROBOT_MARKDOWN_MAX_BYTES) break;
    text += block;
    shown += 1;
  }
  if (shown < notice.items.length) text += `\n\n……另有 ${notice.items.length - shown} 条，[查看全部](${moreUrl})`;
  text += footer;
  // A single oversized heading (a very long title) is the last resort: cut by bytes on a character boundary.
  while (bytes(text) > ROBOT_MARKDOWN_MAX_BYTES) text = Array.from(text).slice(0, -16).join('');
  return text;
}
