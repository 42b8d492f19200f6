/**
 * Child process of the SIGKILL durability test. Opens the store named by argv[2], appends
 * single-event batches to stream argv[3] forever and prints `ACK <eventId> <revision> <position>`
 * after each acknowledged append. The parent kills it with SIGKILL and checks every ACKed event.
 */
import { randomUUID } from 'node:crypto';
import { openEventStore } from '../openEventStore.js';

const [location, stream] = process.argv.slice(2);
if (location === undefined || stream === undefined) throw new Error('usage: appendChild <store location> <stream>');
const store = await openEventStore(location);
let expected: number | 'no_stream' = 'no_stream';
for (;;) {
  const id = randomUUID();
  const metadata = { actor: 'system', requestId: id, correlationId: id, causationId: id, occurredAt: new Date().toISOString(), schema: 1 };
  const result = await store.append(stream, [{ id, type: 'DurabilityProbed', data: { id }, metadata }], expected);
  expected = result.revision;
  process.stdout.write(`ACK ${id} ${result.revision} ${result.position}\n`);
}
