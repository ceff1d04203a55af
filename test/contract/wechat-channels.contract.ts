import { expect } from 'chai';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { OfficialAccountSettings, WecomRobot } from '../../schemas/wechat-channels.schema.js';
import type { Store } from '../../server/ports/store.port.js';

const t = (seconds: number) => new Date(Date.parse('2026-12-01T02:00:00.000Z') + seconds * 1000).toISOString();

function park(id: string): Subscriber {
  return {
    id,
    kind: 'park',
    name: `园区 ${id}`,
    creditCode: null,
    profile: {},
    parkId: null,
    contacts: [{ id: `robot-${id}`, channel: 'wecom_robot', address: '企业服务群', label: null, confirmedAt: t(0), invalidAt: null }],
    createdAt: t(0),
    updatedAt: t(0),
    revision: 1,
  };
}

function robot(parkId: string, overrides: Partial<WecomRobot> = {}): WecomRobot {
  return { contactId: `robot-${parkId}`, parkId, groupName: '企业服务群', webhookKey: `key-${parkId}-0001`, status: 'unchecked', lastError: null, lastCheckedAt: null, updatedBy: 'admin', updatedAt: t(0), ...overrides };
}

const ACCOUNT: OfficialAccountSettings = {
  appId: 'wx0123456789abcdef',
  appSecret: '0123456789abcdef0123456789abcdef',
  templateId: 'TPL-0001',
  fields: { title: 'thing1', issuer: null, date: 'time3', kind: 'phrase4', number: null },
  updatedBy: 'admin',
  updatedAt: t(0),
};

/** The official WeChat channels' store: one contract for every engine. */
export function wechatChannelContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`WeChat channel contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await create();
      await store.migrate();
    });
    afterEach(async () => store.close());

    it('keeps one 服务号 record for the office, replaced on save', async () => {
      expect(await store.wechatChannels.getOfficialAccount()).to.equal(null);
      await store.wechatChannels.saveOfficialAccount(ACCOUNT);
      await store.wechatChannels.saveOfficialAccount({ ...ACCOUNT, templateId: 'TPL-0002', updatedAt: t(5) });
      expect(await store.wechatChannels.getOfficialAccount()).to.deep.equal({ ...ACCOUNT, templateId: 'TPL-0002', updatedAt: t(5) });
    });

    it('keeps one robot per park group contact, lists them by park and records the latest send', async () => {
      await store.subscribers.insert({ subscriber: park('park-b'), tokenHash: 'hb' });
      await store.subscribers.insert({ subscriber: park('park-a'), tokenHash: 'ha' });
      await store.wechatChannels.saveRobot(robot('park-b'));
      await store.wechatChannels.saveRobot(robot('park-a'));
      await store.wechatChannels.saveRobot(robot('park-a', { webhookKey: 'key-park-a-0002', updatedAt: t(3) }));
      expect((await store.wechatChannels.listRobots({})).map((r) => [r.parkId, r.webhookKey])).to.deep.equal([
        ['park-a', 'key-park-a-0002'],
        ['park-b', 'key-park-b-0001'],
      ]);
      expect(await store.wechatChannels.listRobots({ parkId: 'park-b' })).to.deep.equal([robot('park-b')]);
      expect(await store.wechatChannels.markRobot({ contactId: 'robot-park-b', status: 'invalid', error: '93000：invalid webhook url', at: t(9) })).to.equal(true);
      expect(await store.wechatChannels.getRobot('robot-park-b')).to.deep.equal(robot('park-b', { status: 'invalid', lastError: '93000：invalid webhook url', lastCheckedAt: t(9) }));
      expect(await store.wechatChannels.markRobot({ contactId: 'robot-nowhere', status: 'ok', error: null, at: t(9) })).to.equal(false);
      expect(await store.wechatChannels.getRobot('robot-nowhere')).to.equal(null);
    });

    it('lets exactly one process refresh a token: the lease is taken once, expires, and ends when the token is stored', async () => {
      const name = 'wechat_oa:wx0123456789abcdef';
      expect(await store.wechatChannels.getToken(name)).to.equal(null);
      const lease = (owner: string, at: number) => store.wechatChannels.acquireTokenLease({ name, owner, now: t(at), leaseUntil: t(at + 15) });
      const first = await Promise.all([lease('w1', 0), lease('w2', 0), lease('w3', 0)]);
      expect(first.filter(Boolean)).to.have.length(1);
      const holder = ['w1', 'w2', 'w3'][first.indexOf(true)] ?? '';
      const other = holder === 'w1' ? 'w2' : 'w1';
      expect(await lease(holder, 1), 'the holder keeps its lease').to.equal(true);
      expect(await lease(other, 5), 'a live lease is not taken').to.equal(false);
      expect(await lease(other, 20), 'an expired lease is taken over').to.equal(true);

      await store.wechatChannels.saveToken({ name, owner: other, token: 'tok-1', expiresAt: t(7200), at: t(21) });
      const stored = await store.wechatChannels.getToken(name);
      expect(stored).to.deep.include({ name, token: 'tok-1', expiresAt: t(7200), leaseOwner: null, leaseUntil: null });
      expect(await lease(holder, 22), 'free again once the token is stored').to.equal(true);

      await store.wechatChannels.saveToken({ name, owner: holder, token: 'tok-2', expiresAt: t(7300), at: t(23) });
      await store.wechatChannels.invalidateToken({ name, token: 'tok-1', at: t(24) });
      expect((await store.wechatChannels.getToken(name))?.token, 'a newer token survives the invalidation of an old one').to.equal('tok-2');
      await store.wechatChannels.invalidateToken({ name, token: 'tok-2', at: t(25) });
      expect(await store.wechatChannels.getToken(name)).to.deep.include({ token: null, expiresAt: null });
    });
  });
}
