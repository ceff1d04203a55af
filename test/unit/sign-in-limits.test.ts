import { expect } from 'chai';
import type { Request } from 'express';
import { loadConfig } from '../../server/config.js';
import { AddressList, addressKey } from '../../server/security/client-address.js';
import { MetricsAccess } from '../../server/security/metrics-access.js';
import { SignInThrottle } from '../../server/web/security/sign-in-throttle.js';

function request({ ip, headers = {} }: { ip: string; headers?: Record<string, string> }): Request {
  // Only the fields MetricsAccess reads; an Express request is far larger.
  const partial: Pick<Request, 'ip' | 'headers' | 'socket'> = { ip, headers, socket: { remoteAddress: ip } as Request['socket'] };
  return partial as Request;
}

describe('sign-in limits', () => {
  it('counts failures per address; the address limit turns further failures into 429s only', () => {
    let now = 0;
    const throttle = new SignInThrottle({ address: { limit: 3, windowMs: 60_000 }, now: () => now });
    const verdicts = [1, 2, 3, 4].map(() => throttle.failed({ address: '198.51.100.7', account: null }).limited);
    expect(verdicts).to.deep.equal([false, false, false, true]);
    expect(throttle.beforeCheck({ account: null, knownDevice: false }).limited, 'a credential is still checked').to.equal(false);
    expect(throttle.failed({ address: '198.51.100.8', account: null }).limited, 'other addresses are not affected').to.equal(false);
    now = 60_001;
    expect(throttle.failed({ address: '198.51.100.7', account: null }).limited).to.equal(false);
  });

  it('never counts a success, and a success forgets the account but not the address', () => {
    const throttle = new SignInThrottle({ address: { limit: 2, windowMs: 60_000 }, account: { limit: 2, windowMs: 60_000 } });
    for (let i = 0; i < 50; i += 1) throttle.succeeded({ account: 'a@x.cn' });
    expect(throttle.failed({ address: '198.51.100.1', account: 'a@x.cn' }).limited).to.equal(false);
    expect(throttle.failed({ address: '198.51.100.1', account: 'b@x.cn' }).limited).to.equal(false);
    throttle.succeeded({ account: 'A@x.cn' });
    expect(throttle.failed({ address: '198.51.100.2', account: 'a@x.cn' }).limited, 'the account starts over').to.equal(false);
    expect(throttle.failed({ address: '198.51.100.1', account: 'c@x.cn' }).limited, 'the address keeps its failures').to.equal(true);
  });

  it('locks an account after its failures, from any address, except on a browser that signed in to it before', () => {
    const throttle = new SignInThrottle({ address: { limit: 100, windowMs: 60_000 }, account: { limit: 2, windowMs: 60_000 } });
    throttle.failed({ address: '198.51.100.1', account: 'owner@x.cn' });
    const second = throttle.failed({ address: '198.51.100.2', account: 'Owner@X.cn' });
    expect(second.limited).to.equal(false);
    const gate = throttle.beforeCheck({ account: 'owner@x.cn', knownDevice: false });
    expect(gate.limited).to.equal(true);
    if (gate.limited) expect(gate.retryAfterSeconds).to.be.within(1, 60);
    expect(throttle.beforeCheck({ account: 'owner@x.cn', knownDevice: true }).limited).to.equal(false);
    expect(throttle.beforeCheck({ account: 'other@x.cn', knownDevice: false }).limited).to.equal(false);
  });

  it('keys IPv6 clients by their /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).to.equal(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(addressKey('2001:db8:1:2::1')).to.not.equal(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::ffff:203.0.113.9')).to.equal('203.0.113.9');
    expect(addressKey('203.0.113.9')).to.equal('203.0.113.9');
  });

  it('reads TRUST_PROXY as hops or proxy addresses and refuses true and nonsense', () => {
    expect(loadConfig({}).TRUST_PROXY).to.equal(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).to.equal(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).to.deep.equal(['loopback', '10.0.0.0/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).to.throw(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).to.throw(/TRUST_PROXY/);
    expect(() => loadConfig({ METRICS_ALLOW: '10.0.0.0/40' })).to.throw(/METRICS_ALLOW/);
  });
});

describe('metrics access', () => {
  it('defaults to this machine only, and not for requests a proxy forwarded', () => {
    const access = new MetricsAccess({});
    expect(access.permits(request({ ip: '127.0.0.1' }))).to.equal(true);
    expect(access.permits(request({ ip: '::1' }))).to.equal(true);
    expect(access.permits(request({ ip: '::ffff:127.0.0.1' }))).to.equal(true);
    expect(access.permits(request({ ip: '203.0.113.4' }))).to.equal(false);
    expect(access.permits(request({ ip: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.4' } }))).to.equal(false);
  });

  it('lets in the bearer token or the allowed addresses once either is set', () => {
    const token = 'metrics-token-0123456789abcdef';
    const byToken = new MetricsAccess({ token });
    expect(byToken.permits(request({ ip: '203.0.113.4', headers: { authorization: `Bearer ${token}` } }))).to.equal(true);
    expect(byToken.permits(request({ ip: '203.0.113.4', headers: { authorization: 'Bearer wrong' } }))).to.equal(false);
    expect(byToken.permits(request({ ip: '127.0.0.1' })), 'loopback is no longer implied').to.equal(false);
    const byAddress = new MetricsAccess({ allow: ['10.0.0.0/8', '192.0.2.10'] });
    expect(byAddress.permits(request({ ip: '10.20.30.40' }))).to.equal(true);
    expect(byAddress.permits(request({ ip: '192.0.2.10' }))).to.equal(true);
    expect(byAddress.permits(request({ ip: '192.0.2.11' }))).to.equal(false);
    expect(new AddressList(['uniquelocal']).includes('::ffff:192.168.1.2')).to.equal(true);
  });
});
