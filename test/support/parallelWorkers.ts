/**
 * `npm test` runs spec files in two mocha worker processes (`--parallel --jobs 2`). Loaded through
 * .mocharc's `require`, so in mocha's own process before it creates its worker pool.
 *
 * Why this exists: at the end of a run, mocha's pool (workerpool) asks each worker to exit and
 * kills it with SIGTERM if it has not exited after `workerTerminateTimeout`, 1 s by default, which
 * mocha does not let one set. A worker that has loaded a few hundred spec files spends longer than
 * that writing its V8 coverage on exit, so the kill threw away the coverage of every file it ran:
 * c8 reported 80 % of lines over fewer files instead of 93 %. The pool is given a minute instead.
 * A worker exits as soon as it has written its coverage, so the run is never longer than it needs.
 */
import { createRequire } from 'node:module';

/** How long a worker may take to exit once mocha's run is over (it writes its coverage then). */
const WORKER_EXIT_TIMEOUT_MS = 60_000;

interface WorkerPoolModule {
  pool: (script: string, options?: Record<string, unknown>) => unknown;
}

if (process.env['MOCHA_WORKER_ID'] === undefined) {
  // The workerpool module mocha itself resolves (its buffered worker pool reads `pool` at each call).
  const fromMocha = createRequire(createRequire(import.meta.url).resolve('mocha/lib/nodejs/buffered-worker-pool.cjs'));
  const workerpool = fromMocha('workerpool') as WorkerPoolModule;
  const createPool = workerpool.pool.bind(workerpool);
  workerpool.pool = (script, options) => createPool(script, { ...options, workerTerminateTimeout: WORKER_EXIT_TIMEOUT_MS });
}
