import { channelSchema, type Channel, type Contact } from '../../schemas/subscriber.schema.js';

type ContactState = Pick<Contact, 'channel' | 'confirmedAt' | 'invalidAt'>;

/**
 * A contact can carry a push when it never bounced and, for email, was confirmed (double opt-in).
 * WeChat contacts and park groups are named by staff, so they need no confirmation.
 */
export function isReachableContact(contact: ContactState): boolean {
  if (contact.invalidAt !== null) return false;
  return contact.channel !== 'email' || contact.confirmedAt !== null;
}

/** The contacts of one channel a push goes to. */
export function reachableContacts<T extends ContactState>({ contacts, channel }: { contacts: readonly T[]; channel: Channel }): T[] {
  return contacts.filter((contact) => contact.channel === channel && isReachableContact(contact));
}

/** Channels with at least one reachable contact, in canonical channel order. */
export function reachableChannels(contacts: readonly ContactState[]): Channel[] {
  const usable = new Set(contacts.filter(isReachableContact).map((contact) => contact.channel));
  return channelSchema.options.filter((channel) => usable.has(channel));
}

/** An email address still to be asked for confirmation: neither confirmed nor known to bounce. */
export function awaitsConfirmation(contact: ContactState): boolean {
  return contact.channel === 'email' && contact.confirmedAt === null && contact.invalidAt === null;
}
