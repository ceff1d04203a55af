import net from 'node:net';

/** Named ranges Express's `trust proxy` knows, usable in address lists too. */
export const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Whether each entry is an address, a CIDR range or a named range (loopback, linklocal, uniquelocal). */
export function addressListProblem(entries: readonly string[]): string | null {
  for (const entry of entries) {
    if (entry in NAMED_RANGES) continue;
    const [ip = '', bits, extra] = entry.split('/');
    const family = net.isIP(ip);
    if (family === 0 || extra !== undefined) return `无法识别的地址：${entry}`;
    if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))) return `无法识别的网段：${entry}`;
  }
  return null;
}
