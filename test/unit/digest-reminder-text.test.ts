import { expect } from 'chai';
import type { Explanation } from '../../schemas/delivery.schema.js';
import { OFFICIAL_CALENDAR } from '../../server/calendar/working-day-calendar.js';
import type { PolicyView } from '../../server/push/content.js';
import { groupDigestItems } from '../../server/push/digest-groups.js';
import { renderDigestEmail, renderReminderEmail, type FooterLinks } from '../../server/push/email/email-templates.js';
import { renderDigestWechat, renderReminderWechat } from '../../server/push/wechat/wechat-templates.js';

function view(n: number, window: { opensAt: string; closesAt: string } | null = null): PolicyView {
  return {
    policyId: `p-${n}`,
    version: 1,
    title: `浦东新区知识产权政策第${n}号`,
    docNumber: `浦知〔2026〕${n}号`,
    issuer: '浦东新区知识产权局',
    issuedAt: '2026-03-01',
    publishedAt: '2026-03-01T02:00:00.000Z',
    summary: '为支持企业知识产权工作，制定本办法。',
    highlights: [],
    applicationWindow: window,
    url: `https://policy.example.cn/policies/p-${n}`,
  };
}

function explanation({ subscriptions, unknown = [] }: { subscriptions: Explanation['subscriptions']; unknown?: Explanation['unknown'] }): Explanation {
  return { eligible: true, eligibility: { region: ['region-pudong'] }, unknown, subscriptions };
}

const footer: FooterLinks = {
  preferencesUrl: 'https://policy.example.cn/account',
  feedUrl: null,
  unsubscribeUrl: 'https://policy.example.cn/unsubscribe/a',
  unsubscribeLabel: '退订每日汇总',
  unsubscribeAllUrl: 'https://policy.example.cn/unsubscribe/b',
};

const names = new Map([
  ['s-pledge', '质押融资'],
  ['s-subsidy', '贴息政策'],
]);

/** A stand-in for the explanation wording: one line per subscription, one per eligibility/unknown part. */
const wording = (e: Explanation): string[] => [
  ...e.subscriptions.map((s) => `订阅“${names.get(s.subscriptionId)}”匹配：${[...Object.values(s.matchedTags).flat(), ...s.matchedKeywords].join('、')}`),
  ...(e.eligible && Object.keys(e.eligibility).length > 0 ? ['符合适用条件'] : []),
  ...(e.unknown.length > 0 ? [`待确认：${e.unknown.join('、')}`] : []),
];

describe('digests grouped by need and reminders with working days left', function () {
  const pledge = (tags: string[]) => ({ subscriptionId: 's-pledge', matchedTags: { need: tags }, matchedKeywords: [] });
  const subsidy = { subscriptionId: 's-subsidy', matchedTags: {}, matchedKeywords: ['贴息'] };
  const groups = groupDigestItems({
    items: [
      { view: view(1), explanation: explanation({ subscriptions: [pledge(['need-pledge'])] }) },
      { view: view(2), explanation: explanation({ subscriptions: [subsidy] }) },
      { view: view(3), explanation: explanation({ subscriptions: [pledge(['need-insurance'])], unknown: ['qualification'] }) },
    ],
    subscriptionNames: names,
    describe: wording,
  });

  it('groups policies by the subscriptions they matched, in first-seen order, with every matched tag in the one reason', function () {
    expect(groups.map((g) => [g.heading, g.items.map((i) => i.view.policyId)])).to.deep.equal([
      ['“质押融资”', ['p-1', 'p-3']],
      ['“贴息政策”', ['p-2']],
    ]);
    expect(groups[0]?.reasons).to.deep.equal(['订阅“质押融资”匹配：need-pledge、need-insurance']);
    // What differs per policy stays with the policy; the subscription match does not repeat.
    expect(groups[0]?.items.map((i) => i.notes)).to.deep.equal([['符合适用条件'], ['符合适用条件', '待确认：qualification']]);
  });

  it('says the reason once per group in the e-mail and the WeChat digest', function () {
    const email = renderDigestEmail({ recipientName: '张江芯片公司', periodLabel: '每日汇总', groups, footer });
    for (const part of [email.text, email.html]) {
      expect(part.split('订阅“质押融资”匹配').length - 1, 'reason of the pledge group').to.equal(1);
      expect(part.split('订阅“贴息政策”匹配').length - 1, 'reason of the subsidy group').to.equal(1);
      expect(part.split('为什么推送给您').length - 1, 'one reason heading per group').to.equal(2);
    }
    expect(email.text).to.include('按您的 2 项订阅分组');
    expect(email.text.indexOf('浦东新区知识产权政策第3号')).to.be.lessThan(email.text.indexOf('浦东新区知识产权政策第2号'));
    expect(email.subject).to.equal('【政策每日汇总】3 条新政策：浦东新区知识产权政策第1号等');
    const wechat = renderDigestWechat({ title: '政策每日汇总 · 2026-03-03', groups, parkItems: [], unsubscribeUrl: null });
    expect(wechat.split('推送原因：').length - 1).to.equal(2);
    expect(wechat).to.include('— 订阅“质押融资”（2 条）');
  });

  it('a reminder says what is left to do and the working days left, from the working-day calendar', function () {
    // Friday 2026-03-06 to Monday 2026-03-09: three calendar days, two working days (today and Monday).
    const window = { opensAt: '2026-02-01', closesAt: '2026-03-09' };
    const now = new Date('2026-03-06T01:00:00.000Z');
    const workingDaysLeft = OFFICIAL_CALENDAR.workingDaysLeft({ dueDate: window.closesAt, now });
    expect(workingDaysLeft).to.equal(2);
    const email = renderReminderEmail({ recipientName: '张江芯片公司', view: view(4, window), daysLeft: 3, workingDaysLeft, footer });
    expect(email.subject).to.equal('【申报提醒】还有 3 天截止：浦东新区知识产权政策第4号');
    for (const part of [email.text, email.html]) {
      expect(part).to.include('截止前还剩 2 个工作日').and.include('还需完成').and.include('按政策要求准备申报材料').and.include('在 2026-03-09 截止前提交申报');
    }
    // An office's own day off counts: the same window leaves one working day.
    const local = OFFICIAL_CALENDAR.withAdjustments([{ date: '2026-03-09', working: false, reason: '本市调休' }]);
    const fewer = local.workingDaysLeft({ dueDate: window.closesAt, now });
    expect(fewer).to.equal(1);
    const wechat = renderReminderWechat({ view: view(4, window), daysLeft: 3, workingDaysLeft: fewer, unsubscribeUrl: 'https://policy.example.cn/unsubscribe/c' });
    expect(wechat).to.include('截止前只剩今天 1 个工作日').and.include('还需完成：').and.include('3. 在 2026-03-09 截止前提交申报（剩余 1 个工作日）');
    const none = renderReminderWechat({ view: view(4, window), daysLeft: 0, workingDaysLeft: 0, unsubscribeUrl: 'https://policy.example.cn/unsubscribe/c' });
    expect(none).to.include('截止前已没有工作日').and.not.include('剩余 0 个工作日');
  });
});
