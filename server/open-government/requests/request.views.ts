import {
  APPLICANT_TYPE_LABELS,
  DELIVERY_FORM_LABELS,
  GROUNDS,
  ID_DOCUMENT_LABELS,
  ORGANISATION_KIND_LABELS,
  OUTCOME_LABELS,
  REQUEST_STATUS_LABELS,
  type QueueItem,
  type RequestClock,
  type StaffRequestView,
  type TrackedRequestView,
} from '../../../schemas/disclosure-request.schema.js';
import type { DeadlineView } from '../../../schemas/calendar.schema.js';
import type { WebContext } from '../../web/context.js';
import { html, type SafeHtml } from '../../web/html.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, selectField, textArea, textField, type FieldError } from '../../web/views/components.js';
import { formatInstant } from '../../web/views/format.js';
import { layout } from '../../web/views/layout.js';

export type FormValues = Record<string, string>;

const options = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));

/** A deadline as every page shows it: the date and the working days left (or how late it is). */
export function deadlineText(deadline: DeadlineView): string {
  if (deadline.overdue) return `${deadline.dueDate}（已逾期 ${Math.max(1, -deadline.workingDaysLeft)} 个工作日）`;
  return `${deadline.dueDate}（剩余 ${deadline.workingDaysLeft} 个工作日）`;
}

function clockRows(clock: RequestClock): [string, string][] {
  const rows: [string, string][] = [];
  if (clock.reply) rows.push(['答复期限', deadlineText(clock.reply)]);
  if (clock.pausedWithDaysLeft !== null) rows.push(['答复期限', `计时暂停中，恢复后还有 ${clock.pausedWithDaysLeft} 个工作日`]);
  if (clock.pause) rows.push([clock.pause.kind === 'correction' ? '补正期限' : '第三方答复期限', deadlineText(clock.pause)]);
  if (clock.correctionIssueBy) rows.push(['补正告知期限', deadlineText(clock.correctionIssueBy)]);
  return rows;
}

export function requestFormPage({ ctx, values, errors }: { ctx: WebContext; values: FormValues; errors: readonly FieldError[] }): SafeHtml {
  const v = (name: string) => values[name] ?? '';
  return layout({
    ctx,
    title: '政府信息公开申请',
    crumbs: [{ label: '首页', href: '/' }, { label: '政府信息公开申请' }],
    body: html`<h1>政府信息公开申请</h1>
      <p>依据《中华人民共和国政府信息公开条例》第二十七条、第二十九条提出申请。我们自收到申请之日起 20 个工作日内答复；申请内容不明确的，会在 7 个工作日内一次性告知补正。</p>
      ${errorSummary(errors)}
      <form method="post" action="/disclosure" novalidate>
        ${csrfField(ctx)}
        ${choiceGroup({ name: 'applicantType', legend: '申请人类型', type: 'radio', options: options(APPLICANT_TYPE_LABELS), selected: [v('applicantType') || 'natural'], errors })}
        ${selectField({ name: 'organisationKind', label: '组织类别（法人或其他组织填写）', options: options(ORGANISATION_KIND_LABELS), value: v('organisationKind') || 'business', errors })}
        ${textField({ name: 'name', label: '姓名或名称', value: v('name'), errors, required: true, autocomplete: 'name' })}
        ${selectField({ name: 'idType', label: '证件类型', options: options(ID_DOCUMENT_LABELS), value: v('idType') || 'resident_id', errors })}
        ${textField({ name: 'idNumber', label: '证件号码', value: '', errors, required: true, hint: '仅保存打码后的号码（如 3101**********1234），完整号码不保存' })}
        ${textField({ name: 'phone', label: '联系电话', value: v('phone'), errors, autocomplete: 'tel' })}
        ${textField({ name: 'email', label: '电子邮箱', type: 'email', value: v('email'), errors, autocomplete: 'email', hint: '答复书和补正通知将发送到此邮箱' })}
        ${textField({ name: 'address', label: '通信地址', value: v('address'), errors, autocomplete: 'street-address' })}
        ${textArea({ name: 'information', label: '所需政府信息的名称、文号或其他特征描述', value: v('information'), errors, required: true, tall: true })}
        ${textArea({ name: 'purpose', label: '用途说明', value: v('purpose'), errors })}
        ${choiceGroup({ name: 'deliveryForm', legend: '信息提供形式', type: 'radio', options: options(DELIVERY_FORM_LABELS), selected: [v('deliveryForm') || 'email'], errors })}
        ${textField({ name: 'obtainMethod', label: '获取方式', value: v('obtainMethod'), errors, hint: '如：邮寄、电子邮件、当面领取' })}
        <button type="submit" class="button">提交申请</button>
      </form>`,
  });
}

