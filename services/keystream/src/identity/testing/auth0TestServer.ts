/**
 * A local HTTP server that answers like the parts of Auth0's Management API v2 keystream uses,
 * as Auth0 documents them: the client-credentials token endpoint, users-by-email, get/patch/delete
 * a user, a user's logs, deleting a user's authenticators, and the verification-email job; errors
 * as `{statusCode, error, message, errorCode}`. It holds an in-memory tenant and records every
 * request, so tests assert what keystream sent. For tests only.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A user of the fake tenant. */
export interface TenantUser {
  user_id: string;
  email: string;
  email_verified: boolean;
  name?: string;
  logs: { type: string; date: string }[];
  authenticators: number;
  verificationMails: number;
}

/** One request the server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly authorization: string | undefined;
}

export interface Auth0TestServer {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: Map<string, TenantUser>;
  readonly requests: RecordedRequest[];
  /** Tokens issued so far. */
  readonly tokensIssued: () => number;
  /** The next `count` Management API calls answer 429 (with `x-ratelimit-reset` one second ahead). */
  rateLimitNext(count: number): void;
  /** Revokes every issued token (the next call answers 401). */
  revokeTokens(): void;
  close(): Promise<void>;
}

function error(response: http.ServerResponse, statusCode: number, message: string, errorCode?: string): void {
  response.writeHead(statusCode, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ statusCode, error: http.STATUS_CODES[statusCode], message, ...(errorCode === undefined ? {} : { errorCode }) }));
}

function json(response: http.ServerResponse, statusCode: number, body: unknown): void {
  response.writeHead(statusCode, { 'content-type': 'application/json' });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

/** Starts the server on a free port. */
export async function startAuth0TestServer(): Promise<Auth0TestServer> {
  const clientId = `client-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const users = new Map<string, TenantUser>();
  const requests: RecordedRequest[] = [];
  const tokens = new Set<string>();
  let issued = 0;
  let rateLimited = 0;
  let audience = '';

  const server = http.createServer((request, response) => {
    // One request per connection, so no idle keep-alive socket outlives a test.
    response.setHeader('connection', 'close');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        error(response, 400, 'Invalid request payload JSON format', 'invalid_body');
        return;
      }
      const method = request.method ?? 'GET';
      requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, authorization: request.headers.authorization });

      if (method === 'POST' && url.pathname === '/oauth/token') {
        const grant = body as Record<string, unknown> | undefined;
        if (grant?.['grant_type'] !== 'client_credentials') { error(response, 400, 'Unsupported grant type', 'unsupported_grant_type'); return; }
        if (grant['client_id'] !== clientId || grant['client_secret'] !== clientSecret) { error(response, 401, 'Unauthorized', 'access_denied'); return; }
        if (grant['audience'] !== audience) { error(response, 403, `Service not found: ${String(grant['audience'])}`, 'access_denied'); return; }
        const token = randomBytes(16).toString('hex');
        tokens.add(token);
        issued += 1;
        json(response, 200, { access_token: token, token_type: 'Bearer', expires_in: 86_400, scope: 'read:users update:users delete:users read:logs' }); return;
      }
      if (!url.pathname.startsWith('/api/v2/')) { error(response, 404, 'Not Found'); return; }
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (bearer === undefined || !tokens.has(bearer)) { error(response, 401, 'Invalid token', 'invalid_token'); return; }
      if (rateLimited > 0) {
        rateLimited -= 1;
        response.writeHead(429, { 'content-type': 'application/json', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) });
        response.end(JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached', errorCode: 'too_many_requests' }));
        return;
      }
      const path = url.pathname.slice('/api/v2'.length);
      if (method === 'GET' && path === '/users-by-email') {
        const email = url.searchParams.get('email');
        if (email === null) { error(response, 400, 'Query validation error: missing email', 'invalid_query_string'); return; }
        // Case-sensitive, as documented: Auth0 stores addresses lower-cased.
        json(response, 200, [...users.values()].filter((user) => user.email === email).map(({ user_id, email: address, email_verified, name }) => ({ user_id, email: address, email_verified, name }))); return;
      }
      if (method === 'POST' && path === '/jobs/verification-email') {
        const job = body as Record<string, unknown> | undefined;
        const user = users.get(String(job?.['user_id']));
        if (user === undefined) { error(response, 404, 'User not found', 'inexistent_user'); return; }
        user.verificationMails += 1;
        json(response, 201, { status: 'pending', type: 'verification_email', created_at: new Date().toISOString(), id: `job_${randomBytes(8).toString('hex')}` }); return;
      }
      const match = /^\/users\/([^/]+)(\/logs|\/authenticators)?$/.exec(path);
      if (match === null) { error(response, 404, 'Not Found'); return; }
      const user = users.get(decodeURIComponent(match[1] as string));
      if (user === undefined) { error(response, 404, 'The user does not exist.', 'inexistent_user'); return; }
      const sub = match[2];
      if (sub === '/logs' && method === 'GET') {
        const sorted = [...user.logs].sort((a, b) => (url.searchParams.get('sort') === 'date:-1' ? b.date.localeCompare(a.date) : a.date.localeCompare(b.date)));
        json(response, 200, sorted.map((log, index) => ({ log_id: String(index), user_id: user.user_id, ...log }))); return;
      }
      if (sub === '/authenticators' && method === 'DELETE') {
        user.authenticators = 0;
        json(response, 204, undefined); return;
      }
      if (sub !== undefined) { error(response, 404, 'Not Found'); return; }
      if (method === 'GET') { json(response, 200, { user_id: user.user_id, email: user.email, email_verified: user.email_verified, name: user.name }); return; }
      if (method === 'PATCH') {
        const patch = body as Record<string, unknown> | undefined;
        if (typeof patch?.['name'] === 'string') user.name = patch['name'];
        json(response, 200, { user_id: user.user_id, email: user.email, email_verified: user.email_verified, name: user.name }); return;
      }
      if (method === 'DELETE') {
        users.delete(user.user_id);
        json(response, 204, undefined); return;
      }
      error(response, 404, 'Not Found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  audience = `${url}/api/v2/`;
  return {
    url,
    clientId,
    clientSecret,
    users,
    requests,
    tokensIssued: () => issued,
    rateLimitNext(count) {
      rateLimited = count;
    },
    revokeTokens() {
      tokens.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((failure) => {
          if (failure === undefined) resolve();
          else reject(failure);
        });
      }),
  };
}
