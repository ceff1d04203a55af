import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { contactInputSchema, PROFILE_DIMENSIONS, type Profile, type Subscriber } from '../../../schemas/subscriber.schema.js';
import { createSubscriptionBodySchema, updateSubscriptionBodySchema, type Subscription } from '../../../schemas/subscription.schema.js';
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../context.js';
import { attempt, formOf, queryStr, str, strs, zodErrors, type FormBody } from '../forms.js';
import { retryMessage } from '../security/sign-in-throttle.js';
import { clientAddress, Redirect, requireAccount, safeReturnPath, type PortalKit, type PortalServices } from '../kit.js';
import { confirmContactPage, contactsPage, feedPage, profilePage, securityPage, subscriptionFormPage, subscriptionsPage, type SubscriptionFormValues } from '../views/account.views.js';
import { signInPage, signUpPage, type SignUpValues } from '../views/auth.views.js';
import type { FieldError } from '../views/components.js';
import { isLiveSubscription } from '../../subscribers/live-subscription.js';

const signUpSchema = z
  .object({
    kind: z.enum(['enterprise', 'park'], { error: '请选择账号类型' }),
    name: z.string().min(2, '名称至少 2 个字').max(100, '名称不能超过 100 个字'),
    creditCode: z.string().max(18, '统一社会信用代码为 18 位').transform((v) => (v ? v.toUpperCase() : null)),
    email: z.email({ error: '请输入有效的邮箱地址' }).max(200),
    password: z.string().min(1, '请输入密码'),
    passwordConfirm: z.string(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'enterprise' && !v.creditCode) ctx.addIssue({ code: 'custom', path: ['creditCode'], message: '企业必须填写统一社会信用代码' });
    if (v.password !== v.passwordConfirm) ctx.addIssue({ code: 'custom', path: ['passwordConfirm'], message: '两次输入的密码不一致' });
  });

function rateLimited(retryAfterSeconds: number): DomainError {
  return new DomainError({
    type: 'rate_limited',
    code: 'too_many_attempts',
    message: retryMessage(retryAfterSeconds),
    details: { retryAfterSeconds },
  });
}

/** Service paths (`criteria.need`, `profile.region`) to the form's input names. */
const criteriaField = (path: string) => {
  const match = /^criteria\.([a-z_]+)/.exec(path);
  if (match) return `c_${match[1]}`;
  if (path.startsWith('keywords')) return 'keywords';
  if (path.startsWith('channels')) return 'channels';
  return path;
};
const profileField = (path: string) => {
  const match = /^profile\.([a-z_]+)/.exec(path);
  return match ? `p_${match[1]}` : path;
};

function subscriptionValues(form: FormBody): SubscriptionFormValues {
  const criteria: SubscriptionFormValues['criteria'] = {};
  for (const dimension of DIMENSION_IDS) {
    const tags = strs(form, `c_${dimension}`);
    if (tags.length > 0) criteria[dimension] = { mode: str(form, `m_${dimension}`) === 'all' ? 'all' : 'any', tags };
  }
  return {
    name: str(form, 'name'),
    criteria,
    keywords: str(form, 'keywords'),
    channels: strs(form, 'channels'),
    frequency: str(form, 'frequency') || 'immediate',
    eligibleOnly: str(form, 'eligibleOnly') === '1',
  };
}

function subscriptionPayload(values: SubscriptionFormValues) {
  return {
    name: values.name,
    criteria: values.criteria,
    keywords: values.keywords.split(/[\s,，、;；]+/).map((k) => k.trim()).filter(Boolean),
    channels: values.channels,
    frequency: values.frequency,
    eligibleOnly: values.eligibleOnly,
  };
}

function valuesOf(subscription: Subscription): SubscriptionFormValues {
  return {
    name: subscription.name,
    criteria: subscription.criteria,
    keywords: subscription.keywords.join('，'),
    channels: subscription.channels,
    frequency: subscription.frequency,
    eligibleOnly: subscription.eligibleOnly,
  };
}

