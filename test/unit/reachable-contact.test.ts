import { expect } from 'chai';
import type { Contact } from '../../schemas/subscriber.schema.js';
import { awaitsConfirmation, isReachableContact, reachableChannels, reachableContacts } from '../../server/subscribers/reachable-contact.js';

const AT = '2026-05-01T00:00:00.000Z';
const contact = (id: string, channel: Contact['channel'], overrides: Partial<Contact> = {}): Contact => ({ id, channel, address: `${id}@example.cn`, label: null, confirmedAt: null, invalidAt: null, ...overrides });

describe('reachable contacts', () => {
  it('needs a confirmed email, takes WeChat contacts as named, and never a bounced address', () => {
    expect(isReachableContact(contact('e1', 'email'))).to.equal(false);
    expect(isReachableContact(contact('e2', 'email', { confirmedAt: AT }))).to.equal(true);
    expect(isReachableContact(contact('e3', 'email', { confirmedAt: AT, invalidAt: AT }))).to.equal(false);
    expect(isReachableContact(contact('w1', 'wechat'))).to.equal(true);
    expect(isReachableContact(contact('w2', 'wechat', { invalidAt: AT }))).to.equal(false);
  });

  it('lists the reachable contacts of a channel and the channels in canonical order', () => {
    const contacts = [contact('w1', 'wechat'), contact('e1', 'email'), contact('e2', 'email', { confirmedAt: AT }), contact('w2', 'wechat', { invalidAt: AT })];
    expect(reachableContacts({ contacts, channel: 'email' }).map((c) => c.id)).to.deep.equal(['e2']);
    expect(reachableContacts({ contacts, channel: 'wechat' }).map((c) => c.id)).to.deep.equal(['w1']);
    expect(reachableChannels(contacts)).to.deep.equal(['email', 'wechat']);
    expect(reachableChannels([contact('e1', 'email')])).to.deep.equal([]);
  });

  it('asks an email address to confirm only while it is neither confirmed nor bounced', () => {
    expect(awaitsConfirmation(contact('e1', 'email'))).to.equal(true);
    expect(awaitsConfirmation(contact('e2', 'email', { confirmedAt: AT }))).to.equal(false);
    expect(awaitsConfirmation(contact('e3', 'email', { invalidAt: AT }))).to.equal(false);
    expect(awaitsConfirmation(contact('w1', 'wechat'))).to.equal(false);
  });
});
