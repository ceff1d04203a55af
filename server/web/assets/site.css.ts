/**
 * The portal's one stylesheet, kept in a module so the compiled server carries it (the build copies
 * only TypeScript output). Colours are chosen for WCAG AA contrast on their backgrounds.
 */
export const SITE_CSS = String.raw`
:root {
  --ink: #1b1f24;
  --muted: #505a66;
  --line: #c9d1da;
  --paper: #ffffff;
  --tint: #f3f6f9;
  --brand: #0b3d75;
  --brand-ink: #ffffff;
  --link: #0a53a0;
  --link-visited: #5b3a8c;
  --focus: #ffbf47;
  --ok: #17642b;
  --ok-bg: #e5f3e8;
  --warn: #7a4a00;
  --warn-bg: #fff1d6;
  --bad: #a1232b;
  --bad-bg: #fde8e9;
  --gray: #4b5563;
  --gray-bg: #eceff2;
  --radius: 6px;
  --font: system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: var(--font); font-size: 1rem; line-height: 1.7; color: var(--ink); background: var(--paper); }
a { color: var(--link); text-underline-offset: 0.15em; }
a:visited { color: var(--link-visited); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 0; box-shadow: 0 0 0 6px var(--ink); }
input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid var(--focus); box-shadow: inset 0 0 0 2px var(--ink); }
h1, h2, h3, h4 { line-height: 1.35; margin: 1.4em 0 0.6em; }
h1 { font-size: 1.75rem; margin-top: 0.6em; }
h2 { font-size: 1.35rem; }
h3 { font-size: 1.12rem; }
p { margin: 0 0 1em; }
img { max-width: 100%; height: auto; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

.skip-link { position: absolute; left: 0.5rem; top: -3rem; z-index: 10; padding: 0.5rem 1rem; background: var(--focus); color: var(--ink); font-weight: 700; }
.skip-link:focus { top: 0.5rem; color: var(--ink); }

.wrap { max-width: 74rem; margin: 0 auto; padding: 0 1rem; }
.site-header { background: var(--brand); color: var(--brand-ink); border-bottom: 4px solid #f2b632; }
.site-header .wrap { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding-top: 0.6rem; padding-bottom: 0.6rem; }
.site-title { color: var(--brand-ink); font-weight: 700; font-size: 1.15rem; text-decoration: none; margin-right: auto; }
.site-title:visited { color: var(--brand-ink); }
.site-title small { display: block; font-weight: 400; font-size: 0.8rem; opacity: 0.92; }
.site-nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin: 0; padding: 0; }
.site-nav a, .site-nav button { color: var(--brand-ink); text-decoration: none; font: inherit; padding: 0.25rem 0; }
.site-nav a:visited { color: var(--brand-ink); }
.site-nav a:hover, .site-nav a[aria-current="page"] { text-decoration: underline; text-decoration-thickness: 2px; }
.site-nav form { margin: 0; }
.site-nav button { background: none; border: 0; cursor: pointer; text-decoration: underline; }
.who { font-size: 0.9rem; opacity: 0.95; }

main { display: block; padding: 1rem 0 3rem; min-height: 60vh; }
.site-footer { background: var(--tint); border-top: 1px solid var(--line); color: var(--muted); font-size: 0.9rem; padding: 1.5rem 0; }
.site-footer a { color: var(--link); }

.breadcrumbs ol { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem; padding: 0; margin: 0.5rem 0 0; font-size: 0.9rem; }
.breadcrumbs li + li::before { content: "›"; margin-right: 0.25rem; color: var(--muted); }

.lead { font-size: 1.1rem; color: var(--muted); }
.muted { color: var(--muted); }
.meta { color: var(--muted); font-size: 0.92rem; }

.btn, button.btn { display: inline-block; font: inherit; font-weight: 600; line-height: 1.3; padding: 0.6rem 1.1rem; border-radius: var(--radius); border: 2px solid var(--brand); background: var(--brand); color: #fff; cursor: pointer; text-decoration: none; min-height: 44px; }
.btn:visited { color: #fff; }
.btn:hover { background: #082e59; }
.btn-secondary, button.btn-secondary { background: #fff; color: var(--brand); }
.btn-secondary:visited { color: var(--brand); }
.btn-secondary:hover { background: var(--tint); }
.btn-danger, button.btn-danger { background: var(--bad); border-color: var(--bad); }
.btn-danger:hover { background: #7e1a20; }
.btn-link { background: none; border: 0; padding: 0; color: var(--link); text-decoration: underline; font: inherit; cursor: pointer; min-height: 0; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin: 1.25rem 0; }

form.stack > * + * { margin-top: 1rem; }
.field { margin-bottom: 1.1rem; }
.field > label, .field > .label, legend { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.hint { display: block; color: var(--muted); font-size: 0.9rem; margin-bottom: 0.35rem; font-weight: 400; }
.field-error { display: block; color: var(--bad); font-weight: 600; margin-bottom: 0.35rem; }
.has-error input, .has-error textarea, .has-error select { border-color: var(--bad); border-width: 2px; }
input[type="text"], input[type="email"], input[type="password"], input[type="search"], input[type="date"], input[type="url"], input:not([type]), select, textarea {
  font: inherit; width: 100%; max-width: 36rem; padding: 0.5rem 0.6rem; border: 1px solid #6b7785; border-radius: var(--radius); background: #fff; color: var(--ink); min-height: 44px;
}
textarea { max-width: 100%; min-height: 8rem; line-height: 1.6; }
textarea.tall { min-height: 22rem; font-family: var(--font); }
fieldset { border: 1px solid var(--line); border-radius: var(--radius); padding: 0.75rem 1rem 1rem; margin: 0 0 1.1rem; min-width: 0; }
legend { padding: 0 0.35rem; }
.choices { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; }
.choice { display: flex; align-items: flex-start; gap: 0.45rem; min-height: 32px; }
.choice input { width: 1.2rem; height: 1.2rem; margin-top: 0.3rem; flex: none; accent-color: var(--brand); }
.picker { max-height: 20rem; overflow: auto; padding-right: 0.5rem; }
.picker .choice { width: 100%; }
.picker .depth-1 { padding-left: 1.4rem; }
.picker .depth-2 { padding-left: 2.8rem; }
.picker .depth-3 { padding-left: 4.2rem; }
.picker-filter { margin-bottom: 0.5rem; }
details.dimension { border: 1px solid var(--line); border-radius: var(--radius); margin-bottom: 0.6rem; background: #fff; }
details.dimension > summary { cursor: pointer; padding: 0.6rem 0.9rem; font-weight: 600; min-height: 44px; }
details.dimension > .body { padding: 0 0.9rem 0.9rem; }
.mode { margin-bottom: 0.5rem; }

.error-summary { border: 3px solid var(--bad); padding: 1rem 1.25rem; margin: 1rem 0 1.5rem; border-radius: var(--radius); background: #fff; }
.error-summary h2 { margin-top: 0; color: var(--bad); font-size: 1.15rem; }
.error-summary ul { margin: 0; padding-left: 1.2rem; }
.error-summary a { color: var(--bad); font-weight: 600; }
.notice { border-left: 6px solid var(--brand); background: var(--tint); padding: 0.75rem 1rem; margin: 1rem 0; border-radius: 0 var(--radius) var(--radius) 0; }
.notice-ok { border-left-color: var(--ok); background: var(--ok-bg); }
.notice-warn { border-left-color: #b7791f; background: var(--warn-bg); }

.badge { display: inline-block; padding: 0.05rem 0.55rem; border-radius: 999px; font-size: 0.85rem; font-weight: 700; border: 1px solid currentColor; white-space: nowrap; vertical-align: 0.1em; }
.badge-effective { color: var(--ok); background: var(--ok-bg); }
.badge-revised { color: var(--warn); background: var(--warn-bg); }
.badge-repealed { color: var(--bad); background: var(--bad-bg); }
.badge-expired, .badge-neutral { color: var(--gray); background: var(--gray-bg); }
.badge-status { color: var(--brand); background: #e6eef7; }
.tag { display: inline-block; padding: 0.1rem 0.55rem; margin: 0 0.35rem 0.35rem 0; border-radius: var(--radius); background: var(--tint); border: 1px solid var(--line); font-size: 0.9rem; color: var(--ink); text-decoration: none; }
a.tag:visited { color: var(--ink); }
a.tag:hover { border-color: var(--link); color: var(--link); }

.hero { background: var(--tint); border-bottom: 1px solid var(--line); padding: 1.5rem 0 1.75rem; margin: -1rem 0 1.5rem; }
.hero h1 { margin-top: 0.2em; }
.searchbar { display: flex; gap: 0.5rem; max-width: 44rem; flex-wrap: wrap; }
.searchbar input { flex: 1 1 14rem; max-width: none; }
.need-grid { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.6rem; }
.need-grid a { display: block; padding: 0.75rem 0.9rem; border: 1px solid var(--line); border-radius: var(--radius); text-decoration: none; background: #fff; min-height: 44px; }
.need-grid a:hover { border-color: var(--link); }
.need-grid .count { color: var(--muted); font-size: 0.85rem; }
.dimension-list { columns: 2 14rem; column-gap: 2rem; }
.dimension-list section { break-inside: avoid; margin-bottom: 1rem; }
.dimension-list h3 { margin-top: 0; }

.cards { list-style: none; padding: 0; margin: 0; }
.card { border: 1px solid var(--line); border-radius: var(--radius); padding: 0.9rem 1rem; margin-bottom: 0.8rem; background: #fff; }
.card h3 { margin: 0 0 0.25rem; font-size: 1.08rem; }
.card .snippet { margin: 0.35rem 0 0; }
.card .reasons { margin: 0.5rem 0 0; padding-left: 1.2rem; }
mark { background: #ffe58a; color: inherit; padding: 0 0.1em; }

.layout-sidebar { display: grid; grid-template-columns: 17rem minmax(0, 1fr); gap: 2rem; align-items: start; }
.filters > summary { font-weight: 700; cursor: pointer; min-height: 44px; padding: 0.4rem 0; }
.facets details { margin-bottom: 0.5rem; }
.facets summary { font-weight: 600; cursor: pointer; min-height: 36px; padding: 0.25rem 0; }
.facets ul { list-style: none; padding: 0; margin: 0 0 0.5rem; }
.facets li a { display: flex; justify-content: space-between; gap: 0.5rem; padding: 0.2rem 0.35rem; border-radius: 4px; text-decoration: none; min-height: 32px; align-items: center; }
.facets li a:hover { background: var(--tint); }
.facets li a[aria-current="true"] { background: #e6eef7; font-weight: 700; }
.facets .count { color: var(--muted); font-variant-numeric: tabular-nums; }
.chips { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 0.5rem 0 1rem; padding: 0; list-style: none; }
.chips a { display: inline-block; padding: 0.15rem 0.6rem; border-radius: 999px; background: #e6eef7; text-decoration: none; }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.75rem 1.5rem; align-items: end; margin: 0.5rem 0 1rem; }
.toolbar .field { margin: 0; }
.toolbar select { width: auto; }
.pagination ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.35rem; padding: 0; margin: 1.5rem 0; }
.pagination a, .pagination span { display: inline-block; min-width: 44px; min-height: 44px; line-height: 44px; text-align: center; padding: 0 0.6rem; border: 1px solid var(--line); border-radius: var(--radius); text-decoration: none; }
.pagination [aria-current="page"] { background: var(--brand); color: #fff; border-color: var(--brand); font-weight: 700; }

.policy-head { border-bottom: 1px solid var(--line); padding-bottom: 1rem; margin-bottom: 1.25rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0.75rem 0 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.layout-policy { display: grid; grid-template-columns: minmax(0, 1fr) 18rem; gap: 2rem; align-items: start; }
.toc { border: 1px solid var(--line); border-radius: var(--radius); padding: 0.5rem 1rem; background: var(--tint); position: sticky; top: 1rem; max-height: calc(100vh - 2rem); overflow: auto; }
.toc ol { padding-left: 1.1rem; margin: 0.25rem 0; }
.toc summary { font-weight: 700; cursor: pointer; min-height: 36px; }
.articles { font-size: 1.05rem; }
.article { scroll-margin-top: 1rem; margin: 0 0 0.9rem; }
.article:target { background: #fff8d6; outline: 2px solid #f2b632; }
.article .label { font-weight: 700; margin-right: 0.35rem; }
.article .anchor { font-size: 0.85rem; margin-left: 0.35rem; text-decoration: none; color: var(--muted); }
.article-chapter > .heading, .article-section > .heading { font-size: 1.15rem; font-weight: 700; text-align: center; margin: 1.25rem 0 0.75rem; }
.article .children { margin-left: 1.25rem; }
.slot { border-top: 1px solid var(--line); margin-top: 2rem; padding-top: 0.5rem; }
.side-box { border: 1px solid var(--line); border-radius: var(--radius); padding: 0.75rem 1rem; margin-bottom: 1rem; }
.side-box h2 { font-size: 1.05rem; margin-top: 0.25rem; }

table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.25rem; }
caption { text-align: left; font-weight: 700; padding: 0.25rem 0; }
th, td { text-align: left; padding: 0.5rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--tint); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
/* On a phone a table keeps readable columns and scrolls inside its box; the first column (what the
   row is about) and the header row stay in view. */
@media (max-width: 36rem) {
  .table-wrap { border: 1px solid var(--line); border-radius: var(--radius); margin: 0.5rem 0 1.25rem; -webkit-overflow-scrolling: touch; }
  .table-wrap > table { width: max-content; min-width: 100%; margin: 0; }
  .table-wrap th, .table-wrap td { min-width: 5.5em; max-width: 15em; }
  .table-wrap th:first-child, .table-wrap td:first-child { position: sticky; left: 0; z-index: 1; background: #fff; box-shadow: inset -1px 0 0 var(--line); max-width: 9em; }
  .table-wrap th:first-child { background: var(--tint); }
}

.tabs { display: flex; flex-wrap: wrap; gap: 0.35rem; list-style: none; padding: 0; margin: 0 0 1rem; border-bottom: 2px solid var(--line); }
.tabs a { display: inline-block; padding: 0.45rem 0.9rem; text-decoration: none; border-radius: var(--radius) var(--radius) 0 0; }
.tabs a[aria-current="page"] { background: var(--brand); color: #fff; font-weight: 700; }
.subnav { margin: 0 0 1.25rem; }
.panel { border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem 1.25rem; margin-bottom: 1.25rem; background: #fff; }
.panel > h2:first-child, .panel > h3:first-child { margin-top: 0; }
.grid-2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1.25rem; }
.stat { font-size: 2rem; font-weight: 700; line-height: 1.2; }
.token-box { font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; background: var(--tint); padding: 0.75rem; border-radius: var(--radius); border: 1px dashed var(--muted); }
.preview-articles { max-height: 28rem; overflow: auto; border: 1px solid var(--line); padding: 0.75rem 1rem; border-radius: var(--radius); background: var(--tint); }
.tree { list-style: none; padding-left: 0; }
.tree ul { list-style: none; padding-left: 1.4rem; border-left: 1px dashed var(--line); }
.tree li { margin: 0.2rem 0; }

@media (max-width: 56rem) {
  .layout-sidebar, .layout-policy, .grid-2 { grid-template-columns: minmax(0, 1fr); }
  .toc { position: static; max-height: none; }
}
@media (max-width: 36rem) {
  body { font-size: 1rem; }
  h1 { font-size: 1.45rem; }
  .site-header .wrap { gap: 0.25rem 1rem; }
  .site-title { width: 100%; }
  .facts { gap: 0.2rem 0.75rem; }
  .actions .btn { flex: 1 1 auto; text-align: center; }
  th, td { padding: 0.4rem; }
}
/* Interpretation, FAQ, new vs old, questions */
.searchbar + .searchbar { margin-top: 0.75rem; }
.toc p a { display: inline-block; margin-right: 0.6rem; white-space: nowrap; }
.h1-context { display: block; font-size: 1rem; font-weight: 400; color: var(--muted); margin-top: 0.25rem; }
.interp-summary { display: grid; grid-template-columns: minmax(0, 20rem) minmax(0, 1fr); gap: 1.5rem; align-items: start; margin: 0.5rem 0 1rem; }
.summary-card { margin: 0; }
.summary-card img { display: block; width: 100%; border: 1px solid var(--line); border-radius: var(--radius); }
.summary-card figcaption, .graphic figcaption { font-size: 0.9rem; color: var(--muted); margin-top: 0.35rem; }
.key-points { padding-left: 1.4rem; }
.key-points li { margin-bottom: 0.35rem; font-weight: 600; }
.interp-section h4 { margin: 1rem 0 0.4rem; font-size: 1rem; }
.steps li { margin-bottom: 0.4rem; }
.graphic { margin: 0.5rem 0 1.25rem; }
.graphic img { display: block; width: 100%; max-width: 46rem; border: 1px solid var(--line); border-radius: var(--radius); }
.videos { list-style: none; padding: 0; }
.videos li { display: flex; flex-wrap: wrap; gap: 0.35rem 0.75rem; align-items: center; padding: 0.5rem 0; border-bottom: 1px solid var(--line); }
.videos .poster { width: 8rem; height: auto; border-radius: var(--radius); }
details.faq { scroll-margin-top: 0.75rem; border: 1px solid var(--line); border-radius: var(--radius); margin-bottom: 0.5rem; background: #fff; }
details.faq > summary { cursor: pointer; padding: 0.6rem 0.9rem; font-weight: 600; min-height: 44px; }
details.faq[open] > summary { border-bottom: 1px solid var(--line); }
details.faq .answer { padding: 0.6rem 0.9rem 0.2rem; }
.q-mark { display: inline-block; min-width: 1.6rem; margin-right: 0.35rem; padding: 0 0.3rem; border-radius: 4px; background: var(--brand); color: #fff; font-size: 0.85rem; text-align: center; }
.replies { list-style: none; padding: 0; }
.reply-a p:first-of-type { display: inline; }
.question-form textarea { min-height: 6rem; }
.question-list li { border-bottom: 1px solid var(--line); padding: 0.5rem 0; }
.chips a.on { background: var(--brand); color: #fff; }
.legend { display: block; color: var(--muted); font-size: 0.9rem; }
del { text-decoration: line-through; text-decoration-thickness: 2px; background: var(--bad-bg); color: #7e1a20; }
ins { text-decoration: underline; text-decoration-thickness: 2px; text-underline-offset: 0.2em; background: var(--ok-bg); color: #0f4d20; }
.compare-table th:first-child, .compare-table td:first-child { width: 7.5rem; }
.compare-table td p { margin: 0 0 0.5rem; }
.compare-table .unit-label { font-weight: 700; margin-right: 0.25rem; }
.badge-change { color: var(--ink); background: var(--gray-bg); }
.change-added td:first-child { border-left: 4px solid var(--ok); }
.change-removed td:first-child { border-left: 4px solid var(--bad); }
.change-modified td:first-child, .change-moved td:first-child { border-left: 4px solid #b7791f; }
.note-input { min-height: 5rem; }
.sync { border-top: 1px solid var(--line); margin-top: 0.75rem; padding-top: 0.25rem; }
.checklist { list-style: none; padding: 0; margin: 0.5rem 0; }
.checklist li { padding: 0.15rem 0; }
.checklist .todo { color: var(--bad); font-weight: 600; }
.checklist .done { color: var(--ok); }
.row-group { border-left: 3px solid var(--line); padding-left: 0.75rem; margin-bottom: 0.75rem; }
.row-group .field { margin-bottom: 0.5rem; }
.graphic-list, .video-list, .faq-admin { list-style: none; padding: 0; }
.graphic-thumb { margin: 0 0 0.5rem; max-width: 20rem; }
.graphic-thumb img { display: block; width: 100%; border: 1px solid var(--line); border-radius: var(--radius); }
.faq-admin .faq-q { font-size: 1.05rem; margin-top: 0; }
.faq-admin .answer { white-space: pre-line; margin-bottom: 0.5rem; }
.file-row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.file-row input[type="file"] { max-width: 100%; }
.suggestion-list { padding-left: 1.2rem; }
input[type="file"] { font: inherit; max-width: 100%; min-height: 44px; }

@media (max-width: 56rem) {
  .interp-summary { grid-template-columns: minmax(0, 1fr); }
  .summary-card { max-width: 24rem; }
  .compare-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .compare-table, .compare-table caption, .compare-table tbody, .compare-table tr, .compare-table td { display: block; width: 100%; }
  .compare-table th:first-child, .compare-table td:first-child { width: 100%; }
  .compare-table tr { border: 1px solid var(--line); border-radius: var(--radius); margin-bottom: 0.8rem; }
  .compare-table td { border-bottom: 1px dashed var(--line); }
  .compare-table td::before { content: attr(data-label); display: block; font-weight: 700; font-size: 0.85rem; color: var(--muted); }
}

@media print {
  .site-header nav, .site-footer, .skip-link, .facets, .toc, form, .actions { display: none !important; }
  a { color: inherit; }
}
@media (prefers-reduced-motion: no-preference) { html { scroll-behavior: smooth; } }
/* Document hygiene (文本检查): injected lines are often long unbroken links. */
.findings blockquote, .findings del, .findings ins, .findings q { overflow-wrap: anywhere; }
.findings blockquote { margin: 0.25rem 0; padding: 0.25rem 0.75rem; border-left: 3px solid var(--muted); }
.findings form.inline { display: inline-block; margin: 0 0.5rem 0.5rem 0; }
`;
