import { KeystreamError } from '@keystream/api';
import { expect } from 'chai';
import type { ApiCall } from './edgeContract.js';
import { startHttpServer, type RunningHttpServer } from './httpServer.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

describe('startHttpServer', () => {
  let server: RunningHttpServer;
  const calls: ApiCall[] = [];
  const logged: Record<string, unknown>[] = [];

  before(async () => {
    server = await startHttpServer('127.0.0.1', 0, {
      maxBodyBytes: 4096,
      logger: { error: (details) => logged.push(details) },
      dispatcher: async (call) => {
        calls.push(call);
        await Promise.resolve();
        if (call.method.name === 'DeleteGroup' && (call.request as { name: string }).name === 'groups/missing') throw new KeystreamError('NOT_FOUND', 'group groups/missing does not exist');
        if (call.method.name === 'GetCondition') throw new Error('disk on fire at /var/lib/secret');
        if (call.method.name === 'GetGroup') {
          return { response: { name: (call.request as { name: string }).name, metadata: { generation: 3 } }, headers: { 'x-keystream-min-position': '42' } };
        }
        return { response: {} };
      },
      extraGetRoutes: { '/healthz': () => ({ status: 200, contentType: 'text/plain', body: 'ok' }) },
    });
  });

  after(async () => {
    await server.close();
  });

  async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      headers: { connection: 'close', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: response.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as unknown) : text };
  }

  describe('when a request is valid', () => {
    it('should pass the decoded request to the dispatcher and answer in the wire format', async () => {
      const answer = await call('GET', '/v1/projects/p1/groups/g1?view=BASIC');
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ name: 'projects/p1/groups/g1', metadata: { generation: '3' } });
      expect(answer.headers.get('x-keystream-min-position')).to.equal('42');
      const last = calls[calls.length - 1];
      expect(last?.method.name).to.equal('GetGroup');
      expect(last?.request).to.deep.equal({ name: 'projects/p1/groups/g1', view: 'BASIC' });
      expect(last?.remoteAddress).to.match(/127\.0\.0\.1/);
    });

    it('should read the whole request from the body on a binding without a body clause', async () => {
      const answer = await call('POST', '/v1/projects/p1/conditions', JSON.stringify({ condition: { displayName: 'office' } }));
      expect(answer.status).to.equal(200);
      expect(calls[calls.length - 1]?.request).to.deep.equal({ parent: 'projects/p1', condition: { displayName: 'office' } });
    });

    it('should answer google.protobuf.Empty as {}', async () => {
      const answer = await call('DELETE', '/v1/groups/g1');
      expect(answer).to.deep.include({ status: 200, body: {} });
    });
  });

  describe('when the dispatcher refuses', () => {
    it('should answer the error with its status and the JSON error body', async () => {
      const answer = await call('DELETE', '/v1/groups/missing');
      expect(answer.status).to.equal(404);
      expect(answer.body).to.deep.equal({ error: { code: 404, status: 'NOT_FOUND', message: 'group groups/missing does not exist', details: [] } });
    });
  });

  describe('when the dispatcher fails unexpectedly', () => {
    it('should answer 500 with an incident id and no internals, and log the cause', async () => {
      const answer = await call('GET', '/v1/conditions/c1');
      expect(answer.status).to.equal(500);
      const message = (answer.body as { error: { message: string } }).error.message;
      expect(message).to.match(/^internal error; quote incident [0-9a-f-]{36} when reporting it$/);
      expect(JSON.stringify(answer.body)).not.to.include('disk on fire');
      expect(logged.some((entry) => message.includes(entry['incident'] as string))).to.equal(true);
    });
  });

  describe('when the request is bad', () => {
    it('should answer 400 naming the field, without calling the dispatcher', async () => {
      const before = calls.length;
      const answer = await call('POST', '/v1/groups', JSON.stringify({ displayName: 7 }));
      expect(answer.status).to.equal(400);
      expect((answer.body as { error: { status: string; message: string } }).error).to.deep.include({ status: 'INVALID_ARGUMENT' });
      expect((answer.body as { error: { message: string } }).error.message).to.match(/^group\.displayName: /);
      expect(calls.length).to.equal(before);
    });

    it('should answer 404 with a JSON error for an unknown route', async () => {
      const answer = await call('GET', '/v1/planets');
      expect(answer.status).to.equal(404);
      expect((answer.body as { error: { status: string } }).error.status).to.equal('NOT_FOUND');
    });

    it('should answer 405 with an Allow header for a known path under another method', async () => {
      const answer = await call('PATCH', '/v1/groups/g1');
      expect(answer.status).to.equal(405);
      expect(answer.headers.get('allow')).to.equal('DELETE, GET, PUT');
    });

    it('should answer 413 for a body over the limit', async () => {
      const answer = await call('POST', '/v1/groups', JSON.stringify({ displayName: 'x'.repeat(10_000) }));
      expect(answer.status).to.equal(413);
    });

    it('should answer 400 for malformed JSON', async () => {
      const answer = await call('POST', '/v1/groups', '{"displayName": ');
      expect(answer.status).to.equal(400);
      expect((answer.body as { error: { message: string } }).error.message).to.match(/not valid JSON/);
    });
  });

  it('should serve extra GET routes such as /healthz', async () => {
    expect(await call('GET', '/healthz')).to.deep.include({ status: 200, body: 'ok' });
  });
});

