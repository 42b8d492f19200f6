/**
 * A small client of Auth0's Management API v2, written against its public documentation: a
 * machine-to-machine token from `POST /oauth/token` (client-credentials grant, audience
 * `https://<domain>/api/v2/`), cached until shortly before `expires_in`; requests with
 * `Authorization: Bearer`; a 401 refreshes the token once; a 429 waits for `x-ratelimit-reset`
 * (bounded) and retries. Auth0's error body `{statusCode, error, message, errorCode}` becomes a
 * KeystreamError: 404 → NOT_FOUND, other 4xx → FAILED_PRECONDITION, 5xx and network failures →
 * UNAVAILABLE. The client secret and tokens are never put in an error message.
 */
import { KeystreamError } from '@keystream/api';

export interface Auth0ClientOptions {
  /** `https://<tenant>.auth0.com` (or a test server's URL). */
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default `<baseUrl>/api/v2/`. */
  readonly audience?: string | undefined;
  /** Attempts for a rate-limited request (default 3). */
  readonly maxAttempts?: number;
  /** Longest wait for a rate limit to reset (default 5 s). */
  readonly maxRateLimitWaitMs?: number;
  readonly clock?: () => number;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Seconds before a token's expiry at which a new one is fetched. */
const TOKEN_MARGIN_SECONDS = 60;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Auth0ManagementClient {
  private token: { readonly value: string; readonly expiresAt: number } | undefined;
  private pendingToken: Promise<string> | undefined;
  private readonly baseUrl: string;
  private readonly clock: () => number;

  constructor(private readonly options: Auth0ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? Date.now;
  }

  /** Calls `method path` (path under `/api/v2`) and returns the parsed JSON body (undefined when empty). */
  async request(method: Method, path: string, body?: Record<string, unknown>): Promise<unknown> {
    const attempts = this.options.maxAttempts ?? 3;
    let refreshed = false;
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.accessToken();
      const response = await this.send(`${this.baseUrl}/api/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status === 401 && !refreshed) {
        // The token was revoked or the tenant's signing key rotated: one fresh token, once.
        refreshed = true;
        this.token = undefined;
        continue;
      }
      if (response.status === 429 && attempt < attempts) {
        await this.waitForRateLimit(response);
        continue;
      }
      return this.read(response, `${method} /api/v2${path}`);
    }
  }

  private async accessToken(): Promise<string> {
    const now = this.clock();
    if (this.token !== undefined && this.token.expiresAt > now) return this.token.value;
    // Concurrent requests share one token request.
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  private async fetchToken(): Promise<string> {
    const response = await this.send(`${this.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        audience: this.options.audience ?? `${this.baseUrl}/api/v2/`,
      }),
    });
    const body = await this.read(response, 'POST /oauth/token');
    if (!isRecord(body) || typeof body['access_token'] !== 'string') {
      throw new KeystreamError('UNAVAILABLE', 'Auth0 answered the token request without an access_token');
    }
    const lifetime = typeof body['expires_in'] === 'number' ? body['expires_in'] : 86_400;
    this.token = { value: body['access_token'], expiresAt: this.clock() + Math.max(0, lifetime - TOKEN_MARGIN_SECONDS) * 1000 };
    return body['access_token'];
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new KeystreamError('UNAVAILABLE', `Auth0 could not be reached (${init.method ?? 'GET'} ${new URL(url).pathname}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async waitForRateLimit(response: Response): Promise<void> {
    await response.arrayBuffer();
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    const retryAfter = Number(response.headers.get('retry-after'));
    const wait = Number.isFinite(reset) && reset > 0 ? reset * 1000 - this.clock() : Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250;
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 50), this.options.maxRateLimitWaitMs ?? 5000)));
  }

  private async read(response: Response, what: string): Promise<unknown> {
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.ok) return body;
    const detail = isRecord(body) ? [body['errorCode'], body['message'] ?? body['error_description'] ?? body['error']].filter((part) => typeof part === 'string').join(': ') : '';
    const message = `Auth0 refused ${what} with ${response.status}${detail === '' ? '' : ` (${detail})`}`;
    if (response.status === 404) throw new KeystreamError('NOT_FOUND', message);
    if (response.status >= 500 || response.status === 429) throw new KeystreamError('UNAVAILABLE', message);
    throw new KeystreamError('FAILED_PRECONDITION', message);
  }
}
