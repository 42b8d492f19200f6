/**
 * Model-based check of the embedded store's index-served queries: random documents and changes,
 * random filters (equality, IN, ranges, name prefixes, LIKE, $or), sorts, limits, counts and
 * keyset pages (with the seek hint), each answered by the store with persistent indexes and by a
 * plain in-memory evaluation (mingo over every document) — the two must agree exactly.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, resolve } from 'mingo/util';
import { cursorQuery, filterQuery, LIKE_OPERATOR, type OrderBy } from '@keystream/resource';
import type { DocumentWrite, JsonObject, SortSpec } from '../readStore.js';
import { normalizeSort } from '../normalizeSort.js';
import { openLmdbReadStore, type LmdbReadStore } from './lmdbReadStore.js';
import { COLLECTION_OF_NAME, kindIndexesOf, type IndexSpecification } from './kindIndexes.js';
import { afterPrefix } from './indexKey.js';
import { open as openLmdb } from 'lmdb';

const KIND = 'Group';
const INDEXES: IndexSpecification[] = [
  { 'metadata.createTime': -1, name: 1 },
  { parent: 1, name: 1 },
  { tier: 1, name: 1 },
  { score: 1, name: 1 },
  { tags: 1, name: 1 },
  { title: 'text' },
  // The embedded store's newest-first order within a parent (a name prefix ending in '/').
  { [COLLECTION_OF_NAME]: 1, 'metadata.createTime': -1, name: 1 },
];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'apollo', 'polo', 'team', 'blue', 'über', 'x1'];
const SORTS: (SortSpec | undefined)[] = [
  undefined,
  { score: 1 },
  { score: -1 },
  { 'metadata.createTime': -1 },
  { 'metadata.createTime': 1 },
  { name: -1 },
  { tier: 1 },
  { title: 1 },
  // The orders of previous pages (order_by reversed, names too) of score desc and oldest first.
  { score: 1, name: -1 },
  { 'metadata.createTime': -1, name: -1 },
];

/** A small seeded generator, so a failure names a seed that reproduces it. */
function generator(seed: number): { int(max: number): number; pick<T>(values: readonly T[]): T; chance(p: number): boolean } {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
  return {
    int: (max) => Math.floor(next() * max),
    pick: (values) => values[Math.floor(next() * values.length)] as never,
    chance: (p) => next() < p,
  };
}

type Random = ReturnType<typeof generator>;

function randomDocument(random: Random, name: string): JsonObject {
  const document: Record<string, unknown> = { name, parent: `projects/p${random.int(4)}`, metadata: { createTime: `2026-0${1 + random.int(9)}-1${random.int(9)}T00:00:0${random.int(9)}Z` } };
  if (random.chance(0.8)) document['tier'] = random.chance(0.1) ? null : random.pick(['gold', 'silver', 'bronze']);
  if (random.chance(0.8)) document['score'] = random.chance(0.2) ? random.int(10) - 5 + 0.5 : random.int(10) - 3;
  if (random.chance(0.7)) document['tags'] = random.chance(0.5) ? [random.pick(WORDS), random.pick(WORDS)] : random.pick(WORDS);
  document['title'] = Array.from({ length: 1 + random.int(3) }, () => (random.chance(0.3) ? random.pick(WORDS).toUpperCase() : random.pick(WORDS))).join(random.chance(0.5) ? ' ' : '-');
  return document as JsonObject;
}

