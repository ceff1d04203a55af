import { z } from 'zod';
import { contactSchema, subscriberSchema, type Contact, type ParkRequestStatus, type Subscriber } from '../../../schemas/subscriber.schema.js';
import { subscriptionSchema, type Subscription } from '../../../schemas/subscription.schema.js';
import { DomainError, notFound } from '../../errors.js';
import type { ChangedId, SubscriberRepository, SubscriptionRepository } from '../../ports/store.port.js';
import { mapConstraint, nextChangeSeq, readSeq, writeBatch, type Db } from './sqlite.support.js';

const contactRowSchema = z.object({
  id: z.string(),
  subscriber_id: z.string(),
  channel: z.string(),
  address: z.string(),
  label: z.string().nullable(),
  confirmed_at: z.string().nullable(),
  invalid_at: z.string().nullable(),
});
const docRowSchema = z.object({ doc: z.string() });

function contactFromRow(row: unknown): Contact & { subscriberId: string } {
  const r = contactRowSchema.parse(row);
  return {
    ...contactSchema.parse({ id: r.id, channel: r.channel, address: r.address, label: r.label, confirmedAt: r.confirmed_at, invalidAt: r.invalid_at }),
    subscriberId: r.subscriber_id,
  };
}

/** Bumps the subscriber's change sequence so audience followers reload it (and its subscriptions). */
export function touchSubscriber(db: Db, subscriberId: string): void {
  db.prepare('UPDATE subscribers SET change_seq = ? WHERE id = ?').run(nextChangeSeq(db, 1, 'subscriber_change_seq'), subscriberId);
}

export class SqliteSubscriberRepository implements SubscriberRepository {
  constructor(private readonly db: Db) {}

  private hydrate(rows: unknown[]): Subscriber[] {
    const docs = rows.map((row) => JSON.parse(docRowSchema.parse(row).doc) as Record<string, unknown>);
    if (docs.length === 0) return [];
    const ids = docs.map((d) => String(d.id));
    const contacts = new Map<string, Contact[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rowsForChunk = this.db
        .prepare(`SELECT * FROM contacts WHERE subscriber_id IN (${chunk.map(() => '?').join(',')}) ORDER BY sort`)
        .all(...chunk)
        .map(contactFromRow);
      for (const { subscriberId, ...contact } of rowsForChunk) {
        const list = contacts.get(subscriberId) ?? [];
        list.push(contact);
        contacts.set(subscriberId, list);
      }
    }
    return docs.map((doc) => subscriberSchema.parse({ ...doc, contacts: contacts.get(String(doc.id)) ?? [] }));
  }

  private writeContacts(subscriber: Subscriber): void {
    const keep = subscriber.contacts.map((c) => c.id);
    this.db
      .prepare(`DELETE FROM contacts WHERE subscriber_id = ? AND id NOT IN (${keep.map(() => '?').join(',') || "''"})`)
      .run(subscriber.id, ...keep);
    const upsert = this.db.prepare(
      `INSERT INTO contacts (id, subscriber_id, channel, address, label, confirmed_at, invalid_at, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET channel = excluded.channel, address = excluded.address, label = excluded.label,
         confirmed_at = excluded.confirmed_at, invalid_at = excluded.invalid_at, sort = excluded.sort`,
    );
    subscriber.contacts.forEach((c, i) => upsert.run(c.id, subscriber.id, c.channel, c.address, c.label, c.confirmedAt, c.invalidAt, i));
  }

  private docOf(subscriber: Subscriber): string {
    const { contacts: _contacts, ...doc } = subscriber;
    return JSON.stringify(doc);
  }

  async insert({ subscriber, tokenHash }: { subscriber: Subscriber; tokenHash: string }): Promise<void> {
    mapConstraint(() => this.db.transaction(() => this.insertRows({ subscriber, tokenHash }))());
  }

  async insertBatch(items: { subscriber: Subscriber; tokenHash: string }[]) {
    return writeBatch(this.db, { items, write: (item) => this.insertRows(item) });
  }