describe('startHttpServer with a stream dispatcher', () => {
  let server: RunningHttpServer;
  let mounted = false;

  before(async () => {
    server = await startHttpServer('127.0.0.1', 0, {
      logger: { error: () => undefined },
      dispatcher: () => Promise.resolve({ response: {} }),
      configureApp: (app) => {
        mounted = true;
        app.get('/hooked', (response) => {
          response.end('hooked');
        });
      },
      streamDispatcher: async (call, sink) => {
        await Promise.resolve();
        const name = (call.request as { name?: string }).name;
        if (name === 'groups/missing') throw new KeystreamError('NOT_FOUND', 'group groups/missing does not exist');
        let settle: (error: KeystreamError | undefined) => void = () => undefined;
        const done = new Promise<KeystreamError | undefined>((resolve) => {
          settle = resolve;
        });
        void (async () => {
          for (let index = 0; index < 3; index += 1) {
            if (!sink.send({ change: { current: { group: { name, displayName: `v${index}`, metadata: { generation: index } } } } })) await sink.whenWritable();
          }
          settle(name === 'groups/failing' ? new KeystreamError('INTERNAL', 'lost') : undefined);
        })();
        return {
          done,
          close: () => {
            settle(undefined);
          },
        };
      },
    });
  });

  after(async () => {
    await server.close();
  });

  async function lines(path: string): Promise<{ status: number; contentType: string | null; lines: unknown[] }> {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', connection: 'close' } });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type'), lines: text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown) };
  }

  describe('when a stream method is called', () => {
    it('should stream each response as one NDJSON line in the wire format, framed {"result": …} as grpc-gateway frames it', async () => {
      const answer = await lines('/v1/groups/g1:watch');
      expect(answer.status).to.equal(200);
      expect(answer.contentType).to.match(/^application\/x-ndjson/);
      expect(answer.lines).to.deep.equal([0, 1, 2].map((index) => ({ result: { change: { current: { group: { name: 'groups/g1', displayName: `v${index}`, metadata: { generation: String(index) } } } } } })));
    });

    it('should end with a google.rpc.Status error line (numeric gRPC code) when the stream fails after it started', async () => {
      const answer = await lines('/v1/groups/failing:watch');
      expect(answer.lines).to.have.length(4);
      expect(answer.lines[3]).to.deep.equal({ error: { code: 13, message: 'lost', details: [] } });
    });

    it('should answer an ordinary JSON error when the stream is refused before it starts', async () => {
      const response = await fetch(`http://127.0.0.1:${server.port}/v1/groups/missing:watch`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', connection: 'close' } });
      expect(response.status).to.equal(404);
      expect(((await response.json()) as { error: { status: string } }).error.status).to.equal('NOT_FOUND');
    });
  });

  it('should let configureApp mount handlers on the same app', async () => {
    expect(mounted).to.equal(true);
    const response = await fetch(`http://127.0.0.1:${server.port}/hooked`, { headers: { connection: 'close' } });
    expect(await response.text()).to.equal('hooked');
  });
});
