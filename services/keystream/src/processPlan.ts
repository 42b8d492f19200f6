/**
 * How `keystream start` spreads the roles of `all` over processes on the embedded stores, so the
 * default uses more than one core: the api (the one writer of the event log, with the process
 * managers and the watch gateway) stays in the process started; the projector — the other half of
 * every write's cost, the read model's apply — runs in a child process, which also serves the API
 * and watches as a replica: the process started hands it its share of the HTTP and gRPC
 * connections unread, and its appends go back to the writer (appendForwarding.ts). With three or
 * more processes the relay gets its own. They share the data directory: the api writes the event
 * log, the projector the read model, and each follows the other's commits (docs/operations.md).
 * Processes beyond those are replicas serving the API (HTTP, gRPC) and watches only (`auto`: the
 * cores, up to 4). One process runs everything when asked (`KEYSTREAM_PROCESSES=1`), on one core,
 * or on server stores (whose roles an operator deploys apart with `--role`). Connections can be
 * handed over only by the `node` HTTP edge and replicas reach the writer only on Linux: elsewhere
 * the child runs the projector alone.
 */
import { availableParallelism } from 'node:os';
import type { KeystreamConfig } from './config.js';

/** The roles of the process started and of each child it runs. */
export interface ProcessPlan {
  /** `--role` of this process: `all` when nothing runs apart. */
  readonly here: string;
  /** `--role` of each child process. */
  readonly children: readonly string[];
}

/** The plan for a process configured with `config`, on `cores` cores. */
export function processPlan(
  config: Pick<KeystreamConfig, 'role' | 'processes' | 'eventStore' | 'readStore' | 'eventStream' | 'http'>,
  cores: number = availableParallelism(),
  platform: NodeJS.Platform = process.platform,
): ProcessPlan {
  const embedded = config.eventStore.kind === 'lmdb' && config.readStore.kind === 'lmdb';
  const replicas = platform === 'linux' && config.http.edge === 'node';
  const processes = config.processes === 'auto' ? Math.min(cores, replicas ? MOST_AUTO_PROCESSES : 3) : config.processes;
  if (config.role !== 'all' || !embedded || processes < 2) return { here: config.role, children: [] };
  const projector = replicas ? 'projector,replica,gateway' : 'projector';
  // With two processes the relay stays with the api; with three or more it runs apart.
  const relayApart = config.eventStream !== undefined && processes >= 3;
  const here = config.eventStream !== undefined && !relayApart ? 'api,gateway,relay' : 'api,gateway';
  return { here, children: [projector, ...(relayApart ? ['relay'] : []), ...moreReplicas(processes - (relayApart ? 3 : 2), replicas)] };
}

/**
 * How many processes `auto` runs at most: the api process, the projector, the relay and a replica
 * serving HTTP; past that one writer of the event log takes every append, so more replicas mostly
 * cost memory (a Node process each).
 */
const MOST_AUTO_PROCESSES = 4;

/** The children serving only the API and watches, one per process left after the others. */
function moreReplicas(count: number, replicas: boolean): string[] {
  return replicas ? Array.from({ length: Math.max(0, count) }, () => 'replica,gateway') : [];
}
