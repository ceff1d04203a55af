import fs from 'node:fs';
import path from 'node:path';
import { parseMail, type ReceivedMail } from '../../support/smtp-sink.js';

/**
 * The messages the platform wrote to `DATA_DIR/outbox/` (the file transport used when no SMTP
 * server is configured), waiting until one to `to` whose subject starts with `subject` appears.
 */
export async function waitForMail({ dataDir, to, subject, timeoutMs = 30_000 }: { dataDir: string; to: string; subject: string; timeoutMs?: number }): Promise<ReceivedMail> {
  const dir = path.join(dataDir, 'outbox');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.eml')) : [];
    for (const name of names.sort()) {
      const raw = fs.readFileSync(path.join(dir, name), 'utf8');
      const recipient = /^To: (.+)$/m.exec(raw)?.[1]?.trim() ?? '';
      if (!recipient.includes(to)) continue;
      const mail = parseMail({ raw, from: '', to: [recipient] });
      if (mail.subject.startsWith(subject)) return mail;
    }
    if (Date.now() > deadline) throw new Error(`no e-mail to ${to} with subject “${subject}…” in ${dir} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Links in messages name PUBLIC_BASE_URL; the test server listens elsewhere. */
export function onServer({ url, base }: { url: string; base: string }): string {
  const parsed = new URL(url);
  return `${base}${parsed.pathname}${parsed.search}`;
}
