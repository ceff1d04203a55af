import { expect } from 'chai';
import type { Contact, Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import { whyNotCauses, type WhyNotFacts } from '../../server/matching/why-not.js';

const JOB_START = '2026-03-05T02:00:00.000Z';
const BEFORE = '2026-03-01T02:00:00.000Z';
const AFTER = '2026-03-06T02:00:00.000Z';

function contact(overrides: Partial<Contact> = {}): Contact {
  return { id: 'c-1', channel: 'email', address: 'ip@example.cn', label: null, confirmedAt: BEFORE, invalidAt: null, ...overrides };
}

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: 's-1',
    subscriberId: 'ent-1',
    name: '质押融资',
    criteria: { need: { mode: 'any', tags: ['need-pledge'] } },
    keywords: [],
    channels: ['email'],
    frequency: 'immediate',
    eligibleOnly: true,
    createdAt: BEFORE,
    endedAt: null,
    endReason: null,
    replaces: null,
    ...overrides,
  };
}

function facts(overrides: { contacts?: Contact[]; subscriptions?: Subscription[]; subscriber?: Partial<Pick<Subscriber, 'createdAt' | 'updatedAt'>>; matchNow?: WhyNotFacts['matchNow']; job?: WhyNotFacts['job'] } = {}): WhyNotFacts {
  return {
    job: overrides.job === undefined ? { status: 'done', reason: null, startedAt: JOB_START } : overrides.job,
    subscriber: { createdAt: BEFORE, updatedAt: BEFORE, contacts: overrides.contacts ?? [contact()], ...overrides.subscriber },
    subscriptions: overrides.subscriptions ?? [subscription()],
    matchNow: overrides.matchNow === undefined ? { channels: ['email'], subscriptions: [] } : overrides.matchNow,
  };
}

describe('whyNot names the real cause', function () {
  it('an address refused with 550 is a bounce, even when it was never confirmed', function () {
    for (const confirmedAt of [null, BEFORE]) {
      const causes = whyNotCauses(facts({ contacts: [contact({ confirmedAt, invalidAt: '2026-03-02T08:00:00.000Z' })], matchNow: { channels: [], subscriptions: [] } }));
      expect(causes.join('\n')).to.include('邮箱已被退信（550）').and.include('ip@example.cn').and.include('2026-03-02');
      expect(causes.join('\n')).not.to.include('尚未确认');
      expect(causes.join('\n')).not.to.include('晚于推送名单');
    }
  });

  it('an address never confirmed and never refused awaits confirmation', function () {
    const causes = whyNotCauses(facts({ contacts: [contact({ confirmedAt: null })], matchNow: { channels: [], subscriptions: [] } }));
    expect(causes).to.deep.equal(['电子邮件：邮箱尚未确认（双重确认）：ip@example.cn 确认前不推送']);
  });

  it('a lost WeChat contact and a missing channel are named per requested channel', function () {
    const causes = whyNotCauses(
      facts({
        contacts: [contact({ channel: 'wechat', address: '联络员', invalidAt: '2026-03-02T08:00:00.000Z' })],
        subscriptions: [subscription({ channels: ['email', 'wechat'] })],
        matchNow: { channels: [], subscriptions: [] },
      }),
    );
    expect(causes).to.deep.equal(['电子邮件：没有填写邮箱', '微信：微信联系人或群已失效：“联络员”自 2026-03-02 起找不到，已停止推送']);
  });

  it('one usable requested channel is enough: the contacts are then not the cause', function () {
    const causes = whyNotCauses(
      facts({ contacts: [contact(), contact({ id: 'c-2', channel: 'wechat', address: '联络员', invalidAt: BEFORE })], subscriptions: [subscription({ channels: ['email', 'wechat'] })], matchNow: null }),
    );
    expect(causes).to.deep.equal(['订阅条件或适用条件与该政策不匹配']);
  });

  it('ended subscriptions are named with the latest ending', function () {
    const causes = whyNotCauses(
      facts({
        subscriptions: [subscription({ endedAt: '2026-03-03T01:00:00.000Z' }), subscription({ id: 's-2', name: '贴息政策', endedAt: '2026-03-04T01:00:00.000Z' })],
      }),
    );
    expect(causes).to.deep.equal(['该用户没有有效的订阅：订阅均已取消（最近一次：“贴息政策”于 2026-03-04 取消）']);
    expect(whyNotCauses(facts({ subscriptions: [] }))).to.deep.equal(['该用户没有有效的订阅：从未订阅']);
  });

  it('says a change came after the push list only when a change time on record is after the job start', function () {
    const edited = whyNotCauses(facts({ subscriptions: [subscription({ updatedAt: AFTER })] }));
    expect(edited).to.have.length(1);
    expect(edited[0]).to.include('晚于推送名单生成时间').and.include(AFTER).and.include(JOB_START);
    const confirmedLater = whyNotCauses(facts({ contacts: [contact({ confirmedAt: AFTER })] }));
    expect(confirmedLater[0]).to.include('晚于推送名单生成时间');
    const registeredLater = whyNotCauses(facts({ subscriber: { createdAt: AFTER, updatedAt: AFTER } }));
    expect(registeredLater[0]).to.include('晚于推送名单生成时间');
    const unchanged = whyNotCauses(facts());
    expect(unchanged).to.have.length(1);
    expect(unchanged[0]).to.include('没有晚于推送名单生成时间').and.include(JOB_START);
    expect(unchanged[0]).not.to.match(/变更，晚于/);
  });

  it('a job that is missing, running or skipped is the cause before anything about the subscriber', function () {
    expect(whyNotCauses(facts({ job: null }))).to.deep.equal(['该版本还没有匹配任务：推送名单尚未生成']);
    expect(whyNotCauses(facts({ job: { status: 'running', reason: null, startedAt: JOB_START } }))).to.deep.equal(['匹配尚未完成，推送名单还在生成']);
    expect(whyNotCauses(facts({ job: { status: 'skipped', reason: '非主动公开文件不推送', startedAt: JOB_START } }))).to.deep.equal(['该版本未推送：非主动公开文件不推送']);
  });
});
