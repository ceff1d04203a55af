import type { Channel } from '../../schemas/subscriber.schema.js';

/**
 * How a contact address shows in staff lists and exports: enough to tell contacts apart, not enough
 * to copy. E-mail keeps the first letter and the domain; WeChat ids and openids keep their ends.
 * A park group's name is the park's own public label and shows in full.
 */
export function maskContact({ channel, address }: { channel: Channel; address: string | null }): string | null {
  if (address === null || address === '') return null;
  if (channel === 'wecom_robot') return address;
  if (channel === 'email') {
    const at = address.lastIndexOf('@');
    if (at <= 0) return `${[...address][0] ?? ''}***`;
    return `${[...address.slice(0, at)][0]}***${address.slice(at)}`;
  }
  const chars = [...address];
  if (chars.length > 10) return `${chars.slice(0, 4).join('')}…${chars.slice(-4).join('')}`;
  return `${chars[0]}***`;
}
