/**
 * What the public HTTP listener hands the gateway's internal WebSocket listener about one
 * upgrade, in process: the client's headers (credentials included, however large) and its real
 * address. The bytes forwarded to the internal port carry only a one-time random nonce naming the
 * handover, so nothing that reaches that port without going through the public listener can
 * upgrade, claim credentials, or choose the address it is authorized as.
 */
import { randomBytes } from 'node:crypto';

/** Request header carrying the nonce on the internal port. */
export const BRIDGE_NONCE_HEADER = 'x-keystream-bridge';

/** A bridged upgrade, as the public listener saw it. */
export interface UpgradeHandover {
  /** Every request header, lower-case names, as the client sent them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The client's address (not the bridge's loopback address). */
  readonly remoteAddress: string;
}

/** How long a handover waits for its upgrade on the internal port. */
const HANDOVER_TTL_MS = 10_000;

/** One-time handovers by nonce; each is claimed at most once, and expires when unclaimed. */
export class UpgradeHandovers {
  private readonly pending = new Map<string, { readonly handover: UpgradeHandover; readonly timer: NodeJS.Timeout }>();

  /** Registers a handover; returns its nonce. */
  offer(handover: UpgradeHandover): string {
    const nonce = randomBytes(24).toString('base64url');
    const timer = setTimeout(() => this.pending.delete(nonce), HANDOVER_TTL_MS);
    timer.unref();
    this.pending.set(nonce, { handover, timer });
    return nonce;
  }

  /** The handover named by `nonce`, removed; undefined when there is none (never offered, expired or claimed). */
  claim(nonce: string | undefined): UpgradeHandover | undefined {
    if (nonce === undefined || nonce === '') return undefined;
    const entry = this.pending.get(nonce);
    if (entry === undefined) return undefined;
    this.pending.delete(nonce);
    clearTimeout(entry.timer);
    return entry.handover;
  }

  /** Drops an offer whose upgrade will not happen (the internal connection failed). */
  withdraw(nonce: string): void {
    this.claim(nonce);
  }

  /** Handovers offered and not yet claimed (tests). */
  get size(): number {
    return this.pending.size;
  }
}
