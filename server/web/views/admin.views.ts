import type { DimensionId, Tag } from '../../../schemas/taxonomy.schema.js';
import { ROLE_LABELS, type User } from '../../../schemas/user.schema.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import type { TagUsage } from '../../services/tag-usage.service.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, selectField, tagTree, textField, type FieldError } from './components.js';
import { formatInstant } from './format.js';
import { layout } from './layout.js';

function adminLayout({ ctx, title, body, crumbs }: { ctx: WebContext; title: string; body: SafeHtml; crumbs: { label: string; href?: string }[] }): SafeHtml {
  return layout({ ctx, title, crumbs: [{ label: '政策工作台', href: '/staff' }, ...crumbs], body });
}

function tagState(tag: Tag, taxonomy: Taxonomy): SafeHtml {
  if (tag.mergedInto) return html` <span class="badge badge-neutral">已合并至 ${taxonomy.label(tag.mergedInto)}</span>`;
  if (tag.deprecated) return html` <span class="badge badge-neutral">已停用</span>`;
  return html``;
}

export function taxonomyPage({
  ctx,
  taxonomy,
  values,
  errors,
}: {
  ctx: WebContext;
  taxonomy: Taxonomy;
  values: { id: string; dimension: string; label: string; synonyms: string; parent: string };
  errors: FieldError[];
}): SafeHtml {
  return adminLayout({
    ctx,
    title: '标签体系',
    crumbs: [{ label: '标签体系' }],
    body: html`<h1>标签体系</h1>
      <p class="lead">标签编号稳定不变，名称可以修改。合并会把政策、企业画像和订阅中的引用迁移到目标标签。</p>
      ${taxonomy.dimensions.map((dimension) => {
        const tree = tagTree({ taxonomy, dimension: dimension.id, keep: taxonomy.tags.map((t) => t.id) });
        return html`<details class="dimension"><summary>${dimension.label}（${tree.length}）</summary><div class="body">
          <p class="hint">${dimension.description}</p>
          <ul class="tree">${tree.map(
            ({ tag, depth }) => html`<li class="depth-${Math.min(depth, 3)}">${'　'.repeat(depth)}<a href="/staff/taxonomy/${tag.id}">${tag.label}</a> <span class="meta">${tag.id}</span>${tagState(tag, taxonomy)}</li>`,
          )}</ul>
        </div></details>`;
      })}
      <h2 id="new-tag">新增标签</h2>
      ${errorSummary(errors)}
      <form method="post" action="/staff/taxonomy" novalidate aria-labelledby="new-tag">
        ${csrfField(ctx)}
        ${selectField({ name: 'dimension', label: '维度', value: values.dimension, options: taxonomy.dimensions.map((d) => ({ value: d.id, label: d.label })), errors })}
        ${textField({ name: 'id', label: '标签编号', value: values.id, errors, required: true, hint: '小写字母、数字和连字符，例如 need-data-compliance；创建后不能修改', attrs: html`spellcheck="false"` })}
        ${textField({ name: 'label', label: '名称', value: values.label, errors, required: true })}
        ${textField({ name: 'synonyms', label: '同义词', value: values.synonyms, errors, hint: '用逗号分隔，检索时同样能找到' })}
        ${textField({ name: 'parent', label: '上级标签编号', value: values.parent, errors, hint: '同一维度内的标签编号；留空为顶级', attrs: html`spellcheck="false"` })}
        <div class="actions"><button class="btn" type="submit">新增</button></div>
      </form>`,
  });
}

