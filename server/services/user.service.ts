import crypto from 'node:crypto';
import type { CreateUserBody, User } from '../../schemas/user.schema.js';
import type { Store } from '../ports/store.port.js';
import type { Actor } from './actor.js';

/** API tokens are 256 random bits, so a plain SHA-256 is enough to store them safely. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

function newToken(): string {
  return `ppt_${crypto.randomBytes(32).toString('base64url')}`;
}

export class UserService {
  constructor(private readonly deps: { store: Store; now: () => Date }) {}

  async authenticate({ token }: { token: string }): Promise<Actor | null> {
    const user = await this.deps.store.users.findByTokenHash(hashToken(token));
    if (!user || user.disabled) return null;
    return { id: user.id, name: user.name, role: user.role };
  }

  async create({ body }: { body: CreateUserBody }): Promise<User & { token: string }> {
    const token = newToken();
    const user: User = { ...body, createdAt: this.deps.now().toISOString(), disabled: false };
    await this.deps.store.users.insert({ ...user, tokenHash: hashToken(token) });
    return { ...user, token };
  }

  list(): Promise<User[]> {
    return this.deps.store.users.list();
  }

  /** The first administrator comes from ADMIN_TOKEN; changing the variable re-keys that account. */
  async bootstrapAdmin({ token }: { token: string }): Promise<void> {
    await this.deps.store.users.upsertWithToken({
      id: 'admin',
      name: '系统管理员',
      role: 'admin',
      tokenHash: hashToken(token),
      at: this.deps.now().toISOString(),
    });
  }
}
