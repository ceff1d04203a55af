import { expect } from 'chai';
import { planBrowserSetup, type Machine } from '../support/ensure-browser.js';

const fresh: Machine = { skip: false, hasChromium: false, hasCjkFont: false, root: true, hasAptGet: true };

describe('browser setup before npm test', () => {
  it('installs chromium and the CJK font on a fresh Debian machine as root, apt-get update first', () => {
    const plan = planBrowserSetup(fresh);
    expect(plan.action).to.equal('install');
    if (plan.action !== 'install') return;
    expect(plan.commands).to.deep.equal([
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium', 'fonts-wqy-microhei'],
    ]);
    expect(plan.message).to.include('chromium').and.include('apt-get update');
  });

  it('installs when only the font is missing', () => {
    expect(planBrowserSetup({ ...fresh, hasChromium: true }).action).to.equal('install');
  });

  it('does nothing when both are there, or when browser tests are skipped', () => {
    expect(planBrowserSetup({ ...fresh, hasChromium: true, hasCjkFont: true })).to.deep.equal({ action: 'none', message: null });
    expect(planBrowserSetup({ ...fresh, skip: true }).action).to.equal('none');
  });

  it('prints the exact command and the BROWSER_TESTS=0 escape when it may not install', () => {
    const plan = planBrowserSetup({ ...fresh, root: false });
    expect(plan.action).to.equal('advise');
    if (plan.action !== 'advise') return;
    expect(plan.fail).to.equal(true);
    expect(plan.message).to.include('sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium fonts-wqy-microhei');
    expect(plan.message).to.include('BROWSER_TESTS=0 npm test');
    const fontOnly = planBrowserSetup({ ...fresh, root: false, hasChromium: true });
    expect(fontOnly.action === 'advise' && fontOnly.fail).to.equal(false);
    expect(planBrowserSetup({ ...fresh, hasAptGet: false }).action).to.equal('advise');
  });
});
