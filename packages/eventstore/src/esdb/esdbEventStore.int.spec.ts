import type { EventStore } from '../eventStore.js';
import { describeEventStoreContract } from '../testing/eventStoreContract.js';
import { connectEsdbEventStore } from './esdbEventStore.js';

const url = process.env['KEYSTREAM_TEST_ESDB_URL'];

describeEventStoreContract({
  name: 'EventStoreDB',
  skipReason: url === undefined ? 'set KEYSTREAM_TEST_ESDB_URL (e.g. esdb://localhost:2113?tls=false) to run it against a real server' : undefined,
  create() {
    if (url === undefined) throw new Error('KEYSTREAM_TEST_ESDB_URL is not set');
    let store: EventStore | undefined = connectEsdbEventStore({ connectionString: url });
    const closeStore = async (): Promise<void> => {
      await store?.close();
      store = undefined;
    };
    return Promise.resolve({
      get store(): EventStore {
        if (store === undefined) throw new Error('the store is closed');
        return store;
      },
      location: url,
      closeStore,
      async reopen() {
        await closeStore();
        store = connectEsdbEventStore({ connectionString: url });
        return store;
      },
      dispose: closeStore,
    });
  },
});
