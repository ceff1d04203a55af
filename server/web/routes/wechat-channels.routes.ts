import express, { type Response } from 'express';
import { z } from 'zod';
import { officialAccountBodySchema, wecomRobotBodySchema, type ChannelTestResult } from '../../../schemas/wechat-channels.schema.js';
import { webContext } from '../context.js';
import { attempt, formOf, queryStr, str, zodErrors } from '../forms.js';
import { requireAccount, requirePark, requireStaff, type PortalKit, type PortalServices } from '../kit.js';
import type { FieldError } from '../views/components.js';
import { accountWechatPage, bindResultPage, parkRobotsPage, wechatChannelsAdminPage, type OfficialAccountFormValues, type RobotFormValues } from '../views/wechat-channels.views.js';

const ADMIN = ['admin'] as const;

/** The services these pages call. */
export type WechatChannelPageServices = Pick<PortalServices, 'push'>;

const callbackQuerySchema = z.strictObject({ code: z.string().min(1).max(256), state: z.string().min(1).max(256) });
const testOpenidSchema = z.strictObject({ openid: z.string().trim().regex(/^[\w-]{6,64}$/, '请填写有效的 openid') });

/**
 * The official WeChat channels in the portal: administrators configure the office's 服务号 and the
 * park group robots and send test messages; enterprises bind their openid; parks see their robots.
 */
export function wechatChannelRoutes({ kit }: { kit: PortalKit<WechatChannelPageServices> }): express.Router {
  const router = express.Router();
  const channels = () => kit.services.push.wechatChannels;

  const adminPage = async (
    res: Response,
    {
      accountValues,
      accountErrors = [],
      robotValues = { parkId: '', groupName: '' },
      robotErrors = [],
      result = null,
      testOpenid = '',
      status = 200,
    }: { accountValues?: OfficialAccountFormValues; accountErrors?: FieldError[]; robotValues?: RobotFormValues; robotErrors?: FieldError[]; result?: ChannelTestResult | null; testOpenid?: string; status?: number },
  ) => {
    const account = await channels().officialAccount();
    const values: OfficialAccountFormValues = accountValues ?? {
      appId: account?.appId ?? '',
      templateId: account?.templateId ?? '',
      title: account?.fields.title ?? 'thing1',
      issuer: account?.fields.issuer ?? 'thing2',
      date: account?.fields.date ?? 'time3',
      kind: account?.fields.kind ?? 'phrase4',
      number: account?.fields.number ?? 'character_string5',
    };
    kit.render(
      res,
      wechatChannelsAdminPage({
        ctx: webContext(res),
        account,
        accountValues: values,
        accountErrors,
        robots: await channels().robotViews({}),
        parks: await channels().parks(),
        robotValues,
        robotErrors,
        result,
        testOpenid,
      }),
      status,
    );
  };

  router.get('/staff/wechat-channels', async (_req, res) => {
    requireStaff(res, ADMIN);
    await adminPage(res, {});
  });

  router.post('/staff/wechat-channels/official-account', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const form = formOf(req);
    const values: OfficialAccountFormValues = {
      appId: str(form, 'appId'),
      templateId: str(form, 'templateId'),
      title: str(form, 'fields.title'),
      issuer: str(form, 'fields.issuer'),
      date: str(form, 'fields.date'),
      kind: str(form, 'fields.kind'),
      number: str(form, 'fields.number'),
    };
    const optional = (v: string) => (v.trim() === '' ? null : v);
    const parsed = officialAccountBodySchema.safeParse({
      appId: values.appId,
      appSecret: str(form, 'appSecret'),
      templateId: values.templateId,
      fields: { title: values.title, issuer: optional(values.issuer), date: optional(values.date), kind: optional(values.kind), number: optional(values.number) },
    });
    const result = parsed.success ? await attempt(() => channels().saveOfficialAccount({ actor, body: parsed.data })) : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      await adminPage(res, { accountValues: values, accountErrors: result.errors, status: 400 });
      return;
    }
    await adminPage(res, { result: { ok: true, message: '服务号配置已保存。' } });
  });

  router.post('/staff/wechat-channels/official-account/test', async (req, res) => {
    requireStaff(res, ADMIN);
    const openid = str(formOf(req), 'openid');
    const parsed = testOpenidSchema.safeParse({ openid });
    if (!parsed.success) {
      await adminPage(res, { accountErrors: zodErrors(parsed.error), testOpenid: openid, status: 400 });
      return;
    }
    await adminPage(res, { result: await channels().testOfficialAccount({ openid: parsed.data.openid }), testOpenid: openid });
  });

  router.post('/staff/wechat-channels/robots', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const form = formOf(req);
    const values: RobotFormValues = { parkId: str(form, 'parkId'), groupName: str(form, 'groupName') };
    const parsed = wecomRobotBodySchema.safeParse({ ...values, webhook: str(form, 'webhook') });
    const result = parsed.success ? await attempt(() => channels().saveRobot({ actor, body: parsed.data })) : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      await adminPage(res, { robotValues: values, robotErrors: result.errors, status: 400 });
      return;
    }
    await adminPage(res, { result: { ok: true, message: `群机器人“${result.value.groupName}”已保存，请发送测试消息确认。` } });
  });

  router.post('/staff/wechat-channels/robots/:contactId/test', async (req, res) => {
    requireStaff(res, ADMIN);
    await adminPage(res, { result: await channels().testRobot({ contactId: String(req.params.contactId) }) });
  });

  router.get('/account/wechat', async (_req, res) => {
    const { subscriber } = requireAccount(res);
    const configured = (await channels().officialAccount()) !== null;
    kit.render(res, accountWechatPage({ ctx: webContext(res), subscriber, configured, bindLink: channels().bindLink({ subscriberId: subscriber.id }) }));
  });

  // Opened inside WeChat, usually without a portal session: the signed link names the account.
  router.get('/account/wechat/bind', async (req, res) => {
    const location = await channels().authorizeRedirect({ token: queryStr(req, 't') });
    res.redirect(302, location);
  });

  router.get('/account/wechat/callback', async (req, res) => {
    const parsed = callbackQuerySchema.safeParse({ code: queryStr(req, 'code'), state: queryStr(req, 'state') });
    if (!parsed.success) {
      // The follower declined the authorisation: the platform returns without a code.
      kit.render(res, bindResultPage({ ctx: webContext(res), ok: false, message: '未获得微信授权，绑定未完成。可在微信中重新打开绑定链接。' }), 400);
      return;
    }
    const { subscriber } = await channels().completeBinding(parsed.data);
    kit.render(res, bindResultPage({ ctx: webContext(res), ok: true, message: `已为“${subscriber.name}”绑定服务号通知。今后可在订阅中选择“服务号通知”渠道。` }));
  });

  router.get('/account/park/robots', async (_req, res) => {
    const { subscriber: park } = requirePark(res);
    kit.render(res, parkRobotsPage({ ctx: webContext(res), park, robots: await channels().robotViews({ parkId: park.id }) }));
  });

  return router;
}
