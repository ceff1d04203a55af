import crypto from 'node:crypto';
import type { CreateUserBody, User } from '../../schemas/user.schema.js';
import { invalidState, notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import type { Actor } from './actor.js';
import type { AuditService } from './audit.service.js';

/** API tokens are 256 random bits, so a plain SHA-256 is enough to store them safely. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

function newToken(): string {
  return `ppt_${crypto.randomBytes(32).toString('base64url')}`;
}

/** The account ADMIN_TOKEN keys: managed by the environment, so it is re-keyed there, not here. */
const BOOTSTRAP_ADMIN_ID = 'admin';
const BOOTSTRAP_ACTOR: Actor = { id: 'system-config', name: 'ADMIN_TOKEN 配置', role: 'admin' };

/**
 * Staff accounts. Only token hashes are stored (the token is shown once, at creation or rotation);
 * disabling an account or rotating its token stops the old credential and every portal session of
 * the account at once.
 */
export class UserService {
  constructor(private readonly deps: { store: Store; now: () => Date; audit: AuditService }) {}

  async authenticate({ token }: { token: string }): Promise<Actor | null> {
    const user = await this.deps.store.users.findByTokenHash(hashToken(token));
    if (!user || user.disabled) return null;
    return { id: user.id, name: user.name, role: user.role };
  }

  async create({ actor, body }: { actor: Actor; body: CreateUserBody }): Promise<User & { token: string }> {
    const token = newToken();
    const user: User = { ...body, createdAt: this.deps.now().toISOString(), disabled: false };
    await this.deps.store.users.insert({ ...user, tokenHash: hashToken(token) });
    await this.deps.audit.record({ actor, action: 'user.create', targetType: 'user', targetId: user.id, details: { role: user.role } });
    return { ...user, token };
  }

  list(): Promise<User[]> {
    return this.deps.store.users.list();
  }

  async get({ id }: { id: string }): Promise<User> {
    const stored = await this.deps.store.users.get(id);
    if (!stored) throw notFound({ code: 'user_not_found', message: `未找到用户：${id}` });
    const { tokenHash: _hash, ...user } = stored;
    return user;
  }

  /** Disabling takes effect on the next request: the API token is refused and portal sessions end. */
  async setDisabled({ actor, id, disabled }: { actor: Actor; id: string; disabled: boolean }): Promise<User> {
    const user = await this.get({ id });
    if (disabled && id === actor.id) {
      throw invalidState({ code: 'user_disable_self', message: '不能停用自己的账号，请由其他管理员操作' });
    }
    if (disabled && id === BOOTSTRAP_ADMIN_ID) {
      throw invalidState({ code: 'user_bootstrap_admin', message: '系统管理员账号由 ADMIN_TOKEN 管理：请在配置中更换或删除 ADMIN_TOKEN' });
    }
    if (user.disabled === disabled) return user;
    const audit = this.deps.audit.entry({ actor, action: disabled ? 'user.disable' : 'user.enable', targetType: 'user', targetId: id });
    if (!(await this.deps.store.users.setDisabled({ id, disabled, audit }))) throw notFound({ code: 'user_not_found', message: `未找到用户：${id}` });
    return { ...user, disabled };
  }

  /** A new token replaces the old one at once; the new one is returned this single time. */
  async rotateToken({ actor, id }: { actor: Actor; id: string }): Promise<User & { token: string }> {
    const user = await this.get({ id });
    if (id === BOOTSTRAP_ADMIN_ID) {
      throw invalidState({ code: 'user_bootstrap_admin', message: '系统管理员账号由 ADMIN_TOKEN 管理：请在配置中更换 ADMIN_TOKEN 后重启' });
    }
    const token = newToken();
    const audit = this.deps.audit.entry({ actor, action: 'user.token.rotate', targetType: 'user', targetId: id });
    if (!(await this.deps.store.users.replaceToken({ id, tokenHash: hashToken(token), audit }))) {
      throw notFound({ code: 'user_not_found', message: `未找到用户：${id}` });
    }
    return { ...user, token };
  }

  /** The first administrator comes from ADMIN_TOKEN; changing the variable re-keys that account. */
  async bootstrapAdmin({ token }: { token: string }): Promise<void> {
    const tokenHash = hashToken(token);
    const before = await this.deps.store.users.get(BOOTSTRAP_ADMIN_ID);
    await this.deps.store.users.upsertWithToken({
      id: BOOTSTRAP_ADMIN_ID,
      name: '系统管理员',
      role: 'admin',
      tokenHash,
      at: this.deps.now().toISOString(),
    });
    // Every start calls this; only an actual (re)keying is an event worth recording.
    if (before?.tokenHash === tokenHash && !before.disabled) return;
    await this.deps.audit.record({ actor: BOOTSTRAP_ACTOR, action: 'user.admin.bootstrap', targetType: 'user', targetId: BOOTSTRAP_ADMIN_ID, details: { created: before ? 0 : 1 } });
  }
}