export function receiptPage({ ctx, number, trackingUrl, clock }: { ctx: WebContext; number: string; trackingUrl: string; clock: RequestClock }): SafeHtml {
  const path = new URL(trackingUrl).pathname;
  return layout({
    ctx,
    title: `申请已收到 ${number}`,
    body: html`<h1>申请已收到</h1>
      ${notice({ text: html`申请编号 <strong>${number}</strong>。请保存下面的查询链接：凭此链接查看办理进度、提交补正和查看答复。`, tone: 'ok' })}
      <p class="token-box"><a href="${path}" data-tracking-link>${trackingUrl}</a></p>
      ${definitionList(clockRows(clock))}`,
  });
}

export function trackingPage({ ctx, token, view, errors = [], answer = '' }: { ctx: WebContext; token: string; view: TrackedRequestView; errors?: readonly FieldError[]; answer?: string }): SafeHtml {
  const reply = view.reply;
  return layout({
    ctx,
    title: `申请 ${view.number} 办理进度`,
    body: html`<h1>申请 ${view.number}</h1>
      ${errorSummary(errors)}
      ${definitionList([['状态', REQUEST_STATUS_LABELS[view.status]], ['收到日期', view.receivedDate], ...clockRows(view.clock), ['申请内容', view.information]])}
      ${view.extension ? html`<p>已延期 ${view.extension.days} 个工作日（${view.extension.date}）：${view.extension.reason}</p>` : ''}
      ${
        view.status === 'awaiting_correction' && view.correction
          ? html`<section aria-labelledby="correction-title"><h2 id="correction-title">需要补正</h2><p>${view.correction.items}</p>
            <form method="post" action="/disclosure/track/${token}/correction">${csrfField(ctx)}
              ${textArea({ name: 'answer', label: '补正内容', value: answer, errors, required: true, tall: true })}
              <button type="submit" class="button">提交补正</button></form></section>`
          : ''
      }
      ${
        reply
          ? html`<section aria-labelledby="reply-title" data-reply><h2 id="reply-title">答复书（${reply.date}）</h2>
            <p><strong>${OUTCOME_LABELS[reply.outcome]}</strong>${reply.ground ? html`：${GROUNDS[reply.ground].label}` : ''}</p>
            <div class="prose">${reply.letter.split(/\n+/).map((line) => html`<p>${line}</p>`)}</div>
            ${reply.attachments.length > 0 ? html`<ul>${reply.attachments.map((a) => html`<li><a href="${a.href}">${a.name}</a></li>`)}</ul>` : ''}</section>`
          : ''
      }
      <h2>办理记录</h2>
      <ol>${view.events.map((e) => html`<li>${formatInstant(e.at)}：${e.note}</li>`)}</ol>`,
  });
}

const URGENCY_LABELS = { overdue: '已逾期', due_soon: '3 个工作日内到期', normal: '' } as const;

