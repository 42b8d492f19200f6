/**
 * Benchmark of the embedded read model at scale (issue 21). Prints figures; asserts nothing.
 *
 *   npx tsx --conditions=keystream-source test/bench/readModelScale.bench.ts [documents] [--quick] [--http] [--mongo-indexes]
 *
 * Seeds RoleBindings (default 100,000, so `npm run bench:components` stays short; --quick 20,000;
 * docs/stores.md's figures pass 1000000) straight into the embedded read store
 * through `apply` in batches of 1,000 (the projector's code path, with the indexes keystream gives
 * the store), then measures: apply documents/s with the indexes maintained, anonymous RSS of this
 * process, time from reopening the store to a first answered List (restart), and p50/p99 of List
 * pages (parent, equality filters, order_by on an indexed field), a deep keyset page against the
 * first one, counts (include_paging_info) and a search phrase served by the text index.
 * With --http the same read store is then served by `keystream start` (the seeded directory is its
 * data directory's read store) and timed as a client sees it: spawn to ready, List pages, a deep
 * page through page tokens, include_paging_info, and the server's anonymous RSS. A tenth of the
 * documents are in one large project. --mongo-indexes seeds without the embedded store's own
 * `$collection` indexes (the indexes MongoDB gets, but for its oldest-first and Z-to-A ones), for a
 * before/after comparison (with --http the server then builds the missing index in the background
 * as it starts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cursorQuery, type OrderBy } from '@keystream/resource';
import { open as openLmdb } from 'lmdb';
import { COLLECTION_OF_NAME, openLmdbReadStore, type DocumentWrite, type IndexSpecification, type JsonObject, type LmdbReadStore, type QueryOptions } from '@keystream/readstore';
import { DEFAULT_DEV_ADMIN, embeddedIndexes, loadConfig, mintDevToken } from '@keystream/keystream';
import { buildCheckout, startKeystreamChild, stopKeystreamChild } from '../support/keystreamProcess.js';

const quick = process.argv.includes('--quick');
const countArgument = process.argv.slice(2).find((argument) => /^\d+$/u.test(argument));
const DOCUMENTS = Number(countArgument ?? (quick ? 20_000 : 100_000));
const PROJECTS = 1_000;
const ROLES = 20;
const ORGANIZATIONS = 200;
const MEMBERS = 50_000;
const BATCH = Number(process.env['KEYSTREAM_BENCH_BATCH'] ?? 1_000);
const RUNS = quick ? 50 : 200;
const KIND = 'RoleBinding';

/** Every BIG_EVERY-th run of PROJECTS documents goes to one large project (a tenth of all); the others spread over PROJECTS. */
const BIG_EVERY = 10;
const BIG_PROJECT = 'projects/big';
const inBigProject = (index: number): boolean => Math.floor(index / PROJECTS) % BIG_EVERY === 0;

function roleBinding(index: number): JsonObject {
  const project = inBigProject(index) ? BIG_PROJECT : `projects/p${index % PROJECTS}`;
  const name = `${project}/roleBindings/rb${index}`;
  const member = `user:u${index % MEMBERS}@example.com`;
  const created = new Date(Date.UTC(2026, 0, 1) + index * 1_000).toISOString();
  return {
    name,
    role: `roles/r${index % ROLES}`,
    member,
    memberType: 'user',
    category: 'regular',
    scope: project,
    ancestryPath: [project],
    // 200 organizations: an equality matching 1 in 200 (5,000 at 1M), between the rare and the common.
    parentByOrg: `organizations/o${index % ORGANIZATIONS}`,
    metadata: { createTime: created, updateTime: created, uuid: `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`, resourceVersion: '1', labels: { team: `t${index % 7}` } },
  };
}

