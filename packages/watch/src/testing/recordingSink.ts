/**
 * A WatchSink that records every response, for tests; can simulate a transport that stops draining.
 */
import type { KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/readstore';
import type { WatchSink } from '../watchSink.js';

export class RecordingSink implements WatchSink {
  readonly responses: JsonObject[] = [];
  error: KeystreamError | undefined;
  /** While true, send() reports a full buffer and whenWritable() waits for {@link drain}. */
  blocked = false;
  private waiters: (() => void)[] = [];

  send(response: JsonObject): boolean {
    this.responses.push(structuredClone(response));
    return !this.blocked;
  }

  whenWritable(): Promise<void> {
    if (!this.blocked) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  fail(error: KeystreamError): void {
    this.error = error;
  }

  drain(): void {
    this.blocked = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
