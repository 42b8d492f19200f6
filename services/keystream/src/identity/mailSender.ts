/** Where the embedded directory's mails go: a port, the outbox file by default. */

/** One mail to send. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Where mails go: injected into the embedded provider (an outbox by default). */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
}