export function queuePage({ ctx, items }: { ctx: WebContext; items: readonly QueueItem[] }): SafeHtml {
  return layout({
    ctx,
    title: '依申请公开办理队列',
    crumbs: [{ label: '工作台', href: '/staff' }, { label: '依申请公开' }],
    body: html`<h1>依申请公开办理队列</h1>
      <p>未办结的申请，按最近的期限排序。<a href="/staff/calendar">工作日历</a></p>
      ${
        items.length === 0
          ? html`<p class="meta">暂无待办申请。</p>`
          : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">编号</th><th scope="col">申请人</th><th scope="col">状态</th><th scope="col">期限</th><th scope="col">提示</th></tr></thead>
        <tbody>${items.map(
          (item) => html`<tr class="urgency-${item.urgency}" data-urgency="${item.urgency}">
            <td><a href="/staff/disclosure/${item.id}">${item.number}</a><br><span class="meta">收到 ${item.receivedDate}</span></td>
            <td>${item.applicantName}</td>
            <td>${REQUEST_STATUS_LABELS[item.status]}</td>
            <td>${clockRows(item.clock).map(([label, text]) => html`${label}：${text}<br>`)}</td>
            <td>${item.urgency === 'normal' ? '' : html`<strong>${URGENCY_LABELS[item.urgency]}</strong>`}</td>
          </tr>`,
        )}</tbody></table></div>`
      }`,
  });
}

export function casePage({ ctx, view, errors = [], values = {} }: { ctx: WebContext; view: StaffRequestView; errors?: readonly FieldError[]; values?: FormValues }): SafeHtml {
  const a = view.applicant;
  const open = view.status !== 'replied';
  const action = (path: string, title: string, fields: SafeHtml, button: string) =>
    html`<section><h3>${title}</h3><form method="post" action="/staff/disclosure/${view.id}/${path}">${csrfField(ctx)}${fields}<button type="submit" class="button">${button}</button></form></section>`;
  const groundOptions = [{ value: '', label: '（予以公开无需理由）' }, ...Object.entries(GROUNDS).map(([value, g]) => ({ value, label: `${OUTCOME_LABELS[g.outcome]}：${g.label}` }))];
  return layout({
    ctx,
    title: `申请 ${view.number}`,
    crumbs: [{ label: '依申请公开', href: '/staff/disclosure' }, { label: view.number }],
    body: html`<h1>申请 ${view.number}</h1>
      ${errorSummary(errors)}
      ${definitionList([
        ['状态', REQUEST_STATUS_LABELS[view.status]],
        ['收到日期', view.receivedDate],
        ...clockRows(view.clock),
        ['申请人', `${a.name}（${APPLICANT_TYPE_LABELS[a.type]}${a.organisationKind ? `，${ORGANISATION_KIND_LABELS[a.organisationKind]}` : ''}）`],
        ['证件', `${ID_DOCUMENT_LABELS[a.idType]} ${a.idNumberMasked}`],
        ['联系方式', [a.phone, a.email, a.address].filter(Boolean).join('；')],
        ['所需信息', view.information],
        ['用途', view.purpose || '—'],
        ['提供形式', `${DELIVERY_FORM_LABELS[view.deliveryForm]}${view.obtainMethod ? `；${view.obtainMethod}` : ''}`],
        ...(view.correction ? ([['补正', `${view.correction.requestedDate} 告知：${view.correction.items}${view.correction.answer ? `；${view.correction.answeredDate} 补正：${view.correction.answer}` : ''}`]] as [string, string][]) : []),
        ...(view.extension ? ([['延期', `${view.extension.days} 个工作日，批准人 ${view.extension.approver}，理由：${view.extension.reason}（${view.extension.date}，${view.extension.byName} 登记）`]] as [string, string][]) : []),
        ...(view.reply ? ([['答复', `${view.reply.date} ${OUTCOME_LABELS[view.reply.outcome]}${view.reply.ground ? `（${GROUNDS[view.reply.ground].label}）` : ''}`]] as [string, string][]) : []),
      ])}
      ${
        open
          ? html`<h2>办理</h2>
        ${view.status === 'processing' && !view.correction ? action('correction', '一次性告知补正（第三十条）', html`${textArea({ name: 'items', label: '需要补正的事项', value: values.items ?? '', errors, required: true })}${textField({ name: 'periodWorkingDays', label: '补正期限（工作日）', value: values.periodWorkingDays ?? '15', errors, required: true })}`, '发出补正通知') : ''}
        ${view.status === 'processing' ? action('consultation', '征求第三方意见（第三十二条，15 个工作日）', textField({ name: 'thirdParty', label: '第三方名称', value: values.thirdParty ?? '', errors, required: true }), '开始征求意见') : ''}
        ${view.status === 'consulting' ? action('consultation/end', '记录第三方意见，恢复计时', textArea({ name: 'summary', label: '第三方意见概要', value: values.summary ?? '', errors, required: true }), '恢复计时') : ''}
        ${!view.extension ? action('extension', '延期答复（第三十三条，只能一次，最长 20 个工作日）', html`${textField({ name: 'days', label: '延长工作日数', value: values.days ?? '', errors, required: true })}${textField({ name: 'approver', label: '批准人', value: values.approver ?? '', errors, required: true })}${textArea({ name: 'reason', label: '延期理由', value: values.reason ?? '', errors, required: true })}`, '登记延期') : ''}
        <section><h3>答复附件（PDF）</h3>
          ${view.attachments.length > 0 ? html`<ul>${view.attachments.map((f) => html`<li>${f.name}（${Math.ceil(f.size / 1024)} KB）</li>`)}</ul>` : html`<p class="meta">尚无附件。</p>`}
          <form method="post" action="/staff/disclosure/${view.id}/attachments" enctype="multipart/form-data">${csrfField(ctx)}
            <div class="field"><label for="f-file">选择 PDF 文件</label><input id="f-file" name="file" type="file" accept="application/pdf"></div>
            <button type="submit" class="button-secondary">上传附件</button></form></section>
        ${action('reply', '作出答复（第三十六条）', html`${selectField({ name: 'outcome', label: '答复结果', options: options(OUTCOME_LABELS), value: values.outcome ?? 'disclosed', errors })}${selectField({ name: 'ground', label: '法定理由（不予公开、部分公开、无法提供、不予处理、其他处理必选）', options: groundOptions, value: values.ground ?? '', errors })}${textArea({ name: 'letter', label: '答复书正文', value: values.letter ?? '', errors, required: true, tall: true })}`, '发出答复')}`
          : ''
      }
      <h2>办理记录</h2>
      <ol>${view.events.map((e) => html`<li>${formatInstant(e.at)} ${e.actorName}：${e.note}</li>`)}</ol>`,
  });
}
