import type { Article } from '../../../schemas/article.schema.js';
import type { StaffInterpretation } from '../../../schemas/interpretation.schema.js';
import type { AudiencePreview } from '../../../schemas/matching.schema.js';
import { DISCLOSURE_LABELS, REVIEW_KIND_LABELS, VALIDITY_LABELS, type PolicyStatus, type StaffPolicy } from '../../../schemas/policy.schema.js';
import { CHANNEL_LABELS, SUBSCRIBER_KIND_LABELS } from '../../../schemas/subscriber.schema.js';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Actor } from '../../services/actor.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import type { TagSuggestion } from '../tag-suggestions.js';
import { html, type SafeHtml } from '../html.js';
import { articleBody, countArticles } from './articles.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, pagination, selectField, tagPicker, textArea, textField, type FieldError } from './components.js';
import { formatCount, formatDate, formatInstant } from './format.js';
import { layout } from './layout.js';

export const STATUS_LABELS: Record<PolicyStatus, string> = { draft: '草稿', in_review: '审查中', approved: '已通过审查', published: '已发布', repealed: '已废止' };

export function statusBadge(status: PolicyStatus): SafeHtml {
  return html`<span class="badge badge-status">${STATUS_LABELS[status]}</span>`;
}

const STAFF_HOME = { label: '政策工作台', href: '/staff' };

export function staffLayout({ ctx, title, body, crumbs }: { ctx: WebContext; title: string; body: SafeHtml; crumbs?: { label: string; href?: string }[] }): SafeHtml {
  const trail = crumbs ?? [{ label: title }];
  // The workbench itself is the first crumb: never name it twice.
  return layout({ ctx, title, crumbs: trail[0]?.label === STAFF_HOME.label ? trail : [STAFF_HOME, ...trail], body });
}

/** A policy never published has no validity yet: its workflow status is what there is to say. */
export function staffValidity(policy: Pick<StaffPolicy, 'status' | 'validity' | 'currentVersion'>): SafeHtml {
  return policy.currentVersion === null ? html`<span class="muted">${STATUS_LABELS[policy.status]}，尚未发布</span>` : html`${VALIDITY_LABELS[policy.validity]}`;
}

export type PolicyTab = 'content' | 'interpretation' | 'comparison' | 'faqs' | 'audience' | 'deliveries' | 'audit' | 'text';

