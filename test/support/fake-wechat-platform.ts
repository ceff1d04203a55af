import http from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';

/** The documented limits of subscription-notice fields the fake enforces (characters). */
const FIELD_LIMITS: Record<string, number> = { thing: 20, character_string: 32, phrase: 5, number: 32, letter: 32, symbol: 5, name: 10, time: 32, date: 32 };

export interface ReceivedNotice {
  openid: string;
  templateId: string;
  page: string;
  data: Record<string, { value: string }>;
  at: number;
}

export interface ReceivedRobotMessage {
  key: string;
  msgtype: string;
  content: string;
  at: number;
}

type Json = Record<string, unknown>;

/**
 * A local HTTP server speaking the parts of the WeChat Official Account platform and WeCom group
 * robots the official channels use, with state and the documented error answers:
 *
 * - `GET /connect/oauth2/authorize` — the follower confirms in WeChat: redirects to `redirect_uri`
 *   with a one-time `code` for `nextFollower` and the `state` unchanged;
 * - `GET /sns/oauth2/access_token` — code → openid (40029 invalid code, 40125 wrong secret);
 * - `POST /cgi-bin/stable_token` and `GET /cgi-bin/token` — access tokens (40125 wrong secret);
 * - `POST /cgi-bin/message/subscribe/bizsend` — 40001 unknown token, 42001 expired token, 40003 not a
 *   follower, 43101 follower refused, 45009 rate limit (`rateLimitNext`), 47003 field over its limit;
 * - `POST /cgi-bin/webhook/send?key=` — 93000 unknown key, 45009 over `robotLimit` per `robotWindowMs`,
 *   40058 markdown over 4096 bytes.
 */
export class FakeWechatPlatform {
  readonly apps = new Map<string, string>();
  readonly followers = new Set<string>();
  readonly refused = new Set<string>();
  /** The openid the next authorisation returns (the follower who opened the link). */
  nextFollower: string | null = null;
  readonly notices: ReceivedNotice[] = [];
  readonly robotKeys = new Set<string>();
  readonly robotMessages: ReceivedRobotMessage[] = [];
  /** Answers the next N notice sends with 45009. */
  rateLimitNext = 0;
  /** Load tests: every openid follows and every robot key exists. */
  openHouse = false;
  robotLimit = 20;
  robotWindowMs = 60_000;
  tokenRequests = 0;
  /** Notices and robot messages accepted (counted in every mode). */
  delivered = 0;
  /** Every answer the platform gave to a send, in order (errcode per call). */
  readonly answers: { path: string; errcode: number }[] = [];
  private readonly tokens = new Map<string, { appId: string; expiresAt: number }>();
  private readonly codes = new Map<string, string>();
  private readonly robotTimes = new Map<string, number[]>();
  private server: http.Server | null = null;
  private address = '';

  get url(): string {
    return this.address;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.address = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }

