import type { ErrorClass } from '../../schemas/delivery.schema.js';

/**
 * How e-mail leaves the platform. The dispatcher's e-mail lane knows only this port; the adapter
 * (SMTP pool, .eml files, or a provider's HTTP API in another deployment) decides how.
 */
export interface OutgoingEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  messageId?: string;
}

export interface MailSendResult {
  response: string;
  /** Addresses the server refused with a permanent answer: they get marked invalid. */
  rejectedPermanently: string[];
}

/** A failed send, already classified: the lane retries temporary failures and gives up on permanent ones. */
export class MailSendError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    readonly permanent: boolean,
    readonly response: string,
    readonly rejectedPermanently: string[],
  ) {
    super(response);
    this.name = 'MailSendError';
  }
}

export interface MailTransport {
  /** The sending account, for per-account rate limits and the attempt log. */
  readonly account: string;
  /** Resolves on acceptance; rejects with MailSendError. */
  send(message: OutgoingEmail): Promise<MailSendResult>;
  close(): void;
}
