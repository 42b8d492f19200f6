#!/usr/bin/env node
/**
 * `keystream <command>`: the entry point users run. `keystream start` is the README's start
 * command: every role in one process on the embedded default, unless told otherwise.
 */
import { parseArgs } from 'node:util';
import { MAX_DEV_TOKEN_LIFETIME_SECONDS } from '@keystream/authz';
import { ConfigError, loadConfig, ROLES, type Role } from './config.js';
import { mintDevToken } from './auth/authServices.js';
import { startKeystream } from './keystreamProcess.js';
import { createLogger } from './logger.js';
import { startBanner } from './servicePlan.js';

const USAGE = `usage: keystream <command> [options]

commands:
  start [--role all|api|projector|gateway|relay]  run keystream (default: every role, embedded storage in ./.keystream)
  token --user <email> [--ttl <s>]                print a token of the built-in development issuer for that user
  help                                            show this text

configuration is read from KEYSTREAM_* environment variables; see docs/operations.md.
`;

/** sysexits.h codes, so supervisors can tell a bad configuration from a crash. */
const EXIT = { usage: 64, config: 78, software: 70 } as const;

async function start(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { role: { type: 'string', default: 'all' } }, strict: true });
  const role = values.role as Role;
  if (!ROLES.includes(role)) {
    process.stderr.write(`keystream: --role must be one of ${ROLES.join(', ')}, not "${values.role}"\n`);
    return EXIT.usage;
  }
  let config;
  try {
    config = loadConfig(process.env, role);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`keystream: ${error.message}\n`);
    return EXIT.config;
  }
  const logger = createLogger(config);
  const running = await startKeystream(config, logger);
  process.stderr.write(`${startBanner(config, running.url, running.grpcAddress)}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: string, code: number): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ reason }, 'shutting down');
      running.close().then(
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
    void running.failed.then((error) => {
      logger.error({ error }, 'projector failed; stopping');
      stop('projector failed', EXIT.software);
    });
  });
}

async function token(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { user: { type: 'string' }, ttl: { type: 'string' } }, strict: true });
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (values.user === undefined || !/^[^\s@]+@[^\s@]+$/.test(values.user) || (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0 && ttl <= MAX_DEV_TOKEN_LIFETIME_SECONDS))) {
    process.stderr.write(`keystream: token needs --user <email> (and --ttl as a number of seconds from 1 to ${MAX_DEV_TOKEN_LIFETIME_SECONDS})\n`);
    return EXIT.usage;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`keystream: ${error.message}\n`);
    return EXIT.config;
  }
  try {
    process.stdout.write(`${await mintDevToken(config, values.user, ttl)}\n`);
  } catch (error) {
    process.stderr.write(`keystream: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.config;
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
    process.stderr.write(`keystream: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT.software);
  },
);
