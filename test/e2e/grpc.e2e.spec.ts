/**
 * keystream over gRPC, as the SDKs call it: a client built only from docs/proto against the real
 * process (`keystream start`'s composition), side by side with REST for the same calls.
 */
import { eventually } from '@keystream/api/testing';
import type { RestError } from '@keystream/client';
import { RestClient } from '@keystream/client';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { fieldViolationsOf, metadataOf, serverStream, serviceClient, unaryCall, type GrpcMessage } from '../support/grpcClient.js';
import { startKeystreamServer, type KeystreamTestServer } from './support/keystreamServer.js';

describe('the gRPC edge', function () {
  let server: KeystreamTestServer;
  let rest: RestClient;
  let address: string;
  let clients: grpc.Client[] = [];

  const client = (service: string): grpc.Client => {
    const created = serviceClient(service, address);
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startKeystreamServer({ KEYSTREAM_GRPC_PORT: 'auto' });
    if (server.grpcAddress === undefined) throw new Error('the gRPC edge did not start');
    address = server.grpcAddress;
    rest = new RestClient({ baseUrl: server.url, headers: server.headers });
  });

  afterEach(() => {
    for (const created of clients) created.close();
    clients = [];
  });

  after(async () => {
    await server.close();
  });

  describe('unary methods', () => {
    it('should create over gRPC (write) and read it back over gRPC (read) as REST sees it', async () => {
      const groups = client('GroupService');
      const created = await unaryCall(groups, 'CreateGroup', { group: { displayName: 'over grpc', description: 'made by a gRPC client' } }, server.headers);
      const name = created.response['name'] as string;
      expect(name).to.match(/^groups\//);
      // A write's position comes back as initial metadata, as REST sends it as a header.
      expect(created.metadata.get('x-keystream-min-position')[0]).to.be.a('string').and.not.equal('');

      const read = await unaryCall(groups, 'GetGroup', { name }, { ...server.headers, 'x-keystream-min-position': String(created.metadata.get('x-keystream-min-position')[0]) });
      const overRest = await rest.call('GetGroup', { name });
      expect(read.response['displayName']).to.equal('over grpc');
      expect(read.response['email']).to.equal(overRest['email']);
      const createTime = (read.response['metadata'] as { createTime: { seconds: string; nanos?: number } }).createTime;
      const restTime = Date.parse((overRest['metadata'] as { createTime: string }).createTime);
      expect(Number(createTime.seconds) * 1000 + Math.floor((createTime.nanos ?? 0) / 1e6)).to.equal(restTime);

      // field_mask narrows the answer over gRPC as it does over REST.
      const masked = await unaryCall(groups, 'GetGroup', { name, fieldMask: { paths: ['display_name'] }, view: 'NAME' }, server.headers);
      expect(Object.keys(masked.response).sort()).to.deep.equal(Object.keys(await rest.call('GetGroup', { name, fieldMask: 'displayName', view: 'NAME' })).sort());
    });

    it('should serve a custom method (CheckMyRoleBindings) with the answer REST gives', async () => {
      const bindings = client('AuthorizationService');
      const { response } = await unaryCall(bindings, 'CheckMyRoleBindings', {}, server.headers);
      const overRest = await rest.call('CheckMyRoleBindings', {});
      const roles = (answer: GrpcMessage): string[] => ((answer['resolvableGrants'] as { roleBinding: { role: string } }[] | undefined) ?? []).map((grant) => grant.roleBinding.role).sort();
      expect(roles(response)).to.not.deep.equal([]);
      expect(roles(response)).to.deep.equal(roles(overRest));
    });

    it('should answer bad input with INVALID_ARGUMENT and the BadRequest field violations REST names', async () => {
      const groups = client('GroupService');
      const bad = { group: { name: 'groups/Not Valid!', displayName: 'x' } };
      const error = await unaryCall(groups, 'CreateGroup', bad, server.headers).then(
        () => undefined,
        (failure: unknown) => failure as grpc.ServiceError,
      );
      expect(error?.code).to.equal(grpc.status.INVALID_ARGUMENT);
      const restError = await rest.call('CreateGroup', { group: { name: 'groups/Not Valid!', displayName: 'x' } }).then(
        () => undefined,
        (failure: unknown) => failure as RestError,
      );
      const restViolations = ((restError?.body.details as { fieldViolations?: { field: string }[] }[] | undefined)?.[0]?.fieldViolations ?? []).map((violation) => violation.field);
      const violations = fieldViolationsOf(error as grpc.ServiceError).map((violation) => violation.field);
      expect(violations).to.not.deep.equal([]);
      expect(violations).to.deep.equal(restViolations);
    });

    it('should refuse a caller without a bearer token with the code REST answers (UNAUTHENTICATED or PERMISSION_DENIED)', async () => {
      const groups = client('GroupService');
      const error = await unaryCall(groups, 'CreateGroup', { group: { displayName: 'anonymous' } }).then(
        () => undefined,
        (failure: unknown) => failure as grpc.ServiceError,
      );
      const anonymous = new RestClient({ baseUrl: server.url });
      const restError = await anonymous.call('CreateGroup', { group: { displayName: 'anonymous' } }).then(
        () => undefined,
        (failure: unknown) => failure as RestError,
      );
      expect(restError?.body.status).to.be.oneOf(['UNAUTHENTICATED', 'PERMISSION_DENIED']);
      expect(grpc.status[error?.code ?? grpc.status.OK]).to.equal(restError?.body.status);
    });
  });

  describe('Watch methods as server streams', () => {
    it('should stream a watch\'s snapshot and its changes, and free the watch when the client cancels', async () => {
      const groups = client('GroupService');
      const before = server.openWatches();
      const watch = serverStream(groups, 'WatchGroups', { type: 'STATEFUL' }, server.headers);
      await eventually(() => watch.messages.some((message) => message['isCurrent'] === true), 10_000, 'the snapshot');
      expect(server.openWatches()).to.equal(before + 1);
      const created = await rest.call('CreateGroup', { group: { displayName: 'watched over grpc' } });
      await eventually(
        () => watch.messages.some((message) => ((message['groupChanges'] as GrpcMessage[] | undefined) ?? []).some((change) => (change['added'] as { group?: { name?: string } } | undefined)?.group?.name === created['name'])),
        10_000,
        'the added group',
      );
      watch.call.cancel();
      expect((await watch.ended).code).to.equal(grpc.status.CANCELLED);
      await eventually(() => server.openWatches() === before, 5_000, 'the cancelled watch to be closed');
    });

    it('should end a watch at its deadline and free it', async () => {
      const groups = client('GroupService');
      const before = server.openWatches();
      const watch = serverStream(groups, 'WatchGroups', { type: 'STATELESS' }, server.headers, { deadline: Date.now() + 1_000 });
      expect((await watch.ended).code).to.equal(grpc.status.DEADLINE_EXCEEDED);
      await eventually(() => server.openWatches() === before, 5_000, 'the watch past its deadline to be closed');
    });

    it('should refuse a watch without credentials with UNAUTHENTICATED before streaming anything', async () => {
      const watch = serverStream(client('GroupService'), 'WatchGroups', { type: 'STATELESS' });
      expect((await watch.ended).code).to.equal(grpc.status.UNAUTHENTICATED);
      expect(watch.messages).to.deep.equal([]);
    });

    /** The names of the groups a stateless watch's messages carry as current. */
    const currentNames = (messages: readonly GrpcMessage[]): unknown[] =>
      messages.flatMap((message) => ((message['groupChanges'] as GrpcMessage[] | undefined) ?? []).map((change) => (change['current'] as { group?: { name?: string } } | undefined)?.group?.name));

    /** The resume token of a stateless watch's first progress message. */
    const tokenOf = (messages: readonly GrpcMessage[]): string | undefined => messages.map((message) => message['resumeToken'] as string | undefined).find((token) => token !== undefined && token !== '');

    it('should resume over gRPC from a token an NDJSON watch gave, and over NDJSON from a token a gRPC watch gave', async () => {
      // NDJSON → gRPC
      const abort = new AbortController();
      let restToken: string | undefined;
      for await (const message of rest.stream('WatchGroups', { type: 'STATELESS' }, abort.signal)) {
        restToken = tokenOf([message]);
        if (restToken !== undefined) break;
      }
      abort.abort();
      expect(restToken).to.be.a('string');
      const missed = await rest.call('CreateGroup', { group: { displayName: 'missed by rest' } });
      const resumed = serverStream(client('GroupService'), 'WatchGroups', { type: 'STATELESS', resumeToken: restToken }, server.headers);
      let grpcToken: string | undefined;
      try {
        await eventually(() => currentNames(resumed.messages).includes(missed['name']), 10_000, 'the group created while no watch was open');
        grpcToken = tokenOf([...resumed.messages].reverse());
      } finally {
        resumed.call.cancel();
        await resumed.ended;
      }

      // gRPC → NDJSON
      expect(grpcToken).to.be.a('string');
      const missedAgain = await rest.call('CreateGroup', { group: { displayName: 'missed by grpc' } });
      const second = new AbortController();
      const seen: unknown[] = [];
      try {
        for await (const message of rest.stream('WatchGroups', { type: 'STATELESS', resumeToken: grpcToken }, second.signal)) {
          seen.push(...currentNames([message]));
          if (seen.includes(missedAgain['name'])) break;
        }
      } finally {
        second.abort();
      }
      expect(seen).to.include(missedAgain['name']);
    });
  });

  describe('Verify as a bidirectional stream', () => {
    it('should send each message through the pipeline and answer as REST does for the same request', async () => {
      const attestation = client('AttestationService');
      const invoke = (attestation as unknown as Record<string, (metadata: grpc.Metadata) => grpc.ClientDuplexStream<GrpcMessage, GrpcMessage>>)['Verify'];
      const call = invoke?.call(attestation, metadataOf(server.headers));
      if (call === undefined) throw new Error('no Verify in the generated protos');
      const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => undefined);
      call.on('data', () => undefined);
      const request = { askForChallenge: { attestationDomain: 'projects/nowhere/attestationDomains/none' } };
      call.write(request);
      call.end();
      const status = await ended;
      const restError = await rest.call('Verify', request).then(
        () => undefined,
        (failure: unknown) => failure as RestError,
      );
      expect(restError, 'REST refuses a domain that does not exist').to.not.equal(undefined);
      expect(grpc.status[status.code]).to.equal(restError?.body.status);
    });
  });
});