/** Anonymous resident memory (heap and native allocations, not LMDB's mapped file pages), in MB. */
function anonymousRssMb(): number {
  const match = /RssAnon:\s+(\d+) kB/u.exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timed(label: string, run: (iteration: number) => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let iteration = 0; iteration < RUNS; iteration += 1) {
    const started = performance.now();
    await run(iteration);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(72)} p50 ${percentile(samples, 50).toFixed(2).padStart(8)} ms   p99 ${percentile(samples, 99).toFixed(2).padStart(8)} ms`);
}

/** Entries of every database of the store (documents, index entries, postings, change log, …). */
function storedEntries(path: string): number {
  const root = openLmdb({ path, maxDbs: 12, readOnly: true });
  try {
    return ['documents', 'tombstones', 'index', 'postings', 'vocabulary', 'changes'].reduce((total, name) => total + (root.openDB({ name }).getStats() as { entryCount: number }).entryCount, 0);
  } finally {
    void root.close();
  }
}

/**
 * The storage engine's own ceiling: `total` random 48-byte keys with ~40-byte values, put in
 * write transactions of `perTransaction` (as many as one apply writes), in a fresh environment.
 */
async function rawPutRate(path: string, perTransaction: number, total: number): Promise<number> {
  const root = openLmdb({ path, maxDbs: 2, compression: false, eventTurnBatching: false });
  const db = root.openDB<string, Buffer>({ name: 'raw', keyEncoding: 'binary' });
  const started = performance.now();
  for (let done = 0; done < total; done += perTransaction) {
    await root.transaction(() => {
      for (let index = done; index < Math.min(total, done + perTransaction); index += 1) {
        const key = Buffer.alloc(48);
        key.writeUInt32BE((index * 2_654_435_761) >>> 0, 0);
        key.write(`entry-${index}`, 4);
        db.putSync(key, `projects/p${index % 1000}/roleBindings/rb${index}`);
      }
    });
  }
  const rate = total / ((performance.now() - started) / 1000);
  await root.close();
  return rate;
}

const NEWEST_FIRST: OrderBy = { fields: [{ path: 'metadata.createTime', direction: 'desc' }, { path: 'name', direction: 'asc' }] } as unknown as OrderBy;
/** Against the newest-first indexes: served by a backward walk that reads each tie forwards. */
const OLDEST_FIRST: OrderBy = { fields: [{ path: 'metadata.createTime', direction: 'asc' }, { path: 'name', direction: 'asc' }] } as unknown as OrderBy;

const http = process.argv.includes('--http');
const dataDirectory = await mkdtemp(join(tmpdir(), 'keystream-readmodel-bench-'));
// The default place of the read store in a data directory, so --http can serve it as it stands.
const directory = join(dataDirectory, 'read');
// --mongo-indexes: no newest-first order within a parent, for comparison (a prefix of the embedded set for RoleBindings).
const mongoSet = process.argv.includes('--mongo-indexes');
const withoutCollectionOrders = (sets: Record<string, IndexSpecification[]>): Record<string, IndexSpecification[]> =>
  Object.fromEntries(Object.entries(sets).map(([kind, specifications]) => [kind, specifications.filter((specification) => !(COLLECTION_OF_NAME in specification))]));
const open = (): LmdbReadStore => openLmdbReadStore({ path: directory, indexes: mongoSet ? withoutCollectionOrders(embeddedIndexes()) : embeddedIndexes() });
try {
  console.log(`read model at scale: ${DOCUMENTS.toLocaleString('en')} ${KIND}s, a tenth in one project and the rest in ${PROJECTS} (${process.platform}, Node ${process.version})${mongoSet ? ", MongoDB's index set only" : ''}`);
  const rssBefore = anonymousRssMb();
  let store = open();
  const seedStarted = performance.now();
  for (let from = 0; from < DOCUMENTS; from += BATCH) {
    const writes: DocumentWrite[] = [];
    for (let index = from; index < Math.min(DOCUMENTS, from + BATCH); index += 1) {
      const document = roleBinding(index);
      writes.push({ op: 'put', kind: KIND, name: document['name'] as string, position: (index + 1).toString(16).padStart(16, '0'), document });
    }
    await store.apply({ writes });
    const done = Math.min(DOCUMENTS, from + BATCH);
    if (done % (DOCUMENTS / 4) === 0 || done === DOCUMENTS) {
      const seconds = (performance.now() - seedStarted) / 1000;
      console.log(`  seeded ${done.toLocaleString('en')}: ${Math.round(done / seconds).toLocaleString('en')} documents/s so far, anonymous RSS ${anonymousRssMb().toFixed(0)} MB`);
    }
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  await store.close();
  const entries = storedEntries(directory);
  const perDocument = entries / DOCUMENTS;
  const rawTotal = Math.max(200_000, Math.min(entries, 2_000_000));
  const rawPuts = await rawPutRate(join(dataDirectory, 'raw'), Math.round(BATCH * perDocument), rawTotal);
  await rm(join(dataDirectory, 'raw'), { recursive: true, force: true });
  const applyRate = DOCUMENTS / seedSeconds;
  console.log(`apply with indexes maintained: ${Math.round(applyRate).toLocaleString('en')} documents/s (batches of ${BATCH}), ${perDocument.toFixed(1)} LMDB entries per document`);
  console.log(`  raw LMDB puts (random keys, transactions of ${Math.round(BATCH * perDocument).toLocaleString('en')}, ${rawTotal.toLocaleString('en')} in all): ${Math.round(rawPuts).toLocaleString('en')}/s = ${Math.round(rawPuts / perDocument).toLocaleString('en')} documents/s at that many entries each; apply reaches ${((applyRate * perDocument * 100) / rawPuts).toFixed(0)} % of it`);
  globalThis.gc?.();

  const reopenStarted = performance.now();
  store = open();
  await store.query(KIND, { filter: { name: { $regex: '^projects/p1/roleBindings/' } }, sort: { 'metadata.createTime': -1 }, limit: 101 });
  console.log(`restart to a first answered List: ${(performance.now() - reopenStarted).toFixed(1)} ms`);

  const page = (options: QueryOptions): Promise<unknown> => store.query(KIND, { limit: 101, ...options });
  await timed('List page, parent, order_by createTime desc', (i) => page({ filter: { name: { $regex: `^projects/p${i % PROJECTS}/roleBindings/` } }, sort: { 'metadata.createTime': -1 } }));
  const bigParent = { name: { $regex: `^${BIG_PROJECT}/roleBindings/` } };
  await timed(`List page, large parent (a tenth of all), order_by createTime desc`, () => page({ filter: bigParent, sort: { 'metadata.createTime': -1 } }));
  {
    // Page 100 of the large parent, newest first, through its keyset boundary as a page token gives it.
    const bigIndexes: number[] = [];
    for (let index = DOCUMENTS - 1; index >= 0; index -= 1) if (inBigProject(index)) bigIndexes.push(index);
    const boundaryOf = roleBinding(bigIndexes[Math.min(100 * 100, bigIndexes.length - 101)] ?? 0);
    const values = [(boundaryOf['metadata'] as JsonObject)['createTime'], boundaryOf['name']];
    const keyset = cursorQuery(NEWEST_FIRST, values as never, 'after', false);
    await timed('  its page 100 through the page token (keyset seek)', () => page({ filter: { $and: [bigParent, keyset] }, sort: { 'metadata.createTime': -1 }, seek: { values } }));
  }
  await timed('List page, large parent, order_by createTime asc (oldest first)', () => page({ filter: bigParent, sort: { 'metadata.createTime': 1 } }));
  await timed('List page, equality (member, rare), order_by createTime desc', (i) => page({ filter: { member: `user:u${i % MEMBERS}@example.com` }, sort: { 'metadata.createTime': -1 } }));
  await timed('List page, equality (role, 1 in 20), order_by createTime desc', (i) => page({ filter: { role: `roles/r${i % ROLES}` }, sort: { 'metadata.createTime': -1 } }));
  await timed(`List page, equality (parentByOrg, 1 in ${ORGANIZATIONS}), order_by createTime desc`, (i) => page({ filter: { parentByOrg: `organizations/o${i % ORGANIZATIONS}` }, sort: { 'metadata.createTime': -1 } }));
  await timed('List page, equality (role) + parent, order_by name', (i) => page({ filter: { $and: [{ name: { $regex: `^projects/p${i % PROJECTS}/roleBindings/` } }, { role: `roles/r${i % ROLES}` }] } }));

  // Deep pages: the boundary of page 1,000 (100 per page) as a page token would carry it.
  // Creation times grow with the index, so newest first the depth-th document is this one.
  const depth = Math.min(DOCUMENTS - 200, 100_000);
  const boundaryDocument = roleBinding(DOCUMENTS - depth);
  const boundary = [(boundaryDocument['metadata'] as JsonObject)['createTime'], boundaryDocument['name']];
  const cursor = cursorQuery(NEWEST_FIRST, boundary as never, 'after', false);
  await timed('page 1 of everything, order_by createTime desc', () => page({ sort: { 'metadata.createTime': -1 } }));
  await timed(`page ${Math.round(depth / 100)} of everything with its page token (keyset seek)`, () => page({ filter: cursor, sort: { 'metadata.createTime': -1 }, seek: { values: boundary } }));

  await timed('page 1 of everything, order_by createTime asc (oldest first)', () => page({ sort: { 'metadata.createTime': 1 } }));
  {
    // Oldest first, the depth-th document is the depth-th created.
    const oldest = roleBinding(depth - 1);
    const values = [(oldest['metadata'] as JsonObject)['createTime'], oldest['name']];
    const after = cursorQuery(OLDEST_FIRST, values as never, 'after', false);
    await timed(`page ${Math.round(depth / 100)} of everything oldest first with its page token (keyset seek)`, () => page({ filter: after, sort: { 'metadata.createTime': 1 }, seek: { values } }));
  }

  await timed(`count everything (include_paging_info, ${DOCUMENTS.toLocaleString('en')})`, () => store.count(KIND, {}));
  await timed(`count role = r (${Math.round(DOCUMENTS / ROLES).toLocaleString('en')} matches)`, (i) => store.count(KIND, { role: `roles/r${i % ROLES}` }));
  await timed('count under one project (name prefix)', (i) => store.count(KIND, { name: { $regex: `^projects/p${i % PROJECTS}/roleBindings/` } }));
  await timed('search phrase "u4242@" (text index), page', () =>
    page({ filter: { $or: [{ name: { $regex: 'u4242@', $options: 'i' } }, { member: { $regex: 'u4242@', $options: 'i' } }] }, phrase: { text: 'u4242@', fields: ['name', 'member'] } }),
  );
  globalThis.gc?.();
  const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
  console.log(`anonymous RSS: ${anonymousRssMb().toFixed(0)} MB now, ${rssBefore.toFixed(0)} MB before seeding; JS heap in use ${heapMb.toFixed(0)} MB (document cache budget 64 MB)`);
  await store.close();
  if (http) await throughHttp();
} finally {
  await rm(dataDirectory, { recursive: true, force: true });
}

/** The seeded read store served by `keystream start`, timed through HTTP. */
async function throughHttp(): Promise<void> {
  buildCheckout(); // before the spawn is timed
  const spawned = performance.now();
  const child = await startKeystreamChild(dataDirectory, { KEYSTREAM_LOG_LEVEL: 'warn' }, 600_000, [], 'built');
  try {
    const headers = { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}` };
    const get = async (path: string): Promise<JsonObject> => {
      const response = await fetch(`${child.url}${path}`, { headers });
      const body = (await response.json()) as JsonObject;
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
      return body;
    };
    for (;;) {
      const ready = await fetch(`${child.url}/readyz`);
      if (ready.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.log(`through HTTP (keystream start on the seeded data directory): spawn to ready ${((performance.now() - spawned) / 1000).toFixed(2)} s`);
    const newestFirst = encodeURIComponent('metadata.create_time desc');
    await timed('HTTP List page of 100, one project, order_by create_time desc', (i) => get(`/v1/projects/p${i % PROJECTS}/roleBindings?pageSize=100&orderBy=${newestFirst}`));
    await timed('HTTP List page of 100, filter member (rare), all projects', (i) => get(`/v1/projects/-/roleBindings?pageSize=100&filter=${encodeURIComponent(`member = "user:u${i % MEMBERS}@example.com"`)}`));
    await timed('HTTP List page of 100 with include_paging_info, one project', (i) => get(`/v1/projects/p${i % PROJECTS}/roleBindings?pageSize=100&includePagingInfo=true`));
    // A deep page: follow next_page_token 50 times, then time that page and the first.
    let token = '';
    for (let page = 0; page < 50; page += 1) {
      const next = (await get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${newestFirst}${token === '' ? '' : `&pageToken=${token}`}`))['nextPageToken'];
      token = typeof next === 'string' ? encodeURIComponent(next) : '';
    }
    await timed('HTTP page 1 of everything, order_by create_time desc', () => get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${newestFirst}`));
    await timed('HTTP page 51 of everything through its page token', () => get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${newestFirst}&pageToken=${token}`));
    await timed('HTTP page 51 with include_paging_info', () => get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${newestFirst}&includePagingInfo=true&pageToken=${token}`));
    // Oldest first: the newest-first index walked backwards, each tie forwards; and the page before page 51.
    const oldestFirst = encodeURIComponent('metadata.create_time asc');
    let oldestToken = '';
    let previousToken = '';
    for (let page = 0; page < 50; page += 1) {
      const answer = await get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${oldestFirst}${oldestToken === '' ? '' : `&pageToken=${oldestToken}`}`);
      const next = answer['nextPageToken'];
      oldestToken = typeof next === 'string' ? encodeURIComponent(next) : '';
    }
    {
      const answer = await get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${oldestFirst}&pageToken=${oldestToken}`);
      const previous = answer['prevPageToken'];
      previousToken = typeof previous === 'string' ? encodeURIComponent(previous) : '';
    }
    await timed('HTTP page 1 of everything, order_by create_time asc (oldest first)', () => get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${oldestFirst}`));
    await timed('HTTP page 51 oldest first through its page token, with include_paging_info', () => get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${oldestFirst}&includePagingInfo=true&pageToken=${oldestToken}`));
    await timed('HTTP page 50 oldest first through page 51\'s prev_page_token', () => get(`/v1/projects/-/roleBindings?pageSize=100&orderBy=${oldestFirst}&pageToken=${previousToken}`));
    const status = readFileSync(`/proc/${child.process.pid}/status`, 'utf8');
    console.log(`server anonymous RSS: ${(Number(/RssAnon:\s+(\d+) kB/u.exec(status)?.[1]) / 1024).toFixed(0)} MB`);
  } finally {
    await stopKeystreamChild(child);
  }
}
