/**
 * The real keystream process (HTTP edge, command core, LMDB event store, projector, LMDB read
 * store) started in-process on a free loopback port, with its data in a fresh temporary directory.
 */
import { createLogger, loadConfig, startKeystream } from '@keystream/keystream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A keystream server started for a test suite. */
export interface KeystreamTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Shuts the server down gracefully and removes its data directory. */
  close(): Promise<void>;
}

/**
 * Starts keystream on a free port with its stores in a new temporary directory. `environment`
 * adds or overrides KEYSTREAM_* variables (e.g. a short KEYSTREAM_MIN_POSITION_WAIT_MS).
 */
export async function startKeystreamServer(environment: Readonly<Record<string, string>> = {}): Promise<KeystreamTestServer> {
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-e2e-'));
  try {
    const config = loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent', ...environment });
    const running = await startKeystream(config, createLogger(config));
    return {
      url: running.url,
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
