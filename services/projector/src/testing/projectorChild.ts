/**
 * Child process of the projector's SIGKILL test. Opens the embedded stores at argv[2] (events)
 * and argv[3] (read model), runs a projector with batches of argv[4] events and prints
 * `BATCH <checkpoint>` after each committed batch. argv[5] ms of pause after each commit make it
 * slow enough to be killed mid-way on any machine. The parent kills it with SIGKILL.
 */
import { openLmdbEventStore } from '@keystream/eventstore';
import { openLmdbReadStore } from '@keystream/readstore';
import { Projector } from '../projector.js';

const [eventStorePath, readStorePath, batchText = '10', pauseText = '0'] = process.argv.slice(2);
if (eventStorePath === undefined || readStorePath === undefined) throw new Error('usage: projectorChild <event store path> <read store path> [batch events] [pause ms]');
const pauseMs = Number(pauseText);
const eventStore = openLmdbEventStore({ path: eventStorePath });
const readStore = openLmdbReadStore({ path: readStorePath });
const apply = readStore.apply.bind(readStore);
readStore.apply = async (batch) => {
  const result = await apply(batch);
  await new Promise<void>((resolve) => setTimeout(resolve, pauseMs));
  return result;
};
const projector = new Projector({
  eventStore,
  readStore,
  maxBatchEvents: Number(batchText),
  onBatchApplied: (summary) => process.stdout.write(`BATCH ${summary.position}\n`),
  onError: (error) => {
    process.stderr.write(`projector failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
});
await projector.start();
process.stdout.write(`STARTED ${projector.position}\n`);
