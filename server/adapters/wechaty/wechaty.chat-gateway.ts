import fs from 'node:fs';
import path from 'node:path';
import { ChatSendError, type ChatGateway, type ChatLoginState, type ChatStatus, type ChatTarget } from '../../ports/chat-gateway.port.js';
import type { Logger } from '../../logger.js';

/** One message as the mock puppet's side received it (the mock log, and what tests assert). */
export interface MockReceived {
  at: string;
  type: 'contact' | 'room';
  name: string;
  text: string;
}

interface Sayable {
  say(text: string): Promise<unknown>;
}

interface Bot {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly isLoggedIn: boolean;
  Contact: { find(query: { name: string } | { alias: string }): Promise<Sayable | undefined> };
  Room: { find(query: { topic: string }): Promise<Sayable | undefined> };
}

interface MockConversation {
  id: string;
  on(event: 'message', listener: (message: { talker(): { id: string }; text(): string | undefined }) => void): unknown;
}

interface MockControls {
  createContact(payload: { name: string }): MockConversation;
  createRoom(payload: { topic: string; memberIdList: string[] }): MockConversation;
  login(user: MockConversation): void;
  logout(): Promise<void>;
}

const OFFICIAL_PUPPETS = [
  'wechaty-puppet-service',
  'wechaty-puppet-mock',
  'wechaty-puppet-wechat',
  'wechaty-puppet-wechat4u',
  'wechaty-puppet-padlocal',
  'wechaty-puppet-xp',
  'wechaty-puppet-oicq',
  'wechaty-puppet-official-account',
  'wechaty-puppet-gitter',
  'wechaty-puppet-lark',
  'wechaty-puppet-whatsapp',
  'wechaty-puppet-walnut',
  '@juzibot/wechaty-puppet-donut',
  '@juzibot/wechaty-puppet-wxwork',
] as const;
type OfficialPuppet = (typeof OFFICIAL_PUPPETS)[number];
const isOfficialPuppet = (name: string): name is OfficialPuppet => (OFFICIAL_PUPPETS as readonly string[]).includes(name);

const BOT_NAME = '政策推送助手';

/** The mock's event emitter types come from a types-only package that does not resolve under NodeNext; the runtime object has `on`. */
function asConversation(mockObject: { id: string }): MockConversation {
  return mockObject as unknown as MockConversation;
}

/**
 * The WeChat side of the dispatcher, behind Wechaty (the chat gateway port). With the mock puppet (default and tests) the
 * bot logs itself in, every contact or group it is asked to reach exists, and what each one
 * receives is appended to `wechat-mock.log` in the data directory.
 */
export class WechatyChatGateway implements ChatGateway {
  private bot: Bot | null = null;
  private mock: { controls: MockControls; user: MockConversation; known: Set<string> } | null = null;
  private current: ChatStatus;
  private readonly received: MockReceived[] = [];
  private readonly listeners: ((status: ChatStatus) => void)[] = [];

  constructor(
    private readonly options: { puppet: string; token?: string; dataDir: string; logger: Logger; now?: () => Date },
  ) {
    this.current = { puppet: options.puppet, state: 'stopped', account: null, detail: null, since: this.at() };
  }

  private at(): string {
    return (this.options.now ? this.options.now() : new Date()).toISOString();
  }

  get isMock(): boolean {
    return this.options.puppet === 'wechaty-puppet-mock';
  }

  get mockLogFile(): string {
    return path.join(this.options.dataDir, 'wechat-mock.log');
  }

  status(): ChatStatus {
    return { ...this.current };
  }

  onStatus(listener: (status: ChatStatus) => void): void {
    this.listeners.push(listener);
  }

  private setState(state: ChatLoginState, detail: string | null, account: string | null = this.current.account): void {
    this.current = { puppet: this.options.puppet, state, account, detail, since: this.at() };
    for (const listener of this.listeners) listener(this.status());
  }

