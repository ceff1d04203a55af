import { expect } from 'chai';
import { fieldValue, subscribeData } from '../../server/push/official/subscribe-message.js';
import { robotMarkdown, ROBOT_MARKDOWN_MAX_BYTES } from '../../server/push/official/robot-markdown.js';
import type { Notice } from '../../server/push/official/notice.js';

const base: Notice = {
  kind: 'policy',
  title: '上海市知识产权局关于进一步加强专利转化运用促进中小企业高质量发展的若干措施',
  issuer: '上海市知识产权局',
  docNumber: '沪知局〔2026〕12号',
  at: '2026-03-01T02:05:00.000Z',
  url: 'https://policy.example.gov.cn/policies/p-1',
  reasons: ['您的订阅“专利资助”匹配：诉求“专利资助”'],
  daysLeft: null,
  items: [],
  unsubscribeUrl: 'https://policy.example.gov.cn/unsubscribe/x',
};

describe('official WeChat message rendering', () => {
  it('cuts template values to the platform limit of their keyword, counting characters', () => {
    expect(Array.from(fieldValue({ key: 'thing1', value: base.title }))).to.have.length(20);
    expect(fieldValue({ key: 'thing1', value: base.title }).endsWith('…')).to.equal(true);
    expect(fieldValue({ key: 'thing1', value: '专利保险补贴' })).to.equal('专利保险补贴');
    expect(fieldValue({ key: 'phrase4', value: '政策汇总提醒通知' })).to.equal('政策汇总提');
    expect(fieldValue({ key: 'character_string5', value: '沪知局〔2026〕12号' })).to.equal('202612');
    expect(fieldValue({ key: 'character_string5', value: '〔〕' })).to.equal('-');
    expect(fieldValue({ key: 'thing2', value: '  ' })).to.equal('-');
    // An emoji is one character to the platform, two UTF-16 units to JavaScript.
    expect(Array.from(fieldValue({ key: 'thing1', value: '📣'.repeat(30) }))).to.have.length(20);
  });

  it('fills only the configured keywords, with times in Shanghai time', () => {
    const data = subscribeData({ notice: base, fields: { title: 'thing1', issuer: null, date: 'time3', kind: 'phrase4', number: null } });
    expect(Object.keys(data).sort()).to.deep.equal(['phrase4', 'thing1', 'time3']);
    expect(data.time3?.value).to.equal('2026-03-01 10:05');
    expect(data.phrase4?.value).to.equal('新政策');
    const reminder = subscribeData({ notice: { ...base, kind: 'reminder', daysLeft: 3 }, fields: { title: 'thing1', issuer: null, date: 'date2', kind: null, number: null } });
    expect(reminder.thing1?.value.startsWith('3天后截止：')).to.equal(true);
    expect(reminder.date2?.value).to.equal('2026-03-01');
  });

  it('keeps a robot digest under 4096 bytes by counting the policies that do not fit instead of cutting one', () => {
    const items = Array.from({ length: 60 }, (_, i) => ({
      title: `浦东新区知识产权专项资金第${i + 1}批项目申报通知（含专利转化、质押融资、保险补贴）`,
      url: `https://policy.example.gov.cn/policies/p-${i + 1}`,
      issuer: '浦东新区知识产权局',
      docNumber: `浦知〔2026〕${i + 1}号`,
      reasons: ['您的订阅“园区企业相关政策”匹配：诉求“知识产权质押融资”'],
      memberNames: ['张江甲科技有限公司', '张江乙生物有限公司'],
    }));
    const content = robotMarkdown({ notice: { ...base, kind: 'digest', title: '园区政策速递 · 张江 · 2026-03-02', items }, moreUrl: 'https://policy.example.gov.cn/account/feed' });
    expect(Buffer.byteLength(content, 'utf8')).to.be.at.most(ROBOT_MARKDOWN_MAX_BYTES);
    const shown = content.match(/^\*\*\d+\. \[/gm) ?? [];
    const rest = /……另有 (\d+) 条，\[查看全部\]/.exec(content);
    expect(shown.length).to.be.greaterThan(5);
    expect(Number(rest?.[1])).to.equal(60 - shown.length);
    expect(content).to.include('涉及成员企业：张江甲科技有限公司、张江乙生物有限公司');
    expect(content.endsWith('[不再接收](https://policy.example.gov.cn/unsubscribe/x)</font>')).to.equal(true);
  });

  it('keeps link text from breaking the markdown', () => {
    const content = robotMarkdown({ notice: { ...base, title: '关于[试行](草案)的通知' }, moreUrl: 'x' });
    expect(content.startsWith('### 关于 试行 草案 的通知')).to.equal(true);
  });
});
