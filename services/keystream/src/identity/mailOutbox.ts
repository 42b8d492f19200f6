/**
 * The default {@link MailSender}: mails are appended, one JSON object a line, to a file that an
 * operator's mail relay (or a person, in development) picks up. Nothing leaves the machine by
 * itself, so a fresh installation never mails anyone by accident.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { MailSender, OutgoingMail } from './mailSender.js';

export class MailOutbox implements MailSender {
  constructor(
    private readonly file: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    // 0600: the links inside let their holder verify the address.
    await fs.appendFile(this.file, `${JSON.stringify({ queuedAt: this.clock().toISOString(), ...mail })}\n`, { mode: 0o600 });
  }
}
