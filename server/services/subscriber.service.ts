import crypto from 'node:crypto';
import type {
  Contact,
  ContactInput,
  CreateSubscriberBody,
  Profile,
  ProfileDimension,
  Subscriber,
  UpdateProfileBody,
} from '../../schemas/subscriber.schema.js';
import { PROFILE_DIMENSIONS, type MembershipDecision, type ParkRequestStatus } from '../../schemas/subscriber.schema.js';
import { forbidden, invalid, notFound } from '../errors.js';
import type { BatchWriteResult, Store } from '../ports/store.port.js';
import type { Signer } from '../security/signer.js';
import { checkCreditCode } from '../subscribers/credit-code.js';
import type { TaxonomyService } from './taxonomy.service.js';
import { hashToken } from './user.service.js';

const CONFIRM_PURPOSE = 'contact-confirm';

function newId(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(8).toString('hex')}`;
}

function newSubscriberToken(): string {
  return `pps_${crypto.randomBytes(32).toString('base64url')}`;
}

export interface PreparedSubscriber {
  subscriber: Subscriber;
  /** Shown once to whoever created the subscriber; only its hash is stored. */
  token: string;
  tokenHash: string;
}

export class SubscriberService {
  constructor(private readonly deps: { store: Store; taxonomy: TaxonomyService; signer: Signer; now: () => Date }) {}

  private at(): string {
    return this.deps.now().toISOString();
  }

  async create({ body, parkId }: { body: CreateSubscriberBody; parkId?: string }): Promise<{ subscriber: Subscriber; token: string }> {
    const { subscriber, token, tokenHash } = await this.prepareNew({ body, parkId });
    await this.deps.store.subscribers.insert({ subscriber, tokenHash });
    return { subscriber, token };
  }

  /** Checks and builds a new subscriber without writing it; bulk imports write many in one batch (`insertBatch`). */
  async prepareNew({ body, parkId }: { body: CreateSubscriberBody; parkId?: string }): Promise<PreparedSubscriber> {
    const at = this.at();
    const subscriber: Subscriber = {
      id: newId(body.kind === 'park' ? 'park' : 'sub'),
      kind: body.kind,
      name: body.name,
      creditCode: body.creditCode ? this.validCreditCode(body.creditCode) : null,
      profile: this.validProfile(body.profile),
      // Whoever creates the subscriber with a park (an administrator, or the park importing its own
      // members) speaks for the park, so the membership starts confirmed.
      parkId: parkId ?? body.parkId,
      parkRequest: null,
      contacts: this.newContacts({ inputs: body.contacts, existing: [] }),
      createdAt: at,
      updatedAt: at,
      revision: 1,
    };
    await this.assertPark({ subscriber });
    const token = newSubscriberToken();
    return { subscriber, token, tokenHash: hashToken(token) };
  }

  /** Prepared subscribers in one transaction; those a uniqueness rule refuses are listed by position. */
  insertBatch(prepared: PreparedSubscriber[]): Promise<BatchWriteResult> {
    return this.deps.store.subscribers.insertBatch(prepared.map(({ subscriber, tokenHash }) => ({ subscriber, tokenHash })));
  }

  async authenticate({ token }: { token: string }): Promise<Subscriber | null> {
    return this.deps.store.subscribers.findByTokenHash(hashToken(token));
  }

  async get({ id }: { id: string }): Promise<Subscriber> {
    const subscriber = await this.deps.store.subscribers.get(id);
    if (!subscriber) throw notFound({ code: 'subscriber_not_found', message: '订阅用户不存在' });
    return subscriber;
  }

  async issueToken({ id }: { id: string }): Promise<{ subscriber: Subscriber; token: string }> {
    const subscriber = await this.get({ id });
    const token = newSubscriberToken();
    await this.deps.store.subscribers.addToken({ subscriberId: id, tokenHash: hashToken(token), at: this.at() });
    return { subscriber, token };
  }

  list({ kind, parkId, page, pageSize }: { kind?: Subscriber['kind']; parkId?: string; page: number; pageSize: number }) {
    return this.deps.store.subscribers.list({ ...(kind ? { kind } : {}), ...(parkId ? { parkId } : {}), limit: pageSize, offset: (page - 1) * pageSize });
  }

  /**
   * The subscriber's own changes. A park it names becomes a request the park must confirm; the
   * enterprise stops being a member of any other park at once, and `null` leaves or withdraws.
   */
  async updateProfile({ subscriber, body }: { subscriber: Subscriber; body: UpdateProfileBody }): Promise<Subscriber> {
    const membership = body.parkId === undefined ? null : await this.membershipChange({ subscriber, parkId: body.parkId });
    const updated: Subscriber = {
      ...subscriber,
      name: body.name ?? subscriber.name,
      profile: body.profile === undefined ? subscriber.profile : this.validProfile(body.profile),
      ...(membership ?? {}),
      updatedAt: this.at(),
      revision: subscriber.revision + 1,
    };
    await this.deps.store.subscribers.update({ subscriber: updated, expectedRevision: subscriber.revision });
    return updated;
  }

  private async membershipChange({ subscriber, parkId }: { subscriber: Subscriber; parkId: string | null }): Promise<Pick<Subscriber, 'parkId' | 'parkRequest'> | null> {
    if (parkId === null) return { parkId: null, parkRequest: null };
    // Naming the same park again changes nothing: a member stays one, a pending or refused request stays as it is.
    if (parkId === subscriber.parkId || parkId === subscriber.parkRequest?.parkId) return null;
    await this.assertPark({ subscriber: { ...subscriber, parkId } });
    return { parkId: null, parkRequest: { parkId, status: 'pending', requestedAt: this.at(), decidedAt: null } };
  }

  /** A park's requests by status (pending: waiting for it; refused: turned down or removed). */
  async memberRequests({ park, status, page, pageSize }: { park: Subscriber; status: ParkRequestStatus; page: number; pageSize: number }) {
    assertParkAccount(park);
    return this.deps.store.subscribers.listParkRequests({ parkId: park.id, status, limit: pageSize, offset: (page - 1) * pageSize });
  }

  /**
   * The park's answer. `confirm` makes a pending or refused request a membership; `refuse` turns a
   * pending request down; `remove` ends a membership (it then reads as refused, so the park can undo it).
   */
  async decideMembership({ park, subscriberId, decision }: { park: Subscriber; subscriberId: string; decision: MembershipDecision }): Promise<Subscriber> {
    assertParkAccount(park);
    const subscriber = await this.deps.store.subscribers.get(subscriberId);
    const member = subscriber?.parkId === park.id;
    const requested = subscriber?.parkRequest?.parkId === park.id;
    if (!subscriber || (!member && !requested)) throw notFound({ code: 'park_request_not_found', message: '没有这家企业的入园申请' });
    const at = this.at();
    const save = async (next: Pick<Subscriber, 'parkId' | 'parkRequest'>) => {
      const updated: Subscriber = { ...subscriber, ...next, updatedAt: at, revision: subscriber.revision + 1 };
      await this.deps.store.subscribers.update({ subscriber: updated, expectedRevision: subscriber.revision });
      return updated;
    };
    const refused = { parkId: park.id, status: 'refused' as const, requestedAt: subscriber.parkRequest?.requestedAt ?? at, decidedAt: at };
    if (decision === 'confirm') return member ? subscriber : save({ parkId: park.id, parkRequest: null });
    if (decision === 'refuse') {
      if (member) throw invalid({ code: 'park_member_confirmed', message: '该企业已是成员企业，如需移出请使用“移出园区”' });
      return subscriber.parkRequest?.status === 'refused' ? subscriber : save({ parkId: subscriber.parkId, parkRequest: refused });
    }
    if (!member) throw invalid({ code: 'park_member_not_confirmed', message: '该企业还不是成员企业' });
    return save({ parkId: null, parkRequest: refused });
  }

  async addContact({ subscriber, input }: { subscriber: Subscriber; input: ContactInput }): Promise<{ subscriber: Subscriber; contact: Contact }> {
    const [contact] = this.newContacts({ inputs: [input], existing: subscriber.contacts });
    if (!contact) throw invalid({ code: 'contact_invalid', message: '联系方式无效' });
    const updated = { ...subscriber, contacts: [...subscriber.contacts, contact], updatedAt: this.at(), revision: subscriber.revision + 1 };
    await this.deps.store.subscribers.update({ subscriber: updated, expectedRevision: subscriber.revision });
    return { subscriber: updated, contact };
  }

  async removeContact({ subscriber, contactId }: { subscriber: Subscriber; contactId: string }): Promise<Subscriber> {
    if (!subscriber.contacts.some((c) => c.id === contactId)) throw notFound({ code: 'contact_not_found', message: '联系方式不存在' });
    const updated = { ...subscriber, contacts: subscriber.contacts.filter((c) => c.id !== contactId), updatedAt: this.at(), revision: subscriber.revision + 1 };
    await this.deps.store.subscribers.update({ subscriber: updated, expectedRevision: subscriber.revision });
    return updated;
  }

  /** The link in the confirmation message (double opt-in): signed, so it needs no stored token. */
  confirmationToken({ contactId }: { contactId: string }): string {
    return this.deps.signer.sign({ purpose: CONFIRM_PURPOSE, value: contactId });
  }

  async confirmContact({ token }: { token: string }): Promise<Contact> {
    const contactId = this.deps.signer.verify({ purpose: CONFIRM_PURPOSE, token });
    const invalidLink = invalid({ code: 'confirmation_invalid', message: '确认链接无效，请从最新的确认邮件中打开' });
    if (!contactId) throw invalidLink;
    const contact = await this.deps.store.subscribers.setContactState({ contactId, confirmedAt: this.at(), at: this.at() });
    if (!contact) throw invalidLink;
    return contact;
  }

  private newContacts({ inputs, existing }: { inputs: ContactInput[]; existing: Contact[] }): Contact[] {
    const seen = new Set(existing.map((c) => `${c.channel}:${c.address}`));
    return inputs.map((input) => {
      const key = `${input.channel}:${input.address}`;
      if (seen.has(key)) throw invalid({ code: 'contact_duplicate', message: `联系方式重复：${input.address}` });
      seen.add(key);
      // WeChat contacts and groups are named by the user and need no confirmation; email does (double opt-in).
      return { id: newId('c'), channel: input.channel, address: input.address, label: input.label, confirmedAt: input.channel === 'wechat' ? this.at() : null, invalidAt: null };
    });
  }

  private validCreditCode(code: string): string {
    const check = checkCreditCode(code);
    if (!check.valid) throw invalid({ code: 'credit_code_invalid', message: check.reason, details: { field: 'creditCode' } });
    return check.code;
  }

  private validProfile(profile: Profile): Profile {
    const taxonomy = this.deps.taxonomy.current();
    const out: Profile = {};
    for (const [dimension, ids] of Object.entries(profile) as [ProfileDimension, string[] | undefined][]) {
      if (!PROFILE_DIMENSIONS.includes(dimension)) continue;
      taxonomy.assertUsable({ ids: ids ?? [], dimension, field: `profile.${dimension}` });
      // An empty list would read as "stated: none"; leaving the dimension out keeps it unknown (待确认).
      if (ids && ids.length > 0) out[dimension] = [...new Set(ids)];
    }
    return out;
  }

  private async assertPark({ subscriber }: { subscriber: Subscriber }): Promise<void> {
    if (!subscriber.parkId) return;
    if (subscriber.kind !== 'enterprise') throw invalid({ code: 'park_member_kind', message: '只有企业可以加入园区' });
    const park = await this.deps.store.subscribers.get(subscriber.parkId);
    if (!park || park.kind !== 'park') throw invalid({ code: 'park_unknown', message: `园区不存在：${subscriber.parkId}`, details: { field: 'parkId' } });
  }
}

function assertParkAccount(park: Subscriber): void {
  if (park.kind !== 'park') throw forbidden({ code: 'park_only', message: '只有园区账号可以管理成员企业' });
}
