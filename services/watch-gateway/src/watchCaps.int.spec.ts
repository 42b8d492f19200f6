import { eventually } from '@keystream/api/testing';
import { WatchSocket, type WatchListener } from '@keystream/client';
import { KeystreamError } from '@keystream/api';
import { expect } from 'chai';
import { startGatewayHarness, type GatewayHarness } from './testing/gatewayHarness.js';

function collector(): WatchListener & { responses: unknown[]; errors: Record<string, unknown>[] } {
  const responses: unknown[] = [];
  const errors: Record<string, unknown>[] = [];
  return { responses, errors, onResponse: (response) => responses.push(response), onError: (error) => errors.push(error) };
}

describe('WatchGateway limits', () => {
  let harness: GatewayHarness;
  const sockets: WatchSocket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) await socket.close();
    await harness.close();
  });

  describe('having a cap of 3 watches per socket', () => {
    beforeEach(async () => {
      harness = await startGatewayHarness({ gateway: { maxWatchesPerSocket: 3, maxWatchesPerPrincipal: 100 } });
    });

    describe('when a fourth watch opens on the same socket', () => {
      it('should refuse it with RESOURCE_EXHAUSTED, and accept one again after a cancel', async () => {
        const socket = await WatchSocket.connect(harness.wsUrl);
        sockets.push(socket);
        const watches = [collector(), collector(), collector(), collector()];
        const ids = watches.map((watch) => socket.watch('WatchGroups', { type: 'STATELESS' }, watch));
        await eventually(() => watches[3]!.errors.length === 1, 5_000, 'the fourth watch refused');
        expect(watches[3]!.errors[0]).to.include({ status: 'RESOURCE_EXHAUSTED' });
        expect(watches.slice(0, 3).every((watch) => watch.errors.length === 0)).to.equal(true);
        socket.cancel(ids[0]!);
        const again = collector();
        await eventually(() => {
          if (again.responses.length > 0) return true;
          if (again.errors.length === 0) socket.watch('WatchGroups', { type: 'STATELESS' }, again);
          else again.errors.splice(0);
          return false;
        }, 5_000, 'a watch accepted after the cancel');
      });
    });
  });

  describe('having a cap of 4 watches per principal', () => {
    beforeEach(async () => {
      harness = await startGatewayHarness({ gateway: { maxWatchesPerSocket: 100, maxWatchesPerPrincipal: 4 } });
    });

    describe('when the principal opens watches over several sockets and NDJSON', () => {
      it('should refuse the fifth with RESOURCE_EXHAUSTED wherever it comes from, and free the slots when sockets close', async () => {
        const first = await WatchSocket.connect(harness.wsUrl);
        const second = await WatchSocket.connect(harness.wsUrl);
        sockets.push(first, second);
        const watches = [collector(), collector(), collector(), collector()];
        first.watch('WatchGroups', { type: 'STATELESS' }, watches[0]!);
        first.watch('WatchGroups', { type: 'STATELESS' }, watches[1]!);
        second.watch('WatchGroups', { type: 'STATELESS' }, watches[2]!);
        second.watch('WatchGroups', { type: 'STATELESS' }, watches[3]!);
        await eventually(() => watches.every((watch) => watch.responses.length > 0), 5_000, 'four watches open');
        const fifth = collector();
        second.watch('WatchGroups', { type: 'STATELESS' }, fifth);
        await eventually(() => fifth.errors.length === 1, 5_000, 'the fifth refused');
        expect(fifth.errors[0]).to.include({ status: 'RESOURCE_EXHAUSTED' });
        const ndjson = await fetch(`${harness.httpUrl}/v1/groups:watch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'STATELESS' }) });
        expect(ndjson.status).to.equal(429);
        expect(await ndjson.text()).to.contain('RESOURCE_EXHAUSTED');
        await first.close();
        await eventually(() => harness.gateway.watchesOf({ subject: 'anonymous' }) === 2, 5_000, 'the closed socket\'s watches released');
        const sixth = collector();
        second.watch('WatchGroups', { type: 'STATELESS' }, sixth);
        await eventually(() => sixth.responses.length > 0, 5_000, 'a watch accepted again');
      });
    });
  });

  describe('having a frame larger than the limit', () => {
    beforeEach(async () => {
      harness = await startGatewayHarness({ gateway: { maxFrameBytes: 1024 } });
    });

    describe('when the client sends it', () => {
      it('should close the socket with 1009 (message too big)', async () => {
        const socket = await WatchSocket.connect(harness.wsUrl);
        sockets.push(socket);
        let code = 0;
        socket.onClose((closed) => {
          code = closed;
        });
        socket.sendRaw(JSON.stringify({ id: 'x', method: 'WatchGroups', request: { filter: 'a'.repeat(2048) } }));
        await eventually(() => code !== 0, 5_000, 'the socket closed');
        expect(code).to.equal(1009);
        const another = await WatchSocket.connect(harness.wsUrl);
        sockets.push(another);
        let anotherCode = 0;
        another.onClose((closed) => {
          anotherCode = closed;
        });
        another.sendRaw(JSON.stringify({ id: 'y', method: 'WatchGroups', request: { filter: 'b'.repeat(1100) } }));
        await eventually(() => anotherCode !== 0, 5_000, 'the second socket closed');
        expect(anotherCode).to.equal(1009);
      });

      for (const [label, size] of [
        ['just above the ceiling uWS reads (4× the limit)', 4 * 1024 + 1],
        ['far above it', 64 * 1024],
      ] as const) {
        it(`should close with 1009 too when the frame is ${label}, not cut the connection`, async () => {
          const socket = await WatchSocket.connect(harness.wsUrl);
          sockets.push(socket);
          let code = 0;
          socket.onClose((closed) => {
            code = closed;
          });
          socket.sendRaw(JSON.stringify({ id: 'x', method: 'WatchGroups', request: { filter: 'a'.repeat(size) } }));
          await eventually(() => code !== 0, 5_000, 'the socket closed');
          expect(code).to.equal(1009);
        });
      }

    });
  });

  describe('having a resolver that makes a new principal object for every call', () => {
    const resolved: string[] = [];
    const authorized: object[] = [];
    let revoked = false;

    beforeEach(async () => {
      resolved.length = 0;
      authorized.length = 0;
      revoked = false;
      harness = await startGatewayHarness({
        gateway: {
          resolvePrincipal: (headers) => {
            const subject = headers['authorization'] ?? 'anonymous';
            if (revoked) throw new KeystreamError('UNAUTHENTICATED', `${subject} was revoked`);
            resolved.push(subject);
            return { subject };
          },
          authorizeWatch: (principal) => {
            authorized.push(principal);
            return Promise.resolve();
          },
        },
      });
    });

    describe('when several watches open on one socket, and others on a second socket', () => {
      it('should authenticate every watch, run one socket\'s watches as one principal, and refuse a watch once its credentials fail', async () => {
        const first = await WatchSocket.connect(harness.wsUrl, { authorization: 'Bearer alice' });
        const second = await WatchSocket.connect(harness.wsUrl, { authorization: 'Bearer bob' });
        sockets.push(first, second);
        const watches = [collector(), collector(), collector()];
        first.watch('WatchGroups', { type: 'STATELESS' }, watches[0]!);
        first.watch('WatchGroups', { type: 'STATELESS' }, watches[1]!);
        second.watch('WatchGroups', { type: 'STATELESS' }, watches[2]!);
        await eventually(() => watches.every((watch) => watch.responses.length > 0), 5_000, 'every watch open');
        // Each watch was authenticated, not only the first of its socket.
        expect(resolved.filter((subject) => subject === 'Bearer alice')).to.have.length(2);
        const alice = authorized.filter((principal) => (principal as { subject: string }).subject === 'Bearer alice');
        const bob = authorized.find((principal) => (principal as { subject: string }).subject === 'Bearer bob');
        expect(alice).to.have.length(2);
        expect(alice[0]).to.equal(alice[1]);
        expect(bob).to.not.equal(alice[0]);
        revoked = true;
        const late = collector();
        first.watch('WatchGroups', { type: 'STATELESS' }, late);
        await eventually(() => late.errors.length === 1, 5_000, 'the watch after the revocation refused');
        expect(late.errors[0]).to.include({ status: 'UNAUTHENTICATED' });
      });
    });
  });
});
