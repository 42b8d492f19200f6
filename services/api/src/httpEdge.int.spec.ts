/**
 * The HTTP edge against requests a browser would never send: raw bytes over TCP, so duplicate
 * headers, HEAD and oversized heads reach the server exactly as written.
 */
import net from 'node:net';
import { expect } from 'chai';
import { MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URL_BYTES, PARSER_MAX_HEAD_BYTES, startHttpServer, type RunningHttpServer } from './httpServer.js';

/** Sends raw request bytes and returns everything the server answered before closing. */
async function raw(port: number, request: string): Promise<string> {
  return rawInParts(port, [request]);
}

/**
 * Sends the request in `parts`, one TCP write each with a pause between (so the server reads
 * them separately), and returns everything the server answered before closing. The server may
 * answer and close before the last part: a failed write is no failure here, a missing answer is.
 */
async function rawInParts(port: number, parts: readonly string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => { resolve(); }));
  await new Promise<void>((resolve) => socket.once('connect', () => { resolve(); }));
  for (const [index, part] of parts.entries()) {
    if (socket.destroyed) break;
    if (index === parts.length - 1) socket.end(part, 'latin1');
    else socket.write(part, 'latin1');
    if (index < parts.length - 1) await new Promise((resolve) => setTimeout(resolve, 15));
  }
  await closed;
  return answer;
}

/** `text` cut into `count` nearly equal parts. */
function split(text: string, count: number): string[] {
  const size = Math.ceil(text.length / count);
  return Array.from({ length: count }, (_unused, index) => text.slice(index * size, (index + 1) * size)).filter((part) => part !== '');
}

