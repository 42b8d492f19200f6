/**
 * The NDJSON file adapter: every event is one line holding the CloudEvent in the CloudEvents JSON
 * format (the same event Kafka carries; structured mode), appended to a file. It is the embedded option for a single machine (`KEYSTREAM_EVENT_STREAM_FILE`): tail it,
 * ship it, or load it into an analytics tool. Append mode means a restart never truncates, and
 * a publish is acknowledged only after the bytes are synced, so a crash loses no acknowledged event.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { KeystreamError } from '@keystream/api';
import { cloudEventJson } from '../cloudevents/cloudEventMessages.js';
import type { KeystreamCloudEvent } from '../cloudevents/keystreamCloudEvent.js';
import type { EventStream } from '../eventStream.js';

/** Options of {@link openNdjsonFileEventStream}. */
export interface NdjsonFileEventStreamOptions {
  /** The file to append to; created (with its directory) if missing. */
  readonly path: string;
  /** Sync each publish to disk before acknowledging it (default true). Off trades durability for speed. */
  readonly sync?: boolean;
}

class NdjsonFileEventStream implements EventStream {
  readonly description: string;
  private closed = false;
  /** Publishes run one after another so lines of two batches never interleave. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: FileHandle,
    filePath: string,
    private readonly sync: boolean,
  ) {
    this.description = `ndjson ${filePath}`;
  }

  publish(events: readonly KeystreamCloudEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new KeystreamError('FAILED_PRECONDITION', `${this.description} is closed; open a new event stream to publish`));
    if (events.length === 0) return Promise.resolve();
    // One write per batch: a line is never split between two writes of this process.
    let text: string;
    try {
      text = events.map((event) => `${cloudEventJson(event)}\n`).join('');
    } catch (error) {
      return Promise.reject(new KeystreamError('INVALID_ARGUMENT', `a batch for ${this.description} holds an event that is not a valid CloudEvent: ${(error as Error).message}`, [], { cause: error }));
    }
    const run = this.tail.then(async () => {
      await this.file.appendFile(text, 'utf8');
      if (this.sync) await this.file.datasync();
    });
    // The next publish waits for this one, failed or not; the caller sees this one's outcome.
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.file.close();
  }
}

/** Opens (creating if needed) an NDJSON file for appending published events. */
export async function openNdjsonFileEventStream(options: NdjsonFileEventStreamOptions): Promise<EventStream> {
  const filePath = path.resolve(options.path);
  await mkdir(path.dirname(filePath), { recursive: true });
  const file = await open(filePath, 'a');
  return new NdjsonFileEventStream(file, filePath, options.sync ?? true);
}
