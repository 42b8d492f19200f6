import { KeystreamError } from '@keystream/api';
import { startHttpServer, type RunningHttpServer } from '@keystream/service-api';
import { expect } from 'chai';
import { RestClient, RestError } from './restClient.js';

describe('RestClient.stream', () => {
  let server: RunningHttpServer;

  before(async () => {
    server = await startHttpServer('127.0.0.1', 0, {
      logger: { error: () => undefined },
      dispatcher: () => Promise.resolve({ response: {} }),
      // Two responses, then the stream ends: normally, or as a shutdown would end it.
      streamDispatcher: async (call, sink) => {
        await Promise.resolve();
        const name = (call.request as { name?: string }).name ?? '';
        for (let index = 0; index < 2; index += 1) sink.send({ change: { current: { group: { name, displayName: `v${index}` } } } });
        return { done: Promise.resolve(name.endsWith('closing') ? new KeystreamError('UNAVAILABLE', 'keystream is shutting down') : undefined), close: () => undefined };
      },
    });
  });

  after(async () => {
    await server.close();
  });

  const client = (): RestClient => new RestClient({ baseUrl: `http://127.0.0.1:${server.port}`, headers: { connection: 'close' } });

  it('should yield the result of each {"result": …} line and end with the stream', async () => {
    const received: unknown[] = [];
    for await (const response of client().stream('WatchGroup', { name: 'groups/g1' })) received.push(response);
    expect(received).to.deep.equal([0, 1].map((index) => ({ change: { current: { group: { name: 'groups/g1', displayName: `v${index}` } } } })));
  });

  it('should throw the status of a last {"error": …} line, telling a shutdown (UNAVAILABLE, 503) from a normal end', async () => {
    const received: unknown[] = [];
    let failure: unknown;
    try {
      for await (const response of client().stream('WatchGroup', { name: 'groups/closing' })) received.push(response);
    } catch (error) {
      failure = error;
    }
    expect(received).to.have.length(2);
    expect(failure).to.be.instanceOf(RestError);
    expect((failure as RestError).status).to.equal(503);
    expect((failure as RestError).body).to.deep.include({ status: 'UNAVAILABLE', message: 'keystream is shutting down' });
  });
});