/** Every status line of a (pipelined) answer, in order. */
function statusesOf(answer: string): number[] {
  return [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((found) => Number(found[1]));
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
  const requests: unknown[] = [];

  before(async () => {
    server = await startHttpServer('127.0.0.1', 0, {
      maxBodyBytes: 1024,
      logger: { error: () => undefined },
      dispatcher: (call) => {
        authorizations.push(call.headers['authorization']);
        requests.push(call.request);
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

  describe('having large heads that arrive in several TCP reads', () => {
    for (const [tokenBytes, parts] of [
      [4 * 1024, 2],
      [5 * 1024, 3],
      [20 * 1024, 5],
      [64 * 1024, 2],
      [64 * 1024, 24],
    ] as const) {
      describe(`when a ${tokenBytes / 1024} KiB bearer token comes in ${parts} writes`, () => {
        it('should serve the request and hand the whole token to the dispatcher', async () => {
          const token = `Bearer ${'t'.repeat(tokenBytes)}`;
          const answer = await rawInParts(server.port, split(get(`Authorization: ${token}\r\n`), parts));
          expect(statusOf(answer), answer.slice(0, 200)).to.equal(200);
          expect(authorizations[authorizations.length - 1]).to.equal(token);
        });
      });
    }

    describe('when the header block is just under the limit, in 7 writes', () => {
      it('should serve it', async () => {
        const fixed = get('X-Fill: \r\n').length - get('').length;
        const request = get(`X-Fill: ${'f'.repeat(MAX_HEADER_BYTES - fixed - 'host: x\r\nconnection: close\r\n'.length)}\r\n`);
        const answer = await rawInParts(server.port, split(request, 7));
        expect(statusOf(answer), answer.slice(0, 200)).to.equal(200);
      });
    });

    for (const [label, bytes, parts] of [
      ['just over the limit', MAX_HEADER_BYTES + 1, 4],
      ['over the parser\'s buffer', PARSER_MAX_HEAD_BYTES + 1024, 10],
      ['far over everything', 1024 * 1024, 40],
    ] as const) {
      describe(`when the header block is ${label}, in ${parts} writes`, () => {
        it('should answer 431 with a JSON error', async () => {
          const answer = await rawInParts(server.port, split(get(`X-Fill: ${'f'.repeat(bytes)}\r\n`), parts));
          expect(statusOf(answer), answer.slice(0, 200)).to.equal(431);
          expect(bodyOf(answer)).to.contain('INVALID_ARGUMENT');
        });
      });
    }

    for (const [label, bytes, status] of [
      ['just over the URL limit', MAX_URL_BYTES + 1, 414],
      ['five times the URL limit', MAX_URL_BYTES * 5, 414],
      ['over the parser\'s buffer', PARSER_MAX_HEAD_BYTES + 1024, 431],
    ] as const) {
      describe(`when the URL is ${label}, in 3 writes`, () => {
        it(`should answer ${status}`, async () => {
          const answer = await rawInParts(server.port, split(get('', `/v1/groups/g1?view=${'v'.repeat(bytes)}`), 3));
          expect(statusOf(answer), answer.slice(0, 200)).to.equal(status);
        });
      });
    }
  });

  describe('having many header fields', () => {
    const withHeaders = (count: number): string => get(Array.from({ length: count - 2 }, (_unused, index) => `X-Field-${index}: ${index}\r\n`).join(''));
    for (const count of [49, 64, MAX_HEADER_COUNT]) {
      describe(`when a request has ${count}`, () => {
        it('should serve it', async () => {
          const answer = await raw(server.port, withHeaders(count));
          expect(statusOf(answer), answer.slice(0, 200)).to.equal(200);
        });
      });
    }
    for (const count of [MAX_HEADER_COUNT + 1, 500, 5000]) {
      describe(`when a request has ${count}`, () => {
        it('should answer 431 naming the limit', async () => {
          const answer = await rawInParts(server.port, split(withHeaders(count), 3));
          expect(statusOf(answer), answer.slice(0, 200)).to.equal(431);
          expect(bodyOf(answer)).to.match(/header fields|headers are/);
        });
      });
    }
  });

  describe('having methods the contract does not serve', () => {
    for (const method of ['QUERY', 'PROPFIND', 'MKCOL', 'TRACE', 'CONNECT_NOT']) {
      if (method === 'CONNECT_NOT') continue;
      describe(`when ${method} is sent to a path that has other methods`, () => {
        it('should answer 405 with Allow', async () => {
          const answer = await raw(server.port, `${method} /v1/groups/g1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
          expect(statusOf(answer), answer.slice(0, 200)).to.equal(405);
          expect(answer.toLowerCase()).to.match(/\r\nallow: [a-z, ]*get/);
        });
      });
    }
    describe('when QUERY is sent to an unknown path', () => {
      it('should answer 404', async () => {
        const answer = await raw(server.port, `QUERY /v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(statusOf(answer)).to.equal(404);
      });
    });
    for (const method of ['FOOBAR', 'BREW', 'get', 'G\u00c9T', 'GET\u0001']) {
      describe(`when the method is ${JSON.stringify(method)}, which the parser does not know`, () => {
        it('should answer 501 with a JSON error', async () => {
          const answer = await raw(server.port, `${method} /v1/groups/g1 HTTP/1.1\r\nHost: x\r\n\r\n`);
          expect(statusOf(answer), answer.slice(0, 200)).to.equal(501);
          expect(bodyOf(answer)).to.contain('UNIMPLEMENTED');
        });
      });
    }
  });

  describe('having request framing that could smuggle a request', () => {
    for (const [label, headers] of [
      ['Content-Length before Transfer-Encoding', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'],
      ['Transfer-Encoding before Content-Length', 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n'],
      ['Transfer-Encoding other than chunked', 'Transfer-Encoding: gzip\r\n'],
      ['Transfer-Encoding twice', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n'],
      ['a negative Content-Length', 'Content-Length: -1\r\n'],
      ['a Content-Length that is not a number', 'Content-Length: 1x\r\n'],
    ] as const) {
      describe(`when a request has ${label}`, () => {
        it('should answer 400 with INVALID_ARGUMENT and close, without calling the dispatcher', async () => {
          const before = requests.length;
          const answer = await raw(server.port, `POST /v1/groups HTTP/1.1\r\nHost: x\r\n${headers}\r\n0\r\n\r\nGET /v1/groups/g1 HTTP/1.1\r\nHost: x\r\n\r\n`);
          expect(statusesOf(answer), answer.slice(0, 300)).to.deep.equal([400]);
          expect(bodyOf(answer)).to.contain('INVALID_ARGUMENT');
          expect(requests.length).to.equal(before);
        });
      });
    }

    describe('when a request has no Host', () => {
      it('should answer 400', async () => {
        const answer = await raw(server.port, 'GET /v1/groups/g1 HTTP/1.1\r\nConnection: close\r\n\r\n');
        expect(statusOf(answer)).to.equal(400);
        expect(bodyOf(answer)).to.contain('Host');
      });
    });
  });

  describe('having a chunked body', () => {
    const chunked = (chunks: readonly string[]): string => `${chunks.map((chunk) => `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`).join('')}0\r\n\r\n`;
    const post = 'POST /v1/groups HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';

    describe('when it comes in several chunks and writes', () => {
      it('should reassemble it and serve the request', async () => {
        const before = requests.length;
        const body = chunked(['{"display', 'Name": "chun', 'ked"}']);
        const answer = await rawInParts(server.port, [post, ...split(body, 4)]);
        expect(statusOf(answer), answer.slice(0, 200)).to.equal(200);
        expect(requests.length).to.equal(before + 1);
        expect(JSON.stringify(requests[requests.length - 1])).to.contain('chunked');
      });
    });

    describe('when its chunks add up to more than the limit', () => {
      it('should answer 413 with RESOURCE_EXHAUSTED', async () => {
        const answer = await rawInParts(server.port, [post, ...split(chunked(Array.from({ length: 8 }, () => 'x'.repeat(300))), 3)]);
        expect(statusOf(answer)).to.equal(413);
        expect(bodyOf(answer)).to.contain('RESOURCE_EXHAUSTED');
      });
    });

    describe('when a chunk size is not hexadecimal', () => {
      it('should answer 400', async () => {
        const answer = await raw(server.port, `${post}zz\r\n{}\r\n0\r\n\r\n`);
        expect(statusOf(answer)).to.equal(400);
      });
    });
  });

  describe('having a body over the limit announced by Content-Length and sent slowly', () => {
    it('should answer 413 without waiting for the body', async () => {
      const answer = await rawInParts(server.port, [`POST /v1/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`, '{"display', 'Name": "x"']);
      expect(statusOf(answer)).to.equal(413);
      expect(bodyOf(answer)).to.contain('RESOURCE_EXHAUSTED');
    });
  });

  describe('having pipelined requests', () => {
    const keepAlive = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

    describe('when three arrive in one write', () => {
      it('should answer each, in order', async () => {
        const answer = await raw(server.port, keepAlive('/v1/groups/g1') + keepAlive('/v1/nowhere') + `GET /v1/groups/g1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(statusesOf(answer)).to.deep.equal([200, 404, 200]);
      });
    });

    describe('when the second is malformed', () => {
      it('should answer the first, then 400, then close', async () => {
        const answer = await raw(server.port, keepAlive('/v1/groups/g1') + 'GET /v1/groups/g1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' + keepAlive('/v1/groups/g1'));
        expect(statusesOf(answer)).to.deep.equal([200, 400]);
      });
    });

    describe('when the second has a method the parser does not know', () => {
      it('should answer the first, then 501', async () => {
        const answer = await raw(server.port, keepAlive('/v1/groups/g1') + 'FOOBAR / HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(statusesOf(answer)).to.deep.equal([200, 501]);
      });
    });
  });
});
