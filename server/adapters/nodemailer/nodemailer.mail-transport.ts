import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { MailSendError, type MailTransport } from '../../ports/mail-transport.port.js';

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
  rejectedErrors?: SmtpFailure[];
  recipient?: string;
  message: string;
}

function asFailure(error: unknown): SmtpFailure {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const e = error as Partial<SmtpFailure>;
  return {
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...(typeof e.response === 'string' ? { response: e.response } : {}),
    ...(typeof e.command === 'string' ? { command: e.command } : {}),
    ...(Array.isArray(e.rejected) ? { rejected: e.rejected } : {}),
    ...(Array.isArray(e.rejectedErrors) ? { rejectedErrors: e.rejectedErrors.map(asFailure) } : {}),
    ...(typeof e.recipient === 'string' ? { recipient: e.recipient } : {}),
  };
}

/**
 * SMTP answers to error classes. 5xx to RCPT TO means the address is gone (permanent, mark it
 * invalid); other 5xx refuse the message; 4xx and network trouble are temporary and retried.
 */
export function classifySmtpError(error: unknown): MailSendError {
  const failure = asFailure(error);
  const response = failure.response ?? failure.message;
  const recipientErrors = failure.rejectedErrors ?? [];
  const permanentRecipients = recipientErrors.filter((e) => (e.responseCode ?? 0) >= 500).map((e) => e.recipient ?? '').filter(Boolean);
  const code = failure.responseCode ?? recipientErrors[0]?.responseCode ?? 0;
  if (code >= 500) {
    const recipientLevel = failure.code === 'EENVELOPE' || (failure.command ?? '').toUpperCase().startsWith('RCPT');
    if (recipientLevel) {
      const rejected = permanentRecipients.length > 0 ? permanentRecipients : (failure.rejected ?? []);
      return new MailSendError('recipient_rejected', true, response, rejected);
    }
    return new MailSendError('message_rejected', true, response, []);
  }
  if (code >= 400) return new MailSendError('mailbox_temporary', false, response, []);
  if (failure.code === 'ETIMEDOUT') return new MailSendError('timeout', false, response, []);
  if (['ECONNECTION', 'ESOCKET', 'ECONNREFUSED', 'ECONNRESET', 'EDNS', 'ETLS', 'EPROTOCOL'].includes(failure.code ?? '')) {
    return new MailSendError('connection', false, response, []);
  }
  return new MailSendError('provider_error', false, response, []);
}

function smtpOptions({ url, poolSize }: { url: string; poolSize: number }): SMTPPool.Options {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    pool: true,
    host: parsed.hostname,
    ...(parsed.port ? { port: Number(parsed.port) } : {}),
    secure,
    ...(parsed.username ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } } : {}),
    maxConnections: poolSize,
    maxMessages: Infinity,
    // A local relay without TLS is the usual set-up next to the platform; `?starttls=require` insists.
    ...(parsed.searchParams.get('starttls') === 'require' ? { requireTLS: true } : {}),
    ...(parsed.searchParams.get('starttls') === 'off' ? { ignoreTLS: true } : {}),
    // nodemailer leaves Nagle's algorithm on, and the SMTP dialogue's small writes then wait for
    // delayed ACKs: about 40 ms per message per connection. A socket with TCP_NODELAY sends ten times as many.
    ...(secure
      ? {}
      : {
          getSocket: (_options: SMTPPool.Options, callback: (err: Error | null, socketOptions: { connection: net.Socket } | null) => void) => {
            const socket = net.connect({ host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 587, noDelay: true });
            const failed = (error: Error) => callback(error, null);
            socket.once('error', failed);
            socket.once('connect', () => {
              socket.off('error', failed);
              callback(null, { connection: socket });
            });
          },
        }),
  };
}

/** Pooled SMTP: each send is one message on one of `poolSize` kept-open connections. */
export function createSmtpTransport({ url, poolSize }: { url: string; poolSize: number }): MailTransport {
  const options = smtpOptions({ url, poolSize });
  const transport = nodemailer.createTransport(options);
  const parsed = new URL(url);
  return {
    account: `smtp:${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`,
    async send(message) {
      try {
        const info = await transport.sendMail(message);
        const rejectedErrors = ((info as { rejectedErrors?: SmtpFailure[] }).rejectedErrors ?? []).filter((e) => (e.responseCode ?? 0) >= 500);
        if (info.accepted.length === 0) throw classifySmtpError({ code: 'EENVELOPE', rejectedErrors, responseCode: 550, message: info.response });
        return { response: info.response, rejectedPermanently: rejectedErrors.map((e) => e.recipient ?? '').filter(Boolean) };
      } catch (error) {
        if (error instanceof MailSendError) throw error;
        throw classifySmtpError(error);
      }
    },
    close: () => transport.close(),
  };
}

/**
 * The embedded default: every message becomes an .eml file under `dir`, written to a temporary
 * name and renamed, so a crash never leaves half a message behind.
 */
export function createFileTransport({ dir }: { dir: string }): MailTransport {
  fs.mkdirSync(dir, { recursive: true });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  let sequence = 0;
  return {
    account: 'outbox',
    async send(message) {
      const info = await transport.sendMail(message);
      const raw = info.message;
      if (!Buffer.isBuffer(raw)) throw new MailSendError('provider_error', false, 'stream transport returned no buffer', []);
      sequence += 1;
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
      const name = `${stamp}-${process.pid}-${String(sequence).padStart(6, '0')}-${crypto.randomBytes(3).toString('hex')}.eml`;
      const temporary = path.join(dir, `.${name}.tmp`);
      await fs.promises.writeFile(temporary, raw);
      await fs.promises.rename(temporary, path.join(dir, name));
      return { response: `written ${name}`, rejectedPermanently: [] };
    },
    close: () => transport.close(),
  };
}