  /** Ends every token the platform issued, as if two hours had passed (the next send gets 42001). */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = Date.now() - 1;
  }

  /** Where the follower's WeChat would land after confirming: the callback with code and state. */
  private authorize(url: URL): { status: number; location?: string; body?: Json } {
    const appId = url.searchParams.get('appid') ?? '';
    const redirect = url.searchParams.get('redirect_uri');
    if (!this.apps.has(appId) || !redirect) return { status: 200, body: { errcode: 40013, errmsg: 'invalid appid' } };
    if (url.searchParams.get('response_type') !== 'code') return { status: 200, body: { errcode: 40097, errmsg: 'invalid args' } };
    const code = crypto.randomBytes(8).toString('hex');
    if (this.nextFollower) this.codes.set(code, this.nextFollower);
    const target = new URL(redirect);
    target.searchParams.set('code', code);
    target.searchParams.set('state', url.searchParams.get('state') ?? '');
    return { status: 302, location: target.toString() };
  }

  private issueToken(appId: string, secret: string): Json {
    this.tokenRequests += 1;
    if (this.apps.get(appId) !== secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    // The stable token stays the same until it expires, as the platform documents.
    for (const [token, entry] of this.tokens) {
      if (entry.appId === appId && entry.expiresAt > Date.now()) return { access_token: token, expires_in: Math.floor((entry.expiresAt - Date.now()) / 1000) };
    }
    const token = `tok_${crypto.randomBytes(12).toString('hex')}`;
    this.tokens.set(token, { appId, expiresAt: Date.now() + 7200_000 });
    return { access_token: token, expires_in: 7200 };
  }

  private bizsend(url: URL, body: Json): Json {
    const entry = this.tokens.get(url.searchParams.get('access_token') ?? '');
    if (!entry) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    if (entry.expiresAt <= Date.now()) return { errcode: 42001, errmsg: 'access_token expired' };
    if (this.rateLimitNext > 0) {
      this.rateLimitNext -= 1;
      return { errcode: 45009, errmsg: 'reach max api daily quota limit' };
    }
    const openid = String(body.touser ?? '');
    if (!this.openHouse && !this.followers.has(openid)) return { errcode: 40003, errmsg: 'invalid openid' };
    if (this.refused.has(openid)) return { errcode: 43101, errmsg: 'user refuse to accept the msg' };
    const data = (body.data ?? {}) as Record<string, { value?: unknown }>;
    for (const [key, field] of Object.entries(data)) {
      const kind = /^([a-z_]+?)\d+$/.exec(key)?.[1] ?? '';
      const limit = FIELD_LIMITS[kind];
      const value = typeof field?.value === 'string' ? field.value : '';
      if (limit === undefined || value === '' || Array.from(value).length > limit) return { errcode: 47003, errmsg: `argument invalid! data.${key}.value invalid` };
    }
    if (this.openHouse) {
      this.delivered += 1;
      return { errcode: 0, errmsg: 'ok', msgid: this.delivered };
    }
    this.notices.push({ openid, templateId: String(body.template_id ?? ''), page: String(body.page ?? ''), data: data as Record<string, { value: string }>, at: Date.now() });
    return { errcode: 0, errmsg: 'ok', msgid: this.notices.length };
  }

  private robot(url: URL, body: Json): Json {
    const key = url.searchParams.get('key') ?? '';
    if (!this.openHouse && !this.robotKeys.has(key)) return { errcode: 93000, errmsg: 'invalid webhook url' };
    const now = Date.now();
    const times = (this.robotTimes.get(key) ?? []).filter((t) => t > now - this.robotWindowMs);
    if (times.length >= this.robotLimit) return { errcode: 45009, errmsg: 'api freq out of limit' };
    const msgtype = String(body.msgtype ?? '');
    const content = msgtype === 'markdown' ? String((body.markdown as Json | undefined)?.content ?? '') : JSON.stringify(body.news ?? {});
    if (Buffer.byteLength(content, 'utf8') > 4096) return { errcode: 40058, errmsg: 'markdown.content exceed max length 4096' };
    times.push(now);
    this.robotTimes.set(key, times);
    this.delivered += 1;
    if (this.openHouse) return { errcode: 0, errmsg: 'ok' };
    this.robotMessages.push({ key, msgtype, content, at: now });
    return { errcode: 0, errmsg: 'ok' };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.address);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Json) : {};
    const send = (answer: Json) => {
      if (typeof answer.errcode === 'number') this.answers.push({ path: url.pathname, errcode: answer.errcode });
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(answer));
    };
    if (req.method === 'GET' && url.pathname === '/connect/oauth2/authorize') {
      const answer = this.authorize(url);
      if (answer.location) {
        res.statusCode = 302;
        res.setHeader('location', answer.location);
        res.end();
      } else send(answer.body ?? {});
      return;
    }
    if (req.method === 'GET' && url.pathname === '/sns/oauth2/access_token') {
      const appId = url.searchParams.get('appid') ?? '';
      if (this.apps.get(appId) !== url.searchParams.get('secret')) return send({ errcode: 40125, errmsg: 'invalid appsecret' });
      const openid = this.codes.get(url.searchParams.get('code') ?? '');
      if (!openid) return send({ errcode: 40029, errmsg: 'invalid code' });
      this.codes.delete(url.searchParams.get('code') ?? '');
      return send({ access_token: 'web-token', expires_in: 7200, refresh_token: 'r', openid, scope: 'snsapi_base' });
    }
    if (req.method === 'POST' && url.pathname === '/cgi-bin/stable_token') return send(this.issueToken(String(body.appid ?? ''), String(body.secret ?? '')));
    if (req.method === 'GET' && url.pathname === '/cgi-bin/token') return send(this.issueToken(url.searchParams.get('appid') ?? '', url.searchParams.get('secret') ?? ''));
    if (req.method === 'POST' && url.pathname === '/cgi-bin/message/subscribe/bizsend') return send(this.bizsend(url, body));
    if (req.method === 'POST' && url.pathname === '/cgi-bin/webhook/send') return send(this.robot(url, body));
    res.statusCode = 404;
    res.end('not found');
  }
}
