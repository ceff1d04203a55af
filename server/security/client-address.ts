import net from 'node:net';
import type { Request } from 'express';
import { NAMED_RANGES } from '../../schemas/address-list.schema.js';

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
