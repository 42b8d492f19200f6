/**
 * The real keystream process (HTTP edge, command core, LMDB event store, projector, LMDB read
 * store) started in-process on a free loopback port, with its data in a fresh temporary directory.
 */
import * as keystream from '@keystream/keystream';
import { createLogger, loadConfig, startKeystream, type KeystreamConfig } from '@keystream/keystream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A keystream server started for a test suite. */
export interface KeystreamTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>` of the gRPC edge, when the environment turns it on (KEYSTREAM_GRPC_PORT=auto). */
  readonly grpcAddress: string | undefined;
  /** The watches open now, over every transport. */
  readonly openWatches: () => number;
  /** Headers every request should carry (a development bearer token when the server authenticates). */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers of a request made by another user (a development ID token for `email`). */
  headersFor(email: string): Promise<Record<string, string>>;
  /** Shuts the server down gracefully and removes its data directory. */
  close(): Promise<void>;
}

/** The development issuer's token minting, on builds of keystream that authenticate callers. */
type MintDevToken = (config: KeystreamConfig, email: string) => Promise<string>;

/**
 * Credentials for the suite: a development token of the bootstrap administrator when this build of
 * keystream authenticates callers (it exports `mintDevToken`), none before authentication exists.
 * Looked up at run time so the suite runs unchanged on both.
 */
async function credentialHeaders(config: KeystreamConfig, email?: string): Promise<Record<string, string>> {
  const exported = keystream as unknown as Readonly<Record<string, unknown>>;
  const mint = exported['mintDevToken'];
  if (typeof mint !== 'function') return {};
  const admin = exported['DEFAULT_DEV_ADMIN'];
  const token = await (mint as MintDevToken)(config, email ?? (typeof admin === 'string' ? admin : 'admin@keystream.local'));
  return { authorization: `Bearer ${token}` };
}

/**
 * Starts keystream on a free port with its stores in a new temporary directory. `environment`
 * adds or overrides KEYSTREAM_* variables (e.g. a short KEYSTREAM_MIN_POSITION_WAIT_MS).
 */
export async function startKeystreamServer(environment: Readonly<Record<string, string>> = {}): Promise<KeystreamTestServer> {
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-e2e-'));
  try {
    const config = loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent', ...environment });
    const running = await startKeystream(config, createLogger(config));
    const headers = await credentialHeaders(config).catch(async (error: unknown) => {
      await running.close();
      throw error;
    });
    return {
      url: running.url,
      grpcAddress: running.grpcAddress,
      openWatches: running.openWatches,
      headers,
      headersFor: (email) => credentialHeaders(config, email),
      async close() {
        try {
          await running.close();
        } finally {
          fs.rmSync(dataDirectory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    fs.rmSync(dataDirectory, { recursive: true, force: true });
    throw error;
  }
}
