import type { Article } from '../../../schemas/article.schema.js';
import type { AudiencePreview } from '../../../schemas/matching.schema.js';
import { DISCLOSURE_LABELS, REVIEW_KIND_LABELS, VALIDITY_LABELS, type PolicyStatus, type StaffPolicy } from '../../../schemas/policy.schema.js';
import { CHANNEL_LABELS, SUBSCRIBER_KIND_LABELS } from '../../../schemas/subscriber.schema.js';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Actor } from '../../services/actor.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { articleBody, countArticles } from './articles.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, pagination, selectField, tagPicker, textArea, textField, type FieldError } from './components.js';
import { formatCount, formatDate, formatInstant } from './format.js';
import { layout } from './layout.js';

export const STATUS_LABELS: Record<PolicyStatus, string> = { draft: '草稿', in_review: '审查中', approved: '已通过审查', published: '已发布', repealed: '已废止' };

export function statusBadge(status: PolicyStatus): SafeHtml {
  return html`<span class="badge badge-status">${STATUS_LABELS[status]}</span>`;
}

function staffLayout({ ctx, title, body, crumbs }: { ctx: WebContext; title: string; body: SafeHtml; crumbs?: { label: string; href?: string }[] }): SafeHtml {
  return layout({ ctx, title, crumbs: [{ label: '政策工作台', href: '/staff' }, ...(crumbs ?? [{ label: title }])], body });
}

export function policyListPage({
  ctx,
  actor,
  status,
  list,
}: {
  ctx: WebContext;
  actor: Actor;
  status: PolicyStatus | null;
  list: { total: number; page: number; pageSize: number; items: StaffPolicy[] };
}): SafeHtml {
  const tabs: [PolicyStatus | null, string][] = [[null, '全部'], ...(Object.entries(STATUS_LABELS) as [PolicyStatus, string][])];
  const href = (s: PolicyStatus | null, page = 1) => `/staff?${new URLSearchParams({ ...(s ? { status: s } : {}), ...(page > 1 ? { page: String(page) } : {}) }).toString()}`;
  return staffLayout({
    ctx,
    title: '政策工作台',
    crumbs: [{ label: '政策工作台' }],
    body: html`<h1>政策工作台</h1>
      ${actor.role !== 'reviewer' && html`<div class="actions"><a class="btn" href="/staff/policies/new">新建政策</a></div>`}
      <nav aria-label="按状态筛选"><ul class="tabs">${tabs.map(([s, label]) => html`<li><a href="${href(s)}"${s === status ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
      <p role="status">共 ${formatCount(list.total)} 件</p>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">标题</th><th scope="col">文号</th><th scope="col">状态</th><th scope="col">效力</th><th scope="col">更新时间</th></tr></thead>
        <tbody>${list.items.map(
          (p) => html`<tr>
            <td><a href="/staff/policies/${p.id}">${p.title}</a></td>
            <td>${p.docNumber ?? '—'}</td>
            <td>${statusBadge(p.status)}</td>
            <td>${VALIDITY_LABELS[p.validity]}</td>
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
}: {
  ctx: WebContext;
  taxonomy: Taxonomy;
  values: PolicyFormValues;
  errors: FieldError[];
  action: string;
  published: { id: string; title: string }[];
  preview: Article[] | null;
}): SafeHtml {
  const levels = taxonomy.tags.filter((t) => t.dimension === 'issuer_level' && !t.deprecated);
  return html`${errorSummary(errors)}
    <form method="post" action="${action}" novalidate>
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
      ${textArea({ name: 'body', label: '正文', value: values.body, errors, tall: true, required: true, hint: '粘贴全文即可。系统按“第X章 / 第X条 / 一、 / （一） / 1.”自动识别条款结构。' })}
      <div class="actions"><button class="btn btn-secondary" type="submit" name="intent" value="preview">预览条款结构</button></div>
      ${
        preview &&
        html`<section aria-labelledby="preview-title" role="status">
          <h3 id="preview-title">条款预览（识别出 ${countArticles(preview)} 条）</h3>
          <div class="preview-articles articles">${preview.length > 0 ? articleBody(preview) : html`<p>没有识别出条款结构，将按普通段落显示。</p>`}</div>
        </section>`
      }

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
    </form>`;
}

export function newPolicyPage({
  ctx,
  taxonomy,
  values,
  errors,
  published,
  preview,
}: {
  ctx: WebContext;
  taxonomy: Taxonomy;
  values: PolicyFormValues;
  errors: FieldError[];
  published: { id: string; title: string }[];
  preview: Article[] | null;
}): SafeHtml {
  return staffLayout({
    ctx,
    title: '新建政策',
    body: html`<h1>新建政策</h1>${policyForm({ ctx, taxonomy, values, errors, action: '/staff/policies', published, preview })}`,
  });
}

function workflowPanel({ ctx, actor, policy, errors }: { ctx: WebContext; actor: Actor; policy: StaffPolicy; errors: FieldError[] }): SafeHtml {
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
    <div class="actions">
      ${policy.status === 'draft' && drafting && button('submit', '送审')}
      ${policy.status === 'approved' && drafting && button('publish', '发布')}
      ${(policy.status === 'published' || policy.status === 'approved') && drafting && button('revise', '发起修订', 'btn btn-secondary')}
      <a class="btn btn-secondary" href="/staff/policies/${policy.id}/audience">受众预览</a>
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
}: {
  ctx: WebContext;
  actor: Actor;
  policy: StaffPolicy;
  taxonomy: Taxonomy;
  values: PolicyFormValues;
  errors: FieldError[];
  published: { id: string; title: string }[];
  preview: Article[] | null;
}): SafeHtml {
  const editable = policy.status === 'draft' && (actor.role === 'admin' || actor.role === 'drafter');
  const formErrors = errors.filter((e) => !['kind', 'decision', 'comment', 'repealedAt', 'reason'].includes(e.field ?? '') && e.field !== null);
  const workflowErrors = errors.filter((e) => !formErrors.includes(e));
  return staffLayout({
    ctx,
    title: policy.title,
    body: html`<h1>${policy.title}</h1>
      <p class="meta">编号 ${policy.id} · ${statusBadge(policy.status)} · 起草人 ${policy.createdBy} · 最后修改 ${formatInstant(policy.updatedAt)}</p>
      ${workflowPanel({ ctx, actor, policy, errors: workflowErrors })}
      ${
        editable
          ? html`<section aria-labelledby="edit-title"><h2 id="edit-title" class="visually-hidden">编辑草稿</h2>${policyForm({ ctx, taxonomy, values, errors: formErrors, action: `/staff/policies/${policy.id}`, published, preview })}</section>`
          : html`${policy.status !== 'draft' && notice({ text: '非草稿状态不能直接修改。已送审的政策被退回后、已发布的政策发起修订后，可以再次编辑。' })}${readOnlyContent({ policy, taxonomy })}`
      }`,
  });
}

export function audiencePage({ ctx, policy, preview }: { ctx: WebContext; policy: StaffPolicy; preview: AudiencePreview }): SafeHtml {
  return staffLayout({
    ctx,
    title: '受众预览',
    crumbs: [{ label: policy.title, href: `/staff/policies/${policy.id}` }, { label: '受众预览' }],
    body: html`<h1>受众预览：${policy.title}</h1>
      <p class="lead">${preview.basis === 'working_copy' ? '按当前工作稿计算：发布后将推送给以下订阅用户。' : '按已发布版本计算。'}</p>
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
