import net from 'node:net';
import type { Request } from 'express';

/**
 * The client address limits and allow-lists are keyed on. `req.ip` already follows the `trust proxy`
 * setting (TRUST_PROXY): the socket's peer unless a trusted proxy reports the client. IPv6 clients
 * are keyed by their /64, which one subscriber line usually owns whole, so rotating through it gains
 * an attacker nothing.
 */
export function clientAddress(req: Request): string {
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (net.isIPv6(address)) return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
  return address;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [''];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Named ranges Express's `trust proxy` knows, usable in address lists too. */
const NAMED_RANGES: Record<string, string[]> = {
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

/** A fixed allow-list of addresses and ranges, checked against a request's client address. */
export class AddressList {
  private readonly list = new net.BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
      const [ip = '', bits] = entry.split('/');
      const type = net.isIPv6(ip) ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(ip, type);
      else this.list.addSubnet(ip, Number(bits), type);
    }
  }

  includes(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address;
    const family = net.isIP(ip);
    if (family === 0) return false;
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}