  async start(): Promise<void> {
    if (this.bot) return;
    this.setState('starting', null);
    try {
      const { WechatyBuilder } = await import('wechaty');
      let bot: Bot;
      if (this.isMock) {
        const { PuppetMock, mock } = await import('wechaty-puppet-mock');
        const mocker = new mock.Mocker();
        const puppet = new PuppetMock({ mocker });
        bot = WechatyBuilder.build({ name: path.join(this.options.dataDir, 'wechaty-mock'), puppet }) as unknown as Bot;
        this.mock = {
          controls: {
            createContact: (payload) => asConversation(mocker.createContact(payload)),
            createRoom: (payload) => asConversation(mocker.createRoom(payload)),
            login: (user) => mocker.login(mocker.ContactMock.load(user.id)),
            logout: () => puppet.logout(),
          },
          user: { id: '', on: () => undefined },
          known: new Set(),
        };
      } else {
        if (!isOfficialPuppet(this.options.puppet)) throw new Error(`不支持的 WECHATY_PUPPET：${this.options.puppet}`);
        bot = WechatyBuilder.build({
          name: path.join(this.options.dataDir, 'wechaty'),
          puppet: this.options.puppet,
          puppetOptions: this.options.token ? { token: this.options.token } : {},
        }) as unknown as Bot;
      }
      bot.on('scan', (qrcode: unknown, status: unknown) => {
        this.setState('waiting_scan', `请扫码登录：${String(qrcode)}`);
        this.options.logger.warn('wechat login required: scan the QR code', { qrcode: String(qrcode), status: Number(status) });
      });
      bot.on('login', (user: unknown) => {
        const name = typeof user === 'object' && user !== null && 'name' in user && typeof user.name === 'function' ? String(user.name()) : 'bot';
        this.setState('logged_in', null, name);
        this.options.logger.info('wechat bot logged in', { account: name, puppet: this.options.puppet });
      });
      bot.on('logout', (_user: unknown, reason: unknown) => {
        this.setState('logged_out', reason ? String(reason) : '已退出登录');
        this.options.logger.warn('wechat bot logged out; the WeChat queue is paused until it logs in again', { reason: reason ? String(reason) : null });
      });
      bot.on('error', (error: unknown) => {
        this.options.logger.error('wechat bot error', { error });
      });
      this.bot = bot;
      await bot.start();
      if (this.mock) {
        const user = this.mock.controls.createContact({ name: BOT_NAME });
        this.mock.user = user;
        this.mock.controls.login(user);
        await this.waitFor(() => bot.isLoggedIn, 2000);
      }
    } catch (error) {
      this.setState('failed', error instanceof Error ? error.message : String(error));
      this.options.logger.error('wechat bot failed to start', { error });
    }
  }

  private async waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }

  get loggedIn(): boolean {
    return this.current.state === 'logged_in' && (this.bot?.isLoggedIn ?? false);
  }

  async stop(): Promise<void> {
    const bot = this.bot;
    this.bot = null;
    if (bot) {
      try {
        await bot.stop();
      } catch (error) {
        this.options.logger.warn('wechat bot stop failed', { error });
      }
    }
    this.setState('stopped', null);
  }

  /** Mock only: log the bot out (tests of the paused queue). */
  async mockLogout(): Promise<void> {
    if (!this.mock) throw new Error('mockLogout needs the mock puppet');
    await this.mock.controls.logout();
    await this.waitFor(() => !(this.bot?.isLoggedIn ?? false), 2000);
  }

  /** Mock only: log the bot back in. */
  async mockLogin(): Promise<void> {
    if (!this.mock || !this.bot) throw new Error('mockLogin needs the mock puppet');
    this.mock.controls.login(this.mock.user);
    const bot = this.bot;
    await this.waitFor(() => bot.isLoggedIn, 2000);
  }

  /** Mock only: what each contact and group received, in order. */
  mockInbox(): MockReceived[] {
    return [...this.received];
  }

  private provision(target: ChatTarget): void {
    if (!this.mock) return;
    const key = `${target.type}:${target.name}`;
    if (this.mock.known.has(key)) return;
    this.mock.known.add(key);
    const conversation =
      target.type === 'room'
        ? this.mock.controls.createRoom({ topic: target.name, memberIdList: [this.mock.user.id] })
        : this.mock.controls.createContact({ name: target.name });
    const userId = this.mock.user.id;
    conversation.on('message', (message) => {
      if (message.talker().id !== userId) return;
      // Wall-clock time of receipt: pacing is measured in real time whatever clock the platform runs on.
      const entry: MockReceived = { at: new Date().toISOString(), type: target.type, name: target.name, text: message.text() ?? '' };
      this.received.push(entry);
      fs.appendFileSync(this.mockLogFile, `${JSON.stringify(entry)}\n`);
    });
  }

  async send({ target, text }: { target: ChatTarget; text: string }): Promise<{ response: string }> {
    const bot = this.bot;
    if (!bot || !this.loggedIn) throw new ChatSendError('logged_out', false, '微信机器人未登录');
    this.provision(target);
    const conversation = target.type === 'room' ? await bot.Room.find({ topic: target.name }) : ((await bot.Contact.find({ alias: target.name })) ?? (await bot.Contact.find({ name: target.name })));
    if (!conversation) throw new ChatSendError('recipient_not_found', true, `找不到${target.type === 'room' ? '群' : '联系人'}：${target.name}`);
    try {
      await conversation.say(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!bot.isLoggedIn || /not logged in/i.test(message)) throw new ChatSendError('logged_out', false, message);
      throw new ChatSendError('provider_error', false, message);
    }
    return { response: `sent to ${target.type} ${target.name}` };
  }
}
