/**
 * The gRPC edge as a transport, in front of a recording dispatcher: what it hands the pipeline for
 * each kind of call, how it carries a bidirectional exchange, and the reflection and health
 * services. The clients load docs/proto with @grpc/proto-loader, as a third party would.
 */
import { KeystreamError } from '@keystream/api';
import type { ApiCall } from '@keystream/service-api';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { expect } from 'chai';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROTO_ROOT } from './protoCatalog.js';
import { createServer } from 'node:net';
import { remoteAddressOf, startGrpcServer, startHandedGrpcServer, type GrpcCallOutcome, type RunningGrpcServer } from './grpcServer.js';

type Message = Record<string, unknown>;
type Constructor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

const iamDefinition = protoLoader.loadSync('ntt/iam/v1/iam.proto', { includeDirs: [PROTO_ROOT], longs: String, enums: String, defaults: false });
const iam = (grpc.loadPackageDefinition(iamDefinition) as unknown as { ntt: { iam: { v1: Record<string, Constructor> } } }).ntt.iam.v1;
const reflectionProto = path.join(path.dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');
const reflectionPackage = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto, { keepCase: true })) as unknown as { grpc: { reflection: { v1: { ServerReflection: Constructor } } } };
const healthPackage = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String })) as unknown as { grpc: { health: { v1: { Health: Constructor } } } };

