import type { Comparison, ComparisonChange, ComparisonUnit, DiffSegment } from '../../../schemas/interpretation.schema.js';
import { html, joinHtml, type SafeHtml } from '../html.js';

const KIND_CLASS: Record<ComparisonChange['kind'], string> = {
  added: 'change-added',
  removed: 'change-removed',
  modified: 'change-modified',
  moved: 'change-moved',
  unchanged: 'change-unchanged',
};

/**
 * Deletions and insertions are marked with `<del>` / `<ins>`, struck through or underlined, and
 * announced in words (screen readers do not voice the elements themselves): never by colour alone.
 */
function diffSide({ diff, side }: { diff: readonly DiffSegment[]; side: 'old' | 'new' }): SafeHtml {
  return joinHtml(
    diff.map((segment) => {
      if (segment.op === 'equal') return segment.text;
      if (segment.op === 'delete' && side === 'old') return html`<del><span class="visually-hidden">［删去：</span>${segment.text}<span class="visually-hidden">］</span></del>`;
      if (segment.op === 'insert' && side === 'new') return html`<ins><span class="visually-hidden">［新增：</span>${segment.text}<span class="visually-hidden">］</span></ins>`;
      return '';
    }),
  );
}

function unitHead(unit: ComparisonUnit): SafeHtml {
  return html`<span class="unit-label">${unit.label || '序言'}</span>${unit.path && html`<span class="meta">（${unit.path}）</span>`}`;
}

function changeFlags(change: ComparisonChange): string[] {
  const flags: string[] = [];
  if (change.merged) flags.push('由多条合并');
  if (change.split) flags.push('由一条拆分');
  if (change.renumbered) flags.push('条号顺延');
  if (change.referencesRenumbered) flags.push('仅引用条号随之顺延');
  return flags;
}

function oldCell(change: ComparisonChange): SafeHtml {
  if (change.old.length === 0) return html`<span class="muted">（原文无此条）</span>`;
  const useDiff = change.diff !== null && change.old.length === 1;
  return html`${change.old.map(
    (unit) => html`<p>${unitHead(unit)}<br>${useDiff && change.diff ? diffSide({ diff: change.diff, side: 'old' }) : unit.text}</p>`,
  )}`;
}

function newCell(change: ComparisonChange): SafeHtml {
  if (!change.new) return html`<span class="muted">（已删除）</span>`;
  return html`<p>${unitHead(change.new)}<br>${change.diff ? diffSide({ diff: change.diff, side: 'new' }) : change.new.text}</p>`;
}

function changeRow({ change, notes }: { change: ComparisonChange; notes: SafeHtml | null }): SafeHtml {
  const flags = changeFlags(change);
  return html`<tr class="${KIND_CLASS[change.kind]}">
    <td data-label="变化"><span class="badge badge-change">${change.kindLabel}</span>${flags.length > 0 && html`<br><span class="meta">${flags.join('、')}</span>`}</td>
    <td data-label="原条文">${oldCell(change)}</td>
    <td data-label="现条文">${newCell(change)}</td>
    <td data-label="起草说明">${notes ?? (change.note ? html`<p>${change.note}</p>` : html`<span class="muted">—</span>`)}</td>
  </tr>`;
}

/** Which document the text is compared with, in words. */
export function comparisonBasis(comparison: Comparison): string {
  const base = comparison.base;
  const doc = base.docNumber ? `（${base.docNumber}）` : '';
  return comparison.relation === 'previous_version' ? `与本文件第 ${base.version ?? ''} 版对照` : `与被替代的《${base.title}》${doc}对照`;
}

export function comparisonSummary(comparison: Comparison): string {
  const order: ComparisonChange['kind'][] = ['added', 'removed', 'modified', 'moved', 'unchanged'];
  const labels: Record<ComparisonChange['kind'], string> = { added: '新增', removed: '删除', modified: '修改', moved: '移动', unchanged: '未变' };
  return order
    .filter((kind) => (comparison.summary[kind] ?? 0) > 0)
    .map((kind) => `${labels[kind]} ${comparison.summary[kind] ?? 0} 条`)
    .join('，');
}

/**
 * The new-vs-old table: changed units as rows (old text, new text, word-level marks, the drafter's
 * note), unchanged ones listed after it. `noteField` lets the staff page put a note input in the
 * last column instead of the published note.
 */
export function comparisonTable({
  comparison,
  caption,
  noteField,
}: {
  comparison: Comparison;
  caption: string;
  noteField?: (change: ComparisonChange, index: number) => SafeHtml;
}): SafeHtml {
  const changed = comparison.changes.map((change, index) => ({ change, index })).filter(({ change }) => change.kind !== 'unchanged');
  const unchanged = comparison.changes.filter((change) => change.kind === 'unchanged');
  return html`<p>${comparisonBasis(comparison)}：${comparisonSummary(comparison) || '条文没有变化'}。
      <span class="legend">标记说明：<del>删去的文字</del>（删除线），<ins>新增的文字</ins>（下划线）。</span></p>
    ${
      changed.length > 0 &&
      html`<div class="compare-wrap"><table class="compare-table">
        <caption>${caption}</caption>
        <thead><tr><th scope="col">变化</th><th scope="col">原条文</th><th scope="col">现条文</th><th scope="col">起草说明</th></tr></thead>
        <tbody>${changed.map(({ change, index }) => changeRow({ change, notes: noteField ? noteField(change, index) : null }))}</tbody>
      </table></div>`
    }
    ${
      unchanged.length > 0 &&
      html`<details class="dimension"><summary>未改动的条款（${unchanged.length} 条）</summary><div class="body"><ul>${unchanged.map(
        (change) => html`<li>${change.new ? unitHead(change.new) : ''}${changeFlags(change).length > 0 && html`<span class="meta">（${changeFlags(change).join('、')}）</span>`}</li>`,
      )}</ul></div></details>`
    }
    ${
      comparison.orphanNotes.length > 0 &&
      html`<p class="meta">另有 ${comparison.orphanNotes.length} 条说明所对应的变化已不存在（条文又修改过）。</p>`
    }`;
}
