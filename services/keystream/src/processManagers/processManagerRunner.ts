/**
 * Runs process managers on one catch-up subscription of `$all` from the start of the log (their
 * state is in memory and rebuilt at every start; their commands are replay-safe through
 * deterministic request ids). Events are handed to each manager in order; a failing handler is
 * retried with backoff, so an outage of a store delays the work instead of losing it. Callers can
 * wait until the managers have handled the log up to a position (read-your-writes for ListMy…).
 */
import { KeystreamError } from '@keystream/api';
import { comparePositions, START_POSITION, type AllSubscription, type EventStore, type Position } from '@keystream/eventstore';
import type { ProcessManager } from './processManager.js';

/** Where problems are reported. */
export interface ProcessManagerLogger {
  warn(object: object, message: string): void;
}

const MAX_BACKOFF_MS = 5_000;

export class ProcessManagerRunner {
  private subscription: AllSubscription | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private handled: Position = START_POSITION;
  private waiters: { position: Position; resolve: () => void }[] = [];
  private lastWrite: Position = START_POSITION;

  constructor(
    private readonly eventStore: EventStore,
    private readonly managers: readonly ProcessManager[],
    private readonly logger: ProcessManagerLogger,
  ) {}

  /** Starts handling the log from its beginning. */
  start(): void {
    const prefixes = [...new Set(this.managers.flatMap((manager) => manager.eventTypePrefixes))];
    // A checkpoint after every skipped event: a reader waiting for any position is released promptly.
    this.subscription = this.eventStore.subscribeToAll(START_POSITION, { eventTypePrefix: prefixes, checkpointInterval: 1 });
    this.loop = this.run(this.subscription);
  }

  /** The position up to which every manager has handled the log. */
  get position(): Position {
    return this.handled;
  }

  /** Records a write a manager made, so readers can wait for the read model to show it. */
  noteWrite(position: Position): void {
    if (position !== '' && comparePositions(position, this.lastWrite) > 0) this.lastWrite = position;
  }

  /** The position of the newest write any manager made. */
  get lastWritePosition(): Position {
    return this.lastWrite;
  }

  /** Resolves once the managers have handled the log up to `position`; UNAVAILABLE after `timeoutMs`. */
  async waitFor(position: Position | undefined, timeoutMs: number): Promise<void> {
    if (position === undefined || position === '' || comparePositions(this.handled, position) >= 0) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          this.waiters.push({ position, resolve });
        }),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            reject(new KeystreamError('UNAVAILABLE', `memberships have not caught up with position ${position} within ${timeoutMs} ms (at ${this.handled || 'the start'}); retry`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.waiters = this.waiters.filter((waiter) => comparePositions(this.handled, waiter.position) < 0);
    }
  }

  /** Stops after the event in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop?.catch(() => undefined);
    for (const manager of this.managers) manager.close?.();
  }

  private advance(position: Position): void {
    if (comparePositions(position, this.handled) <= 0) return;
    this.handled = position;
    const ready = this.waiters.filter((waiter) => comparePositions(position, waiter.position) >= 0);
    this.waiters = this.waiters.filter((waiter) => comparePositions(position, waiter.position) < 0);
    for (const waiter of ready) waiter.resolve();
  }

  private async run(subscription: AllSubscription): Promise<void> {
    for await (const message of subscription) {
      if (this.stopped) return;
      if (message.kind === 'checkpoint') {
        this.advance(message.position);
        continue;
      }
      const event = message.event;
      for (const manager of this.managers) {
        if (!manager.eventTypePrefixes.some((prefix) => event.type.startsWith(prefix))) continue;
        for (let attempt = 1; !this.stopped; attempt += 1) {
          try {
            await manager.handle(event);
            break;
          } catch (error) {
            this.logger.warn({ error, manager: manager.name, event: event.id, type: event.type, attempt }, 'process manager failed to handle an event; retrying');
            await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(attempt, 7))));
          }
        }
      }
      this.advance(event.position);
    }
  }
}
