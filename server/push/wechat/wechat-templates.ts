import type { PolicyView } from '../content.js';
import type { DigestGroup } from '../digest-groups.js';
import { reminderTodo, workingDaysLine } from '../reminder-text.js';

/** WeChat text messages: short, plain text, one link each (WeChat shows no HTML). */

function windowLine(view: PolicyView): string | null {
  return view.applicationWindow ? `申报时间：${view.applicationWindow.opensAt} 至 ${view.applicationWindow.closesAt}` : null;
}

export function renderPolicyWechat({ view, reasons, unsubscribeUrl }: { view: PolicyView; reasons: string[]; unsubscribeUrl: string }): string {
  return [
    `【政策推送】${view.title}`,
    [view.docNumber, view.issuer].filter(Boolean).join('｜'),
    view.summary,
    ...(view.highlights.length > 0 ? [`解读要点：${view.highlights.slice(0, 3).join('；')}`] : []),
    ...(windowLine(view) ? [windowLine(view) ?? ''] : []),
    ...(reasons.length > 0 ? [`推送理由：${reasons.join('；')}`] : []),
    `详情：${view.url}`,
    `退订：${unsubscribeUrl}`,
  ].join('\n');
}

export function renderDigestWechat({
  title,
  groups,
  parkItems,
  unsubscribeUrl,
}: {
  title: string;
  /** The subscriber's own policies, grouped by the subscriptions they matched, each group's reason once. */
  groups: DigestGroup[];
  /** Park groups: policies new for member enterprises, with how many of them each concerns. */
  parkItems: { view: PolicyView; memberNames: string[] }[];
  unsubscribeUrl: string | null;
}): string {
  const lines = [`【${title}】`];
  let n = 0;
  const count = groups.reduce((sum, g) => sum + g.items.length, 0);
  if (count > 0) {
    lines.push(`与订阅相关的新政策 ${count} 条：`);
    for (const group of groups) {
      lines.push(`— 订阅${group.heading}（${group.items.length} 条）`);
      for (const reason of group.reasons) lines.push(`  推送原因：${reason}`);
      for (const item of group.items) {
        n += 1;
        lines.push(`${n}. ${item.view.title}${item.view.docNumber ? `（${item.view.docNumber}）` : ''}`);
        if (item.view.applicationWindow) lines.push(`   申报截止：${item.view.applicationWindow.closesAt}`);
        lines.push(`   ${item.view.url}`);
      }
    }
  }
  if (parkItems.length > 0) {
    lines.push(`本园区企业的新政策 ${parkItems.length} 条：`);
    for (const item of parkItems) {
      n += 1;
      const names = item.memberNames.slice(0, 3).join('、');
      lines.push(`${n}. ${item.view.title}${item.view.docNumber ? `（${item.view.docNumber}）` : ''}`);
      lines.push(`   涉及本园区 ${item.memberNames.length} 家企业：${names}${item.memberNames.length > 3 ? '等' : ''}`);
      if (item.view.applicationWindow) lines.push(`   申报截止：${item.view.applicationWindow.closesAt}`);
      lines.push(`   ${item.view.url}`);
    }
  }
  if (unsubscribeUrl) lines.push(`退订：${unsubscribeUrl}`);
  return lines.join('\n');
}

export function renderReminderWechat({ view, daysLeft, workingDaysLeft, unsubscribeUrl }: { view: PolicyView; daysLeft: number; workingDaysLeft: number; unsubscribeUrl: string }): string {
  const when = daysLeft <= 0 ? '今天截止' : daysLeft === 1 ? '明天截止' : `还有 ${daysLeft} 天截止`;
  return [
    `【申报提醒】${when}`,
    `${view.title}${view.docNumber ? `（${view.docNumber}）` : ''}`,
    `截止日期：${view.applicationWindow?.closesAt ?? ''}`,
    workingDaysLine({ workingDaysLeft }),
    '还需完成：',
    ...reminderTodo({ view, workingDaysLeft }).map((t, i) => `${i + 1}. ${t}`),
    `详情：${view.url}`,
    `不再提醒：${unsubscribeUrl}`,
  ].join('\n');
}
