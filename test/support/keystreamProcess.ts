/**
 * Runs the real `keystream start` command in a child process, the way a user does, for tests that
 * need to kill it (SIGKILL) or measure it from outside.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'services/keystream/src/cli.ts';

/**
 * What runs the server: its TypeScript source through tsx, or the build that `npm start` runs.
 * Both the tests and the benchmarks run the build by default: it is what users run (tsx compiles
 * with esbuild's keep-names, which wraps every named closure in a helper call and gives it a
 * property table — about 0.8 KiB more heap per idle watch and CPU on hot paths that a user's
 * server does not spend), and it starts in half the time (loading the modules through tsx's loader
 * costs about 2.5 s more per process on the 2-core machine, paid by every start of the fault suites and
 * by every role child). {@link keystreamCommand} brings the build up to date first, so a test never
 * runs stale output. `KEYSTREAM_TEST_SERVER=source` runs the source instead.
 */
export type ServerEntry = 'source' | 'built';

/** The entry tests start the server from: `KEYSTREAM_TEST_SERVER` (`source` or `built`), default `built`. */
export function defaultServerEntry(): ServerEntry {
  const asked = process.env['KEYSTREAM_TEST_SERVER'];
  if (asked === undefined || asked === '' || asked === 'built') return 'built';
  if (asked === 'source') return 'source';
  throw new Error(`KEYSTREAM_TEST_SERVER must be "source" or "built", not ${JSON.stringify(asked)}`);
}

/**
 * The node arguments that start the `keystream` command from `root` (a checkout). `built` first
 * brings the build up to date (`tsc -b`, incremental: under a second when nothing changed), so a
 * benchmark never times stale output.
 */
export function keystreamCommand(entry: ServerEntry, root: string = repositoryRoot): string[] {
  if (entry === 'source') return ['--import', 'tsx', '--conditions=keystream-source', CLI];
  buildCheckout(root);
  return ['services/keystream/dist/cli.js'];
}

/**
 * Set when a spec file of this run loaded this module: the root hooks then bring the build up to
 * date once per process before its first test (a fresh clone's first build takes about a minute,
 * longer than the timeout of the test that would otherwise start it). `npm test` builds in its
 * `pretest`, so its two mocha workers only find the build current and never build at once.
 */
export const STARTS_SERVERS = Symbol.for('keystream.test.startsServers');
(globalThis as Record<symbol, unknown>)[STARTS_SERVERS] = true;

/** Checkouts built by this process: once each, so a later start is not slowed by a check. */
const built = new Set<string>();

/**
 * Brings the TypeScript build of the checkout at `root` up to date (`tsc -b`), once per process.
 * A benchmark calls it before it starts timing, so no figure includes a build.
 */
export function buildCheckout(root: string = repositoryRoot): void {
  if (built.has(root)) return;
  const tsc = createRequire(`${root}/package.json`).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' });
  built.add(root);
}

/** A `keystream start` child process and the URL it serves. */
export interface KeystreamChild {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the child wrote to stderr so far (for failure messages). */
  readonly stderr: () => string;
  /** Everything the child wrote to stdout so far (its JSON log lines). */
  readonly stdout: () => string;
  /** Resolves with the exit code (or signal) once the child is gone. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/**
 * Starts `keystream start` on a free port with its data in `dataDirectory`; resolves once it
 * serves. `startArguments` go after `start` (`['--role', 'projector']`); `entry` says what runs.
 */
export async function startKeystreamChild(
  dataDirectory: string,
  environment: Record<string, string> = {},
  timeoutMs = 30_000,
  startArguments: readonly string[] = [],
  entry: ServerEntry = defaultServerEntry(),
): Promise<KeystreamChild> {
  const child = spawn(process.execPath, [...keystreamCommand(entry), 'start', ...startArguments], {
    cwd: repositoryRoot,
    env: { ...process.env, KEYSTREAM_DATA_DIR: dataDirectory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'warn', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    // 'close', not 'exit': it comes once the child's pipes delivered everything it wrote.
    child.once('close', (code, signal) => {
      resolve(signal ?? code ?? -1);
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`keystream did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /keystream is serving .* at (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then((status) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`keystream exited (${String(status)}) before serving:\n${stderr}`), { refused: { status, stderr, stdout } }));
    });
  });
  return { url, process: child, stderr: () => stderr, stdout: () => stdout, exited };
}

/** What a `keystream start` that was expected to refuse to start did. */
export interface RefusedStart {
  readonly status: number | NodeJS.Signals;
  readonly stderr: string;
  readonly stdout: string;
}

/** Runs `keystream start` expecting it to exit by itself (a refusal); fails if it serves instead. */
export async function runKeystreamExpectingExit(dataDirectory: string, environment: Record<string, string> = {}, timeoutMs = 30_000, startArguments: readonly string[] = []): Promise<RefusedStart> {
  try {
    const child = await startKeystreamChild(dataDirectory, environment, timeoutMs, startArguments);
    await stopKeystreamChild(child, 'SIGKILL');
    throw new Error(`keystream started and served at ${child.url} although it should have refused:\n${child.stderr()}`);
  } catch (error) {
    const refused = (error as { refused?: RefusedStart }).refused;
    if (refused === undefined) throw error;
    return refused;
  }
}

/** Stops a child with a signal and waits for it to be gone. */
export async function stopKeystreamChild(child: KeystreamChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | NodeJS.Signals> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill(signal);
  return child.exited;
}

/** The gRPC address `keystream start` prints in its banner (waited for: a banner may come in pieces). */
export async function grpcAddressOf(child: KeystreamChild, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const address = /gRPC: (\S+:\d+) \(/.exec(child.stderr())?.[1];
    if (address !== undefined) return address;
    if (Date.now() > deadline) throw new Error(`no gRPC address in the banner:\n${child.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
