import type { TextHygieneService } from '../services/text-hygiene.service.js';
import type { Request, Response } from 'express';
import type { AuditService } from '../services/audit.service.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { WebPrincipal } from '../ports/web-account.port.js';
import type { Actor } from '../services/actor.js';
import type { Role } from '../../schemas/user.schema.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { WebAccount } from '../ports/web-account.port.js';
import type { InterpretationServices } from '../interpretation/interpretation-platform.js';
import type { PushServices } from '../push/push-platform.js';
import type { MatchingService } from '../services/matching.service.js';
import type { PolicySearchService } from '../services/policy-search.service.js';
import type { PolicyService } from '../services/policy.service.js';
import type { SubscriberImportService } from '../services/subscriber-import.service.js';
import type { SubscriberService } from '../services/subscriber.service.js';
import type { SubscriptionService } from '../services/subscription.service.js';
import type { TagUsageService } from '../services/tag-usage.service.js';
import type { TaxonomyService } from '../services/taxonomy.service.js';
import type { UserService } from '../services/user.service.js';
import { DomainError } from '../errors.js';
import type { WebAccountService } from './accounts/web-account.service.js';
import type { OpenGovernmentServices } from '../open-government/open-government-platform.js';
import { webContext } from './context.js';
import type { PortalExtensions } from './extensions.js';
import type { SafeHtml } from './html.js';
import type { RateLimiter } from './security/rate-limit.js';
import type { SignInDevices } from './security/sign-in-devices.js';
import type { SignInThrottle } from './security/sign-in-throttle.js';

/** Fixed messages shown once after a redirect; the cookie carries only the key. */
export const FLASH_MESSAGES = {
  signed_in: '您已登录。',
  signed_out: '您已安全退出。',
  signed_up: '注册成功。请先完善画像并添加订阅，推送才能精准。',
  profile_saved: '资料已保存。',
  member_confirmed: '已确认该企业为成员企业。',
  member_refused: '已拒绝该入园申请。',
  member_removed: '已将该企业移出园区。',
  contact_added: '联系方式已添加。',
  contact_removed: '联系方式已删除。',
  contact_confirmed: '邮箱已确认，今后将通过该邮箱接收推送。',
  subscription_created: '订阅已创建。新发布的相关政策会出现在“我的推送”中。',
  subscription_saved: '订阅已保存。',
  subscription_ended: '订阅已结束，历史记录仍保留在下方。',
  password_changed: '密码已修改，其他设备上的登录已失效。',
  account_deleted: '您的账号及全部数据已删除。',
  members_imported: '成员企业导入完成，请查看导入报告。',
  policy_created: '政策草稿已创建。',
  policy_saved: '已保存。',
  user_disabled: '账号已停用：该用户的令牌和门户登录已立即失效。',
  user_enabled: '账号已启用。',
  policy_submitted: '已送审，等待保密审查和合法性审查。',
  policy_reviewed: '审查意见已记录。',
  policy_published: '已发布。匹配的企业将收到推送，并可在“我的推送”中看到。',
  policy_revised: '已发起修订，工作稿回到草稿状态；已发布版本继续公开。',
  policy_repealed: '已废止。',
  tag_created: '标签已新增。',
  tag_saved: '标签已保存。',
  tag_deprecated: '标签已停用。',
  tag_merged: '标签已合并，引用已迁移。',
  question_received: '已收到您的问题。请收藏本页地址：答复后可在这里查看，也会公开在政策页面。',
  interpretation_saved: '解读材料已保存。',
  graphic_added: '图解已上传并加入解读材料。',
  graphics_saved: '图解已保存。',
  video_added: '视频已加入解读材料。',
  videos_saved: '视频列表已保存。',
  exemption_recorded: '已记录免予解读的理由。送审时不再要求解读材料。',
  exemption_cleared: '已撤销免予解读，送审前需要完整的解读材料。',
  notes_saved: '起草说明已保存。',
  faq_added: '常见问题已添加。',
  faq_saved: '常见问题已保存。',
  faq_withdrawn: '常见问题已撤下。',
  faq_moved: '顺序已调整。',
  question_answered: '已答复。',
  question_dismissed: '已标记为不予答复。',
  question_moved: '该留言已单独成组。',
} as const;
export type FlashCode = keyof typeof FLASH_MESSAGES;

