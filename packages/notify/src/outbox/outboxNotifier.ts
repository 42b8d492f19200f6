/**
 * The embedded notifier: every notification is rendered and appended as one JSON line to an
 * outbox file in the data directory (created with mode 0600: it holds accept codes). Nothing is
 * sent anywhere; `keystream outbox` prints the file, and tests read it with {@link readOutbox}.
 */
import { appendFile, chmod, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Notification, Notifier } from '../notifier.js';
import { renderNotification } from '../templates/renderNotification.js';

/** One line of the outbox. */
export interface OutboxEntry {
  readonly id: string;
  /** When it was written (ISO 8601). */
  readonly at: string;
  readonly to: string;
  readonly template: Notification['template'];
  readonly language: string;
  readonly subject: string;
  readonly text: string;
  readonly values: Readonly<Record<string, string>>;
  readonly extras: Readonly<Record<string, string>>;
}

/** The outbox file of a data directory. */
export function outboxPathOf(dataDirectory: string): string {
  return path.join(dataDirectory, 'outbox.ndjson');
}

/** Appends notifications to an outbox file. */
export class OutboxNotifier implements Notifier {
  private ready: Promise<void> | undefined;
  /** Appends are chained so concurrent sends never interleave inside a line. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  send(notification: Notification): Promise<void> {
    const mail = renderNotification(notification);
    const entry: OutboxEntry = {
      id: notification.id,
      at: this.clock().toISOString(),
      to: notification.to,
      template: notification.template,
      language: mail.language,
      subject: mail.subject,
      text: mail.text,
      values: notification.values,
      extras: notification.extras ?? {},
    };
    const write = this.tail.then(async () => {
      await this.prepare();
      await appendFile(this.file, `${JSON.stringify(entry)}\n`, { encoding: 'utf8', mode: 0o600 });
    });
    this.tail = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.tail;
  }

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const handle = await open(this.file, 'a', 0o600);
      await handle.close();
      await chmod(this.file, 0o600);
    })();
    return this.ready;
  }
}

/** Reads an outbox file (an absent file is an empty outbox). */
export async function readOutbox(file: string): Promise<OutboxEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxEntry);
}
