#!/usr/bin/env node
/**
 * `keystream <command>`: the entry point users run.
 *
 * `start` is the README's start command. Until the API server exists it states what it will serve
 * and exits non-zero, so nothing (a user, a supervisor, a script) mistakes it for a running server.
 */
import { notServingYetMessage, servicePlan } from './servicePlan.js';

const USAGE = `usage: keystream <command>

commands:
  start     run keystream (all roles, embedded storage in ./.keystream)
  help      show this text
`;

/** Exit status of `start` while there is no server: EX_UNAVAILABLE from sysexits.h. */
const EXIT_NOT_AVAILABLE = 69;

function main(argv: readonly string[]): number {
  const [command] = argv;
  switch (command) {
    case 'start':
      process.stderr.write(`${notServingYetMessage(servicePlan())}\n`);
      return EXIT_NOT_AVAILABLE;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`keystream: unknown command "${command}"\n\n${USAGE}`);
      return 64;
  }
}

process.exitCode = main(process.argv.slice(2));
