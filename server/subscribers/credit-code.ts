/**
 * 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-symbol alphabet without I, O, S, V, Z;
 * the last one is a check character over the first 17 with weights 3^i mod 31.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type CreditCodeCheck = { valid: true; code: string } | { valid: false; reason: string };

export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += ALPHABET.indexOf(first17.charAt(i)) * (WEIGHTS[i] ?? 0);
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}

export function checkCreditCode(input: string): CreditCodeCheck {
  const code = input.trim().toUpperCase();
  if (code.length !== 18) return { valid: false, reason: `统一社会信用代码应为 18 位，当前为 ${code.length} 位` };
  const bad = [...code].find((ch) => !ALPHABET.includes(ch));
  if (bad) return { valid: false, reason: `统一社会信用代码含有无效字符“${bad}”（不使用 I、O、S、V、Z）` };
  if (!/^\d{6}$/.test(code.slice(2, 8))) return { valid: false, reason: '统一社会信用代码第 3–8 位应为行政区划代码（数字）' };
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (code.charAt(17) !== expected) return { valid: false, reason: '统一社会信用代码校验位不正确，请核对是否抄错' };
  return { valid: true, code };
}

/** A valid code for an index, for demo data, tests and benchmarks (not a real registration). */
export function syntheticCreditCode(index: number): string {
  const body = `91310115${String(index).padStart(9, '0')}`.slice(0, 17);
  return body + creditCodeCheckCharacter(body);
}
