/**
 * Resource-kit benchmarks (printed, not asserted):
 * - filter parse + compile per second for a 5-clause filter;
 * - mingo match per second of the compiled query over 100k documents;
 * - LIKE: patterns built to make a backtracking regex explode (`%a%a%a%a%a%b` over 100 and 4,000
 *   characters, 40 `%a` over 4,000) matched by keystream's linear-time matcher, per value.
 *
 * Run: npx tsx --conditions=keystream-source test/bench/resourceKit.bench.ts
 */
import os from 'node:os';
import { resourceByKind } from '@keystream/api';
import { compileFilter, filterQuery, likeMatcher, parseFilter } from '@keystream/resource';

const descriptor = resourceByKind('RoleBinding');
const FILTER =
  'role = "projects/-/roles/admin" AND member LIKE "user:%@example.com" AND category IN (OWNER, USER) ' +
  'AND metadata.labels.env != "dev" AND metadata.create_time >= "2024-01-01T00:00:00Z"';

function rate(label: string, operations: number, run: () => void): void {
  const started = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label.padEnd(48)} ${Math.round(operations / seconds).toLocaleString('en-US').padStart(12)} ops/s  (${operations.toLocaleString('en-US')} in ${seconds.toFixed(2)} s)`);
}

function documents(count: number): Record<string, unknown>[] {
  const categories = ['OWNER', 'USER', 'PUBLIC', 'INTERNAL'];
  return Array.from({ length: count }, (_unused, index) => ({
    name: `projects/p${index % 50}/roleBindings/rb${index}`,
    role: `projects/p${index % 50}/roles/${index % 3 === 0 ? 'admin' : 'viewer'}`,
    member: index % 4 === 0 ? `serviceAccount:sa${index}@x` : `user:u${index}@example.com`,
    category: categories[index % categories.length],
    metadata: {
      labels: { env: index % 5 === 0 ? 'dev' : 'prod' },
      createTime: `2024-0${1 + (index % 3)}-01T00:00:00.000000000Z`,
    },
  }));
}

const cpu = os.cpus();
console.log(`machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, node ${process.version}, ${os.platform()} ${os.arch()}`);
console.log(`filter: ${FILTER}`);

for (let warm = 0; warm < 2_000; warm++) compileFilter(parseFilter(descriptor, FILTER));
const parses = 50_000;
rate('filter parse+compile (5 clauses)', parses, () => {
  for (let index = 0; index < parses; index++) compileFilter(parseFilter(descriptor, FILTER));
});

const corpus = documents(100_000);
const query = filterQuery(compileFilter(parseFilter(descriptor, FILTER)));
let matched = 0;
rate('mingo match over 100k docs (per document)', corpus.length, () => {
  for (const document of corpus) if (query.test(document)) matched++;
});
console.log(`matched ${matched.toLocaleString('en-US')} of ${corpus.length.toLocaleString('en-US')} documents`);

for (const [label, pattern, value] of [
  ['LIKE %a%a%a%a%a%b over 100 chars', '%a%a%a%a%a%b', 'a'.repeat(100)],
  ['LIKE %a%a%a%a%a%b over 4,000 chars', '%a%a%a%a%a%b', 'a'.repeat(4000)],
  ['LIKE (%a)x40%b over 4,000 chars', `${'%a'.repeat(40)}%b`, 'a'.repeat(4000)],
] as const) {
  const matcher = likeMatcher(pattern);
  const runs = value.length > 1000 ? 5_000 : 100_000;
  rate(label, runs, () => {
    for (let index = 0; index < runs; index++) matcher.test(value);
  });
}