/** The parts of one policy's workspace: its text and review, its package, FAQs, audience and pushes. */
export function policyTabs({ policy, current }: { policy: Pick<StaffPolicy, 'id' | 'currentVersion'>; current: PolicyTab }): SafeHtml {
  const base = `/staff/policies/${policy.id}`;
  const items: [PolicyTab, string, string][] = [
    ['content', base, '内容与审查'],
    ['text', `${base}/text-check`, '文本检查'],
    ['interpretation', `${base}/interpretation`, '解读材料'],
    ['comparison', `${base}/comparison`, '新旧对照'],
    ['faqs', `${base}/faqs`, '常见问题'],
    ['audience', `${base}/audience`, '受众预览'],
    ...(policy.currentVersion ? ([['deliveries', `${base}/deliveries`, '推送统计']] as [PolicyTab, string, string][]) : []),
    ['audit', `${base}/audit`, '操作记录'],
  ];
  return html`<nav class="subnav" aria-label="政策工作区"><ul class="tabs">${items.map(
    ([tab, href, label]) => html`<li><a href="${href}"${tab === current ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav>`;
}

/** A page inside one policy's workspace: its title as the h1's context, the tabs, then the page. */
export function policyWorkspace({
  ctx,
  policy,
  title,
  tab,
  body,
}: {
  ctx: WebContext;
  policy: Pick<StaffPolicy, 'id' | 'title' | 'status' | 'currentVersion'>;
  title: string;
  tab: PolicyTab;
  body: SafeHtml;
}): SafeHtml {
  return staffLayout({
    ctx,
    title: `${title}：${policy.title}`,
    crumbs: [{ label: policy.title, href: `/staff/policies/${policy.id}` }, { label: title }],
    body: html`<h1>${title}<span class="h1-context">${policy.title}</span></h1>
      <p class="meta">编号 ${policy.id} · ${statusBadge(policy.status)}${policy.currentVersion ? html` · 已发布至第 ${policy.currentVersion} 版` : ''}</p>
      ${policyTabs({ policy, current: tab })}
      ${body}`,
  });
}

export function policyListPage({
  ctx,
  actor,
  status,
  list,
  openQuestions,
}: {
  ctx: WebContext;
  actor: Actor;
  status: PolicyStatus | null;
  list: { total: number; page: number; pageSize: number; items: StaffPolicy[] };
  /** Question groups waiting for an answer, oldest first in the queue. */
  openQuestions: { total: number; overdue: number };
}): SafeHtml {
  const tabs: [PolicyStatus | null, string][] = [[null, '全部'], ...(Object.entries(STATUS_LABELS) as [PolicyStatus, string][])];
  const href = (s: PolicyStatus | null, page = 1) => `/staff?${new URLSearchParams({ ...(s ? { status: s } : {}), ...(page > 1 ? { page: String(page) } : {}) }).toString()}`;
  return staffLayout({
    ctx,
    title: '政策工作台',
    crumbs: [{ label: '政策工作台' }],
    body: html`<h1>政策工作台</h1>
      <div class="actions">
        ${actor.role !== 'reviewer' && html`<a class="btn" href="/staff/policies/new">新建政策</a>`}
        <a class="btn btn-secondary" href="/staff/questions">留言答复（待答复 ${formatCount(openQuestions.total)} 组${openQuestions.overdue > 0 ? `，其中 ${formatCount(openQuestions.overdue)} 组已超期` : ''}）</a>
      </div>
      <nav aria-label="按状态筛选"><ul class="tabs">${tabs.map(([s, label]) => html`<li><a href="${href(s)}"${s === status ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
      <p role="status">共 ${formatCount(list.total)} 件</p>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">标题</th><th scope="col">文号</th><th scope="col">状态</th><th scope="col">效力</th><th scope="col">更新时间</th></tr></thead>
        <tbody>${list.items.map(
          (p) => html`<tr>
            <td><a href="/staff/policies/${p.id}">${p.title}</a></td>
            <td>${p.docNumber ?? '—'}</td>
            <td>${statusBadge(p.status)}</td>
            <td>${staffValidity(p)}</td>
            <td>${formatInstant(p.updatedAt)}</td>
          </tr>`,
        )}</tbody>
      </table></div>
      ${pagination({ page: list.page, pageSize: list.pageSize, total: list.total, hrefFor: (page) => href(status, page) })}`,
  });
}

export interface PolicyFormValues {
  title: string;
  docNumber: string;
  issuer: string;
  level: string;
  issuedAt: string;
  effectiveAt: string;
  expiresAt: string;
  disclosure: string;
  disclosureReason: string;
  body: string;
  criteria: Partial<Record<DimensionId, string[]>>;
  tags: Partial<Record<DimensionId, string[]>>;
  opensAt: string;
  closesAt: string;
  predecessorId: string;
}

/** Who a policy applies to is stated on the demand side; what it is about may use any dimension. */
const CRITERIA_DIMENSIONS: readonly DimensionId[] = ['subject_type', 'region', 'industry', 'size', 'qualification', 'stage'];
const TAG_DIMENSIONS: readonly DimensionId[] = ['need', 'policy_type', 'ip_type', 'industry'];

function policyForm({
  ctx,
  taxonomy,
  values,
  errors,
  action,
  published,
  preview,
  suggestions,
  bodyFileAction,
}: {
  ctx: WebContext;
  taxonomy: Taxonomy;
  values: PolicyFormValues;
  errors: FieldError[];
  action: string;
  published: { id: string; title: string }[];
  preview: Article[] | null;
  suggestions: readonly TagSuggestion[];
  bodyFileAction: string;
}): SafeHtml {
  const levels = taxonomy.tags.filter((t) => t.dimension === 'issuer_level' && !t.deprecated);
  const fileError = errors.find((e) => e.field === 'bodyFile')?.message ?? null;
  return html`${errorSummary(errors)}
    <form method="post" action="${action}" novalidate id="policy-form">
      ${csrfField(ctx)}
      <h2>基本信息</h2>
      ${textField({ name: 'title', label: '标题', value: values.title, errors, required: true })}
      ${textField({ name: 'docNumber', label: '文号', value: values.docNumber, errors, hint: '例如：沪知局规〔2026〕1号' })}
      ${textField({ name: 'issuer', label: '发文机关', value: values.issuer, errors, required: true })}
      ${selectField({ name: 'level', label: '发文层级', value: values.level, options: [{ value: '', label: '未指定' }, ...levels.map((t) => ({ value: t.id, label: t.label }))], errors })}
      <div class="grid-2">
        ${textField({ name: 'issuedAt', label: '成文日期', type: 'date', value: values.issuedAt, errors })}
        ${textField({ name: 'effectiveAt', label: '施行日期', type: 'date', value: values.effectiveAt, errors })}
        ${textField({ name: 'expiresAt', label: '失效日期', type: 'date', value: values.expiresAt, errors })}
      </div>
      <fieldset id="f-applicationWindow">
        <legend>申报期 <span class="muted">（选填）</span></legend>
        <div class="grid-2">
          ${textField({ name: 'opensAt', label: '开始日期', type: 'date', value: values.opensAt, errors })}
          ${textField({ name: 'closesAt', label: '截止日期', type: 'date', value: values.closesAt, errors })}
        </div>
      </fieldset>
      ${textField({ name: 'predecessorId', label: '替代的前序政策', value: values.predecessorId, errors, hint: '填写被本文件修订或替代的已发布政策编号；发布后前序政策标记为“已修订”', attrs: html`list="published-policies" spellcheck="false"` })}
      <datalist id="published-policies">${published.map((p) => html`<option value="${p.id}">${p.title}</option>`)}</datalist>
      ${choiceGroup({
        name: 'disclosure',
        legend: '公开属性',
        type: 'radio',
        options: (Object.entries(DISCLOSURE_LABELS) as [string, string][]).map(([value, label]) => ({ value, label })),
        selected: [values.disclosure || 'public'],
        errors,
      })}
      ${textArea({ name: 'disclosureReason', label: '不公开或依申请公开的理由', value: values.disclosureReason, errors, hint: '主动公开时无需填写' })}

      <h2>正文</h2>
      <div class="field${fileError ? ' has-error' : ''}">
        <label for="f-bodyFile">从文本文件读取正文 <span class="muted">（选填）</span></label>
        <span class="hint" id="f-bodyFile-hint">选择 .txt 文件（UTF-8 或 GBK 编码）后点“读取文件”：正文框的内容将被替换${action === '/staff/policies' ? '，标题为空时取文件第一行' : '，本页尚未保存的其他修改不会保留'}。核对后再保存。</span>
        ${fileError && html`<span class="field-error" id="f-bodyFile-error">${fileError}</span>`}
        <div class="file-row">
          <input id="f-bodyFile" type="file" name="file" accept=".txt,text/plain" form="body-file" aria-describedby="f-bodyFile-hint${fileError ? ' f-bodyFile-error' : ''}">
          <button class="btn btn-secondary" type="submit" form="body-file">读取文件</button>
        </div>
      </div>
      ${textArea({ name: 'body', label: '正文', value: values.body, errors, tall: true, required: true, hint: '粘贴全文即可。系统按“第X章 / 第X条 / 一、 / （一） / 1.”自动识别条款结构。' })}
      <div class="actions"><button class="btn btn-secondary" type="submit" name="intent" value="preview">预览条款结构</button></div>
      ${
        preview &&
        html`<section aria-labelledby="preview-title" role="status">
          <h3 id="preview-title">条款预览（识别出 ${countArticles(preview)} 条）</h3>
          <div class="preview-articles articles">${preview.length > 0 ? articleBody(preview) : html`<p>没有识别出条款结构，将按普通段落显示。</p>`}</div>
        </section>`
      }

      ${suggestionPanel({ suggestions, values, taxonomy, hasText: values.body.trim().length > 0 })}

      <h2>适用对象（谁可以享受）</h2>
      <p class="hint">留空表示不限。同一维度内满足任一即可，不同维度需同时满足；企业画像中未填写的维度显示为“待确认”。</p>
      ${CRITERIA_DIMENSIONS.map((dimension) => {
        const selected = values.criteria[dimension] ?? [];
        return html`<details class="dimension"${selected.length > 0 ? html` open` : ''}>
          <summary>${taxonomy.dimensionLabel(dimension)}${selected.length > 0 ? `（已选 ${selected.length}）` : '（不限）'}</summary>
          <div class="body">${tagPicker({ name: `k_${dimension}`, legend: `适用对象：${taxonomy.dimensionLabel(dimension)}`, taxonomy, dimension, selected, errors, showLegend: false })}</div>
        </details>`;
      })}

      <h2>标签（解决什么需求）</h2>
      ${TAG_DIMENSIONS.map((dimension) => {
        const selected = values.tags[dimension] ?? [];
        return html`<details class="dimension"${selected.length > 0 || dimension === 'need' ? html` open` : ''}>
          <summary>${taxonomy.dimensionLabel(dimension)}${selected.length > 0 ? `（已选 ${selected.length}）` : ''}</summary>
          <div class="body">${tagPicker({ name: `t_${dimension}`, legend: `标签：${taxonomy.dimensionLabel(dimension)}`, taxonomy, dimension, selected, errors, showLegend: false })}</div>
        </details>`;
      })}
      <div class="actions"><button class="btn" type="submit" name="intent" value="save">保存草稿</button></div>
    </form>
    <form id="body-file" method="post" action="${bodyFileAction}" enctype="multipart/form-data">${csrfField(ctx)}</form>`;
}

function isSelected({ suggestion, values }: { suggestion: TagSuggestion; values: PolicyFormValues }): boolean {
  const chosen = suggestion.target === 'criteria' ? values.criteria[suggestion.dimension] : values.tags[suggestion.dimension];
  return (chosen ?? []).includes(suggestion.tagId);
}

/** Tags named in the text, offered for one click; the drafter still decides (nothing is applied unasked). */
function suggestionPanel({ suggestions, values, taxonomy, hasText }: { suggestions: readonly TagSuggestion[]; values: PolicyFormValues; taxonomy: Taxonomy; hasText: boolean }): SafeHtml {
  const open = suggestions.filter((s) => !isSelected({ suggestion: s, values }));
  return html`<section class="panel suggestions" aria-labelledby="suggest-title">
    <h2 id="suggest-title">标签建议</h2>
    ${
      !hasText
        ? html`<p class="hint">填写正文后点“预览条款结构”，将按标题和正文中出现的标签名称和同义词给出建议。</p>`
        : suggestions.length === 0
          ? html`<p class="hint">标题和正文中没有出现标签名称或同义词，请直接在下方选择。</p>`
          : html`<p class="hint">按标题和正文中出现的标签名称和同义词给出（标题中出现的排在前面）。采用后仍可在下方逐项调整。</p>
            <ul class="suggestion-list">${suggestions.map(
              (s) => html`<li><span class="meta">${s.target === 'criteria' ? '适用对象' : '标签'} · ${taxonomy.dimensionLabel(s.dimension)}：</span><strong>${s.label}</strong>
                <span class="meta">（“${s.term}”${[s.inTitle ? '见于标题' : '', s.inBody > 0 ? `正文中出现 ${s.inBody} 次` : ''].filter(Boolean).join('，')}）</span>${isSelected({ suggestion: s, values }) ? html` <span class="badge badge-effective">已选</span>` : ''}</li>`,
            )}</ul>
            ${open.length > 0 && html`<div class="actions"><button class="btn btn-secondary" type="submit" name="intent" value="suggest">采用建议的 ${open.length} 个标签</button></div>`}`
    }
  </section>`;
}

export function newPolicyPage({
  ctx,
  taxonomy,
  values,
  errors,
  published,
  preview,
  suggestions,
}: {
  ctx: WebContext;
  taxonomy: Taxonomy;
  values: PolicyFormValues;
  errors: FieldError[];
  published: { id: string; title: string }[];
  preview: Article[] | null;
  suggestions: readonly TagSuggestion[];
}): SafeHtml {
  return staffLayout({
    ctx,
    title: '新建政策',
    body: html`<h1>新建政策</h1><p><a href="/staff/policies/new/import">从文件导入（Word、PDF、网页、文本）</a></p>${policyForm({ ctx, taxonomy, values, errors, action: '/staff/policies', published, preview, suggestions, bodyFileAction: '/staff/policies/new/body-file' })}`,
  });
}

/**
 * 三同步 in the workflow panel: whether the package (or a recorded exemption) lets the policy go to
 * review and be published, which required sections are missing, and whether this round's reviews
 * saw the package as it is now.
 */
/**
 * One line on where the package stands. Once a version is out and no revision is under way, the
 * gate (which checks the current review round) says nothing useful: the release does.
 */
const GATE_LABELS: Record<StaffInterpretation['gate']['status'] | 'in_review', string> = {
  ready: '解读已就绪',
  exempt: '免予解读',
  pending: '待送审',
  in_review: '随政策审查中',
  blocked: '解读未就绪',
};

export function syncState({ policy, interpretation }: { policy: Pick<StaffPolicy, 'status' | 'currentVersion'>; interpretation: StaffInterpretation }): { label: string; ok: boolean; message: string; settled: boolean } {
  if ((policy.status === 'published' || policy.status === 'repealed') && policy.currentVersion) {
    const release = interpretation.releases.find((r) => r.version === policy.currentVersion);
    return release
      ? { label: '已随政策发布', ok: true, message: `解读材料已随第 ${release.version} 版一并发布${release.exempt ? '（免予解读）' : ''}。修改须先发起修订。`, settled: true }
      : { label: '未随政策发布', ok: false, message: `第 ${policy.currentVersion} 版发布时没有解读材料（导入的历史文件）。`, settled: true };
  }
  const { gate } = interpretation;
  return { label: GATE_LABELS[gate.status === 'pending' && gate.code === 'interpretation_in_review' ? 'in_review' : gate.status], ok: gate.status !== 'blocked', message: gate.message, settled: false };
}

function syncStatus({ policy, interpretation }: { policy: StaffPolicy; interpretation: StaffInterpretation }): SafeHtml {
  const { gate, completeness } = interpretation;
  const state = syncState({ policy, interpretation });
  const roundReviews = interpretation.reviews.filter((r) => r.round === policy.reviewRound);
  const base = `/staff/policies/${policy.id}`;
  return html`<div class="sync" aria-labelledby="sync-title">
    <h3 id="sync-title">三同步：解读材料</h3>
    <p><span class="badge ${state.ok ? 'badge-effective' : 'badge-revised'}">${state.label}</span> ${state.message}</p>
    ${
      !state.settled &&
      gate.status !== 'exempt' &&
      html`<ul class="checklist">${completeness.required.map((required) => {
        const missing = completeness.missing.find((m) => m.section === required.section);
        return html`<li class="${missing ? 'todo' : 'done'}"><span aria-hidden="true">${missing ? '×' : '√'}</span> ${required.label}：${missing ? missing.reason : '已填写'}</li>`;
      })}</ul>`
    }
    ${completeness.warnings.length > 0 && html`<p class="meta">提示：${completeness.warnings.join('；')}</p>`}
    ${
      !state.settled &&
      policy.status !== 'draft' &&
      roundReviews.length > 0 &&
      html`<p>本轮审查看到的解读材料：${roundReviews
        .map((r) => `${REVIEW_KIND_LABELS[r.kind as keyof typeof REVIEW_KIND_LABELS] ?? r.kind}${r.coversCurrent ? '与当前内容一致' : '此后已修改，需要重新审查'}`)
        .join('；')}。</p>`
    }
    <p><a href="${base}/interpretation">编辑解读材料</a> · <a href="${base}/comparison">新旧对照与起草说明</a> · <a href="${base}/faqs">常见问题（${interpretation.faqs.length}）</a></p>
  </div>`;
}

function workflowPanel({
  ctx,
  actor,
  policy,
  errors,
  interpretation,
}: {
  ctx: WebContext;
  actor: Actor;
  policy: StaffPolicy;
  errors: FieldError[];
  interpretation: StaffInterpretation | null;
}): SafeHtml {
  const drafting = actor.role === 'admin' || actor.role === 'drafter';
  const reviewing = actor.role === 'admin' || actor.role === 'reviewer';
  const roundReviews = policy.reviews.filter((r) => r.round === policy.reviewRound);
  const button = (step: string, label: string, style = 'btn') =>
    html`<form method="post" action="/staff/policies/${policy.id}/${step}">${csrfField(ctx)}<button class="${style}" type="submit">${label}</button></form>`;
  const reviewErrors = errors.filter((e) => ['kind', 'decision', 'comment'].includes(e.field ?? ''));
  const repealErrors = errors.filter((e) => ['repealedAt', 'reason'].includes(e.field ?? ''));
  return html`<section class="panel" aria-labelledby="workflow-title">
    <h2 id="workflow-title">审查与发布</h2>
    <p>当前状态：${statusBadge(policy.status)}${policy.currentVersion ? html`　已发布至第 ${policy.currentVersion} 版` : ''}</p>
    ${errorSummary(errors.filter((e) => !reviewErrors.includes(e) && !repealErrors.includes(e)))}
    ${interpretation && syncStatus({ policy, interpretation })}
    <div class="actions">
      ${policy.status === 'draft' && drafting && button('submit', '送审')}
      ${policy.status === 'approved' && drafting && button('publish', '发布')}
      ${(policy.status === 'published' || policy.status === 'approved') && drafting && button('revise', '发起修订', 'btn btn-secondary')}
      <a class="btn btn-secondary" href="/staff/policies/${policy.id}/audience">受众预览</a>
      ${policy.currentVersion && html`<a class="btn btn-secondary" href="/staff/policies/${policy.id}/deliveries">推送统计</a>`}
      ${policy.currentVersion && html`<a href="/policies/${policy.id}">查看公开页面</a>`}
    </div>
    ${
      policy.status === 'in_review' &&
      html`<p>本轮（第 ${policy.reviewRound} 轮）需要保密审查和合法性审查均通过后方可发布。已记录：${
        roundReviews.length === 0 ? '无' : roundReviews.map((r) => `${REVIEW_KIND_LABELS[r.kind]}${r.decision === 'approved' ? '通过' : '退回'}`).join('、')
      }。</p>`
    }
    ${
      policy.status === 'in_review' &&
      reviewing &&
      html`<h3 id="review-title">记录审查意见</h3>
        ${errorSummary(reviewErrors)}
        <form method="post" action="/staff/policies/${policy.id}/review" novalidate aria-labelledby="review-title">
          ${csrfField(ctx)}
          ${choiceGroup({ name: 'kind', legend: '审查类型', type: 'radio', options: (Object.entries(REVIEW_KIND_LABELS) as [string, string][]).map(([value, label]) => ({ value, label })), selected: [], errors })}
          ${choiceGroup({ name: 'decision', legend: '审查结论', type: 'radio', options: [{ value: 'approved', label: '通过' }, { value: 'rejected', label: '退回修改' }], selected: [], errors })}
          ${textArea({ name: 'comment', label: '审查意见', errors, hint: '退回时必须填写' })}
          <div class="actions"><button class="btn" type="submit">提交审查意见</button></div>
        </form>`
    }
    ${
      policy.status === 'published' &&
      drafting &&
      html`<details class="dimension"><summary>废止本政策</summary><div class="body">
        ${errorSummary(repealErrors)}
        <form method="post" action="/staff/policies/${policy.id}/repeal" novalidate>
          ${csrfField(ctx)}
          ${textField({ name: 'repealedAt', label: '废止日期', type: 'date', errors, required: true })}
          ${textArea({ name: 'reason', label: '废止理由', errors, required: true })}
          <div class="actions"><button class="btn btn-danger" type="submit">废止</button></div>
        </form></div></details>`
    }
    ${
      policy.reviews.length > 0 &&
      html`<div class="table-wrap"><table><caption>审查记录</caption>
        <thead><tr><th scope="col">轮次</th><th scope="col">类型</th><th scope="col">结论</th><th scope="col">审查人</th><th scope="col">意见</th><th scope="col">时间</th></tr></thead>
        <tbody>${policy.reviews.map(
          (r) => html`<tr><td>${r.round}</td><td>${REVIEW_KIND_LABELS[r.kind]}</td><td>${r.decision === 'approved' ? '通过' : '退回'}</td><td>${r.reviewerName}</td><td>${r.comment}</td><td>${formatInstant(r.at)}</td></tr>`,
        )}</tbody></table></div>`
    }
  </section>`;
}

function readOnlyContent({ policy, taxonomy }: { policy: StaffPolicy; taxonomy: Taxonomy }): SafeHtml {
  const labels = (ids: readonly string[]) => ids.map((id) => taxonomy.label(id)).join('、') || '—';
  return html`<section class="panel" aria-labelledby="content-title">
    <h2 id="content-title">内容</h2>
    ${definitionList([
      ['文号', policy.docNumber ?? '—'],
      ['发文机关', policy.issuer],
      ['发文层级', policy.level ? taxonomy.label(policy.level) : '—'],
      ['成文 / 施行 / 失效', `${formatDate(policy.issuedAt)} / ${formatDate(policy.effectiveAt)} / ${formatDate(policy.expiresAt)}`],
      ['申报期', policy.applicationWindow ? `${formatDate(policy.applicationWindow.opensAt)} 至 ${formatDate(policy.applicationWindow.closesAt)}` : '—'],
      ['公开属性', `${DISCLOSURE_LABELS[policy.disclosure]}${policy.disclosureReason ? `（${policy.disclosureReason}）` : ''}`],
      ['前序政策', policy.predecessorId ?? '—'],
      ...(Object.entries(policy.criteria) as [DimensionId, string[] | undefined][]).map(([d, ids]) => [`适用对象：${taxonomy.dimensionLabel(d)}`, labels(ids ?? [])] as [string, string]),
      ['标签', labels(policy.tags)],
    ])}
    <h3>正文</h3>
    <div class="preview-articles articles">${policy.articles.length > 0 ? articleBody(policy.articles) : html`<p>${policy.body}</p>`}</div>
  </section>`;
}

export function editPolicyPage({
  ctx,
  actor,
  policy,
  taxonomy,
  values,
  errors,
  published,
  preview,
  interpretation,
  suggestions,
  drafterName,
}: {
  ctx: WebContext;
  actor: Actor;
  policy: StaffPolicy;
  /** The drafter's name; the id only for someone no longer in the user list. */
  drafterName: string;
  taxonomy: Taxonomy;
  values: PolicyFormValues;
  errors: FieldError[];
  published: { id: string; title: string }[];
  preview: Article[] | null;
  interpretation: StaffInterpretation | null;
  suggestions: readonly TagSuggestion[];
}): SafeHtml {
  const editable = policy.status === 'draft' && (actor.role === 'admin' || actor.role === 'drafter');
  const formErrors = errors.filter((e) => !['kind', 'decision', 'comment', 'repealedAt', 'reason'].includes(e.field ?? '') && e.field !== null);
  const workflowErrors = errors.filter((e) => !formErrors.includes(e));
  return staffLayout({
    ctx,
    title: policy.title,
    body: html`<h1>${policy.title}</h1>
      <p class="meta">编号 ${policy.id} · ${statusBadge(policy.status)} · 起草人 ${drafterName} · 最后修改 ${formatInstant(policy.updatedAt)}</p>
      ${policyTabs({ policy, current: 'content' })}
      ${workflowPanel({ ctx, actor, policy, errors: workflowErrors, interpretation })}
      ${
        editable
          ? html`<section aria-labelledby="edit-title"><h2 id="edit-title" class="visually-hidden">编辑草稿</h2>${policyForm({
              ctx,
              taxonomy,
              values,
              errors: formErrors,
              action: `/staff/policies/${policy.id}`,
              published,
              preview,
              suggestions,
              bodyFileAction: `/staff/policies/${policy.id}/body-file`,
            })}</section>`
          : html`${policy.status !== 'draft' && notice({ text: '非草稿状态不能直接修改。已送审的政策被退回后、已发布的政策发起修订后，可以再次编辑。' })}${readOnlyContent({ policy, taxonomy })}`
      }`,
  });
}

export function audiencePage({ ctx, policy, preview }: { ctx: WebContext; policy: StaffPolicy; preview: AudiencePreview }): SafeHtml {
  return policyWorkspace({
    ctx,
    policy,
    title: '受众预览',
    tab: 'audience',
    body: html`<p class="lead">${preview.basis === 'working_copy' ? '按当前工作稿计算：发布后将推送给以下订阅用户。' : '按已发布版本计算。'}</p>
      <div class="grid-2">
        <section class="panel" aria-labelledby="reach-title">
          <h2 id="reach-title">覆盖</h2>
          <p><span class="stat">${formatCount(preview.subscribers)}</span> 个订阅用户</p>
          ${definitionList((Object.entries(preview.byChannel) as [keyof typeof CHANNEL_LABELS, number][]).map(([channel, count]) => [CHANNEL_LABELS[channel], `${formatCount(count)} 个可送达`]))}
        </section>
        <section class="panel" aria-labelledby="unknown-title">
          <h2 id="unknown-title">待确认</h2>
          ${
            preview.unknown.every((u) => u.count === 0)
              ? html`<p>所有受众的画像都覆盖了适用条件。</p>`
              : html`<p>以下维度有受众未填写，推送时会标注“待确认”：</p>${definitionList(preview.unknown.filter((u) => u.count > 0).map((u) => [u.label, `${formatCount(u.count)} 个`]))}`
          }
        </section>
      </div>
      ${preview.breakdown.map(
        (b) => html`<div class="table-wrap"><table>
          <caption>按${b.label}分布</caption>
          <thead><tr><th scope="col">${b.label}</th><th scope="col" class="num">订阅用户</th></tr></thead>
          <tbody>${b.buckets.map((bucket) => html`<tr><td>${bucket.label}</td><td class="num">${formatCount(bucket.count)}</td></tr>`)}</tbody>
        </table></div>`,
      )}
      <h2>样例（前 ${preview.sample.length} 个）与推送原因</h2>
      <ul class="cards">${preview.sample.map(
        (s) => html`<li class="card"><h3>${s.name} <span class="badge badge-neutral">${SUBSCRIBER_KIND_LABELS[s.kind]}</span></h3>
          <p class="meta">渠道：${s.channels.map((c) => CHANNEL_LABELS[c]).join('、') || '暂无可送达渠道'}</p>
          <ul class="reasons">${s.reasons.map((r) => html`<li>${r}</li>`)}</ul></li>`,
      )}</ul>
      ${
        preview.deliveries.version &&
        html`<p class="meta">第 ${preview.deliveries.version} 版已写入推送队列 ${formatCount(preview.deliveries.written)} 条${preview.deliveries.status ? `（匹配任务：${preview.deliveries.status}）` : ''}。</p>`
      }
      <p><a href="/staff/policies/${policy.id}">返回政策</a></p>`,
  });
}
