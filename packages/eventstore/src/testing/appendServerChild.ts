/**
 * Child process of the forwarding contract suite: the one writer of the embedded event log in
 * argv[2], serving appends on the socket argv[3] to clients that send the secret argv[4]. Prints
 * READY once it listens; ends when its stdin closes (the test process ended, however it ended).
 */
import { serveAppends } from '../forwarding/appendServer.js';
import { openLmdbEventStore } from '../lmdb/lmdbEventStore.js';

const [directory, address, secret] = process.argv.slice(2);
if (directory === undefined || address === undefined || secret === undefined) throw new Error('usage: appendServerChild <directory> <socket> <secret>');
const store = openLmdbEventStore({ path: directory });
const server = await serveAppends(store, { address, secret });
process.stdin.on('end', () => {
  void server.close().then(() => store.close()).then(() => process.exit(0));
});
process.stdin.resume();
process.stdout.write('READY\n');