function randomClause(random: Random): Record<string, unknown> {
  switch (random.int(15)) {
    case 0:
      return { parent: `projects/p${random.int(5)}` };
    case 1:
      return { parent: { $in: [`projects/p${random.int(4)}`, `projects/p${random.int(4)}`] } };
    case 2:
      return { tier: { $eq: random.pick(['gold', 'silver', 'bronze']) } };
    case 3:
      return { score: { [random.pick(['$gt', '$gte'])]: random.int(8) - 4 } };
    case 4:
      return { score: { $gt: random.int(4) - 4, $lte: random.int(4) } };
    case 5:
      return { tags: random.pick(WORDS) };
    case 6:
      return { name: { $regex: `^projects/p${random.int(4)}/groups/g${random.int(3)}` } };
    case 7:
      return { title: { [LIKE_OPERATOR]: `${random.pick(WORDS).slice(0, 1 + random.int(3))}%` } };
    case 8:
      return { title: { [LIKE_OPERATOR]: `%${random.pick(WORDS).slice(1, 3)}%` } };
    case 9:
      return { $or: [{ tier: 'gold' }, { score: { $lt: 0 } }] };
    case 11:
      // A wildcard parent: a regex on names that is more than a prefix.
      return { name: { $regex: `^projects/p[${random.int(4)}${random.int(4)}]/groups/[^/]+$` } };
    case 10: {
      // Several literal runs inside one word of the value: none of them is a word of it.
      const word = random.pick(WORDS.filter((candidate) => candidate.length >= 4));
      return { title: { [LIKE_OPERATOR]: `%${word[0] ?? ''}%${word[1] ?? ''}%${word[2] ?? ''}%` } };
    }
    case 12:
      // One parent's collection (what a List under a parent asks).
      return { name: { $regex: `^projects/p${random.int(5)}/groups/` } };
    case 13:
      // A prefix ending in '/' that holds two collections (groups and teams) and a third level.
      return { name: { $regex: `^projects/p${random.int(4)}/` } };
    default:
      return { 'metadata.createTime': { $lt: `2026-0${1 + random.int(9)}` } };
  }
}

