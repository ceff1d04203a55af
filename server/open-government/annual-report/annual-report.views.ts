import { REVIEW_OUTCOME_LABELS, type AnnualReport, type ReviewFigures } from '../../../schemas/annual-report.schema.js';
import type { WebContext } from '../../web/context.js';
import { html, type SafeHtml } from '../../web/html.js';
import { csrfField, errorSummary, notice, type FieldError } from '../../web/views/components.js';
import { formatInstant } from '../../web/views/format.js';
import { staffLayout } from '../../web/views/staff.views.js';
import type { ReportTable, TracedRecord } from '../annual-report.types.js';

const FIGURE_GROUPS: [keyof ReviewFigures, string][] = [
  ['reconsideration', '行政复议'],
  ['litigationDirect', '行政诉讼（未经复议直接起诉）'],
  ['litigationAfterReconsideration', '行政诉讼（复议后起诉）'],
];

function reportTable({ table, year }: { table: ReportTable; year: number }): SafeHtml {
  return html`<section aria-labelledby="t-${table.id}"><h2 id="t-${table.id}">${table.title}</h2>
    <div class="table-wrap"><table data-table="${table.id}">
      <thead><tr><th scope="col">项目</th>${table.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${table.rows.map(
        (row, r) => html`<tr><th scope="row">${row.label}</th>${row.cells.map(
          (cell, c) => html`<td><a data-figure="${table.id}:${r}:${c}" href="/staff/annual-report/${year}/trace?table=${table.id}&row=${r}&column=${c}" aria-label="${row.label} ${table.columns[c] ?? ''}：${cell.value}，查看所统计的记录">${cell.value}</a></td>`,
        )}</tr>`,
      )}</tbody>
    </table></div>
    ${table.note && html`<p class="meta">说明：${table.note}</p>`}
  </section>`;
}

export function annualReportPage({
  ctx,
  report,
  figures,
  canEdit,
  errors,
  saved,
}: {
  ctx: WebContext;
  report: AnnualReport;
  figures: ReviewFigures;
  canEdit: boolean;
  errors: FieldError[];
  saved: boolean;
}): SafeHtml {
  const year = report.year;
  return staffLayout({
    ctx,
    title: `${year}年政府信息公开工作年度报告`,
    body: html`<h1>${year}年政府信息公开工作年度报告</h1>
      ${saved ? notice({ text: '复议、诉讼数字已保存。', tone: 'ok' }) : ''}
      <form method="get" action="/staff/annual-report"><label for="year">年度</label> <input id="year" name="year" inputmode="numeric" value="${year}" size="6"> <button type="submit">查看</button></form>
      <p class="meta">生成于 ${formatInstant(report.generatedAt)}。点击任一数字可查看它统计的记录。</p>
      <p><a id="download-xlsx" href="/staff/annual-report/${year}/download?format=xlsx">下载 Excel（.xlsx）</a> · <a id="download-csv" href="/staff/annual-report/${year}/download?format=csv">下载 CSV</a></p>
      ${report.tables.map((table) => reportTable({ table, year }))}
      ${
        canEdit
          ? html`<section id="figures" aria-labelledby="figures-title"><h2 id="figures-title">录入行政复议、行政诉讼数字</h2>
        ${errorSummary(errors)}
        <form method="post" action="/staff/annual-report/${year}/figures" novalidate>${csrfField(ctx)}
          ${FIGURE_GROUPS.map(
            ([group, label]) => html`<fieldset><legend>${label}</legend><div class="choices">${REVIEW_OUTCOME_LABELS.map(
              ([key, keyLabel]) => html`<label>${keyLabel} <input name="${group}.${key}" inputmode="numeric" size="5" value="${figures[group][key]}"></label> `,
            )}</div></fieldset>`,
          )}
          <button type="submit">保存</button>
        </form></section>`
          : ''
      }`,
  });
}

export function tracePage({ ctx, year, title, rowLabel, column, value, records }: { ctx: WebContext; year: number; title: string; rowLabel: string; column: string; value: number; records: TracedRecord[] }): SafeHtml {
  return staffLayout({
    ctx,
    title: '数字来源',
    crumbs: [{ label: `${year}年度报告`, href: `/staff/annual-report?year=${year}` }, { label: '数字来源' }],
    body: html`<h1>数字来源</h1>
      <p>${title} · ${rowLabel} · ${column}：<strong id="trace-value">${value}</strong></p>
      ${records.length === 0 ? html`<p class="muted">没有记录（该数字为 0${value > 0 ? '，由工作人员录入' : ''}）。</p>` : ''}
      <ol id="trace-records">${records.map((r) => html`<li data-record="${r.kind}:${r.id}">${r.href ? html`<a href="${r.href}">${r.label}</a>` : r.label} <span class="meta">${r.kind} · ${r.id}</span></li>`)}</ol>`,
  });
}