  private insertRows({ subscriber, tokenHash }: { subscriber: Subscriber; tokenHash: string }): void {
    this.db
      .prepare(
        `INSERT INTO subscribers (id, kind, name, credit_code, park_id, park_request_park_id, park_request_status, revision, change_seq, created_at, updated_at, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        subscriber.id,
        subscriber.kind,
        subscriber.name,
        subscriber.creditCode,
        subscriber.parkId,
        subscriber.parkRequest?.parkId ?? null,
        subscriber.parkRequest?.status ?? null,
        subscriber.revision,
        nextChangeSeq(this.db, 1, 'subscriber_change_seq'),
        subscriber.createdAt,
        subscriber.updatedAt,
        this.docOf(subscriber),
      );
    this.writeContacts(subscriber);
    this.db.prepare('INSERT INTO subscriber_tokens (token_hash, subscriber_id, created_at) VALUES (?, ?, ?)').run(tokenHash, subscriber.id, subscriber.createdAt);
  }

  async get(id: string): Promise<Subscriber | null> {
    return this.hydrate(this.db.prepare('SELECT doc FROM subscribers WHERE id = ?').all(id))[0] ?? null;
  }

  async getMany(ids: string[]): Promise<Subscriber[]> {
    const out: Subscriber[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      out.push(...this.hydrate(this.db.prepare(`SELECT doc FROM subscribers WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk)));
    }
    return out;
  }

  async findByTokenHash(tokenHash: string): Promise<Subscriber | null> {
    const rows = this.db
      .prepare('SELECT s.doc FROM subscriber_tokens t JOIN subscribers s ON s.id = t.subscriber_id WHERE t.token_hash = ?')
      .all(tokenHash);
    return this.hydrate(rows)[0] ?? null;
  }

  async findByCreditCode(creditCode: string): Promise<Subscriber | null> {
    return this.hydrate(this.db.prepare('SELECT doc FROM subscribers WHERE credit_code = ?').all(creditCode))[0] ?? null;
  }

  async update({ subscriber, expectedRevision }: { subscriber: Subscriber; expectedRevision: number }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        const result = this.db
          .prepare(
            `UPDATE subscribers SET name = ?, credit_code = ?, park_id = ?, park_request_park_id = ?, park_request_status = ?, revision = ?, change_seq = ?, updated_at = ?, doc = ?
             WHERE id = ? AND revision = ?`,
          )
          .run(
            subscriber.name,
            subscriber.creditCode,
            subscriber.parkId,
            subscriber.parkRequest?.parkId ?? null,
            subscriber.parkRequest?.status ?? null,
            subscriber.revision,
            nextChangeSeq(this.db, 1, 'subscriber_change_seq'),
            subscriber.updatedAt,
            this.docOf(subscriber),
            subscriber.id,
            expectedRevision,
          );
        if (result.changes === 0) {
          throw new DomainError({ type: 'conflict', code: 'stale_revision', message: '资料已被修改，请刷新后重试', details: { id: subscriber.id } });
        }
        this.writeContacts(subscriber);
      })(),
    );
  }

  async addToken({ subscriberId, tokenHash, at }: { subscriberId: string; tokenHash: string; at: string }): Promise<void> {
    mapConstraint(() => this.db.prepare('INSERT INTO subscriber_tokens (token_hash, subscriber_id, created_at) VALUES (?, ?, ?)').run(tokenHash, subscriberId, at));
  }

  async list({ kind, parkId, limit, offset }: { kind?: Subscriber['kind']; parkId?: string; limit: number; offset: number }) {
    const clauses: string[] = [];
    const args: string[] = [];
    if (kind) {
      clauses.push('kind = ?');
      args.push(kind);
    }
    if (parkId) {
      clauses.push('park_id = ?');
      args.push(parkId);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const total = Number(this.db.prepare(`SELECT COUNT(*) FROM subscribers ${where}`).pluck().get(...args));
    const rows = this.db.prepare(`SELECT doc FROM subscribers ${where} ORDER BY created_at, id LIMIT ? OFFSET ?`).all(...args, limit, offset);
    return { total, items: this.hydrate(rows) };
  }

  async listParkRequests({ parkId, status, limit, offset }: { parkId: string; status: ParkRequestStatus; limit: number; offset: number }) {
    const where = 'WHERE park_request_park_id = ? AND park_request_status = ?';
    const total = Number(this.db.prepare(`SELECT COUNT(*) FROM subscribers ${where}`).pluck().get(parkId, status));
    const rows = this.db.prepare(`SELECT doc FROM subscribers ${where} ORDER BY created_at, id LIMIT ? OFFSET ?`).all(parkId, status, limit, offset);
    return { total, items: this.hydrate(rows) };
  }

  async count(): Promise<number> {
    return Number(this.db.prepare('SELECT COUNT(*) FROM subscribers').pluck().get());
  }

  async changesSince({ afterSeq, limit }: { afterSeq: number; limit: number }): Promise<ChangedId[]> {
    return this.db
      // Deleted subscribers stay in the sequence as tombstones, so followers drop them as well.
      .prepare(
        `SELECT id, change_seq AS seq FROM subscribers WHERE change_seq > ?
         UNION ALL SELECT id, change_seq AS seq FROM subscriber_tombstones WHERE change_seq > ?
         ORDER BY seq LIMIT ?`,
      )
      .all(afterSeq, afterSeq, limit)
      .map((row) => z.object({ id: z.string(), seq: z.number() }).parse(row));
  }

  async latestSeq(): Promise<number> {
    return readSeq(this.db, 'subscriber_change_seq');
  }

  async setContactState({ contactId, confirmedAt, invalidAt }: { contactId: string; confirmedAt?: string | null; invalidAt?: string | null; at: string }) {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM contacts WHERE id = ?').get(contactId);
      if (!row) return null;
      const contact = contactFromRow(row);
      const next = {
        confirmedAt: confirmedAt === undefined ? contact.confirmedAt : confirmedAt,
        invalidAt: invalidAt === undefined ? contact.invalidAt : invalidAt,
      };
      this.db.prepare('UPDATE contacts SET confirmed_at = ?, invalid_at = ? WHERE id = ?').run(next.confirmedAt, next.invalidAt, contactId);
      touchSubscriber(this.db, contact.subscriberId);
      const { subscriberId: _owner, ...rest } = contact;
      return { ...rest, ...next };
    })();
  }
}

