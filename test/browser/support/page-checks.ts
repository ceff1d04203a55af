import { expect } from 'chai';
import type { Page } from 'playwright-core';

/**
 * What every portal page must have: Chinese language tag, one h1, the main landmark, a label for
 * every visible form control, and no horizontal scrolling at the current width.
 */
export async function expectPageBasics(page: Page): Promise<void> {
  // Runs in the page; a string keeps DOM types out of this Node-only TypeScript project.
  const facts = (await page.evaluate(`(() => {
    const unlabelled = Array.from(document.querySelectorAll('input, select, textarea'))
      .filter((input) => {
        if (input.type === 'hidden' || input.closest('[hidden]')) return false;
        const labelled = (input.labels && input.labels.length > 0) || input.getAttribute('aria-label') || input.getAttribute('aria-labelledby');
        return !labelled;
      })
      .map((el) => el.outerHTML.slice(0, 120));
    return {
      lang: document.documentElement.lang,
      h1: document.querySelectorAll('h1').length,
      main: document.querySelectorAll('main').length,
      unlabelled,
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  })()`)) as { lang: string; h1: number; main: number; unlabelled: string[]; overflow: number };
  expect(facts.lang).to.equal('zh-CN');
  expect(facts.h1, 'exactly one h1').to.equal(1);
  expect(facts.main).to.equal(1);
  expect(facts.unlabelled, 'form controls without a label').to.deep.equal([]);
  expect(facts.overflow, 'horizontal overflow in px').to.be.at.most(0);
}
