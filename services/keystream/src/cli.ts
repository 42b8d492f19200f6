#!/usr/bin/env node
/**
 * `keystream <command>`: the entry point users run. `keystream start` is the README's start
 * command: every role in one process on the embedded default, unless told otherwise.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, parseRoles, ROLES, type KeystreamConfig } from './config.js';
import { processPlan, type ProcessPlan } from './processPlan.js';
import { APPEND_SECRET_VARIABLE, newAppendSecret } from './appendSecret.js';
import { CHILD_OF_VARIABLE, connectionSharing, followParent, GRPC_HANDED_VARIABLE, serveHandedConnections, serveMetricsToParent, startRoleProcess } from './roleProcess.js';
import { childExposition, gatheredExposition, type MetricsJson } from './processMetrics.js';
import { DataDirectoryInUseError } from './dataDirectoryLock.js';
import { createLogger } from './logger.js';

// The application (stores, handlers, edges) is imported by the command that needs it, not here:
// loading it takes about a second, and `keystream start` spawns its child processes first, so
// that they load theirs at the same time instead of after it.

const USAGE = `usage: keystream <command> [options]

commands:
  start [--role all|api,projector,gateway,relay]  run keystream (default: every role, embedded storage in ./.keystream);
                                                  one or more roles joined by commas run just those
  token --user <email> [--ttl <s>]                print a token of the built-in development issuer for that user
  outbox [--to <email>] [--json]                  print the mails keystream wrote to its outbox (invitations with their codes)
  help                                            show this text

configuration is read from KEYSTREAM_* environment variables; see docs/operations.md.
`;

/**
 * sysexits.h codes, so supervisors can tell a bad configuration from a crash: `inUse`
 * (EX_TEMPFAIL) is another process holding the data directory or the listening address.
 */
const EXIT = { usage: 64, config: 78, software: 70, inUse: 75 } as const;

/** The data directory or the address is held by another process: retrying later may work. */
function isInUse(error: unknown): error is Error {
  return error instanceof DataDirectoryInUseError || (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE');
}

async function start(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { role: { type: 'string', default: 'all' } }, strict: true });
  const role = values.role;
  if (parseRoles(role) === undefined) {
    process.stderr.write(`keystream: --role must be all, or one or more of ${ROLES.filter((name) => name !== 'all').join(', ')} joined by commas (api,gateway), not "${role}"\n`);
    return EXIT.usage;
  }
  let config;
  let plan: ProcessPlan;
  const isChild = process.env[CHILD_OF_VARIABLE] !== undefined;
  try {
    config = loadConfig(process.env, role);
    // The roles of `all` spread over processes on the embedded default (processPlan.ts).
    plan = isChild ? { here: config.role, children: [] } : processPlan(config);
    if (plan.here !== config.role) config = loadConfig(process.env, plan.here);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`keystream: ${error.message}\n`);
    return EXIT.config;
  }
  const logger = createLogger(config);
  // Started first: the api waits for the read model (the built-ins) before it serves.
  // Replica children append through this process with this secret (appendForwarding.ts).
  const appendSecret = newAppendSecret();
  // With the gRPC edge on, replica children run one too, for the gRPC connections handed to them.
  const childEnvironment = { [APPEND_SECRET_VARIABLE]: appendSecret, ...(config.grpc === undefined ? {} : { [GRPC_HANDED_VARIABLE]: '1' }) };
  const children = plan.children.map((roles) => startRoleProcess(roles, logger, childEnvironment));
  const [{ startKeystream }, { startBanner }] = await Promise.all([import('./keystreamProcess.js'), import('./servicePlan.js')]);
  const stopChildren = (): Promise<void> => Promise.all(children.map((child) => child.stop())).then(() => undefined);
  // Replica children serve their share of the HTTP and gRPC connections this process accepts, in turn.
  const replicas = children.filter((child) => parseRoles(child.roles)?.has('replica') === true);
  const shareConnection = connectionSharing(replicas, 'http');
  const shareGrpcConnection = connectionSharing(replicas, 'grpc');
  // Every process answers /metrics with every process's series (processMetrics.ts): the parent
  // gathers them from its children, a child asks its parent.
  const here = config.role;
  const metricsExposition = isChild
    ? (own: () => Promise<MetricsJson>) => childExposition(here, own)
    : children.length > 0 ? (own: () => Promise<MetricsJson>) => gatheredExposition(here, own, children) : undefined;
  let running;
  try {
    running = await startKeystream(config, logger, {
      ...(metricsExposition === undefined ? {} : { metricsExposition }),
      appendSecret,
      ...(shareConnection === undefined ? {} : { shareConnection }),
      ...(shareGrpcConnection === undefined ? {} : { shareGrpcConnection }),
      servesHandedGrpc: isChild && process.env[GRPC_HANDED_VARIABLE] === '1',
    });
  } catch (error) {
    await stopChildren();
    if (!isInUse(error)) throw error;
    logger.error({ error }, 'cannot start');
    process.stderr.write(`keystream: ${error.message}\n`);
    return EXIT.inUse;
  }
  const started = running;
  for (const child of children) child.answerScrapesWith(() => gatheredExposition(here, () => started.metricsSnapshot(), children));
  if (isChild) serveMetricsToParent(() => started.metricsSnapshot());

  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: string, code: number): void => {
      if (stopping) return;
      stopping = true;
      if (code === 0) logger.info({ reason }, 'shutting down');
      else logger.error({ reason }, 'shutting down after a failure');
      // The children (the projector) stop after this process's api: what it accepted gets projected.
      started.close({ waitForProjection: children.length > 0, stopChildren }).then(
        () => {
          resolve(code);
        },
        (error: unknown) => {
          logger.error({ error }, 'shutdown failed');
          resolve(EXIT.software);
        },
      );
    };
    process.once('SIGTERM', () => {
      stop('SIGTERM', 0);
    });
    process.once('SIGINT', () => {
      stop('SIGINT', 0);
    });
    followParent(() => {
      stop('the parent process ended', 0);
    });
    void started.failed.then((error) => {
      // A projector or relay that ends because a graceful stop asked it to is no failure.
      if (stopping) return;
      logger.error({ error }, 'a role failed; stopping');
      stop('a role failed', EXIT.software);
    });
    // Anything thrown or rejected that nothing handled is a bug: say what it was, stop cleanly
    // if possible, and exit 70 as documented (Node's own default would be 1, with no log line).
    const crash = (kind: string) => (error: unknown): void => {
      logger.fatal({ error }, `${kind}; stopping`);
      if (stopping) {
        resolve(EXIT.software);
        return;
      }
      stop(kind, EXIT.software);
    };
    process.on('uncaughtException', crash('uncaught exception'));
    process.on('unhandledRejection', crash('unhandled promise rejection'));
  });
  // Only now, with the signal handlers in place: a supervisor that signals as soon as it reads
  // the banner must get a graceful stop, not the default action of an unhandled SIGTERM.
  // A child's parent prints the banner (and a harness reading stderr sees one).
  if (isChild) {
    if (config.roles.has('replica')) serveHandedConnections({ http: started.adopt, grpc: started.adoptGrpc });
    logger.info({ roles: config.role, url: started.url }, 'serving');
  }
  else process.stderr.write(`${startBanner(config, started.url, started.grpcAddress, children)}\n`);
  return stopped;
}

