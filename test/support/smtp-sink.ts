import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ParsedPart {
  contentType: string;
  body: string;
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  headers: Map<string, string>;
  subject: string;
  text: string | null;
  html: string | null;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
    );
}

function splitHead(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const cte = (encoding ?? '7bit').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Enough MIME to read what nodemailer writes: nested multiparts, base64 and quoted-printable. */
export function parseParts(raw: string): ParsedPart[] {
  const { headers, body } = splitHead(raw);
  const contentType = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (contentType.toLowerCase().startsWith('multipart/') && boundary) {
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((chunk) => !chunk.startsWith('--'))
      .flatMap((chunk) => parseParts(chunk.replace(/^\r\n/, '')));
  }
  return [{ contentType: contentType.split(';')[0]?.trim().toLowerCase() ?? 'text/plain', body: decodeBody(body, headers.get('content-transfer-encoding')) }];
}

export function parseMail({ raw, from, to }: { raw: string; from: string; to: string[] }): ReceivedMail {
  const { headers } = splitHead(raw);
  const parts = parseParts(raw);
  return {
    from,
    to,
    raw,
    headers,
    subject: headers.get('subject') ?? '',
    text: parts.find((p) => p.contentType === 'text/plain')?.body ?? null,
    html: parts.find((p) => p.contentType === 'text/html')?.body ?? null,
  };
}

/**
 * A real SMTP server in-process. `reject` decides per recipient: a code ≥ 400 refuses it with that
 * code (550: mailbox does not exist, 450: try later).
 */
export async function startSmtpSink({ reject }: { reject?: (address: string) => number | null } = {}) {
  const received: ReceivedMail[] = [];
  let rejecter = reject ?? (() => null);
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const code = rejecter(address.address.toLowerCase());
      if (code && code >= 400) {
        const error = new Error(code >= 500 ? 'mailbox unavailable' : 'mailbox busy, try later') as Error & { responseCode: number };
        error.responseCode = code;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        received.push(parseMail({ raw: Buffer.concat(chunks).toString('utf8'), from, to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()) }));
        callback();
      });
    },
  });
  // A client killed mid-dialogue resets its connection; that is expected here, not a test failure.
  server.on('error', () => undefined);
  // Without TCP_NODELAY the SMTP dialogue waits on delayed ACKs (about 40 ms per message on loopback).
  server.server.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    setReject(next: (address: string) => number | null) {
      rejecter = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, { timeoutMs = 10_000, intervalMs = 25 } = {}): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
