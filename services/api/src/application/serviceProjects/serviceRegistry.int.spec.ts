import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeystreamError } from '@keystream/api';
import { openLmdbEventStore, type EventStore } from '@keystream/eventstore';
import { expect } from 'chai';
import { SERVICE_REGISTRY_STREAM, ServiceRegistry } from './serviceRegistry.js';

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    if (error instanceof KeystreamError) return error.code;
    throw error;
  }
}

describe('ServiceRegistry (on the embedded event store)', () => {
  let directory: string;
  let store: EventStore;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-registry-'));
    store = openLmdbEventStore({ path: directory });
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  const admin = 'projects/shop/regions/eu/serviceAccounts/shop-admin';
  const adminActor = 'serviceAccount:shop-admin@shop.serviceaccounts.iam.edgelq.com';

  describe('having a reservation', () => {
    let registry: ServiceRegistry;

    beforeEach(async () => {
      registry = new ServiceRegistry(store);
      await registry.setUpServiceProject('projects/shop', 'user:owner@example.com');
      await registry.reserve({ service: 'services/shop.example.com', project: 'projects/shop', adminAccount: admin }, 'user:owner@example.com');
    });

    it('should let only the reserving admin account claim the name, once', async () => {
      expect(await codeOf(registry.register({ name: 'services/shop.example.com' }, 'user:owner@example.com'))).to.equal('PERMISSION_DENIED');
      expect(await codeOf(registry.register({ name: 'services/shop.example.com' }, 'serviceAccount:other@shop.serviceaccounts.iam.edgelq.com'))).to.equal('PERMISSION_DENIED');
      expect(await codeOf(registry.register({ name: 'services/shop.example.com', bogus: 1 }, adminActor))).to.equal('INVALID_ARGUMENT');
      const service = await registry.register({ name: 'services/shop.example.com', displayName: 'Shop', allVersions: ['v1'] }, adminActor);
      expect(service).to.include({ name: 'services/shop.example.com', displayName: 'Shop' });
      expect(await codeOf(registry.register({ name: 'services/shop.example.com' }, adminActor))).to.equal('ALREADY_EXISTS');
      const state = await new ServiceRegistry(store).state();
      expect(state.reservations.size).to.equal(0);
      expect(state.services.get('services/shop.example.com')?.project).to.equal('projects/shop');
    });

    it('should refuse to claim a name nobody reserved, and a name whose reservation was deleted', async () => {
      expect(await codeOf(registry.register({ name: 'services/free.example.com' }, adminActor))).to.equal('FAILED_PRECONDITION');
      await registry.deleteReservation('projects/shop', 'services/shop.example.com', 'user:owner@example.com');
      expect(await codeOf(registry.register({ name: 'services/shop.example.com' }, adminActor))).to.equal('FAILED_PRECONDITION');
    });

    it('should keep a name unique when two registries reserve it at once (one stream, optimistic concurrency)', async () => {
      const other = new ServiceRegistry(store);
      await other.setUpServiceProject('projects/rival', 'user:rival@example.com');
      const outcomes = await Promise.all(
        ['a', 'b', 'c', 'd'].map((suffix, index) =>
          codeOf((index % 2 === 0 ? registry : other).reserve({ service: 'services/contested.example.com', project: index % 2 === 0 ? 'projects/shop' : 'projects/rival', adminAccount: `projects/x/regions/eu/serviceAccounts/${suffix}-admin` }, 'system')),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'ok')).to.have.length(1);
      expect(outcomes.filter((outcome) => outcome === 'ALREADY_EXISTS')).to.have.length(3);
      const events = await store.readStream(SERVICE_REGISTRY_STREAM);
      expect(events.filter((event) => event.type === 'ServiceNameReserved' && event.data['service'] === 'services/contested.example.com')).to.have.length(1);
    });
  });
});