async function token(argv: readonly string[]): Promise<number> {
  const [{ MAX_DEV_TOKEN_LIFETIME_SECONDS }, { mintDevToken }] = await Promise.all([import('@keystream/authz'), import('./auth/authServices.js')]);
  const { values } = parseArgs({ args: [...argv], options: { user: { type: 'string' }, ttl: { type: 'string' } }, strict: true });
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (values.user === undefined || !/^[^\s@]+@[^\s@]+$/.test(values.user) || (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0 && ttl <= MAX_DEV_TOKEN_LIFETIME_SECONDS))) {
    process.stderr.write(`keystream: token needs --user <email> (and --ttl as a number of seconds from 1 to ${MAX_DEV_TOKEN_LIFETIME_SECONDS})\n`);
    return EXIT.usage;
  }
  const config = configOrExit();
  if (typeof config === 'number') return config;
  try {
    process.stdout.write(`${await mintDevToken(config, values.user, ttl)}\n`);
  } catch (error) {
    process.stderr.write(`keystream: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.config;
  }
  return 0;
}

/** The configuration from the environment, or the exit code after saying what is wrong with it. */
function configOrExit(): KeystreamConfig | number {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`keystream: ${error.message}\n`);
    return EXIT.config;
  }
}

/** Prints the outbox (the embedded notifier's mails), optionally only those to one address. */
async function outbox(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { to: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const config = configOrExit();
  if (typeof config === 'number') return config;
  if (config.notifier.kind !== 'outbox') {
    process.stderr.write('keystream: mail goes over SMTP (KEYSTREAM_SMTP_URL is set); there is no outbox\n');
    return EXIT.config;
  }
  const wanted = values.to?.toLowerCase();
  const { readOutbox } = await import('@keystream/notify');
  const entries = (await readOutbox(config.notifier.file)).filter((entry) => wanted === undefined || entry.to.toLowerCase() === wanted);
  for (const entry of entries) {
    process.stdout.write(values.json === true ? `${JSON.stringify(entry)}\n` : `--- ${entry.at} to ${entry.to} (${entry.template}, ${entry.language})\nSubject: ${entry.subject}\n\n${entry.text}\n`);
  }
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'token':
      return token(rest);
    case 'outbox':
      return outbox(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`keystream: unknown command "${command}"\n\n${USAGE}`);
      return EXIT.usage;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`keystream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.software);
  },
);
