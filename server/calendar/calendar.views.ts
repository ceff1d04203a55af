import type { CalendarOverview } from '../../schemas/calendar.schema.js';
import type { WebContext } from '../web/context.js';
import { html, type SafeHtml } from '../web/html.js';
import { choiceGroup, csrfField, errorSummary, notice, textField, type FieldError } from '../web/views/components.js';
import { layout } from '../web/views/layout.js';

export function calendarPage({ ctx, overview, canEdit, errors = [], values = {} }: { ctx: WebContext; overview: CalendarOverview; canEdit: boolean; errors?: readonly FieldError[]; values?: Record<string, string> }): SafeHtml {
  const years = overview.officialYears;
  return layout({
    ctx,
    title: '工作日历',
    crumbs: [{ label: '工作台', href: '/staff' }, { label: '工作日历' }],
    body: html`<h1>工作日历</h1>
      <p>所有期限（留言答复、依申请公开、征求意见）按同一工作日历计算：法定节假日和调休来自国务院办公厅每年发布的安排，本地调整优先。</p>
      <p>官方安排已覆盖：${years.length > 0 ? `${years[0]}–${years[years.length - 1]} 年` : '无'}</p>
      ${overview.uncoveredComingYear !== null ? notice({ text: `${overview.uncoveredComingYear} 年的官方节假日安排尚未收录：该年期限暂按周一至周五计算。国务院办公厅发布安排后，请升级日历数据或在下方逐日添加本地调整。`, tone: 'warn' }) : ''}
      <h2>本地调整</h2>
      ${
        overview.adjustments.length === 0
          ? html`<p class="meta">暂无本地调整。</p>`
          : html`<div class="table-wrap"><table><thead><tr><th scope="col">日期</th><th scope="col">调整为</th><th scope="col">原因</th><th scope="col">登记</th>${canEdit ? html`<th scope="col">操作</th>` : ''}</tr></thead>
          <tbody>${overview.adjustments.map(
            (a) => html`<tr><td>${a.date}</td><td>${a.working ? '工作日' : '休息日'}</td><td>${a.reason}</td><td>${a.createdBy}</td>
              ${canEdit ? html`<td><form method="post" action="/staff/calendar/adjustments/${a.date}/delete">${csrfField(ctx)}<button type="submit" class="button-secondary">删除</button></form></td>` : ''}</tr>`,
          )}</tbody></table></div>`
      }
      ${
        canEdit
          ? html`<h2>新增本地调整</h2>${errorSummary(errors)}
        <form method="post" action="/staff/calendar/adjustments">${csrfField(ctx)}
          ${textField({ name: 'date', label: '日期', type: 'date', value: values.date ?? '', errors, required: true })}
          ${choiceGroup({ name: 'working', legend: '调整为', type: 'radio', options: [{ value: 'false', label: '休息日' }, { value: 'true', label: '工作日' }], selected: [values.working ?? 'false'], errors })}
          ${textField({ name: 'reason', label: '原因', value: values.reason ?? '', errors, required: true })}
          <button type="submit" class="button">添加</button>
        </form>`
          : ''
      }`,
  });
}
