import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { choiceGroup, csrfField, errorSummary, textField, type FieldError } from './components.js';
import { layout } from './layout.js';

export interface SignUpValues {
  kind: string;
  name: string;
  creditCode: string;
  email: string;
}

export function signUpPage({ ctx, values, errors }: { ctx: WebContext; values: SignUpValues; errors: FieldError[] }): SafeHtml {
  return layout({
    ctx,
    title: '注册',
    crumbs: [{ label: '首页', href: '/' }, { label: '注册' }],
    body: html`<h1>注册企业或园区账号</h1>
      <p class="lead">注册后可以填写企业画像、订阅政策标签，新政策发布时按您的需求推送，并说明推送原因。</p>
      ${errorSummary(errors)}
      <form method="post" action="/account/sign-up" novalidate>
        ${csrfField(ctx)}
        ${choiceGroup({
          name: 'kind',
          legend: '账号类型',
          type: 'radio',
          options: [
            { value: 'enterprise', label: '企业', hint: '需填写统一社会信用代码' },
            { value: 'park', label: '园区运营方', hint: '可管理成员企业和园区微信群' },
          ],
          selected: [values.kind || 'enterprise'],
          errors,
        })}
        ${textField({ name: 'name', label: '企业或园区名称', value: values.name, errors, required: true, autocomplete: 'organization' })}
        ${textField({ name: 'creditCode', label: '统一社会信用代码', value: values.creditCode, errors, hint: '18 位，企业必填；园区运营方有则填写', attrs: html`maxlength="18" autocapitalize="characters" spellcheck="false"` })}
        ${textField({ name: 'email', label: '登录邮箱', type: 'email', value: values.email, errors, required: true, autocomplete: 'email', hint: '用于登录，也会作为接收推送的邮箱（需确认后生效）' })}
        ${textField({ name: 'password', label: '密码', type: 'password', errors, required: true, autocomplete: 'new-password', hint: '至少 10 个字符' })}
        ${textField({ name: 'passwordConfirm', label: '再次输入密码', type: 'password', errors, required: true, autocomplete: 'new-password' })}
        <div class="actions"><button class="btn" type="submit">注册</button> <a href="/account/sign-in">已有账号？登录</a></div>
      </form>`,
  });
}

export function signInPage({ ctx, email, errors, next }: { ctx: WebContext; email: string; errors: FieldError[]; next: string }): SafeHtml {
  return layout({
    ctx,
    title: '企业登录',
    crumbs: [{ label: '首页', href: '/' }, { label: '企业登录' }],
    body: html`<h1>企业与园区登录</h1>
      ${errorSummary(errors)}
      <form method="post" action="/account/sign-in" novalidate>
        ${csrfField(ctx)}
        <input type="hidden" name="next" value="${next}">
        ${textField({ name: 'email', label: '邮箱', type: 'email', value: email, errors, required: true, autocomplete: 'username' })}
        ${textField({ name: 'password', label: '密码', type: 'password', errors, required: true, autocomplete: 'current-password' })}
        <div class="actions"><button class="btn" type="submit">登录</button> <a href="/account/sign-up">还没有账号？注册</a></div>
      </form>
      <p class="meta">政策起草、审查人员请从<a href="/staff/sign-in">工作人员入口</a>登录。</p>`,
  });
}

export function staffSignInPage({ ctx, errors, next }: { ctx: WebContext; errors: FieldError[]; next: string }): SafeHtml {
  return layout({
    ctx,
    title: '工作人员登录',
    crumbs: [{ label: '首页', href: '/' }, { label: '工作人员登录' }],
    body: html`<h1>工作人员登录</h1>
      <p class="lead">起草人、审查人和管理员使用管理员发放的访问令牌登录。令牌只用于换取本次登录，不会保存在浏览器中。</p>
      ${errorSummary(errors)}
      <form method="post" action="/staff/sign-in" novalidate>
        ${csrfField(ctx)}
        <input type="hidden" name="next" value="${next}">
        ${textField({ name: 'token', label: '访问令牌', type: 'password', errors, required: true, autocomplete: 'off', hint: '以 ppt_ 开头', attrs: html`spellcheck="false"` })}
        <div class="actions"><button class="btn" type="submit">登录</button></div>
      </form>`,
  });
}
