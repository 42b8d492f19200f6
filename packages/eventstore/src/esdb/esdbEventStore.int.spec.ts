import { describeEventStoreContract, reopenableFixture } from '../testing/eventStoreContract.js';
import { connectEsdbEventStore } from './esdbEventStore.js';

const url = process.env['KEYSTREAM_TEST_ESDB_URL'];

describeEventStoreContract({
  name: 'EventStoreDB',
  skipReason: url === undefined ? 'set KEYSTREAM_TEST_ESDB_URL (e.g. esdb://localhost:2113?tls=false) to run it against a real server' : undefined,
  create() {
    if (url === undefined) throw new Error('KEYSTREAM_TEST_ESDB_URL is not set');
    return Promise.resolve(reopenableFixture(() => connectEsdbEventStore({ connectionString: url }), { location: url }));
  },
});
