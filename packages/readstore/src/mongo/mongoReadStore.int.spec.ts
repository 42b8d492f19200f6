import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeReadStoreContract } from '../testing/readStoreContract.js';
import { loadMongoReadStore } from './loadMongoReadStore.js';

const url = process.env['KEYSTREAM_TEST_MONGO_URL'];
const database = 'keystream_contract';

describeReadStoreContract({
  name: 'MongoDB',
  skipReason: url === undefined ? 'set KEYSTREAM_TEST_MONGO_URL (a replica set, e.g. mongodb://localhost:27017/?replicaSet=rs0) to run it against a real server' : undefined,
  async create(options) {
    if (url === undefined) throw new Error('KEYSTREAM_TEST_MONGO_URL is not set');
    // A unique prefix per test: tests share the server but never each other's collections.
    const collectionPrefix = `t${randomUUID().replaceAll('-', '').slice(0, 12)}_`;
    const store = await loadMongoReadStore({ url, database, collectionPrefix, ...options });
    return {
      store,
      async dispose() {
        await store.close();
        const client = new MongoClient(url);
        try {
          const db = client.db(database);
          for (const collection of await db.listCollections({ name: { $regex: `^${collectionPrefix}` } }, { nameOnly: true }).toArray()) {
            await db.dropCollection(collection.name);
          }
        } finally {
          await client.close();
        }
      },
    };
  },
});
