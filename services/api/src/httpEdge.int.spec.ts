/**
 * The HTTP edge against requests a browser would never send: raw bytes over TCP, so duplicate
 * headers, HEAD and oversized heads reach the server exactly as written.
 */
import net from 'node:net';
import { expect } from 'chai';
import { MAX_HEADER_BYTES, MAX_URL_BYTES, startHttpServer, type RunningHttpServer } from './httpServer.js';

/** Sends raw request bytes and returns everything the server answered before closing. */
async function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => { resolve(answer); });
    socket.end(request);
  });
}

function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

function bodyOf(answer: string): string {
  return answer.slice(answer.indexOf('\r\n\r\n') + 4);
}

describe('HTTP edge', () => {
  let server: RunningHttpServer;
  const authorizations: (string | undefined)[] = [];

  before(async () => {
    server = await startHttpServer('127.0.0.1', 0, {
      maxBodyBytes: 1024,
      logger: { error: () => undefined },
      dispatcher: (call) => {
        authorizations.push(call.headers['authorization']);
        return Promise.resolve({ response: { name: 'groups/g1', displayName: 'G' } });
      },
    });
  });

  after(async () => {
    await server.close();
  });

  const get = (extra: string, path = '/v1/groups/g1'): string => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`;

  describe('having headers that must appear once, given twice', () => {
    for (const [label, headers] of [
      ['two equal Content-Lengths', 'Content-Length: 2\r\nContent-Length: 2\r\n'],
      ['two different Content-Lengths', 'Content-Length: 2\r\nContent-Length: 3\r\n'],
      ['two Authorizations', 'Authorization: Bearer a\r\nAuthorization: Bearer b\r\n'],
      ['two Authorizations in other cases', 'authorization: Bearer a\r\nAUTHORIZATION: Bearer b\r\n'],
    ] as const) {
      describe(`when a request carries ${label}`, () => {
        it('should answer 400 without calling the dispatcher', async () => {
          const before = authorizations.length;
          const answer = await raw(server.port, `POST /v1/groups HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n{}`);
          expect(statusOf(answer), JSON.stringify(answer.slice(0, 200))).to.equal(400);
          expect(bodyOf(answer)).to.contain('INVALID_ARGUMENT');
          expect(authorizations.length).to.equal(before);
        });
      });
    }
  });

  describe('having a HEAD request', () => {
    describe('when the path has a GET', () => {
      it('should answer the GET status and headers without a body', async () => {
        const answer = await raw(server.port, `HEAD /v1/groups/g1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(statusOf(answer)).to.equal(200);
        expect(bodyOf(answer)).to.equal('');
        expect(answer.toLowerCase()).to.contain('content-length: ');
      });

      it('should answer errors without a body too', async () => {
        const answer = await raw(server.port, `HEAD /v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(statusOf(answer)).to.equal(404);
        expect(bodyOf(answer)).to.equal('');
      });
    });
  });

  describe('having heads over the documented limits that arrive in one read', () => {
    describe('when the URL is longer than the limit', () => {
      it('should answer 414', async () => {
        const answer = await raw(server.port, get('', `/v1/groups/g1?view=${'a'.repeat(MAX_URL_BYTES)}`));
        expect(statusOf(answer)).to.equal(414);
      });
    });

    describe('when the headers are larger than the limit', () => {
      it('should answer 431', async () => {
        const answer = await raw(server.port, get(`X-Big: ${'b'.repeat(MAX_HEADER_BYTES)}\r\n`));
        expect(statusOf(answer)).to.equal(431);
      });
    });

    describe('when a large token is under the limit', () => {
      it('should be served', async () => {
        const token = `Bearer ${'t'.repeat(8000)}`;
        const answer = await raw(server.port, get(`Authorization: ${token}\r\n`));
        expect(statusOf(answer)).to.equal(200);
        expect(authorizations[authorizations.length - 1]).to.equal(token);
      });
    });
  });

  describe('having a body over the limit', () => {
    describe('when posted', () => {
      it('should answer 413 with RESOURCE_EXHAUSTED', async () => {
        const body = JSON.stringify({ displayName: 'x'.repeat(2000) });
        const answer = await raw(server.port, `POST /v1/groups HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        expect(statusOf(answer)).to.equal(413);
        expect(bodyOf(answer)).to.contain('RESOURCE_EXHAUSTED');
      });
    });
  });
});