function subscriptionFromRow(row: unknown): Subscription {
  return subscriptionSchema.parse(JSON.parse(docRowSchema.parse(row).doc));
}

export class SqliteSubscriptionRepository implements SubscriptionRepository {
  constructor(private readonly db: Db) {}

  private insertRow(subscription: Subscription): void {
    this.db
      .prepare('INSERT INTO subscriptions (id, subscriber_id, created_at, ended_at, doc) VALUES (?, ?, ?, ?, ?)')
      .run(subscription.id, subscription.subscriberId, subscription.createdAt, subscription.endedAt, JSON.stringify(subscription));
  }

  private updateRow(subscription: Subscription): void {
    const result = this.db
      .prepare('UPDATE subscriptions SET ended_at = ?, doc = ? WHERE id = ? AND subscriber_id = ?')
      .run(subscription.endedAt, JSON.stringify(subscription), subscription.id, subscription.subscriberId);
    if (result.changes === 0) throw notFound({ code: 'subscription_not_found', message: '订阅不存在' });
  }

  async insert(subscription: Subscription): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.insertRow(subscription);
        touchSubscriber(this.db, subscription.subscriberId);
      })(),
    );
  }

  async get(id: string): Promise<Subscription | null> {
    const row = this.db.prepare('SELECT doc FROM subscriptions WHERE id = ?').get(id);
    return row ? subscriptionFromRow(row) : null;
  }

  async update(subscription: Subscription): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.updateRow(subscription);
        touchSubscriber(this.db, subscription.subscriberId);
      })(),
    );
  }

  async replace({ ended, started }: { ended: Subscription; started: Subscription }): Promise<void> {
    mapConstraint(() =>
      this.db.transaction(() => {
        this.updateRow(ended);
        this.insertRow(started);
        touchSubscriber(this.db, started.subscriberId);
      })(),
    );
  }

  async listBySubscriber({ subscriberId, includeEnded }: { subscriberId: string; includeEnded: boolean }): Promise<Subscription[]> {
    const sql = includeEnded
      ? 'SELECT doc FROM subscriptions WHERE subscriber_id = ? ORDER BY created_at, id'
      : 'SELECT doc FROM subscriptions WHERE subscriber_id = ? AND ended_at IS NULL ORDER BY created_at, id';
    return this.db.prepare(sql).all(subscriberId).map(subscriptionFromRow);
  }

  async listBySubscribers({ subscriberIds, includeEnded }: { subscriberIds: string[]; includeEnded: boolean }): Promise<Subscription[]> {
    const out: Subscription[] = [];
    const live = includeEnded ? '' : 'ended_at IS NULL AND';
    for (let i = 0; i < subscriberIds.length; i += 500) {
      const chunk = subscriberIds.slice(i, i + 500);
      out.push(
        ...this.db
          .prepare(`SELECT doc FROM subscriptions WHERE ${live} subscriber_id IN (${chunk.map(() => '?').join(',')}) ORDER BY created_at, id`)
          .all(...chunk)
          .map(subscriptionFromRow),
      );
    }
    return out;
  }
}
