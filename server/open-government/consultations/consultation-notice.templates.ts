import type { Consultation } from '../../../schemas/consultation.schema.js';
import { escapeHtml } from '../../text/markup-escape.js';
import type { RenderedEmail } from '../../push/email/email-templates.js';

export interface NoticeLinks {
  /** The consultation's public page, where the comment form is. */
  url: string;
  /** The page where the subscriber turns consultation notices off. */
  turnOffUrl: string;
  unsubscribeAllUrl: string;
}

const lead = (c: Pick<Consultation, 'title' | 'startDate' | 'endDate'>) =>
  `《${c.title}》正在公开征求意见，征求意见期限为 ${c.startDate} 至 ${c.endDate}。欢迎就全文或具体条款提出意见。`;

/** The e-mail a subscriber gets when a draft on their topics is put out for comment, with why. */
export function renderConsultationEmail({ recipientName, consultation, reasons, links }: { recipientName: string; consultation: Consultation; reasons: string[]; links: NoticeLinks }): RenderedEmail {
  const why = reasons.length > 0 ? reasons : ['您开启了征求意见通知，且草案涉及您订阅的标签'];
  const text = [
    `${recipientName}：您好！`,
    lead(consultation),
    '',
    `参与征求意见：${links.url}`,
    '',
    '为什么收到这条通知：',
    ...why.map((r) => `· ${r}`),
    '',
    `不再接收征求意见通知：${links.turnOffUrl}`,
    `退订全部推送：${links.unsubscribeAllUrl}`,
  ].join('\n');
  const html = `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(consultation.title)}</title></head>
<body style="font-family:'PingFang SC','Microsoft YaHei',sans-serif;color:#1f2329;"><div style="max-width:640px;margin:0 auto;padding:24px;">
<h1 style="font-size:18px;">征求意见：${escapeHtml(consultation.title)}</h1>
<p style="font-size:14px;line-height:1.8;">${escapeHtml(recipientName)}：您好！${escapeHtml(lead(consultation))}</p>
<p><a href="${escapeHtml(links.url)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:8px 16px;border-radius:4px;text-decoration:none;">查看草案并提出意见</a></p>
<h2 style="font-size:14px;">为什么收到这条通知</h2>
<ul style="font-size:13px;line-height:1.8;">${why.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>
<p style="font-size:12px;color:#86909c;"><a href="${escapeHtml(links.turnOffUrl)}">不再接收征求意见通知</a> · <a href="${escapeHtml(links.unsubscribeAllUrl)}">退订全部推送</a></p>
</div></body></html>`;
  return { subject: `【征求意见】${consultation.title}（截至 ${consultation.endDate}）`, text: `${text}\n`, html };
}

export function renderConsultationWechat({ consultation, reasons, links }: { consultation: Consultation; reasons: string[]; links: NoticeLinks }): string {
  return [`【征求意见】${consultation.title}`, `期限：${consultation.startDate} 至 ${consultation.endDate}`, ...reasons.slice(0, 2).map((r) => `推送原因：${r}`), `参与：${links.url}`, `不再接收：${links.turnOffUrl}`].join('\n');
}
