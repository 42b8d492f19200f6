import { encodeMessage, type MessageName, type ResourceKind } from '@keystream/api';
import { eventually } from '@keystream/api/testing';
import { CollectionWatcher, type CacheChange } from '@keystream/client';
import type { JsonObject } from '@keystream/readstore';
import { expect } from 'chai';
import fc from 'fast-check';
import { startGatewayHarness, type GatewayHarness } from './testing/gatewayHarness.js';
import { mulberry32 } from './testing/mulberry32.js';

interface KindModel {
  readonly kind: ResourceKind;
  readonly method: string;
  readonly singular: string;
  readonly name: (id: number) => string;
  readonly document: (random: () => number) => JsonObject;
  readonly filters: readonly (string | undefined)[];
  readonly masks: readonly (readonly string[] | undefined)[];
  readonly parent?: string;
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
const word = (random: () => number): string => pick(random, ['a', 'b', 'c']);

const KINDS: readonly KindModel[] = [
  {
    kind: 'Group',
    method: 'WatchGroups',
    singular: 'group',
    name: (id) => `groups/g${id}`,
    document: (random) => ({ displayName: word(random), description: word(random), email: `${word(random)}@x.io` }),
    filters: [undefined, 'displayName = "a"', 'description != "b"', 'displayName IN ("a", "c") AND email = "b@x.io"'],
    masks: [undefined, ['displayName'], ['description', 'email']],
  },
  {
    kind: 'Organization',
    method: 'WatchOrganizations',
    singular: 'organization',
    name: (id) => `organizations/o${id}`,
    document: (random) => ({ title: word(random), description: word(random) }),
    filters: [undefined, 'title = "b"', 'NOT description = "a"'],
    masks: [undefined, ['title'], ['name', 'description']],
  },
  {
    kind: 'Role',
    method: 'WatchRoles',
    singular: 'role',
    name: (id) => `projects/p${id % 2}/roles/r${id}`,
    document: (random) => ({ displayName: word(random), description: word(random) }),
    filters: [undefined, 'displayName != "c"'],
    masks: [undefined, ['displayName']],
    parent: 'projects/p1',
  },
];

interface Client {
  readonly model: KindModel;
  readonly filter: string | undefined;
  readonly mask: readonly string[] | undefined;
  readonly parent: string | undefined;
  readonly watcher: CollectionWatcher;
  duplicates: number;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function listFor(harness: GatewayHarness, client: Client): Promise<Map<string, unknown>> {
  const parentFilter = client.parent === undefined ? undefined : `name LIKE "${client.parent}/%"`;
  const filter = [client.filter, parentFilter].filter((part) => part !== undefined).map((part) => `(${part})`).join(' AND ');
  const listed = await harness.list(client.model.kind, filter === '' ? undefined : filter, client.mask === undefined ? undefined : [...client.mask, 'name']);
  return new Map([...listed].map(([name, document]) => [name, encodeMessage(client.model.kind as MessageName, document as never)]));
}

describe('WatchGateway under random changes and cuts (model-based)', () => {
  it('should leave every client cache equal to a List with its filter, with no gap and no duplicate', async function () {
    this.timeout(60_000);
    const totals = { runs: 0, operations: 0, cuts: 0, checks: 0, resumes: 0, hardResets: 0, changes: 0 };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const random = mulberry32(seed);
        const harness = await startGatewayHarness({ ringSize: 200 });
        const clients: Client[] = [];
        try {
          // Some history before the first watch: snapshots have something to send.
          for (let index = 0; index < 20; index += 1) {
            const model = pick(random, KINDS);
            await harness.fixture.write([{ kind: model.kind, name: model.name(Math.floor(random() * 12)), document: model.document(random) }]);
          }
          for (let index = 0; index < 6; index += 1) {
            const model = pick(random, KINDS);
            const filter = pick(random, model.filters);
            const mask = pick(random, model.masks);
            const parent = model.parent !== undefined && random() < 0.5 ? model.parent : undefined;
            const watcher = new CollectionWatcher({
              url: harness.wsUrl,
              method: model.method,
              singular: model.singular,
              request: {
                maxChunkSize: 1 + Math.floor(random() * 4),
                ...(filter === undefined ? {} : { filter }),
                ...(mask === undefined ? {} : { fieldMask: mask.join(',') }),
                ...(parent === undefined ? {} : { parent }),
              },
            });
            const client: Client = { model, filter, mask, parent, watcher, duplicates: 0 };
            watcher.on('change', (change: CacheChange) => {
              if (change.type === 'current' && change.previous !== undefined && same(change.previous, change.resource)) client.duplicates += 1;
            });
            clients.push(client);
            await watcher.start();
          }
          const operations = 150;
          for (let step = 0; step < operations; step += 1) {
            const writes = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
              const model = pick(random, KINDS);
              const name = model.name(Math.floor(random() * 12));
              return { kind: model.kind, name, document: random() < 0.2 ? null : model.document(random) };
            });
            // One position per batch: names must be distinct within it.
            const distinct = [...new Map(writes.map((write) => [`${write.kind}/${write.name}`, write])).values()];
            await harness.fixture.write(distinct);
            totals.operations += distinct.length;
            if (random() < 0.08) {
              pick(random, clients).watcher.cut();
              totals.cuts += 1;
            }
            if (random() < 0.3) await new Promise<void>((resolve) => setImmediate(resolve));
          }
          for (const client of clients) {
            await eventually(
              async () => {
                const expected = await listFor(harness, client);
                const held = client.watcher.resources;
                if (expected.size !== held.size) return false;
                for (const [name, document] of expected) if (!same(held.get(name), document)) return false;
                return true;
              },
              10_000,
              `${client.model.method} ${client.filter ?? ''} cache to equal List`,
            ).catch(async (error: unknown) => {
              const expected = await listFor(harness, client);
              console.log('seed', seed, 'mask', client.mask, 'parent', client.parent, 'stats', client.watcher.stats);
              console.log('expected', JSON.stringify([...expected]));
              console.log('held    ', JSON.stringify([...client.watcher.resources]));
              throw error;
            });
            totals.checks += 1;
            expect(client.watcher.stats.consistencyErrors, 'gaps or duplicate removals').to.equal(0);
            expect(client.duplicates, 'duplicate Current changes').to.equal(0);
            totals.resumes += client.watcher.stats.resumes;
            totals.hardResets += client.watcher.stats.hardResets;
            totals.changes += client.watcher.stats.committedChanges;
          }
          totals.runs += 1;
        } finally {
          for (const client of clients) await client.watcher.stop();
          await harness.close();
        }
      }),
      { numRuns: 4 },
    );
    console.log(
      `      model-based watch test: ${totals.runs} runs, ${totals.operations} document writes, ${totals.cuts} connection cuts (${totals.resumes} resumes, ${totals.hardResets} hard resets), ${totals.changes} committed changes, ${totals.checks} cache = List checks, 0 gaps, 0 duplicates`,
    );
  });

  it('should soft-reset an interrupted chunk series and still converge', async () => {
    let failures = 1;
    const harness = await startGatewayHarness({
      engine: {
        faults: {
          beforeChunk: ({ index }) => {
            if (index === 1 && failures > 0) {
              failures -= 1;
              throw new Error('injected failure in the middle of a chunk series');
            }
          },
        },
      },
    });
    const watcher = new CollectionWatcher({ url: harness.wsUrl, method: 'WatchGroups', singular: 'group', request: { maxChunkSize: 2 } });
    try {
      for (let id = 0; id < 5; id += 1) await harness.fixture.write([{ kind: 'Group', name: `groups/g${id}`, document: { displayName: `g${id}` } }]);
      await watcher.start();
      await eventually(() => watcher.resources.size === 5 && watcher.cache.isSynced, 5_000, 'the snapshot after the soft reset');
      expect(watcher.stats.softResets).to.equal(1);
      expect(watcher.stats.consistencyErrors).to.equal(0);
      expect(watcher.stats.hardResets).to.equal(0);
    } finally {
      await watcher.stop();
      await harness.close();
    }
  });
});
