/**
 * Remembers chain verdicts for a short time, keyed by the EK certificate and the policy's PEM
 * text: parsing X.509 with pkijs and verifying the path costs milliseconds, and every Verify
 * exchange checks the same certificate against the same policies twice (once per step), as does
 * every device of a fleet against its policy's roots.
 */
import { createHash } from 'node:crypto';
import type * as pkijs from 'pkijs';
import { verifyEkCertificateChain, type ChainResult } from './ekCertificateChain.js';
import { parseCertificateDer, parsePemCertificates } from './pemCertificates.js';

const MAX_ENTRIES = 4096;

/** Chain verdicts and parsed manufacturer lists, both bounded and short-lived. */
export class EkTrustCache {
  private readonly verdicts = new Map<string, { result: ChainResult; until: number }>();
  private readonly manufacturerLists = new Map<string, pkijs.Certificate[] | Error>();

  constructor(private readonly ttlMs = 60_000) {}

  /** The verdict for `ekcertDer` under `pem` at `at` (computed when not remembered). */
  async verify(ekcertDer: Buffer, pem: string, at: Date): Promise<ChainResult> {
    const key = createHash('sha256').update(ekcertDer).update('\0').update(pem).digest('base64');
    const known = this.verdicts.get(key);
    if (known !== undefined && known.until > at.getTime()) return known.result;
    const roots = this.manufacturerCertificates(pem);
    const result = roots instanceof Error ? { trusted: false as const, reason: roots.message } : await verifyEkCertificateChain(parseCertificateDer(ekcertDer, 'the EK certificate'), roots, at);
    remember(this.verdicts, key, { result, until: at.getTime() + this.ttlMs });
    return result;
  }

  private manufacturerCertificates(pem: string): pkijs.Certificate[] | Error {
    let parsed = this.manufacturerLists.get(pem);
    if (parsed === undefined) {
      try {
        parsed = parsePemCertificates(pem, 'manufacturerRootCaCertsPem');
      } catch (error) {
        parsed = error instanceof Error ? error : new Error(String(error));
      }
      remember(this.manufacturerLists, pem, parsed);
    }
    return parsed;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  // Maps iterate in insertion order: the first key is the least recently stored.
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value as string);
}
