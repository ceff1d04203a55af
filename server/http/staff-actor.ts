import { DomainError } from '../errors.js';
import type { Actor } from '../services/actor.js';

/** Routes with a role list always run after authentication; this narrows the type for handlers. */
export function staffActor(actor: Actor | null): Actor {
  if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要登录' });
  return actor;
}
