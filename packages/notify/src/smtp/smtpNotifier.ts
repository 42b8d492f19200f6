/**
 * The production notifier: renders each notification and sends it over SMTP with nodemailer (the
 * mainstream Node mail library: connection pooling, STARTTLS, authentication). The invitation's
 * `extras` also travel as `X-Keystream-Extra-<key>` headers so a mail provider's template can
 * use them. Nothing of the message is logged.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Notification, Notifier } from '../notifier.js';
import { renderNotification } from '../templates/renderNotification.js';

/** Where and how to send. */
export interface SmtpNotifierOptions {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (port 465). Otherwise STARTTLS is used when the server offers it. */
  readonly secure?: boolean;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** The sender, e.g. `keystream <no-reply@example.com>`. */
  readonly from: string;
  /** Refuse servers without STARTTLS (production default: false keeps local relays working). */
  readonly requireTls?: boolean;
}

function headerKey(key: string): string {
  return key.replace(/[^A-Za-z0-9-]/g, '-');
}

/** Sends notifications through an SMTP server. */
export class SmtpNotifier implements Notifier {
  private readonly transport: Transporter;

  constructor(private readonly options: SmtpNotifierOptions) {
    this.transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      requireTLS: options.requireTls ?? false,
      // One connection per message: invitations are rare, and nothing stays open between them.
      pool: false,
      ...(options.user === undefined ? {} : { auth: { user: options.user, pass: options.password ?? '' } }),
      logger: false,
    });
  }

  async send(notification: Notification): Promise<void> {
    const mail = renderNotification(notification);
    const headers: Record<string, string> = { 'X-Keystream-Notification-Id': notification.id, 'X-Keystream-Template': notification.template };
    for (const [key, value] of Object.entries(notification.extras ?? {})) headers[`X-Keystream-Extra-${headerKey(key)}`] = value;
    await this.transport.sendMail({
      from: this.options.from,
      to: notification.to,
      subject: mail.subject,
      text: mail.text,
      headers,
      // A retry of the same notification keeps its Message-ID, so a mailbox can drop the duplicate.
      messageId: `<${notification.id.replace(/[^A-Za-z0-9._-]/g, '.')}@keystream>`,
    });
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}
