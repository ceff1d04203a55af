import { RateLimiter } from './rate-limit.js';

export interface ThrottleWindow {
  limit: number;
  windowMs: number;
}

export type ThrottleVerdict = { limited: false } | { limited: true; retryAfterSeconds: number };

/**
 * Failed sign-ins, counted per client address and per account separately; a success never counts.
 *
 * The address limit never stops a credential from being checked: behind one NAT or reverse proxy a
 * stranger's typos must not lock out a colleague holding the right token. It only turns further wrong
 * attempts from that address into 429s.
 *
 * The account limit is what actually slows guessing of one account's password: once it is reached the
 * password is not checked at all, except from a browser that has signed in to that account before
 * (see `SignInDevices`), so the owner keeps getting in while a guesser learns nothing for the rest of
 * the window. Staff tokens name no account until they match, and at 256 random bits they cannot be
 * guessed, so staff sign-in has the address limit only.
 */
export class SignInThrottle {
  private readonly byAddress: RateLimiter;
  private readonly byAccount: RateLimiter | null;

  constructor({ address, account, now }: { address: ThrottleWindow; account?: ThrottleWindow; now?: () => number }) {
    this.byAddress = new RateLimiter({ ...address, ...(now ? { now } : {}) });
    this.byAccount = account ? new RateLimiter({ ...account, ...(now ? { now } : {}) }) : null;
  }

  /** Before the credential is checked: only a locked account, on a browser it was never used on, stops the check. */
  beforeCheck({ account, knownDevice }: { account: string | null; knownDevice: boolean }): ThrottleVerdict {
    if (!this.byAccount || account === null || knownDevice) return { limited: false };
    const state = this.byAccount.blocked(accountKey(account));
    return state.blocked ? { limited: true, retryAfterSeconds: state.retryAfterSeconds } : { limited: false };
  }

  /** After a wrong credential: counts it once against the address and once against the account. */
  failed({ address, account }: { address: string; account: string | null }): ThrottleVerdict {
    const hits = [this.byAddress.hit(address), ...(this.byAccount && account !== null ? [this.byAccount.hit(accountKey(account))] : [])];
    const over = hits.filter((h) => !h.allowed);
    if (over.length === 0) return { limited: false };
    return { limited: true, retryAfterSeconds: Math.max(...over.map((h) => h.retryAfterSeconds)) };
  }

  /**
   * A correct credential forgets the account's failures. The address keeps its count: otherwise a
   * guesser with one valid account of their own could wipe it between guesses at other accounts.
   */
  succeeded({ account }: { account: string | null }): void {
    if (this.byAccount && account !== null) this.byAccount.reset(accountKey(account));
  }
}

/** E-mail addresses are compared case-insensitively, as sign-in looks them up. */
function accountKey(account: string): string {
  return account.trim().toLowerCase();
}

/** The message and Retry-After of a refused sign-in, in whole minutes as people read them. */
export function retryMessage(retryAfterSeconds: number): string {
  return `尝试次数过多，请 ${Math.max(1, Math.ceil(retryAfterSeconds / 60))} 分钟后再试。`;
}