export function tagPage({
  ctx,
  taxonomy,
  tag,
  errors,
  values,
}: {
  ctx: WebContext;
  taxonomy: Taxonomy;
  tag: Tag;
  errors: FieldError[];
  values: { label: string; synonyms: string; parent: string };
}): SafeHtml {
  const dimensionId: DimensionId = tag.dimension;
  const excluded = new Set(taxonomy.withDescendants(tag.id));
  const candidates = tagTree({ taxonomy, dimension: dimensionId }).filter(({ tag: t }) => !excluded.has(t.id));
  const live = !tag.deprecated;
  return adminLayout({
    ctx,
    title: tag.label,
    crumbs: [{ label: '标签体系', href: '/staff/taxonomy' }, { label: tag.label }],
    body: html`<h1>${tag.label}${tagState(tag, taxonomy)}</h1>
      ${definitionList([
        ['编号', tag.id],
        ['维度', taxonomy.dimensionLabel(dimensionId)],
        ['上级', tag.parent ? taxonomy.label(tag.parent) : '无（顶级）'],
        ['下级', taxonomy.children(tag.id).map((id) => taxonomy.label(id)).join('、') || '无'],
        ['同义词', tag.synonyms.join('、') || '无'],
      ])}
      ${errorSummary(errors)}
      ${
        live
          ? html`<section class="panel" aria-labelledby="rename-title">
              <h2 id="rename-title">修改名称和位置</h2>
              <form method="post" action="/staff/taxonomy/${tag.id}" novalidate>
                ${csrfField(ctx)}
                ${textField({ name: 'label', label: '名称', value: values.label, errors, required: true })}
                ${textField({ name: 'synonyms', label: '同义词', value: values.synonyms, errors, hint: '用逗号分隔' })}
                ${selectField({
                  name: 'parent',
                  label: '上级标签',
                  value: values.parent,
                  options: [{ value: '', label: '无（顶级）' }, ...candidates.map(({ tag: t, depth }) => ({ value: t.id, label: `${'　'.repeat(depth)}${t.label}` }))],
                  errors,
                  hint: '移动后，政策和企业画像的上级归属随之更新',
                })}
                <div class="actions"><button class="btn" type="submit">保存</button></div>
              </form>
            </section>
            <section class="panel" aria-labelledby="merge-title">
              <h2 id="merge-title">合并到其他标签</h2>
              <form method="get" action="/staff/taxonomy/${tag.id}/merge">
                ${selectField({
                  name: 'into',
                  label: '目标标签',
                  value: null,
                  options: candidates.filter(({ tag: t }) => !t.deprecated).map(({ tag: t, depth }) => ({ value: t.id, label: `${'　'.repeat(depth)}${t.label}` })),
                })}
                <div class="actions"><button class="btn btn-secondary" type="submit">预览合并</button></div>
              </form>
            </section>
            <section class="panel" aria-labelledby="deprecate-title">
              <h2 id="deprecate-title">停用</h2>
              <p>停用后不能再被选用；已有引用保留。若有替代标签，请使用合并。</p>
              <form method="post" action="/staff/taxonomy/${tag.id}/deprecate" data-confirm="确定停用标签“${tag.label}”？">${csrfField(ctx)}<button class="btn btn-danger" type="submit">停用</button></form>
            </section>`
          : notice({ text: '该标签已停用，不能再修改。' })
      }`,
  });
}

export function mergePreviewPage({ ctx, taxonomy, tag, into, usage }: { ctx: WebContext; taxonomy: Taxonomy; tag: Tag; into: Tag; usage: TagUsage }): SafeHtml {
  const children = taxonomy.children(tag.id);
  return adminLayout({
    ctx,
    title: '合并预览',
    crumbs: [{ label: '标签体系', href: '/staff/taxonomy' }, { label: tag.label, href: `/staff/taxonomy/${tag.id}` }, { label: '合并预览' }],
    body: html`<h1>把“${tag.label}”合并到“${into.label}”</h1>
      <p class="lead">合并后，“${tag.label}”停用，以下引用全部改为“${into.label}”。</p>
      <div class="table-wrap"><table>
        <caption>将被迁移的引用</caption>
        <thead><tr><th scope="col">对象</th><th scope="col" class="num">数量</th></tr></thead>
        <tbody>
          <tr><td>政策（工作稿及其已发布版本）</td><td class="num">${usage.policies.length}</td></tr>
          <tr><td>企业和园区画像</td><td class="num">${usage.subscribers}</td></tr>
          <tr><td>生效中的订阅</td><td class="num">${usage.subscriptions}</td></tr>
          <tr><td>下级标签（移到“${into.label}”之下）</td><td class="num">${children.length}</td></tr>
        </tbody>
      </table></div>
      ${usage.policies.length > 0 && html`<h2>涉及的政策</h2><ul>${usage.policies.slice(0, 50).map((p) => html`<li><a href="/staff/policies/${p.id}">${p.title}</a></li>`)}</ul>${usage.policies.length > 50 ? html`<p class="meta">另有 ${usage.policies.length - 50} 件未列出</p>` : ''}`}
      <form method="post" action="/staff/taxonomy/${tag.id}/merge">
        ${csrfField(ctx)}
        <input type="hidden" name="into" value="${into.id}">
        <div class="actions"><button class="btn btn-danger" type="submit">确认合并</button> <a href="/staff/taxonomy/${tag.id}">取消</a></div>
      </form>`,
  });
}

