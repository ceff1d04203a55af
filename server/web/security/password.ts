import crypto from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard), a per-password random salt and a constant-time
 * comparison. The parameters travel inside the stored string, so they can be raised later without
 * invalidating existing accounts.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1, keyLength: 64, saltLength: 16 } as const;
// scrypt needs 128 * N * r bytes; the default 32 MiB cap is exactly that, so leave headroom.
const MAX_MEMORY = 64 * 1024 * 1024;

function scrypt({ password, salt, N, r, p, keyLength }: { password: string; salt: Buffer; N: number; r: number; p: number; keyLength: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword({ password }: { password: string }): Promise<string> {
  const salt = crypto.randomBytes(PARAMS.saltLength);
  const key = await scrypt({ password, salt, N: PARAMS.N, r: PARAMS.r, p: PARAMS.p, keyLength: PARAMS.keyLength });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword({ password, stored }: { password: string; stored: string }): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  // Refuse parameters no hash of ours would carry rather than let a bad row exhaust memory.
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 20 || R < 1 || R > 32 || P < 1 || P > 16 || expected.length < 16) return false;
  const actual = await scrypt({ password, salt: Buffer.from(salt, 'base64url'), N, r: R, p: P, keyLength: expected.length });
  return crypto.timingSafeEqual(actual, expected);
}

let dummy: Promise<string> | null = null;

/**
 * Spends the same time as a real check when no account matches, so response times do not tell
 * which e-mail addresses have accounts.
 */
export async function burnPasswordCheck({ password }: { password: string }): Promise<false> {
  dummy ??= hashPassword({ password: crypto.randomBytes(16).toString('hex') });
  await verifyPassword({ password, stored: await dummy });
  return false;
}

/** Problems with a new password, in the words shown next to the field; empty when it is acceptable. */
export function passwordProblems({ password, email }: { password: string; email: string }): string[] {
  const problems: string[] = [];
  if (password.length < 10) problems.push('密码至少 10 个字符');
  if (password.length > 200) problems.push('密码不能超过 200 个字符');
  if (email && password.toLowerCase().includes(email.toLowerCase().split('@')[0] ?? '\u0000') && password.length < 16) {
    problems.push('密码不能包含邮箱用户名');
  }
  if (/^(.)\1+$/.test(password) || /^(0123456789|1234567890|abcdefghij|password\d*|qwertyuiop)$/i.test(password)) problems.push('密码过于简单');
  return problems;
}