function randomFilter(random: Random): Record<string, unknown> | undefined {
  const count = random.int(4);
  if (count === 0) return undefined;
  const clauses = Array.from({ length: count }, () => randomClause(random));
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

/** The reference: every document, mingo's filter, the sort's order with name last. */
function expected(documents: ReadonlyMap<string, JsonObject>, filter: Record<string, unknown> | undefined, sort: SortSpec | undefined): string[] {
  const query = filter === undefined ? undefined : filterQuery(filter);
  const keys = normalizeSort(sort);
  return [...documents.values()]
    .filter((document) => query === undefined || query.test(document as Record<string, unknown>))
    .sort((left, right) => {
      for (const [path, direction] of keys) {
        const order = compare(resolve(left, path) ?? null, resolve(right, path) ?? null);
        if (order !== 0) return order * direction;
      }
      return 0;
    })
    .map((document) => document['name'] as string);
}

function orderByOf(sort: SortSpec | undefined): OrderBy {
  return { fields: normalizeSort(sort).map(([path, direction]) => ({ path, direction: direction === 1 ? 'asc' : 'desc' })) };
}

/**
 * Keyset pages forwards with the seek hint, as a List with page tokens reads them; each page's
 * offset is counted as include_paging_info counts it (the keyset condition "before" its first item,
 * with the count's hint, with and without the selection) and must be the number of names paged before it.
 */
async function pageThrough(store: LmdbReadStore, filter: Record<string, unknown> | undefined, sort: SortSpec | undefined, pageSize: number, label: string, failures: string[]): Promise<string[]> {
  const keys = normalizeSort(sort);
  const paged: string[] = [];
  let boundary: unknown[] | undefined;
  for (let page = 0; page < 1_000; page += 1) {
    const cursor = boundary === undefined ? undefined : cursorQuery(orderByOf(sort), boundary as never, 'after', false);
    const pageFilter = cursor === undefined ? filter : filter === undefined ? cursor : { $and: [filter, cursor] };
    const found = await store.query(KIND, { ...(pageFilter === undefined ? {} : { filter: pageFilter }), ...(sort === undefined ? {} : { sort }), limit: pageSize, ...(boundary === undefined ? {} : { seek: { values: boundary } }) });
    const first = found.documents[0];
    if (first !== undefined) {
      const values = keys.map(([field]) => resolve(first.document, field) ?? null);
      const before = cursorQuery(orderByOf(sort), values as never, 'before', false);
      // With the selection (as the API counts an offset) on even pages, without it on odd ones.
      const hint = page % 2 === 0 ? { sort: sort ?? {}, values, selection: filter ?? {} } : { sort: sort ?? {}, values };
      const offset = await store.count(KIND, filter === undefined ? before : { $and: [filter, before] }, { before: hint });
      if (offset !== paged.length) failures.push(`${label}: offset of page ${page} counted ${offset}, expected ${paged.length}`);
    }
    paged.push(...found.documents.map((stored) => stored.name));
    const last = found.documents[found.documents.length - 1];
    if (found.documents.length < pageSize || last === undefined) break;
    boundary = keys.map(([field]) => resolve(last.document, field) ?? null);
  }
  return paged;
}

describe('LmdbReadStore index-served queries (model-based)', function () {
  this.timeout(60_000);
  let path: string;
  let store: LmdbReadStore;

  beforeEach(async () => {
    path = await mkdtemp(join(tmpdir(), 'keystream-indexed-'));
    // A low saturation count: common title words lose their postings during the run, as "com" would.
    store = openLmdbReadStore({ path, indexes: { [KIND]: INDEXES }, cacheBytes: 64 * 1024, saturatedWordCount: 12 });
  });

  afterEach(async () => {
    await store.close();
    await rm(path, { recursive: true, force: true });
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`should answer random queries, counts and keyset pages as a full in-memory evaluation does (seed ${seed})`, async () => {
      const random = generator(seed);
      const model = new Map<string, JsonObject>();
      let position = 0;
      const failures: string[] = [];
      for (let round = 0; round < 12; round += 1) {
        const writes: DocumentWrite[] = [];
        for (let index = 0; index < 40; index += 1) {
          const collection = random.chance(0.85) ? 'groups/g' : random.chance(0.5) ? 'teams/t' : `groups/g${random.int(3)}/members/m`;
          const name = `projects/p${random.int(4)}/${collection}${random.int(60)}`;
          position += 1;
          const at = position.toString(16).padStart(16, '0');
          if (random.chance(0.2)) {
            writes.push({ op: 'delete', kind: KIND, name, position: at });
            model.delete(name);
          } else {
            const document = randomDocument(random, name);
            writes.push({ op: 'put', kind: KIND, name, position: at, document });
            model.set(name, document);
          }
        }
        await store.apply({ writes });
        for (let query = 0; query < 15; query += 1) {
          const filter = randomFilter(random);
          const sort = random.pick(SORTS);
          const all = expected(model, filter, sort);
          const label = `seed ${seed} round ${round}: ${JSON.stringify({ filter, sort })}`;
          const limit = random.chance(0.3) ? undefined : 1 + random.int(12);
          const result = await store.query(KIND, { ...(filter === undefined ? {} : { filter }), ...(sort === undefined ? {} : { sort }), ...(limit === undefined ? {} : { limit }), countTotal: true });
          const names = result.documents.map((stored) => stored.name);
          if (JSON.stringify(names) !== JSON.stringify(all.slice(0, limit))) failures.push(`${label} limit ${limit}: got ${names.join(',')} expected ${all.slice(0, limit).join(',')}`);
          if (result.totalCount !== all.length) failures.push(`${label}: total ${result.totalCount} expected ${all.length}`);
          const counted = await store.count(KIND, filter);
          if (counted !== all.length) failures.push(`${label}: count ${counted} expected ${all.length}`);
          // Keyset pages forwards, with the seek hint, cover the same list exactly once.
          const pageSize = 1 + random.int(7);
          const paged = await pageThrough(store, filter, sort, pageSize, label, failures);
          if (JSON.stringify(paged) !== JSON.stringify(all)) failures.push(`${label} pages of ${pageSize}: got ${paged.join(',')} expected ${all.join(',')}`);
        }
      }
      expect(failures.slice(0, 5).join("\n"), `${failures.length} disagreements`).to.equal("");
    });
  }

  it('should rebuild a kind\'s indexes when its index set changes, and serve the same answers', async () => {
    const random = generator(9);
    const writes: DocumentWrite[] = Array.from({ length: 300 }, (_, index) => {
      const name = `projects/p${index % 4}/groups/g${index}`;
      return { op: 'put', kind: KIND, name, position: (index + 1).toString(16).padStart(16, '0'), document: randomDocument(random, name) };
    });
    const plain = openLmdbReadStore({ path: join(path, 'plain') });
    try {
      await plain.apply({ writes });
    } finally {
      await plain.close();
    }
    const reopened = openLmdbReadStore({ path: join(path, 'plain'), indexes: { [KIND]: INDEXES } });
    try {
      const filter = { tier: 'gold' };
      const all = (await reopened.query(KIND, { filter, sort: { score: -1 } })).documents.map((stored) => stored.name);
      const model = new Map(writes.map((write) => [write.name, (write as { document: JsonObject }).document]));
      expect(all).to.deep.equal(expected(model, filter, { score: -1 }));
      expect(await reopened.count(KIND)).to.equal(300);
      expect(await reopened.count(KIND, filter)).to.equal(all.length);
    } finally {
      await reopened.close();
    }
  });

  it('should build indexes added at the end of the set in the background, answering from the stored set meanwhile and keeping writes made during the build', async () => {
    const random = generator(11);
    const model = new Map<string, JsonObject>();
    let position = 0;
    const put = (name: string): DocumentWrite => {
      const document = randomDocument(random, name);
      model.set(name, document);
      position += 1;
      return { op: 'put', kind: KIND, name, position: position.toString(16).padStart(16, '0'), document };
    };
    // 5,000 documents: five chunks of the background build.
    const writes = Array.from({ length: 5_000 }, (_, index) => put(`projects/p${index % 3}/${index % 5 === 0 ? 'teams/t' : 'groups/g'}${index}`));
    const before = openLmdbReadStore({ path: join(path, 'grown'), indexes: { [KIND]: INDEXES.slice(0, -1) } });
    try {
      await before.apply({ writes });
    } finally {
      await before.close();
    }
    const grown = openLmdbReadStore({ path: join(path, 'grown'), indexes: { [KIND]: INDEXES } });
    const check = async (when: string): Promise<void> => {
      for (const parent of ['projects/p1/groups/', 'projects/p2/teams/', 'projects/p0/']) {
        const filter = { name: { $regex: `^${parent}` } };
        for (const sort of [{ 'metadata.createTime': -1 }, { 'metadata.createTime': 1, name: -1 }] as SortSpec[]) {
          const names = (await grown.query(KIND, { filter, sort, limit: 7 })).documents.map((stored) => stored.name);
          expect(names, `${when} ${JSON.stringify({ parent, sort })}`).to.deep.equal(expected(model, filter, sort).slice(0, 7));
        }
      }
      // The indexes stored before answer too (their entries were kept, not rebuilt wrongly).
      const tiers = (await grown.query(KIND, { filter: { tier: 'gold' }, sort: { score: -1 } })).documents.map((stored) => stored.name);
      expect(tiers, when).to.deep.equal(expected(model, { tier: 'gold' }, { score: -1 }));
      expect(await grown.count(KIND, { title: { [LIKE_OPERATOR]: '%alpha%' } }), when).to.equal(expected(model, { title: { [LIKE_OPERATOR]: '%alpha%' } }, undefined).length);
    };
    try {
      // The first use of the kind starts the build; a moment passes before the check, so the added
      // index usually holds some of the documents, not all (the answers must be right either way).
      await grown.query(KIND, { limit: 1 });
      await new Promise((resolve) => setTimeout(resolve, 15));
      await check('while building');
      // Writes while the build runs: new documents, changed ones, deleted ones.
      const during: DocumentWrite[] = [put('projects/p1/groups/late1'), put('projects/p1/groups/g10'), put('projects/p2/teams/late2')];
      for (const name of ['projects/p1/groups/g1', 'projects/p2/teams/t4995']) {
        model.delete(name);
        position += 1;
        during.push({ op: 'delete', kind: KIND, name, position: position.toString(16).padStart(16, '0') });
      }
      await grown.apply({ writes: during });
      await grown.indexBuilds();
      await check('built');
    } finally {
      await grown.close();
    }
    // Every live document is in the added index, once (an empty one would only have made answers slower).
    const added = kindIndexesOf(KIND, INDEXES).sorted.find((definition) => definition.fields[0]?.[0] === COLLECTION_OF_NAME);
    const root = openLmdb({ path: join(path, 'grown'), maxDbs: 12, readOnly: true });
    try {
      const index = root.openDB<string, Buffer>({ name: 'index', keyEncoding: 'binary' });
      const prefix = added?.prefix ?? Buffer.alloc(0);
      expect(index.getKeysCount({ start: prefix, end: afterPrefix(prefix) })).to.equal(model.size);
    } finally {
      await root.close();
    }
  });

  it('should give up a walk in the sort order that takes too long and read the filter\'s matches whole, with the same answers', async () => {
    // 1,200 documents, 20 of them rare (tier "rare", score 1000 and up); paths under 8 are small
    // here. A page of 5 newest first: the walk steps over at most a quarter of what reading the 20
    // whole costs (5 reads; 50 steps when an equality lets it probe keys), then reads them whole.
    const small = openLmdbReadStore({ path: join(path, 'walk'), indexes: { [KIND]: INDEXES }, smallPath: 8 });
    try {
      let position = 0;
      for (const rareAt of ['oldest', 'newest'] as const) {
        const model = new Map<string, JsonObject>();
        const writes: DocumentWrite[] = Array.from({ length: 1_200 }, (_, index) => {
          const name = `projects/p${index % 4}/groups/g${rareAt}${index}`;
          const rare = rareAt === 'oldest' ? index < 20 : index >= 1_180;
          const document = { name, tier: rare ? 'rare' : 'common', score: rare ? 1_000 + index : index % 100, metadata: { createTime: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString() } } as JsonObject;
          model.set(name, document);
          position += 1;
          return { op: 'put', kind: KIND, name, position: position.toString(16).padStart(16, '0'), document };
        });
        await small.apply({ writes });
        for (const filter of [{ tier: 'rare' }, { score: { $gte: 1_000 } }]) {
          for (const sort of [{ 'metadata.createTime': -1 }, { 'metadata.createTime': 1, name: -1 }] as SortSpec[]) {
            const names = (await small.query(KIND, { filter, sort, limit: 5 })).documents.map((stored) => stored.name);
            expect(names, `${rareAt} ${JSON.stringify({ filter, sort })}`).to.deep.equal(expected(model, filter, sort).slice(0, 5));
          }
        }
        // This round's documents go, so the next starts from the same 1,200.
        await small.apply({
          writes: writes.map((write) => {
            position += 1;
            return { op: 'delete' as const, kind: KIND, name: write.name, position: position.toString(16).padStart(16, '0') };
          }),
        });
      }
    } finally {
      await small.close();
    }
  });

  it('should serve orders whose names run against the index\'s within each tie, ties longer than a walk holds included', async () => {
    // 400 documents under one parent (and 100 under another): 300 share score 5 and createTime T0
    // (ties far longer than the 64 entries a backward walk holds), the rest spread, some without a
    // score. Oldest first and highest score first walk their indexes backwards, each tie forwards;
    // their previous pages (values the index's way, names descending) forwards, each tie backwards.
    const random = generator(21);
    const model = new Map<string, JsonObject>();
    const writes: DocumentWrite[] = [];
    for (let index = 0; index < 500; index += 1) {
      const name = `projects/p${index < 400 ? 1 : 2}/groups/g${random.int(1_000_000).toString(36)}x${index}`;
      const tied = index % 5 !== 0 && index < 375;
      const document: Record<string, unknown> = { name, parent: name.slice(0, name.indexOf('/groups')), metadata: { createTime: tied ? '2026-01-01T00:00:00Z' : `2026-0${1 + random.int(9)}-1${random.int(9)}T00:00:00Z` } };
      if (tied) document['score'] = 5;
      else if (random.chance(0.8)) document['score'] = random.int(10);
      model.set(name, document as JsonObject);
      writes.push({ op: 'put', kind: KIND, name, position: (index + 1).toString(16).padStart(16, '0'), document: document as JsonObject });
    }
    await store.apply({ writes });
    const failures: string[] = [];
    for (const filter of [undefined, { name: { $regex: '^projects/p1/groups/' } }, { parent: 'projects/p1' }, { score: 5 }]) {
      for (const sort of [{ score: -1 }, { 'metadata.createTime': 1 }, { score: -1, name: -1 }, { score: 1, name: -1 }, { 'metadata.createTime': -1, name: -1 }] as SortSpec[]) {
        const label = JSON.stringify({ filter, sort });
        const all = expected(model, filter, sort);
        const whole = (await store.query(KIND, { ...(filter === undefined ? {} : { filter }), sort })).documents.map((stored) => stored.name);
        if (JSON.stringify(whole) !== JSON.stringify(all)) failures.push(`${label}: got ${whole.slice(0, 8).join(',')}… expected ${all.slice(0, 8).join(',')}…`);
        for (const pageSize of [7, 100, 1_000]) {
          const paged = await pageThrough(store, filter, sort, pageSize, label, failures);
          if (JSON.stringify(paged) !== JSON.stringify(all)) failures.push(`${label} pages of ${pageSize}: ${paged.length} names, expected ${all.length}; first difference at ${paged.findIndex((name, at) => name !== all[at])}`);
        }
      }
    }
    expect(failures.slice(0, 5).join('\n'), `${failures.length} disagreements`).to.equal('');
  });

  describe('having titles whose words are longer than a key holds', () => {
    it('should find a LIKE whose literal text lies past the cut, in the writing store and in one opened afterwards', async () => {
      // One word of 1,500+ letters each: the text index keeps its first 1,024 bytes only.
      const long = (index: number): string => `${'k'.repeat(1_500)}tail${index}`;
      const writes: DocumentWrite[] = [];
      for (let index = 0; index < 3; index += 1) writes.push({ op: 'put', kind: KIND, name: `projects/p0/groups/long${index}`, position: (index + 1).toString(16).padStart(16, '0'), document: { name: `projects/p0/groups/long${index}`, title: long(index) } });
      for (let index = 0; index < 40; index += 1) writes.push({ op: 'put', kind: KIND, name: `projects/p0/groups/short${index}`, position: (index + 4).toString(16).padStart(16, '0'), document: { name: `projects/p0/groups/short${index}`, title: `tail ${WORDS[index % WORDS.length] ?? ''} x${index}` } });
      await store.apply({ writes });
      const names = async (target: LmdbReadStore, pattern: string): Promise<string[]> => (await target.query(KIND, { filter: { title: { [LIKE_OPERATOR]: pattern } } })).documents.map((stored) => stored.name).sort();
      const check = async (target: LmdbReadStore, label: string): Promise<void> => {
        expect(await names(target, '%tail1'), label).to.deep.equal(['projects/p0/groups/long1']);
        expect(await names(target, 'k%k%1'), label).to.deep.equal(['projects/p0/groups/long1']);
        expect(await names(target, '%ktail%'), label).to.deep.equal(['projects/p0/groups/long0', 'projects/p0/groups/long1', 'projects/p0/groups/long2']);
        expect(await target.count(KIND, { title: { [LIKE_OPERATOR]: '%ail2' } }), label).to.equal(1);
      };
      await check(store, 'the writing store');
      await store.close();
      store = openLmdbReadStore({ path, indexes: { [KIND]: INDEXES }, cacheBytes: 64 * 1024, saturatedWordCount: 12 });
      await check(store, 'reopened');
      // A word list built before the change, then kept up to date by the writes.
      await store.apply({ writes: [{ op: 'put', kind: KIND, name: 'projects/p0/groups/long9', position: (100).toString(16).padStart(16, '0'), document: { name: 'projects/p0/groups/long9', title: long(9) } }] });
      expect(await names(store, '%tail9')).to.deep.equal(['projects/p0/groups/long9']);
    });
  });
});
