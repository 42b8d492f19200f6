/**
 * A keystream process started for a spec (temporary data directory, free port, silent logs) with
 * REST clients per principal. For specs only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { RestClient, RestError } from '@keystream/client';
import { mintDevToken } from '../../auth/authServices.js';
import { DEFAULT_DEV_ADMIN, loadConfig, type KeystreamConfig } from '../../config.js';
import { startKeystream, type RunningKeystream } from '../../keystreamProcess.js';
import { createLogger } from '../../logger.js';

export interface KeystreamUnderTest {
  readonly running: RunningKeystream;
  readonly config: KeystreamConfig;
  readonly directory: string;
  /** The bootstrap administrator. */
  readonly admin: RestClient;
  /** The bootstrap administrator's `authorization` header value. */
  readonly adminAuthorization: string;
  readonly anonymous: RestClient;
  /** A client signed in as `email` (development issuer). */
  as(email: string): Promise<RestClient>;
  /** A client presenting a raw bearer credential (an API key). */
  withBearer(credential: string): RestClient;
  /** Everything the process logged (at `trace` when the spec asked for logs, else nothing). */
  logs(): string;
  close(): Promise<void>;
}

export async function startKeystreamUnderTest(environment: Readonly<Record<string, string>> = {}, options: { readonly captureLogs?: boolean } = {}): Promise<KeystreamUnderTest> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-methods-'));
  const config = loadConfig({ KEYSTREAM_DATA_DIR: directory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: options.captureLogs === true ? 'trace' : 'silent', ...environment });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const running = await startKeystream(config, createLogger(config, sink));
  const as = async (email: string): Promise<RestClient> => new RestClient({ baseUrl: running.url, headers: { authorization: `Bearer ${await mintDevToken(config, email)}` } });
  const adminAuthorization = `Bearer ${await mintDevToken(config, DEFAULT_DEV_ADMIN)}`;
  return {
    running,
    config,
    directory,
    admin: new RestClient({ baseUrl: running.url, headers: { authorization: adminAuthorization } }),
    adminAuthorization,
    anonymous: new RestClient({ baseUrl: running.url }),
    as,
    withBearer: (credential) => new RestClient({ baseUrl: running.url, headers: { authorization: `Bearer ${credential}` } }),
    logs: () => lines.join(''),
    async close() {
      try {
        await running.close();
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

/** The HTTP status and canonical code a call was refused with (throws if it succeeded). */
export async function refusalOf(call: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RestError) return { status: error.status, code: String(error.body.status), message: String(error.body.message) };
    throw error;
  }
  throw new Error('expected a refusal, the call succeeded');
}
