/**
 * A role of `keystream start` run in a child process (processPlan.ts): `keystream start --role
 * <roles>` with this process's configuration and data directory, on ports of its own picked
 * freely (its health and metrics; it serves no API). The child ends when this process ends,
 * however it ends: it reads its stdin, which only this process holds, and stops when that closes
 * (a SIGKILL of this process included). A child that exits unasked is started again after a
 * delay that grows while it keeps failing; one refused because its predecessor still holds the
 * data directory (exit 75) simply retries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

/** Set in a child's environment to this process's pid: the child follows its parent's life. */
export const CHILD_OF_VARIABLE = 'KEYSTREAM_CHILD_OF';

const FIRST_RESTART_DELAY_MS = 500;
const LONGEST_RESTART_DELAY_MS = 30_000;
/** A child that ran this long before exiting is restarted after the first delay again. */
const HEALTHY_RUN_MS = 60_000;
/** How long a graceful stop waits for the child before killing it. */
const STOP_GRACE_MS = 15_000;

/** A running role child. */
export interface RoleProcess {
  readonly roles: string;
  /** The child's pid now (it changes when the child is restarted). */
  pid(): number | undefined;
  /** Stops the child gracefully (SIGTERM; SIGKILL after a grace period) and does not restart it. */
  stop(): Promise<void>;
}

/** Starts `keystream start --role roles` as a child of this process. */
export function startRoleProcess(roles: string, logger: Logger): RoleProcess {
  let child: ChildProcess | undefined;
  let stopping = false;
  let delay = FIRST_RESTART_DELAY_MS;
  let restartTimer: NodeJS.Timeout | undefined;
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot start a role process: this process has no script path');

  const launch = (): void => {
    const startedAt = Date.now();
    const spawned = spawn(process.execPath, [...process.execArgv, script, 'start', '--role', roles], {
      env: { ...process.env, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_PROCESSES: '1', [CHILD_OF_VARIABLE]: String(process.pid) },
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    child = spawned;
    // An error on the pipe (the child gone) is the exit's business, not a crash of this process.
    spawned.stdin.on('error', () => undefined);
    spawned.once('error', (error) => {
      logger.error({ error, roles }, 'could not start a role process');
    });
    spawned.once('exit', (code, signal) => {
      if (child === spawned) child = undefined;
      if (stopping) return;
      delay = Date.now() - startedAt > HEALTHY_RUN_MS ? FIRST_RESTART_DELAY_MS : delay;
      const log = code === 75 ? logger.warn.bind(logger) : logger.error.bind(logger);
      log({ roles, code, signal, restartInMs: delay }, code === 75 ? 'the role process found its data still held (its predecessor is stopping); retrying' : 'a role process ended unasked; restarting it');
      restartTimer = setTimeout(launch, delay);
      delay = Math.min(delay * 2, LONGEST_RESTART_DELAY_MS);
    });
  };
  launch();

  return {
    roles,
    pid: () => child?.pid,
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const running = child;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => { resolve(); }));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * In a child: stops the process (through `stop`) once the parent is gone — its end of stdin
 * closes when it exits, however it exits.
 */
export function followParent(stop: () => void): void {
  if (process.env[CHILD_OF_VARIABLE] === undefined) return;
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
