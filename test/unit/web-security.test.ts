import crypto from 'node:crypto';
import { expect } from 'chai';
import { safeReturnPath } from '../../server/web/kit.js';
import { CsrfGuard } from '../../server/web/security/csrf.js';
import { hashPassword, passwordProblems, verifyPassword } from '../../server/web/security/password.js';
import { RateLimiter } from '../../server/web/security/rate-limit.js';

describe('portal security primitives', () => {
  it('hashes passwords with scrypt and a fresh salt, and verifies them', async () => {
    const a = await hashPassword({ password: 'correct horse battery' });
    const b = await hashPassword({ password: 'correct horse battery' });
    expect(a).to.match(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).to.not.equal(b);
    expect(await verifyPassword({ password: 'correct horse battery', stored: a })).to.equal(true);
    expect(await verifyPassword({ password: 'correct horse batterz', stored: a })).to.equal(false);
    expect(await verifyPassword({ password: 'x', stored: 'scrypt$999999999$8$1$c2FsdA$aGFzaA' })).to.equal(false);
    expect(await verifyPassword({ password: 'x', stored: 'plain' })).to.equal(false);
  });

  it('refuses short and trivial passwords', () => {
    expect(passwordProblems({ password: 'short', email: 'a@b.cn' })).to.include('密码至少 10 个字符');
    expect(passwordProblems({ password: 'aaaaaaaaaaaa', email: 'a@b.cn' })).to.include('密码过于简单');
    expect(passwordProblems({ password: 'zhangsan2026!', email: 'zhangsan@b.cn' })).to.include('密码不能包含邮箱用户名');
    expect(passwordProblems({ password: 'correct horse battery', email: 'a@b.cn' })).to.deep.equal([]);
  });

  it('accepts a CSRF token only with its cookie and its session', () => {
    const guard = new CsrfGuard({ secret: crypto.randomBytes(32) });
    const cookie = guard.newCookieValue();
    const token = guard.tokenFor({ cookieValue: cookie, sessionKey: 'session-a' });
    expect(guard.verify({ cookieValue: cookie, sessionKey: 'session-a', token })).to.equal(true);
    expect(guard.verify({ cookieValue: cookie, sessionKey: 'session-b', token })).to.equal(false);
    expect(guard.verify({ cookieValue: guard.newCookieValue(), sessionKey: 'session-a', token })).to.equal(false);
    expect(guard.verify({ cookieValue: cookie, sessionKey: 'session-a', token: undefined })).to.equal(false);
    const other = new CsrfGuard({ secret: crypto.randomBytes(32) });
    expect(other.verify({ cookieValue: cookie, sessionKey: 'session-a', token })).to.equal(false);
  });

  it('hands every visitor a different 24-byte CSRF cookie, across refills of its random pool', () => {
    const guard = new CsrfGuard({ secret: crypto.randomBytes(32) });
    const values = Array.from({ length: 1000 }, () => guard.newCookieValue());
    expect(new Set(values).size).to.equal(values.length);
    for (const value of values) expect(Buffer.from(value, 'base64url')).to.have.length(24);
  });

  it('limits attempts per key per window and forgets a key on reset', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 3, windowMs: 1000, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.hit('ip').allowed)).to.deep.equal([true, true, true, false]);
    expect(limiter.hit('other').allowed).to.equal(true);
    expect(limiter.blocked('ip').blocked).to.equal(true);
    now = 1001;
    expect(limiter.hit('ip').allowed).to.equal(true);
    limiter.reset('ip');
    expect(limiter.blocked('ip').blocked).to.equal(false);
  });

  it('returns only to paths on this site after signing in', () => {
    expect(safeReturnPath('/account/subscriptions?x=1', '/account')).to.equal('/account/subscriptions?x=1');
    expect(safeReturnPath('//evil.example', '/account')).to.equal('/account');
    expect(safeReturnPath('/\\evil.example', '/account')).to.equal('/account');
    expect(safeReturnPath('https://evil.example', '/account')).to.equal('/account');
  });
});
