/**
 * The key page tokens are signed with. Configured (KEYSTREAM_PAGE_TOKEN_KEY, shared by every api
 * replica), or for a single embedded process created once and kept in the data directory, so
 * tokens stay valid across restarts. The key file is readable by its owner only.
 */
import { randomBytes } from 'node:crypto';
import { keptFile } from '@keystream/kernel';
import path from 'node:path';
import type { KeystreamConfig } from './config.js';

/** The page-token key of this deployment. */
export function pageTokenKeyOf(config: KeystreamConfig): string {
  return config.pageTokenKey ?? keptKey(config, 'page-token.key');
}

/** The attestation key of this deployment (tickets and tokens are derived from it), configured or kept like the page-token key. */
export function attestationKeyOf(config: KeystreamConfig): string {
  return config.attestationKey ?? keptKey(config, 'attestation.key');
}

function keptKey(config: KeystreamConfig, fileName: string): string {
  // Processes starting together on one data directory (an api and its replica) keep one key.
  return keptFile(path.join(config.dataDirectory, fileName), () => `${randomBytes(32).toString('base64url')}\n`).toString('utf8').trim();
}
