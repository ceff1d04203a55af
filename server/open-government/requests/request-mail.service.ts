import type { Logger } from '../../logger.js';
import type { DisclosureRequestRepository } from '../../ports/disclosure.port.js';
import { MailSendError, type MailTransport } from '../../ports/mail-transport.port.js';
import type { DisclosureRequestService } from './request.service.js';
import { escapeHtml } from '../../text/markup-escape.js';

const MAX_ATTEMPTS = 5;

/**
 * Sends what the cases queued (replies and notices to applicants, deadline reminders to staff)
 * through the platform's mail transport. A message is marked sent after the transport accepted it;
 * a failed one is retried on the next run, up to five attempts.
 */
export class DisclosureMailService {
  private readonly repo: DisclosureRequestRepository;
  private readonly requests: DisclosureRequestService;
  private readonly mail: MailTransport | null;
  private readonly from: string;
  private readonly now: () => Date;
  private readonly logger: Logger;

  constructor({ repo, requests, mail, from, now, logger }: { repo: DisclosureRequestRepository; requests: DisclosureRequestService; mail: MailTransport | null; from: string; now: () => Date; logger: Logger }) {
    this.repo = repo;
    this.requests = requests;
    this.mail = mail;
    this.from = from;
    this.now = now;
    this.logger = logger;
  }

  /** One worker round: queue due reminders, then send everything pending. */
  async run(): Promise<{ queued: number; sent: number }> {
    const queued = await this.requests.queueReminders();
    const transport = this.mail;
    if (!transport) return { queued, sent: 0 };
    let sent = 0;
    for (const message of await this.repo.listPendingMail({ limit: 50, maxAttempts: MAX_ATTEMPTS })) {
      if (message.to.length === 0) {
        await this.repo.markMailFailed({ id: message.id, error: 'no recipient' });
        continue;
      }
      try {
        await transport.send({
          from: this.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: `<pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(message.text)}</pre>`,
          headers: { 'X-Disclosure-Request': message.requestId },
        });
        await this.repo.markMailSent({ id: message.id, at: this.now().toISOString() });
        sent += 1;
      } catch (error) {
        const reason = error instanceof MailSendError ? error.response : error instanceof Error ? error.message : String(error);
        // The request id only: addresses and case contents stay out of logs.
        this.logger.warn('disclosure mail not sent', { requestId: message.requestId, reason });
        await this.repo.markMailFailed({ id: message.id, error: reason });
      }
    }
    return { queued, sent };
  }
}
