/** A contract harness for the NDJSON file adapter: a new file in a new temporary directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openNdjsonFileEventStream } from '../ndjson/ndjsonFileEventStream.js';
import { readNdjsonEvents } from '../ndjson/readNdjsonEvents.js';
import { pollReceived, type EventStreamHarness } from './eventStreamHarness.js';

/** Opens an NDJSON event stream on a fresh file; dispose removes the directory. */
export async function ndjsonHarness(): Promise<EventStreamHarness & { readonly path: string }> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'keystream-eventstream-'));
  const filePath = path.join(directory, 'events.ndjson');
  const stream = await openNdjsonFileEventStream({ path: filePath });
  const read = async () => (await readNdjsonEvents(filePath)).map((event) => ({ key: event.partitionkey, headers: {}, event }));
  return {
    stream,
    path: filePath,
    received: (atLeast, timeoutMs = 5_000) => pollReceived(read, atLeast, timeoutMs, 0),
    async dispose() {
      await stream.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