describe('the gRPC edge (transport)', () => {
  let server: RunningGrpcServer;
  let address: string;
  const calls: ApiCall[] = [];
  let clients: grpc.Client[] = [];

  const client = (Client: Constructor | undefined): grpc.Client => {
    if (Client === undefined) throw new Error('no such service in the protos');
    const created = new Client(address, grpc.credentials.createInsecure());
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startGrpcServer('127.0.0.1', 0, {
      logger: { error: () => undefined },
      dispatcher: (call) => {
        calls.push(call);
        const request = call.request as Message;
        if (call.method.name === 'Verify') {
          // A two-step exchange: a challenge and a ticket, then the ticket must come back.
          if (request['challengeResponse'] === undefined) return Promise.resolve({ response: { challenge: { akCredBlob: 'AQID' } }, headers: { 'x-keystream-attestation-ticket': 'ticket-1' } });
          if (call.headers['x-keystream-attestation-ticket'] !== 'ticket-1') return Promise.reject(KeystreamError.invalidArgument([{ field: 'x-keystream-attestation-ticket', description: 'missing' }]));
          return Promise.resolve({ response: { attestationSuccessful: { attestationToken: 'token' } } });
        }
        if (call.method.name === 'GetGroup') return Promise.resolve({ response: { name: request['name'], displayName: 'g', metadata: { createTime: '2026-01-02T03:04:05.123456789Z', labels: { a: 'b' }, generation: '7' } } });
        return Promise.reject(new KeystreamError('FAILED_PRECONDITION', 'not in this test'));
      },
    });
    address = `127.0.0.1:${server.port}`;
  });

  afterEach(() => {
    for (const created of clients) created.close();
    clients = [];
    calls.length = 0;
  });

  after(async () => {
    await server.close();
  });

  it('should hand the pipeline the request in the contract\'s form with the metadata as headers, and encode its answer', async () => {
    const groups = client(iam['GroupService']);
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Bearer abc');
    const response = await new Promise<Message>((resolve, reject) => {
      (groups as unknown as Record<string, (...args: unknown[]) => void>)['GetGroup']?.call(groups, { name: 'groups/g', fieldMask: { paths: ['display_name', 'metadata.create_time'] }, view: 'BASIC' }, metadata, (error: Error | null, answer: Message) => {
        if (error) reject(error);
        else resolve(answer);
      });
    });
    expect(calls[0]?.request).to.deep.equal({ name: 'groups/g', fieldMask: ['display_name', 'metadata.create_time'], view: 'BASIC' });
    expect(calls[0]?.headers['authorization']).to.equal('Bearer abc');
    expect(calls[0]?.remoteAddress).to.equal('127.0.0.1');
    expect(response).to.deep.equal({ name: 'groups/g', displayName: 'g', metadata: { createTime: { seconds: '1767323045', nanos: 123456789 }, labels: { a: 'b' }, generation: '7' } });
  });

  it('should run each message of a bidirectional call through the dispatcher, carrying the routed fields and the exchange\'s headers', async () => {
    const attestation = client(iam['AttestationService']);
    const call = (attestation as unknown as Record<string, () => grpc.ClientDuplexStream<Message, Message>>)['Verify']?.call(attestation);
    if (call === undefined) throw new Error('no Verify');
    const answers: Message[] = [];
    call.on('data', (answer: Message) => answers.push(answer));
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined);
    call.write({ askForChallenge: { attestationDomain: 'projects/p/attestationDomains/d', ekCertDer: Buffer.from('ek') } });
    await new Promise<void>((resolve) => {
      call.once('data', () => {
        resolve();
      });
    });
    call.write({ challengeResponse: { eventlog: Buffer.from([1]) } });
    call.end();
    expect((await status).code).to.equal(grpc.status.OK);
    expect(answers.map((answer) => Object.keys(answer))).to.deep.equal([['challenge'], ['attestationSuccessful']]);
    // The second message carries the first one's routed domain (the REST path's field), not its other fields.
    expect(calls[1]?.request).to.deep.equal({ askForChallenge: { attestationDomain: 'projects/p/attestationDomains/d' }, challengeResponse: { eventlog: 'AQ==' } });
  });

  it('should end a bidirectional call with the status of a message the pipeline refuses', async () => {
    const attestation = client(iam['AttestationService']);
    const call = (attestation as unknown as Record<string, () => grpc.ClientDuplexStream<Message, Message>>)['Verify']?.call(attestation);
    if (call === undefined) throw new Error('no Verify');
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined);
    call.on('data', () => undefined);
    call.write({ challengeResponse: { eventlog: Buffer.from([1]) } });
    call.end();
    const ended = await status;
    expect(ended.code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(ended.details).to.contain('x-keystream-attestation-ticket');
  });

  it('should answer a request that is not the method\'s message with INVALID_ARGUMENT, never INTERNAL', async () => {
    const raw = client(grpc.makeGenericClientConstructor({}, 'raw'));
    const status = await new Promise<grpc.ServiceError | null>((resolve) => {
      raw.makeUnaryRequest('/ntt.iam.v1.GroupService/GetGroup', (value: Buffer) => value, (value: Buffer) => value, Buffer.from([0x0a, 0xff, 0xff]), (error) => {
        resolve(error);
      });
    });
    expect(status?.code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(calls).to.deep.equal([]);
  });

  it('should list the services over reflection and describe them from the generated files', async () => {
    const reflection = client(reflectionPackage.grpc.reflection.v1.ServerReflection);
    const stream = (reflection as unknown as Record<string, () => grpc.ClientDuplexStream<Message, Message>>)['ServerReflectionInfo']?.call(reflection);
    if (stream === undefined) throw new Error('no reflection');
    const answers: Message[] = [];
    stream.on('data', (answer: Message) => answers.push(answer));
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    stream.write({ list_services: '' });
    stream.write({ file_containing_symbol: 'ntt.iam.v1.GroupService' });
    stream.end();
    await ended;
    const services = ((answers[0]?.['list_services_response'] as { service: { name: string }[] }).service).map((service) => service.name);
    expect(services).to.include.members(['ntt.iam.v1.GroupService', 'ntt.iam.v1.AttestationService', 'grpc.health.v1.Health']);
    const files = (answers[1]?.['file_descriptor_response'] as { file_descriptor_proto: Buffer[] }).file_descriptor_proto;
    const described = files.map((file) => file.toString('latin1')).join('');
    // Proto names as declared (display_name, not displayName): reflection clients encode with them.
    expect(described).to.include('GroupService').and.include('display_name').and.include('client_email');
    expect(described).to.not.include('displayName\x18');
  });

  it('should report every service SERVING on the standard health service', async () => {
    const health = client(healthPackage.grpc.health.v1.Health);
    const check = (service: string): Promise<{ error: grpc.ServiceError | null; answer: Message | undefined }> =>
      new Promise((resolve) => {
        (health as unknown as Record<string, (...args: unknown[]) => void>)['Check']?.call(health, { service }, (error: grpc.ServiceError | null, answer: Message | undefined) => {
          resolve({ error, answer });
        });
      });
    expect((await check('')).answer?.['status']).to.equal('SERVING');
    expect((await check('ntt.iam.v1.RoleBindingService')).answer?.['status']).to.equal('SERVING');
    expect((await check('no.such.Service')).error?.code).to.equal(grpc.status.NOT_FOUND);
  });

  it('should end open watches with UNAVAILABLE (and close them) when it shuts down', async () => {
    let closed = 0;
    const second = await startGrpcServer('127.0.0.1', 0, {
      logger: { error: () => undefined },
      dispatcher: () => Promise.reject(new KeystreamError('UNIMPLEMENTED', 'not in this test')),
      streamDispatcher: (_call, sink) => {
        let end: (value: undefined) => void = () => undefined;
        const done = new Promise<undefined>((resolve) => {
          end = resolve;
        });
        sink.send({ isCurrent: true, resumeToken: '0000000000000001' });
        return Promise.resolve({
          done,
          close: () => {
            closed += 1;
            end(undefined);
          },
        });
      },
    });
    const Groups = iam['GroupService'];
    if (Groups === undefined) throw new Error('no GroupService');
    const groups = new Groups(`127.0.0.1:${second.port}`, grpc.credentials.createInsecure());
    try {
      const call = (groups as unknown as Record<string, (request: Message) => grpc.ClientReadableStream<Message>>)['WatchGroups']?.call(groups, { type: 'STATELESS' });
      if (call === undefined) throw new Error('no WatchGroups');
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        call.once('data', () => {
          resolve();
        });
      });
      await second.close();
      expect((await status).code).to.equal(grpc.status.UNAVAILABLE);
      expect(closed).to.equal(1);
    } finally {
      groups.close();
    }
  });

  it('should serve a connection its share function hands elsewhere there, unread and with the client\'s address, and the others itself', async () => {
    const servedBy: { edge: string; remoteAddress: string }[] = [];
    const answering = (edge: string) => (call: ApiCall) => {
      servedBy.push({ edge, remoteAddress: call.remoteAddress });
      return Promise.resolve({ response: { name: (call.request as Message)['name'], displayName: edge } });
    };
    // The edge another process would run: no port, only the connections it is handed.
    const elsewhere = startHandedGrpcServer({ logger: { error: () => undefined }, dispatcher: answering('elsewhere') });
    let handNext = true;
    const sharing = await startGrpcServer('127.0.0.1', 0, {
      logger: { error: () => undefined },
      dispatcher: answering('here'),
      shareConnection: (socket) => {
        if (!handNext) return false;
        handNext = false;
        elsewhere.adopt(socket);
        return true;
      },
    });
    const Groups = iam['GroupService'];
    if (Groups === undefined) throw new Error('no GroupService');
    // A subchannel pool of its own per client: each client opens its own connection.
    const own = { 'grpc.use_local_subchannel_pool': 1 };
    const first = new (Groups as unknown as new (address: string, credentials: grpc.ChannelCredentials, options: object) => grpc.Client)(`127.0.0.1:${sharing.port}`, grpc.credentials.createInsecure(), own);
    const second = new (Groups as unknown as new (address: string, credentials: grpc.ChannelCredentials, options: object) => grpc.Client)(`127.0.0.1:${sharing.port}`, grpc.credentials.createInsecure(), own);
    const get = (client: grpc.Client, name: string): Promise<Message> =>
      new Promise<Message>((resolve, reject) => {
        (client as unknown as Record<string, (...args: unknown[]) => void>)['GetGroup']?.call(client, { name }, (error: Error | null, answer: Message) => {
          if (error) reject(error);
          else resolve(answer);
        });
      });
    try {
      expect((await get(first, 'groups/a'))['displayName']).to.equal('elsewhere');
      expect((await get(second, 'groups/b'))['displayName']).to.equal('here');
      // Later calls stay on their connection.
      expect((await get(first, 'groups/c'))['displayName']).to.equal('elsewhere');
      expect(servedBy).to.deep.equal([
        { edge: 'elsewhere', remoteAddress: '127.0.0.1' },
        { edge: 'here', remoteAddress: '127.0.0.1' },
        { edge: 'elsewhere', remoteAddress: '127.0.0.1' },
      ]);
    } finally {
      first.close();
      second.close();
      await sharing.close(0);
      await elsewhere.close(0);
    }
  });

  it('should report each answered call with its method and status code', async () => {
    const finished: GrpcCallOutcome[] = [];
    const reporting = await startGrpcServer('127.0.0.1', 0, {
      logger: { error: () => undefined },
      dispatcher: (call) =>
        call.method.name === 'GetGroup'
          ? Promise.resolve({ response: { name: 'groups/g', displayName: 'g' } })
          : Promise.reject(new KeystreamError('FAILED_PRECONDITION', 'not in this test')),
      onCallFinished: (outcome) => finished.push(outcome),
    });
    const Groups = iam['GroupService'];
    if (Groups === undefined) throw new Error('no GroupService');
    const groups = new Groups(`127.0.0.1:${reporting.port}`, grpc.credentials.createInsecure());
    const call = (method: string, request: Message): Promise<unknown> =>
      new Promise((resolve) => {
        (groups as unknown as Record<string, (...args: unknown[]) => void>)[method]?.call(groups, request, (error: Error | null, answer: Message) => {
          resolve(error ?? answer);
        });
      });
    try {
      await call('GetGroup', { name: 'groups/g' });
      await call('DeleteGroup', { name: 'groups/g' });
      expect(finished.map(({ method, code }) => ({ method, code }))).to.deep.equal([
        { method: 'GetGroup', code: grpc.status.OK },
        { method: 'DeleteGroup', code: grpc.status.FAILED_PRECONDITION },
      ]);
      expect(finished.every((outcome) => outcome.seconds >= 0 && outcome.seconds < 10)).to.equal(true);
    } finally {
      groups.close();
      await reporting.close(0);
    }
  });

  it('should refuse a port another process listens on, as in use (so keystream start exits 75)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const refused = await startGrpcServer('127.0.0.1', port, { logger: { error: () => undefined }, dispatcher: () => Promise.reject(new Error('unused')) }).then(
        async (started) => {
          await started.close(0);
          return undefined;
        },
        (error: unknown) => error as NodeJS.ErrnoException,
      );
      expect(refused?.code).to.equal('EADDRINUSE');
      expect(refused?.message).to.equal(`cannot listen for gRPC on 127.0.0.1:${port}: the address is in use by another process`);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => { resolve(); }));
    }
  });

  it('should read the client address from the peer', () => {
    expect(remoteAddressOf('ipv4:10.1.2.3:5000')).to.equal('10.1.2.3');
    expect(remoteAddressOf('[::1]:5000')).to.equal('::1');
    expect(remoteAddressOf('ipv6:[2001:db8::1]:443')).to.equal('2001:db8::1');
    expect(remoteAddressOf('10.1.2.3:5000')).to.equal('10.1.2.3');
  });
});