/** The ADMIN_TOKEN account is managed in the configuration, and nobody disables themselves. */
function userActions(ctx: WebContext, user: User): SafeHtml {
  if (user.id === 'admin' || (ctx.viewer.kind === 'staff' && ctx.viewer.actor.id === user.id)) return html`<span class="meta">—</span>`;
  return html`<form method="post" action="/staff/users/${user.id}/${user.disabled ? 'enable' : 'disable'}" class="inline-form">${csrfField(ctx)}<button class="btn btn-secondary" type="submit">${user.disabled ? '启用' : '停用'}</button></form>
    <form method="post" action="/staff/users/${user.id}/token" class="inline-form">${csrfField(ctx)}<button class="btn btn-secondary" type="submit">更换令牌</button></form>`;
}

export function usersPage({
  ctx,
  users,
  values,
  errors,
  created,
}: {
  ctx: WebContext;
  users: User[];
  values: { id: string; name: string; role: string };
  errors: FieldError[];
  created: { id: string; token: string; rotated?: boolean } | null;
}): SafeHtml {
  return adminLayout({
    ctx,
    title: '用户与角色',
    crumbs: [{ label: '用户与角色' }],
    body: html`<h1>用户与角色</h1>
      ${
        created &&
        html`<section class="panel" role="status" aria-labelledby="token-title">
          <h2 id="token-title">已为 ${created.id} 生成访问令牌</h2>
          <p>${created.rotated ? '旧令牌和该用户的门户登录已立即失效。' : ''}令牌只显示这一次，请立即安全地交给本人。丢失后可在此更换令牌。</p>
          <p class="token-box" id="new-token">${created.token}</p>
          <button class="btn btn-secondary" type="button" data-copy="new-token" hidden>复制令牌</button>
        </section>`
      }
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">编号</th><th scope="col">姓名</th><th scope="col">角色</th><th scope="col">状态</th><th scope="col">创建时间</th><th scope="col">操作</th></tr></thead>
        <tbody>${users.map(
          (u) => html`<tr><td>${u.id}</td><td>${u.name}</td><td>${ROLE_LABELS[u.role]}</td><td>${u.disabled ? '已停用' : '正常'}</td><td>${formatInstant(u.createdAt)}</td><td>${userActions(ctx, u)}</td></tr>`,
        )}</tbody>
      </table></div>
      <h2 id="new-user">新增用户</h2>
      ${errorSummary(errors)}
      <form method="post" action="/staff/users" novalidate aria-labelledby="new-user">
        ${csrfField(ctx)}
        ${textField({ name: 'id', label: '用户编号', value: values.id, errors, required: true, hint: '小写字母、数字和连字符，例如 wang-li', attrs: html`spellcheck="false" autocomplete="off"` })}
        ${textField({ name: 'name', label: '姓名', value: values.name, errors, required: true })}
        ${choiceGroup({
          name: 'role',
          legend: '角色',
          type: 'radio',
          options: (Object.entries(ROLE_LABELS) as [string, string][]).map(([value, label]) => ({ value, label })),
          selected: [values.role || 'drafter'],
          errors,
          hint: '起草人起草和发布政策；审查人做保密审查和合法性审查；管理员还可以管理标签和用户',
        })}
        <div class="actions"><button class="btn" type="submit">新增并生成令牌</button></div>
      </form>`,
  });
}
