import type { PolicyView } from '../content.js';
import type { DigestGroup } from '../digest-groups.js';
import { reminderTodo, workingDaysLine } from '../reminder-text.js';
import { escapeHtml } from '../../text/markup-escape.js';

/** Links every push email carries in its footer. */
export interface FooterLinks {
  preferencesUrl: string;
  feedUrl: string | null;
  /** Ends only the list this message belongs to (also the List-Unsubscribe target). */
  unsubscribeUrl: string;
  unsubscribeLabel: string;
  unsubscribeAllUrl: string;
  /** One-click 与我无关 feedback for this push, and what is recorded about it. */
  irrelevantUrl?: string | null;
  privacyUrl?: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

function windowText(view: PolicyView): string | null {
  return view.applicationWindow ? `${view.applicationWindow.opensAt} 至 ${view.applicationWindow.closesAt}` : null;
}

function metaLine(view: PolicyView): string {
  return [view.docNumber ? `文号：${view.docNumber}` : null, `发文机关：${view.issuer}`, view.issuedAt ? `成文日期：${view.issuedAt}` : null].filter(Boolean).join('　');
}

function layout({ heading, bodyHtml, footer }: { heading: string; bodyHtml: string; footer: FooterLinks }): string {
  const feed = footer.feedUrl ? ` · <a href="${escapeHtml(footer.feedUrl)}">订阅源（RSS/Atom）</a>` : '';
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(heading)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:'PingFang SC','Microsoft YaHei',sans-serif;color:#1f2329;">
<div style="max-width:640px;margin:0 auto;padding:24px;background:#ffffff;">
${bodyHtml}
<hr style="border:none;border-top:1px solid #e5e6eb;margin:24px 0 12px;">
<p style="font-size:12px;color:#86909c;line-height:1.8;">
<a href="${escapeHtml(footer.preferencesUrl)}">管理推送偏好</a>${feed}<br>
<a href="${escapeHtml(footer.unsubscribeUrl)}">${escapeHtml(footer.unsubscribeLabel)}</a> · <a href="${escapeHtml(footer.unsubscribeAllUrl)}">退订全部推送</a>${feedbackHtml(footer)}
</p>
</div></body></html>`;
}

function feedbackHtml(footer: FooterLinks): string {
  const links = [
    footer.irrelevantUrl ? `<a href="${escapeHtml(footer.irrelevantUrl)}">与我无关</a>` : null,
    footer.privacyUrl ? `<a href="${escapeHtml(footer.privacyUrl)}">隐私说明</a>` : null,
  ].filter(Boolean);
  return links.length > 0 ? `<br>${links.join(' · ')}` : '';
}

function textFooter(footer: FooterLinks): string {
  return [
    '——',
    `管理推送偏好：${footer.preferencesUrl}`,
    ...(footer.feedUrl ? [`订阅源：${footer.feedUrl}`] : []),
    `${footer.unsubscribeLabel}：${footer.unsubscribeUrl}`,
    `退订全部推送：${footer.unsubscribeAllUrl}`,
    ...(footer.irrelevantUrl ? [`与我无关：${footer.irrelevantUrl}`] : []),
    ...(footer.privacyUrl ? [`隐私说明：${footer.privacyUrl}`] : []),
  ].join('\n');
}

function reasonsBoxHtml({ reasons, label }: { reasons: string[]; label: string }): string {
  if (reasons.length === 0) return '';
  return `<div style="background:#f2f3f5;border-radius:4px;padding:8px 12px;margin:12px 0;"><p style="font-size:13px;font-weight:bold;margin:0 0 4px;">${escapeHtml(label)}</p><ul style="font-size:13px;line-height:1.7;margin:0;padding-left:18px;">${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></div>`;
}

function policyBlockHtml(view: PolicyView, { reasons, reasonsLabel = '为什么推送给您' }: { reasons: string[]; reasonsLabel?: string }): string {
  const window = windowText(view);
  return `<h2 style="font-size:18px;line-height:1.5;margin:0 0 8px;"><a href="${escapeHtml(view.url)}" style="color:#1d4ed8;text-decoration:none;">${escapeHtml(view.title)}</a></h2>
<p style="font-size:13px;color:#4e5969;margin:0 0 12px;">${escapeHtml(metaLine(view))}</p>
<p style="font-size:14px;line-height:1.8;margin:0 0 12px;">${escapeHtml(view.summary)}</p>
${
  view.highlights.length > 0
    ? `<p style="font-size:14px;font-weight:bold;margin:12px 0 4px;">解读要点</p><ul style="font-size:14px;line-height:1.8;margin:0;padding-left:20px;">${view.highlights.map((h) => `<li>${escapeHtml(h)}</li>`).join('')}</ul>`
    : ''
}
${window ? `<p style="font-size:14px;margin:12px 0;color:#b42318;"><strong>申报时间：</strong>${escapeHtml(window)}</p>` : ''}
${reasonsBoxHtml({ reasons, label: reasonsLabel })}
<p style="margin:12px 0;"><a href="${escapeHtml(view.url)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 16px;border-radius:4px;text-decoration:none;font-size:14px;">查看政策原文与解读</a></p>`;
}

function policyBlockText(view: PolicyView, { reasons, reasonsLabel = '为什么推送给您' }: { reasons: string[]; reasonsLabel?: string }): string {
  const window = windowText(view);
  return [
    view.title,
    metaLine(view),
    '',
    view.summary,
    ...(view.highlights.length > 0 ? ['', '解读要点：', ...view.highlights.map((h) => `· ${h}`)] : []),
    ...(window ? ['', `申报时间：${window}`] : []),
    ...(reasons.length > 0 ? ['', `${reasonsLabel}：`, ...reasons.map((r) => `· ${r}`)] : []),
    '',
    `查看政策原文与解读：${view.url}`,
  ].join('\n');
}

export function renderPolicyEmail({ recipientName, view, reasons, footer }: { recipientName: string; view: PolicyView; reasons: string[]; footer: FooterLinks }): RenderedEmail {
  const greeting = `${recipientName}：您好！以下政策与您的订阅相关。`;
  return {
    subject: `【政策推送】${view.title}`,
    text: `${greeting}\n\n${policyBlockText(view, { reasons })}\n\n${textFooter(footer)}\n`,
    html: layout({
      heading: view.title,
      bodyHtml: `<p style="font-size:14px;margin:0 0 16px;">${escapeHtml(greeting)}</p>\n${policyBlockHtml(view, { reasons })}`,
      footer,
    }),
  };
}

/** Per-policy notes inside a group: the group already says why it was pushed. */
const NOTES_LABEL = '适用情况';

export function renderDigestEmail({
  recipientName,
  periodLabel,
  groups,
  footer,
}: {
  recipientName: string;
  periodLabel: string;
  groups: DigestGroup[];
  footer: FooterLinks;
}): RenderedEmail {
  const items = groups.flatMap((g) => g.items);
  const intro = `${recipientName}：您好！${periodLabel}与您的订阅相关的新政策共 ${items.length} 条${groups.length > 1 ? `，按您的 ${groups.length} 项订阅分组` : ''}。`;
  let n = 0;
  const textGroups = groups.map((group) => {
    const head = [`【订阅${group.heading}】共 ${group.items.length} 条`, ...(group.reasons.length > 0 ? ['为什么推送给您：', ...group.reasons.map((r) => `· ${r}`)] : [])].join('\n');
    const blocks = group.items.map((item) => `${(n += 1)}. ${policyBlockText(item.view, { reasons: item.notes, reasonsLabel: NOTES_LABEL })}`);
    return [head, ...blocks].join('\n\n');
  });
  const htmlGroups = groups.map(
    (group) => `<section style="margin:0 0 24px;"><h2 style="font-size:16px;margin:0 0 4px;border-left:4px solid #1d4ed8;padding-left:8px;">订阅${escapeHtml(group.heading)} · ${group.items.length} 条</h2>
${reasonsBoxHtml({ reasons: group.reasons, label: '为什么推送给您' })}
${group.items.map((item) => policyBlockHtml(item.view, { reasons: item.notes, reasonsLabel: NOTES_LABEL })).join('<hr style="border:none;border-top:1px dashed #e5e6eb;margin:16px 0;">')}</section>`,
  );
  return {
    subject: `【政策${periodLabel}】${items.length} 条新政策${items[0] ? `：${items[0].view.title}${items.length > 1 ? '等' : ''}` : ''}`,
    text: `${intro}\n\n${textGroups.join('\n\n')}\n\n${textFooter(footer)}\n`,
    html: layout({
      heading: `政策${periodLabel}`,
      bodyHtml: `<p style="font-size:14px;margin:0 0 16px;">${escapeHtml(intro)}</p>\n${htmlGroups.join('\n')}`,
      footer,
    }),
  };
}

export function renderReminderEmail({
  recipientName,
  view,
  daysLeft,
  workingDaysLeft,
  footer,
}: {
  recipientName: string;
  view: PolicyView;
  daysLeft: number;
  workingDaysLeft: number;
  footer: FooterLinks;
}): RenderedEmail {
  const closesAt = view.applicationWindow?.closesAt ?? '';
  const when = daysLeft <= 0 ? '今天截止' : daysLeft === 1 ? '明天截止' : `还有 ${daysLeft} 天截止`;
  const line = `${recipientName}：您好！您关注的政策“${view.title}”申报${when}（截止日期 ${closesAt}），${workingDaysLine({ workingDaysLeft })}`;
  const todo = reminderTodo({ view, workingDaysLeft });
  return {
    subject: `【申报提醒】${when}：${view.title}`,
    text: `${line}\n\n还需完成：\n${todo.map((t) => `· ${t}`).join('\n')}\n\n${policyBlockText(view, { reasons: [] })}\n\n${textFooter(footer)}\n`,
    html: layout({
      heading: `申报提醒：${view.title}`,
      bodyHtml: `<p style="font-size:15px;color:#b42318;margin:0 0 16px;"><strong>${escapeHtml(line)}</strong></p>
<p style="font-size:14px;font-weight:bold;margin:0 0 4px;">还需完成</p><ul style="font-size:14px;line-height:1.8;margin:0 0 16px;padding-left:20px;">${todo.map((t) => `<li>${escapeHtml(t)}</li>`).join('')}</ul>
${policyBlockHtml(view, { reasons: [] })}`,
      footer,
    }),
  };
}

export function renderConfirmationEmail({ recipientName, address, confirmUrl }: { recipientName: string; address: string; confirmUrl: string }): RenderedEmail {
  const line = `${recipientName}：您好！您在政策推送平台登记了邮箱 ${address}。请点击下面的链接确认，确认后才会向这个邮箱推送政策。`;
  return {
    subject: '【请确认】政策推送邮箱确认',
    text: `${line}\n\n确认邮箱：${confirmUrl}\n\n如果这不是您本人的操作，请忽略本邮件，我们不会再向这个地址发送推送。\n`,
    html: `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>邮箱确认</title></head>
<body style="font-family:'PingFang SC','Microsoft YaHei',sans-serif;color:#1f2329;"><div style="max-width:640px;margin:0 auto;padding:24px;">
<p style="font-size:14px;line-height:1.8;">${escapeHtml(line)}</p>
<p><a href="${escapeHtml(confirmUrl)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 16px;border-radius:4px;text-decoration:none;">确认邮箱</a></p>
<p style="font-size:12px;color:#86909c;">如果这不是您本人的操作，请忽略本邮件，我们不会再向这个地址发送推送。</p>
</div></body></html>`,
  };
}