/**
 * Every service the portal's pages call, built by the composition root (server/platform.ts). No
 * store and no engine: pages go through services. Each route module receives only the part it names.
 */
export interface PortalServices {
  taxonomy: TaxonomyService;
  policies: PolicyService;
  search: PolicySearchService;
  users: UserService;
  subscribers: SubscriberService;
  subscriptions: SubscriptionService;
  subscriberImporter: SubscriberImportService;
  matching: MatchingService;
  tagUsage: TagUsageService;
  audit: AuditService;
  push: Pick<PushServices, 'unsubscribe' | 'log' | 'content' | 'history' | 'tracking' | 'wechatChannels' | 'deliveries'>;
  interpretation: Pick<InterpretationServices, 'packages' | 'faqs' | 'questions' | 'mediaAccess'>;
  textHygiene: TextHygieneService;
  /** 征求意见 and the yearly report. */
  openGovernment: OpenGovernmentServices;
}

export interface PortalKit<Services extends Partial<PortalServices> = PortalServices> {
  /** The services of one route module (see portal.ts, where each module's share is named). */
  services: Services;
  accounts: WebAccountService;
  config: Config;
  logger: Logger;
  extensions: PortalExtensions;
  limits: {
    /** Failed enterprise and park sign-ins, per client address and per account e-mail. */
    accountSignIn: SignInThrottle;
    /** Failed staff sign-ins per client address (a wrong token names no account). */
    staffSignIn: SignInThrottle;
    signUpByAddress: RateLimiter;
    /** For the question form on policy pages. */
    questionByAddress: RateLimiter;
  };
  /** Browsers that signed in to an account before (they pass that account's lock). */
  devices: SignInDevices;
  render(res: Response, page: SafeHtml, status?: number): void;
  flash(res: Response, code: FlashCode): void;
  /** Replaces any current session with a new one for the principal (session ids never survive a sign-in). */
  beginSession(req: Request, res: Response, principal: WebPrincipal): Promise<void>;
  endSession(req: Request, res: Response): Promise<void>;
}

/** Thrown by guards and handlers; the portal answers with a 303 to the location. */
export class Redirect extends Error {
  constructor(readonly location: string) {
    super(`redirect to ${location}`);
    this.name = 'Redirect';
  }
}

/** Only paths on this site may be returned to after signing in. */
export function safeReturnPath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || !/^\/(?![/\\])/.test(value) || value.length > 500) return fallback;
  return value;
}

export function requireAccount(res: Response): { account: WebAccount; subscriber: Subscriber } {
  const ctx = webContext(res);
  if (ctx.viewer.kind === 'account') return { account: ctx.viewer.account, subscriber: ctx.viewer.subscriber };
  throw new Redirect(`/account/sign-in?next=${encodeURIComponent(ctx.here)}`);
}

export function requirePark(res: Response): { account: WebAccount; subscriber: Subscriber } {
  const signedIn = requireAccount(res);
  if (signedIn.subscriber.kind !== 'park') throw new DomainError({ type: 'forbidden', code: 'park_only', message: '只有园区账号可以使用此功能' });
  return signedIn;
}

export function requireStaff(res: Response, roles?: readonly Role[]): Actor {
  const ctx = webContext(res);
  if (ctx.viewer.kind !== 'staff') throw new Redirect(`/staff/sign-in?next=${encodeURIComponent(ctx.here)}`);
  if (roles && !roles.includes(ctx.viewer.actor.role)) {
    throw new DomainError({ type: 'forbidden', code: 'role_forbidden', message: '当前角色无权使用此功能' });
  }
  return ctx.viewer.actor;
}

/** Client address for rate limits: the socket peer, since the portal trusts no forwarding header (docs/web.md). */
export { clientAddress } from '../security/client-address.js';
