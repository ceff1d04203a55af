import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve('test-output', 'screenshots');

export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

/**
 * Whether this run may use a browser. CI must run the browser suite, so a missing chromium fails
 * it loudly; only an explicit BROWSER_TESTS=0 turns the suite into a skip, with the reason printed.
 */
export function browserAvailability(): { run: true } | { run: false; reason: string } {
  if (process.env.BROWSER_TESTS === '0') return { run: false, reason: 'BROWSER_TESTS=0: browser tests skipped on request' };
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Browser tests need Debian's chromium: run "apt-get install -y chromium fonts-wqy-microhei" as root ` +
        '(.ci/run does this), or set BROWSER_TESTS=0 to skip them locally.',
    );
  }
  return { run: true };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The closed network refuses Chromium's background services; these flags keep it quiet and fast.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newContext({ browser, baseURL, viewport = 'desktop' }: { browser: Browser; baseURL: string; viewport?: keyof typeof VIEWPORTS }): Promise<BrowserContext> {
  return browser.newContext({ baseURL, viewport: VIEWPORTS[viewport], locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...(viewport === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
}

/**
 * Full-page screenshots of the page as it is now, at desktop and phone width, named after the
 * flow and step. The phone shot opens the same URL in a phone-sized context with the same cookies.
 */
export async function screenshotBoth({ page, name }: { page: Page; name: string }): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await loadLazyImages(page);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage: true });
  const browser = page.context().browser();
  if (!browser) return;
  const phone = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  try {
    await phone.addCookies(await page.context().cookies());
    const phonePage = await phone.newPage();
    await phonePage.goto(page.url());
    await loadLazyImages(phonePage);
    await phonePage.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-phone.png`), fullPage: true });
    // A page wider than the phone makes people scroll sideways to read: treat it as a failure.
    const overflow = Number(await phonePage.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    if (overflow > 0) throw new Error(`${name}: ${overflow}px of horizontal overflow at phone width`);
  } finally {
    await phone.close();
  }
}

/**
 * Images below the fold load lazily, and a full-page screenshot does not scroll: scroll through
 * the page once and wait for every image, so the shot shows what a reader scrolling down sees.
 */
async function loadLazyImages(page: Page): Promise<void> {
  const { scrollX, scrollY } = (await page.evaluate('({ scrollX: window.scrollX, scrollY: window.scrollY })')) as { scrollX: number; scrollY: number };
  await page.evaluate(`(async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight) {
      window.scrollTo(0, y);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const loaded = Promise.all(Array.from(document.images).map((img) => img.complete ? null : new Promise((resolve) => { img.onload = img.onerror = resolve; })));
    await Promise.race([loaded, new Promise((resolve) => setTimeout(resolve, 5000))]);
  })()`);
  await page.evaluate(`window.scrollTo(${scrollX}, ${scrollY})`);
}

/**
 * Collects console errors and CSP violations: a page that breaks its own policy fails the test.
 * A form shown again with its errors answers 400 (or 429), which Chromium logs as a failed load of
 * the page itself; that is the form working, so only failed loads of anything else count.
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  const documents = new Set<string>();
  page.on('request', (request) => {
    if (request.isNavigationRequest()) documents.add(request.url());
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (message.text().startsWith('Failed to load resource') && documents.has(message.location().url)) return;
    problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}
