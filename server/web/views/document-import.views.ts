import type { PolicyDocumentPreview } from '../../../schemas/policy-document.schema.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, errorSummary, notice, textArea, textField, type FieldError } from './components.js';
import { staffLayout } from './staff.views.js';

const CRUMBS = [{ label: '新建政策', href: '/staff/policies/new' }, { label: '从文件导入' }];

const FORMAT_LABELS: Record<PolicyDocumentPreview['format'], string> = {
  docx: 'Word 文档（.docx）',
  pdf: 'PDF（文字层）',
  html: '网页（.html）',
  txt: '纯文本（.txt）',
  md: 'Markdown（.md）',
  csv: '表格（.csv）',
  jsonl: 'JSON Lines',
};

/** The upload step: one file, the formats it may be, and what happens next. */
export function documentUploadPage({ ctx, errors, maxMegabytes, status }: { ctx: WebContext; errors: FieldError[]; maxMegabytes: number; status?: string }): SafeHtml {
  const fileError = errors.find((e) => e.field === 'file')?.message ?? null;
  return staffLayout({
    ctx,
    title: '从文件导入',
    crumbs: CRUMBS,
    body: html`<h1>从文件导入</h1>
      <p class="lead">上传一份政策文件：系统读取正文、修复常见问题、标出可疑行，并从文中识别标题、发文机关、文号和日期。核对无误后再建立草稿；这一步不会保存任何内容。</p>
      ${errorSummary(errors)}
      ${status ? notice({ text: status, tone: 'warn' }) : ''}
      <form method="post" action="/staff/policies/new/import" enctype="multipart/form-data" id="document-upload">
        ${csrfField(ctx)}
        <div class="field${fileError ? ' has-error' : ''}">
          <label for="f-file">文件</label>
          <span class="hint" id="f-file-hint">可上传 Word（.docx）、带文字层的 PDF、网页（.html）、纯文本（.txt、.md）或表格（.csv），不超过 ${maxMegabytes} MB。文本编码（UTF-8、GBK/GB18030、Big5）自动识别。扫描件、加密文件和旧版 .doc 无法读取。</span>
          ${fileError && html`<span class="field-error" id="f-file-error">${fileError}</span>`}
          <input id="f-file" type="file" name="file" required accept=".docx,.pdf,.html,.htm,.txt,.md,.csv" aria-describedby="f-file-hint${fileError ? ' f-file-error' : ''}"${fileError ? html` aria-invalid="true"` : ''}>
        </div>
        <div class="actions"><button class="btn" type="submit">读取文件</button> <a href="/staff/policies/new">手工新建</a></div>
      </form>`,
  });
}

function findings({ preview }: { preview: PolicyDocumentPreview }): SafeHtml {
  const { prepared } = preview;
  const warnings = [...preview.warnings, ...prepared.warnings];
  return html`<section aria-labelledby="read-title">
      <h2 id="read-title">读取结果</h2>
      <dl class="facts">
        <dt>文件</dt><dd>${preview.filename}</dd>
        <dt>格式</dt><dd>${FORMAT_LABELS[preview.format]}</dd>
        <dt>编码</dt><dd>${preview.encoding.toUpperCase()}</dd>
      </dl>
      ${warnings.length > 0 && html`<ul class="warnings">${warnings.map((w) => html`<li>${w.line ? html`第 ${w.line} 行：` : ''}${w.message}</li>`)}</ul>`}
    </section>
    <section aria-labelledby="repairs-title">
      <h2 id="repairs-title">修复记录（${prepared.repairs.length}）</h2>
      ${
        prepared.repairs.length === 0
          ? html`<p class="muted">没有需要修复的内容。</p>`
          : html`<div class="table-wrap"><table>
              <caption>正文中已自动修复的地方，请核对</caption>
              <thead><tr><th scope="col">行</th><th scope="col">说明</th><th scope="col">修复前</th><th scope="col">修复后</th></tr></thead>
              <tbody>${prepared.repairs.map((r) => html`<tr><td>${r.line ?? ''}</td><td>${r.message}</td><td>${r.before}</td><td>${r.after}</td></tr>`)}</tbody>
            </table></div>`
      }
    </section>
    <section aria-labelledby="suspects-title">
      <h2 id="suspects-title">可疑行（${prepared.suspects.length}）</h2>
      ${
        prepared.suspects.length === 0
          ? html`<p class="muted">没有发现可疑行。</p>`
          : html`<p>以下各行疑似被篡改或插入（赌博广告、无关链接、拼音乱码等）。它们仍在正文中：建立草稿后请逐行决定删除或保留，全部决定后才能送审。</p>
            <ul class="suspects">${prepared.suspects.map((s) => html`<li><strong>第 ${s.line} 行</strong>：${s.text}<br><span class="muted">${s.reason}</span></li>`)}</ul>`
      }
    </section>`;
}

/**
 * The confirm step: the proposed fields in the editor's own form (posted to the ordinary create
 * route, so the draft goes through the same checks), with what was read, repaired and flagged.
 */
export function documentPreviewPage({ ctx, preview }: { ctx: WebContext; preview: PolicyDocumentPreview }): SafeHtml {
  const { proposal } = preview;
  const missing = [...(proposal.title ? [] : ['标题']), ...(proposal.issuer ? [] : ['发文机关'])];
  return staffLayout({
    ctx,
    title: '核对并建立草稿',
    crumbs: CRUMBS,
    body: html`<h1>核对并建立草稿</h1>
      ${notice({ text: missing.length > 0 ? `未能从文件中识别${missing.join('和')}，请填写后再建立草稿。` : '以下字段由文件内容识别，请逐项核对后建立草稿。', tone: missing.length > 0 ? 'warn' : 'info' })}
      <form method="post" action="/staff/policies" novalidate id="document-confirm">
        ${csrfField(ctx)}
        <input type="hidden" name="disclosure" value="public">
        ${textField({ name: 'title', label: '标题', value: proposal.title, required: true })}
        ${textField({ name: 'docNumber', label: '文号', value: proposal.docNumber, hint: '例如：沪知局〔2026〕21号' })}
        ${textField({ name: 'issuer', label: '发文机关', value: proposal.issuer, required: true })}
        <div class="grid-2">
          ${textField({ name: 'issuedAt', label: '发布日期', type: 'date', value: proposal.issuedAt })}
          ${textField({ name: 'effectiveAt', label: '施行日期', type: 'date', value: proposal.effectiveAt })}
          ${textField({ name: 'expiresAt', label: '失效日期', type: 'date', value: proposal.expiresAt })}
        </div>
        ${textArea({ name: 'body', label: '正文（已修复）', value: proposal.body, tall: true, required: true, hint: '可在此修改；建立草稿后仍可在编辑页修改。' })}
        <div class="actions"><button class="btn" type="submit" name="intent" value="save">确认并建立草稿</button> <a href="/staff/policies/new/import">换一个文件</a></div>
      </form>
      ${findings({ preview })}`,
  });
}
