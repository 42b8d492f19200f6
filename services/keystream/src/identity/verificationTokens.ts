/**
 * Email-verification tokens of the embedded directory: `<payload>.<HMAC-SHA256>`, base64url, the
 * payload naming the user, the address and the expiry. Stateless, so any replica can confirm a
 * token another one mailed; the address is inside, so a token mailed before an address change
 * cannot verify the new address.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KeystreamError } from '@keystream/api';

/** What a valid token vouches for. */
export interface VerifiedAddress {
  readonly userName: string;
  readonly email: string;
}

/** How long a mailed link stays valid. */
export const VERIFICATION_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** Signs and checks tokens with one secret key. */
export class VerificationTokens {
  constructor(
    private readonly key: Buffer,
    private readonly clock: () => number = Date.now,
  ) {
    if (key.length < 32) throw new Error('a verification key needs at least 32 bytes');
  }

  /** Reads the key from `<dataDirectory>/email-verification-key`, creating it (mode 0600) at first use. */
  static open(dataDirectory: string): VerificationTokens {
    const file = path.join(dataDirectory, 'email-verification-key');
    fs.mkdirSync(dataDirectory, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return new VerificationTokens(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
  }

  issue(address: VerifiedAddress): string {
    const payload = Buffer.from(JSON.stringify({ n: address.userName, e: address.email, x: this.clock() + VERIFICATION_TOKEN_TTL_MS })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The address a token verifies; INVALID_ARGUMENT naming `token` when it is forged, malformed or expired. */
  check(token: string): VerifiedAddress {
    const refuse = (why: string): KeystreamError => KeystreamError.invalidArgument([{ field: 'token', description: why }]);
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) throw refuse('expected the token of a verification mail, unchanged');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refuse('the token was not issued by this keystream');
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw refuse('expected the token of a verification mail, unchanged');
    }
    const { n, e, x } = decoded as { n?: unknown; e?: unknown; x?: unknown };
    if (typeof n !== 'string' || typeof e !== 'string' || typeof x !== 'number') throw refuse('expected the token of a verification mail, unchanged');
    if (x < this.clock()) throw refuse('the verification link expired; ask for a new mail (ResendVerificationEmail)');
    return { userName: n, email: e };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
