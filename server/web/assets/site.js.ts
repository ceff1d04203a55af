/**
 * Progressive enhancement only: every page works without this script. It filters long tag
 * pickers, submits sort choices at once, copies feed links and reads an import file into the form.
 */
export const SITE_JS = String.raw`
(function () {
  'use strict';
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  // Filters start open so they work without this script; on a phone they would push results off screen.
  if (window.matchMedia && window.matchMedia('(max-width: 56rem)').matches) {
    each('details[data-collapse-narrow]', function (details) { details.open = false; });
  }

  // A link to one FAQ (from FAQ search) lands on a closed <details>: open it and bring it into view.
  // Images above it load after the first jump and push it down, so it is placed again once they have.
  function revealTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    var details = target.tagName === 'DETAILS' ? target : target.closest('details');
    if (details) details.open = true;
    // Instant: a smooth scroll is cut short when the images above load and move the page.
    target.scrollIntoView({ block: 'start', behavior: 'instant' });
    if (target.tagName === 'DETAILS') {
      var summary = target.querySelector('summary');
      if (summary) summary.focus({ preventScroll: true });
    }
  }
  revealTarget();
  window.addEventListener('hashchange', revealTarget);
  if (document.readyState !== 'complete') {
    window.addEventListener('load', function () { if (window.location.hash) revealTarget(); }, { once: true });
  }

  // Wide tables scroll sideways inside their box on a phone; say so, and let the keyboard scroll them.
  each('.table-wrap', function (wrap) {
    if (wrap.scrollWidth <= wrap.clientWidth + 1) return;
    wrap.setAttribute('tabindex', '0');
    wrap.setAttribute('role', 'region');
    var caption = wrap.querySelector('caption');
    wrap.setAttribute('aria-label', (caption ? caption.textContent + '：' : '') + '表格可左右滑动');
    var hint = document.createElement('p');
    hint.className = 'hint table-hint';
    hint.textContent = '表格较宽，可左右滑动查看其他列。';
    wrap.parentNode.insertBefore(hint, wrap);
  });

  each('select[data-autosubmit]', function (select) {
    select.addEventListener('change', function () { if (select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit(); });
    var button = select.form && select.form.querySelector('[data-autosubmit-button]');
    if (button) button.classList.add('visually-hidden');
  });

  each('[data-picker]', function (picker) {
    var items = picker.querySelectorAll('.choice');
    if (items.length < 12) return;
    var label = document.createElement('label');
    label.className = 'picker-filter';
    var span = document.createElement('span');
    span.className = 'hint';
    span.textContent = '筛选标签';
    var input = document.createElement('input');
    input.type = 'search';
    input.setAttribute('autocomplete', 'off');
    label.appendChild(span);
    label.appendChild(input);
    picker.parentNode.insertBefore(label, picker);
    input.addEventListener('input', function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(items, function (item) {
        var text = (item.textContent + ' ' + (item.getAttribute('data-synonyms') || '')).toLowerCase();
        item.hidden = q !== '' && text.indexOf(q) === -1;
      });
    });
  });

  each('[data-copy]', function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-copy'));
      if (!target || !navigator.clipboard) return;
      navigator.clipboard.writeText(target.value || target.textContent || '').then(function () {
        var old = button.textContent;
        button.textContent = '已复制';
        setTimeout(function () { button.textContent = old; }, 2000);
      });
    });
  });

  each('input[type=file][data-file-into]', function (input) {
    input.closest('.field').hidden = false;
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      var target = document.getElementById(input.getAttribute('data-file-into'));
      if (!file || !target) return;
      var reader = new FileReader();
      reader.onload = function () { target.value = String(reader.result || ''); };
      reader.readAsText(file, 'utf-8');
      var format = input.form && input.form.querySelector('input[name=format][value=' + (/\.csv$/i.test(file.name) ? 'csv' : 'jsonl') + ']');
      if (format) format.checked = true;
    });
  });

  each('form[data-confirm]', function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
})();
`;