/** The services these pages call. */
export type AccountPageServices = Pick<PortalServices, 'taxonomy' | 'subscriptions' | 'subscribers' | 'matching' | 'policies'>;

export function accountRoutes({ kit }: { kit: PortalKit<AccountPageServices> }): express.Router {
  const router = express.Router();
  const { services, accounts, limits } = kit;
  const taxonomy = () => services.taxonomy.current();
  const feedUrl = (subscription: Subscription) =>
    `${kit.config.PUBLIC_BASE_URL}/feeds/subscriptions/${services.subscriptions.feedToken({ subscriptionId: subscription.id })}.atom`;

  // ---- sign-up, sign-in, sign-out ---------------------------------------------------------

  router.get('/account/sign-up', (_req, res) => {
    if (webContext(res).viewer.kind === 'account') throw new Redirect('/account');
    kit.render(res, signUpPage({ ctx: webContext(res), values: { kind: 'enterprise', name: '', creditCode: '', email: '' }, errors: [] }));
  });

  router.post('/account/sign-up', async (req, res) => {
    const form = formOf(req);
    const values: SignUpValues = { kind: str(form, 'kind'), name: str(form, 'name'), creditCode: str(form, 'creditCode'), email: str(form, 'email').toLowerCase() };
    const show = (errors: FieldError[]) => kit.render(res, signUpPage({ ctx: webContext(res), values, errors }), 400);
    const limit = limits.signUpByAddress.hit(clientAddress(req));
    if (!limit.allowed) throw rateLimited(limit.retryAfterSeconds);
    const parsed = signUpSchema.safeParse({ ...values, password: typeof form.password === 'string' ? form.password : '', passwordConfirm: typeof form.passwordConfirm === 'string' ? form.passwordConfirm : '' });
    if (!parsed.success) return show(zodErrors(parsed.error));
    const result = await attempt(() => accounts.signUp({ input: parsed.data }));
    if (!result.ok) return show(result.errors);
    await kit.beginSession(req, res, { kind: 'account', accountId: result.value.account.id });
    kit.devices.remember({ req, res, account: parsed.data.email });
    kit.flash(res, 'signed_up');
    res.redirect(303, '/account/profile');
  });

  router.get('/account/sign-in', (req, res) => {
    const next = safeReturnPath(queryStr(req, 'next'), '/account');
    if (webContext(res).viewer.kind === 'account') throw new Redirect(next);
    kit.render(res, signInPage({ ctx: webContext(res), email: '', errors: [], next }));
  });

  router.post('/account/sign-in', async (req, res) => {
    const form = formOf(req);
    const email = str(form, 'email').toLowerCase().slice(0, 200);
    const password = typeof form.password === 'string' ? form.password.slice(0, 500) : '';
    const next = safeReturnPath(str(form, 'next'), '/account');
    // Only failures count, per address and per account; a right password is never refused for the
    // address's failures, and on a browser that signed in to this account before, not for the account's.
    const address = clientAddress(req);
    const gate = limits.accountSignIn.beforeCheck({ account: email || null, knownDevice: email ? kit.devices.knows({ req, account: email }) : false });
    if (gate.limited) throw rateLimited(gate.retryAfterSeconds);
    const account = email && password ? await accounts.signIn({ email, password }) : null;
    if (!account) {
      const verdict = limits.accountSignIn.failed({ address, account: email || null });
      if (verdict.limited) throw rateLimited(verdict.retryAfterSeconds);
      // One message for both cases, so the form does not reveal which addresses have accounts.
      kit.render(res, signInPage({ ctx: webContext(res), email, next, errors: [{ field: 'email', message: '邮箱或密码不正确' }] }), 400);
      return;
    }
    limits.accountSignIn.succeeded({ account: email });
    kit.devices.remember({ req, res, account: email });
    await kit.beginSession(req, res, { kind: 'account', accountId: account.id });
    kit.flash(res, 'signed_in');
    res.redirect(303, next);
  });

  router.post('/account/sign-out', async (req, res) => {
    await kit.endSession(req, res);
    kit.flash(res, 'signed_out');
    res.redirect(303, '/');
  });

  // ---- feed -------------------------------------------------------------------------------

  router.get('/account', async (req, res) => {
    const { subscriber } = requireAccount(res);
    const subscriptions = await services.subscriptions.list({ subscriber, includeEnded: false });
    const requested = queryStr(req, 'subscription');
    const subscriptionId = subscriptions.some((s) => s.id === requested) ? requested : null;
    const page = Math.max(1, Math.min(200, Number.parseInt(queryStr(req, 'page'), 10) || 1));
    const feed = await services.matching.feed({ subscriber, page, pageSize: 10, ...(subscriptionId ? { subscriptionId } : {}) });
    kit.render(res, feedPage({ ctx: webContext(res), subscriber, taxonomy: taxonomy(), feed, subscriptions, subscriptionId }));
  });

  // ---- profile ----------------------------------------------------------------------------

  const parksFor = async (subscriber: Subscriber) =>
    subscriber.kind === 'enterprise' ? (await services.subscribers.list({ kind: 'park', page: 1, pageSize: 100 })).items : [];

  router.get('/account/profile', async (_req, res) => {
    const { subscriber } = requireAccount(res);
    kit.render(
      res,
      profilePage({
        ctx: webContext(res),
        subscriber,
        taxonomy: taxonomy(),
        parks: await parksFor(subscriber),
        // A pending or refused request stays selected, so saving other fields does not withdraw it.
        values: { name: subscriber.name, profile: subscriber.profile, parkId: subscriber.parkId ?? subscriber.parkRequest?.parkId ?? null },
        errors: [],
      }),
    );
  });

  router.post('/account/profile', async (req, res) => {
    const { subscriber } = requireAccount(res);
    const form = formOf(req);
    const current = taxonomy();
    const profile: Profile = {};
    for (const dimension of PROFILE_DIMENSIONS) {
      // Deprecated tags are never offered, so a stale one in the profile is dropped on save.
      const tags = strs(form, `p_${dimension}`).filter((id) => !current.get(id)?.deprecated);
      if (tags.length > 0) profile[dimension] = tags;
    }
    const parkId = subscriber.kind === 'enterprise' ? str(form, 'parkId') || null : subscriber.parkId;
    const values = { name: str(form, 'name'), profile, parkId };
    const errors: FieldError[] = values.name.length < 2 || values.name.length > 100 ? [{ field: 'name', message: '名称应为 2–100 个字' }] : [];
    const result = errors.length > 0 ? { ok: false as const, errors } : await attempt(() => services.subscribers.updateProfile({ subscriber, body: values }), profileField);
    if (!result.ok) {
      kit.render(res, profilePage({ ctx: webContext(res), subscriber, taxonomy: current, parks: await parksFor(subscriber), values, errors: result.errors }), 400);
      return;
    }
    kit.flash(res, 'profile_saved');
    res.redirect(303, '/account/profile');
  });

  // ---- contacts ---------------------------------------------------------------------------

  router.get('/account/contacts', (_req, res) => {
    const { subscriber } = requireAccount(res);
    kit.render(res, contactsPage({ ctx: webContext(res), subscriber, values: { channel: 'email', address: '', label: '' }, errors: [] }));
  });

  router.post('/account/contacts', async (req, res) => {
    const { subscriber } = requireAccount(res);
    const form = formOf(req);
    const values = { channel: str(form, 'channel'), address: str(form, 'address'), label: str(form, 'label') };
    const parsed = contactInputSchema.safeParse({ channel: values.channel, address: values.address, label: values.label || null });
    const result = parsed.success
      ? await attempt(() => services.subscribers.addContact({ subscriber, input: parsed.data }))
      : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      kit.render(res, contactsPage({ ctx: webContext(res), subscriber, values, errors: result.errors }), 400);
      return;
    }
    kit.flash(res, 'contact_added');
    res.redirect(303, '/account/contacts');
  });

  router.post('/account/contacts/:contactId/delete', async (req, res) => {
    const { subscriber } = requireAccount(res);
    await services.subscribers.removeContact({ subscriber, contactId: String(req.params.contactId) });
    kit.flash(res, 'contact_removed');
    res.redirect(303, '/account/contacts');
  });

  // The link in the confirmation e-mail lands here; confirming takes a click, so link scanners that
  // fetch every URL in a message cannot confirm an address on the owner's behalf.
  router.get('/account/contacts/confirm', (req, res) => {
    const token = queryStr(req, 'token').slice(0, 200);
    kit.render(res, confirmContactPage({ ctx: webContext(res), token, valid: token.includes('.') }));
  });

  router.post('/account/contacts/confirm', async (req, res) => {
    const token = str(formOf(req), 'token').slice(0, 200);
    const result = await attempt(() => services.subscribers.confirmContact({ token }));
    if (!result.ok) {
      kit.render(res, confirmContactPage({ ctx: webContext(res), token, valid: false }), 400);
      return;
    }
    kit.flash(res, 'contact_confirmed');
    res.redirect(303, webContext(res).viewer.kind === 'account' ? '/account/contacts' : '/');
  });

  // ---- subscriptions ----------------------------------------------------------------------

  router.get('/account/subscriptions', async (_req, res) => {
    const { subscriber } = requireAccount(res);
    const all = await services.subscriptions.list({ subscriber, includeEnded: true });
    kit.render(
      res,
      subscriptionsPage({
        ctx: webContext(res),
        subscriber,
        taxonomy: taxonomy(),
        live: all.filter(isLiveSubscription),
        ended: all.filter((s) => !isLiveSubscription(s)).reverse(),
        feedUrl,
      }),
    );
  });

  router.get('/account/subscriptions/new', async (req, res) => {
    const { subscriber } = requireAccount(res);
    const values: SubscriptionFormValues = { name: '我的订阅', criteria: {}, keywords: '', channels: ['email'], frequency: 'immediate', eligibleOnly: true };
    let basedOn: { id: string; title: string } | null = null;
    const like = queryStr(req, 'like');
    if (/^[a-z0-9][a-z0-9-]{1,63}$/.test(like)) {
      const policy = await services.policies.getPublicView({ id: like }).catch((error: unknown) => {
        if (error instanceof DomainError && error.type === 'not_found') return null;
        throw error;
      });
      if (policy) {
        basedOn = { id: policy.id, title: policy.title };
        // "Like this" means the same needs, industries and kinds of IP; who it applies to is
        // eligibility, which the profile and "eligible only" already take care of.
        const current = taxonomy();
        const byDimension = current.groupByDimension({ ids: policy.tags.filter((id) => !current.get(id)?.deprecated), expand: false });
        const preferred: DimensionId[] = ['need', 'industry', 'ip_type'];
        const chosen = preferred.some((d) => byDimension[d]?.length) ? preferred : (Object.keys(byDimension) as DimensionId[]);
        for (const dimension of chosen) {
          const tags = byDimension[dimension];
          if (tags && tags.length > 0) values.criteria[dimension] = { mode: 'any', tags };
        }
        values.name = `类似：${policy.title}`.slice(0, 60);
      }
    }
    kit.render(res, subscriptionFormPage({ ctx: webContext(res), subscriber, taxonomy: taxonomy(), values, errors: [], subscriptionId: null, basedOn }));
  });

  router.post('/account/subscriptions', async (req, res) => {
    const { subscriber } = requireAccount(res);
    const values = subscriptionValues(formOf(req));
    const parsed = createSubscriptionBodySchema.safeParse(subscriptionPayload(values));
    const result = parsed.success
      ? await attempt(() => services.subscriptions.create({ subscriber, body: parsed.data }), criteriaField)
      : { ok: false as const, errors: zodErrors(parsed.error, criteriaField) };
    if (!result.ok) {
      kit.render(res, subscriptionFormPage({ ctx: webContext(res), subscriber, taxonomy: taxonomy(), values, errors: result.errors, subscriptionId: null, basedOn: null }), 400);
      return;
    }
    kit.flash(res, 'subscription_created');
    res.redirect(303, '/account/subscriptions');
  });

  const ownSubscription = async (req: Request, res: Response) => {
    const { subscriber } = requireAccount(res);
    const subscription = await services.subscriptions.get({ subscriber, subscriptionId: String(req.params.subscriptionId) });
    return { subscriber, subscription };
  };

  router.get('/account/subscriptions/:subscriptionId/edit', async (req, res) => {
    const { subscriber, subscription } = await ownSubscription(req, res);
    if (!isLiveSubscription(subscription)) throw new Redirect('/account/subscriptions');
    kit.render(res, subscriptionFormPage({ ctx: webContext(res), subscriber, taxonomy: taxonomy(), values: valuesOf(subscription), errors: [], subscriptionId: subscription.id, basedOn: null }));
  });

  router.post('/account/subscriptions/:subscriptionId/edit', async (req, res) => {
    const { subscriber, subscription } = await ownSubscription(req, res);
    const values = subscriptionValues(formOf(req));
    // Criteria replace the old ones whole: a dimension left empty in the form is no longer a condition.
    const parsed = updateSubscriptionBodySchema.safeParse(subscriptionPayload(values));
    const result = parsed.success
      ? await attempt(() => services.subscriptions.update({ subscriber, subscriptionId: subscription.id, body: parsed.data }), criteriaField)
      : { ok: false as const, errors: zodErrors(parsed.error, criteriaField) };
    if (!result.ok) {
      kit.render(res, subscriptionFormPage({ ctx: webContext(res), subscriber, taxonomy: taxonomy(), values, errors: result.errors, subscriptionId: subscription.id, basedOn: null }), 400);
      return;
    }
    kit.flash(res, 'subscription_saved');
    res.redirect(303, '/account/subscriptions');
  });

  router.post('/account/subscriptions/:subscriptionId/end', async (req, res) => {
    const { subscriber, subscription } = await ownSubscription(req, res);
    await services.subscriptions.end({ subscriber, subscriptionId: subscription.id, reason: '用户在网页上取消' });
    kit.flash(res, 'subscription_ended');
    res.redirect(303, '/account/subscriptions');
  });

  // ---- password and deletion --------------------------------------------------------------

  router.get('/account/security', (_req, res) => {
    const { account, subscriber } = requireAccount(res);
    kit.render(res, securityPage({ ctx: webContext(res), subscriber, email: account.email, errors: [] }));
  });

  router.post('/account/security/password', async (req, res) => {
    const { account, subscriber } = requireAccount(res);
    const form = formOf(req);
    const current = typeof form.current === 'string' ? form.current : '';
    const next = typeof form.password === 'string' ? form.password : '';
    const confirm = typeof form.passwordConfirm === 'string' ? form.passwordConfirm : '';
    const result =
      next !== confirm
        ? { ok: false as const, errors: [{ field: 'passwordConfirm', message: '两次输入的新密码不一致' }] }
        : await attempt(() => accounts.changePassword({ account, current, next }));
    if (!result.ok) {
      kit.render(res, securityPage({ ctx: webContext(res), subscriber, email: account.email, errors: result.errors }), 400);
      return;
    }
    // Every session of the account ended with the change; this device continues on a new one.
    await kit.beginSession(req, res, { kind: 'account', accountId: account.id });
    kit.flash(res, 'password_changed');
    res.redirect(303, '/account/security');
  });

  router.post('/account/security/delete', async (req, res) => {
    const { account, subscriber } = requireAccount(res);
    const form = formOf(req);
    const password = typeof form.deletePassword === 'string' ? form.deletePassword : '';
    const result =
      str(form, 'confirmDelete') !== '1'
        ? { ok: false as const, errors: [{ field: 'confirmDelete', message: '请勾选确认后再删除' }] }
        : await attempt(() => accounts.deleteAccount({ account, password }), (p) => (p === 'password' ? 'deletePassword' : p));
    if (!result.ok) {
      kit.render(res, securityPage({ ctx: webContext(res), subscriber, email: account.email, errors: result.errors }), 400);
      return;
    }
    await kit.endSession(req, res);
    kit.flash(res, 'account_deleted');
    res.redirect(303, '/');
  });

  return router;
}
