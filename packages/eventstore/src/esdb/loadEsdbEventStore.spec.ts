import { expect } from 'chai';
import { loadEsdbEventStore } from './loadEsdbEventStore.js';

describe('loadEsdbEventStore', () => {
  it('should load the EventStoreDB adapter on use and give its store, which connects on its first call', async () => {
    // Port 1 on loopback: nothing listens, and nothing is dialled before the first call. (Under
    // mocha the spec's own imports and the loader's import() are separate module instances, so
    // the class is checked by name.)
    const store = await loadEsdbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false' });
    expect(store.constructor.name).to.equal('EsdbEventStore');
    expect(typeof store.append).to.equal('function');
    await store.close();
  });
});
