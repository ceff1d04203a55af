import type { ErrorClass } from '../../schemas/delivery.schema.js';

/**
 * The messaging bot the WeChat lane sends through. The lane needs to know whether the bot is
 * signed in, to send one text to a contact or group, and to report the bot's state; how the bot
 * signs in (Wechaty puppet, a vendor's API) is the adapter's business.
 */
export interface ChatTarget {
  type: 'contact' | 'room';
  name: string;
}

export type ChatLoginState = 'stopped' | 'starting' | 'waiting_scan' | 'logged_in' | 'logged_out' | 'failed';

export interface ChatStatus {
  /** Which bot implementation (for Wechaty, the puppet). */
  puppet: string;
  state: ChatLoginState;
  account: string | null;
  detail: string | null;
  since: string;
}

/** A failed send, classified: `logged_out` pauses the lane, `recipient_not_found` is permanent for that target. */
export class ChatSendError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    readonly permanent: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'ChatSendError';
  }
}

export interface ChatGateway {
  readonly loggedIn: boolean;
  status(): ChatStatus;
  onStatus(listener: (status: ChatStatus) => void): void;
  /** Signs in in the background; never throws (a failure is a status). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Rejects with ChatSendError. */
  send(input: { target: ChatTarget; text: string }): Promise<{ response: string }>;
}
