/**
 * TPM attestation end to end: a real keystream process (REST edge and WebSocket gateway), a real
 * software TPM (swtpm, EK certificate from swtpm's local CA; tpm2-tools as the device's agent).
 * A grant under an AttestationCondition refuses the device until it presents the token Verify
 * issued, over REST in two calls or over the WebSocket as one exchange.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { eventually } from '@keystream/api/testing';
import { expect } from 'chai';
import { metadataOf, serviceClient, type GrpcMessage } from '../support/grpcClient.js';
import WebSocket from 'ws';
import { SoftwareTpm, softwareTpmUnavailable, type TpmAk } from '@keystream/attestation/testing';
import { createLogger, loadConfig, mintDevToken, startKeystream } from '@keystream/keystream';
import { RestClient, type JsonObject, type RestAnswer } from './support/restClient.js';

const unavailable = softwareTpmUnavailable();
const P = 'services/iam.edgelq.com/permissions';
const TICKET = 'x-keystream-attestation-ticket';
const ATTESTATION = 'x-keystream-attestation';

function b64(bytes: Buffer): string {
  return bytes.toString('base64');
}

function fromB64(value: unknown): Buffer {
  return Buffer.from(typeof value === 'string' ? value : '', 'base64');
}

function ok(answer: RestAnswer): JsonObject {
  expect(answer.status, answer.text).to.equal(200);
  return answer.body;
}

/**
 * The message of a REST Verify answer: Verify streams upstream, so each call answers one line
 * framed as grpc-gateway frames a stream, `{"result": <VerifyResponse>}`.
 */
function streamed(answer: RestAnswer): JsonObject {
  expect(answer.status, answer.text).to.equal(200);
  expect(answer.headers.get('content-type')).to.match(/^application\/x-ndjson/);
  const lines = answer.text.split('\n').filter((line) => line !== '');
  expect(lines, answer.text).to.have.length(1);
  const line = JSON.parse(lines[0] as string) as JsonObject;
  expect(Object.keys(line)).to.deep.equal(['result']);
  return line['result'] as JsonObject;
}

(unavailable === undefined ? describe : describe.skip)(`Verify and AttestationConditions, end to end with a software TPM${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, function () {
  this.timeout(120_000);
  let dataDirectory: string;
  let running: Awaited<ReturnType<typeof startKeystream>> | undefined;
  let tpm: SoftwareTpm | undefined;
  let ak: TpmAk;
  let admin: RestClient;
  let device: RestClient;
  let deviceToken: string;
  let other: RestClient;
  const suffix = randomUUID().slice(0, 8);
  const project = `projects/att-${suffix}`;
  const domain = `${project}/attestationDomains/fleet`;
  const email = `device-${suffix}@example.com`;
  const otherEmail = `other-${suffix}@example.com`;

  before(async () => {
    dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-attestation-'));
    const config = loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: 'auto', KEYSTREAM_LOG_LEVEL: 'silent' });
    const [started, software] = await Promise.all([startKeystream(config, createLogger(config)), SoftwareTpm.start()]);
    running = started;
    tpm = software;
    ak = await software.createAk();
    admin = new RestClient(started.url, { authorization: `Bearer ${await mintDevToken(config, 'admin@keystream.local')}` });
    deviceToken = await mintDevToken(config, email);
    device = new RestClient(started.url, { authorization: `Bearer ${deviceToken}` });
    other = new RestClient(started.url, { authorization: `Bearer ${await mintDevToken(config, otherEmail)}` });
    ok(await admin.call('CreateProject', { project: { name: project, title: 'attested fleet', multiRegionPolicy: {} } }));
    ok(await admin.call('CreateAttestationDomain', { parent: project, attestationDomain: { name: domain, policies: [{ manufacturerRootCaCertsPem: await tpm.manufacturerCertificatesPem() }] } }));
    const condition = `${project}/conditions/attested`;
    ok(await admin.call('CreateCondition', { parent: project, condition: { name: condition, attestationCondition: { domain } } }));
    const role = `${project}/roles/device`;
    ok(await admin.call('CreateRole', { parent: project, role: { name: role, grants: [{ permissions: [`${P}/attestationDomains.verify`, `${P}/groups.create`, `${P}/groups.watch`], executableConditions: [{ condition }] }] } }));
    ok(await admin.call('CreateRoleBinding', { parent: project, roleBinding: { role, member: `user:${email}` } }));
    ok(await admin.call('CreateRoleBinding', { parent: project, roleBinding: { role, member: `user:${otherEmail}` } }));
  });

  after(async () => {
    await Promise.all([running?.close(), tpm?.stop()]);
    fs.rmSync(dataDirectory, { recursive: true, force: true });
  });

  function software(): SoftwareTpm {
    if (tpm === undefined) throw new Error('the software TPM is started in before()');
    return tpm;
  }

  async function ask(): Promise<JsonObject> {
    const tpm = software();
    return { subject: email, attestationDomain: domain, tpmVersion: 'TPMV20', ekpub: b64(await tpm.ekPublic()), ekcert: b64(await tpm.ekCertificate()), akpub: b64(ak.akpub), attest: b64(ak.attest), signature: b64(ak.signature) };
  }

  /** The device's answer to a challenge (wire JSON). */
  async function answer(challenge: JsonObject): Promise<JsonObject> {
    const tpm = software();
    const secret = await tpm.activateCredential(ak, fromB64(challenge['credEncryptedByEkpub']), fromB64(challenge['secretEncryptedByCred']));
    const quote = await tpm.quote(ak, fromB64(challenge['platformAttestationNonce']), [0, 1, 2, 3]);
    return { akActivationDecryptedSecret: b64(secret), quotes: [{ quote: b64(quote.quote), signature: b64(quote.signature) }], pcrs: quote.pcrs };
  }

  const createGroup = (headers: Readonly<Record<string, string>> = {}): Promise<RestAnswer> =>
    device.call('CreateGroup', { parent: project, group: { name: `${project}/groups/g-${randomUUID().slice(0, 8)}`, displayName: 'devices' } }, { headers });

  it('should refuse the conditioned grant without an attestation token, allow Verify, then allow the grant with the token (REST, two calls)', async () => {
    expect((await createGroup()).status).to.equal(403);
    const first = await device.call('Verify', { askForChallenge: await ask() });
    const challenge = streamed(first)['challenge'] as JsonObject;
    const ticket = first.headers.get(TICKET);
    expect(ticket, 'the challenge ticket header').to.be.a('string');
    const second = await device.send('POST', `/v1/${domain}:verify`, { challengeResponse: await answer(challenge) }, { [TICKET]: ticket ?? '' });
    const token = (streamed(second)['attestationSuccessful'] as JsonObject)['attestationToken'] as string;
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await createGroup({ [ATTESTATION]: token })).status).to.equal(200);
    expect((await createGroup({ [ATTESTATION]: `${token.slice(0, -4)}AAAA` })).status).to.equal(403);
    // The same answer again: the ticket is spent.
    const replay = await device.send('POST', `/v1/${domain}:verify`, { challengeResponse: await answer(challenge) }, { [TICKET]: ticket ?? '' });
    expect(replay.status).to.equal(403);
    // Spent in the event store: any api process would refuse it the same way.
    expect(replay.text).to.include('ticket_replayed');
  });

  it("should not let another user with the same conditioned grant use the device's token, nor attest as the device", async () => {
    const first = await device.call('Verify', { askForChallenge: await ask() });
    const second = await device.send('POST', `/v1/${domain}:verify`, { challengeResponse: await answer(streamed(first)['challenge'] as JsonObject) }, { [TICKET]: first.headers.get(TICKET) ?? '' });
    const token = (streamed(second)['attestationSuccessful'] as JsonObject)['attestationToken'] as string;
    const group = { parent: project, group: { name: `${project}/groups/o-${randomUUID().slice(0, 8)}`, displayName: 'other' } };
    expect((await other.call('CreateGroup', group, { headers: { [ATTESTATION]: token } })).status).to.equal(403);
    const impersonation = await other.call('Verify', { askForChallenge: await ask() });
    expect(impersonation.status).to.equal(403);
    expect(impersonation.text).to.include('subject');
  });

  /** A WebSocket to the gateway as the device, with `headers` on the upgrade request. */
  function deviceSocket(headers: Readonly<Record<string, string>> = {}): { socket: WebSocket; next: () => Promise<JsonObject>; close: () => Promise<void> } {
    const url = running?.url ?? '';
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/watch`, { headers: { authorization: `Bearer ${deviceToken}`, ...headers } });
    const frames: JsonObject[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (data: Buffer) => {
      frames.push(JSON.parse(data.toString('utf8')) as JsonObject);
      for (const wake of waiters.splice(0)) wake();
    });
    const next = async (): Promise<JsonObject> => {
      const deadline = Date.now() + 20_000;
      while (frames.length === 0) {
        if (Date.now() > deadline) throw new Error('no frame within 20 s');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return frames.shift() as JsonObject;
    };
    const close = async (): Promise<void> => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await closed;
    };
    return { socket, next, close };
  }

  async function opened(socket: WebSocket): Promise<void> {
    if (socket.readyState === WebSocket.OPEN) return;
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
  }

  async function tokenOverRest(): Promise<string> {
    const first = await device.call('Verify', { askForChallenge: await ask() });
    const second = await device.send('POST', `/v1/${domain}:verify`, { challengeResponse: await answer(streamed(first)['challenge'] as JsonObject) }, { [TICKET]: first.headers.get(TICKET) ?? '' });
    return (streamed(second)['attestationSuccessful'] as JsonObject)['attestationToken'] as string;
  }

  it('should open a watch under the conditioned grant only on a socket that carries the token', async () => {
    const token = await tokenOverRest();
    const watch = JSON.stringify({ id: 'w1', method: 'WatchGroups', request: { parent: project, type: 'STATELESS' } });
    const bare = deviceSocket();
    try {
      await opened(bare.socket);
      bare.socket.send(watch);
      expect(await bare.next()).to.have.nested.property('error.status', 'PERMISSION_DENIED');
    } finally {
      await bare.close();
    }
    const attested = deviceSocket({ [ATTESTATION]: token });
    try {
      await opened(attested.socket);
      attested.socket.send(watch);
      expect(await attested.next()).to.have.property('response');
    } finally {
      await attested.close();
    }
  });

  it('should serve Verify as one bidirectional exchange over the WebSocket gateway', async () => {
    const { socket, next, close } = deviceSocket();
    try {
      await opened(socket);
      socket.send(JSON.stringify({ id: 'v1', method: 'Verify', request: { askForChallenge: await ask() } }));
      const challengeFrame = await next();
      expect(challengeFrame, JSON.stringify(challengeFrame)).to.have.nested.property('response.challenge');
      const challenge = (challengeFrame['response'] as JsonObject)['challenge'] as JsonObject;
      socket.send(JSON.stringify({ id: 'v1', request: { challengeResponse: await answer(challenge) } }));
      const tokenFrame = await next();
      expect(tokenFrame, JSON.stringify(tokenFrame)).to.have.nested.property('response.attestationSuccessful');
      const token = ((tokenFrame['response'] as JsonObject)['attestationSuccessful'] as JsonObject)['attestationToken'] as string;
      expect(await next()).to.deep.equal({ id: 'v1', completed: true });
      expect((await createGroup({ [ATTESTATION]: token })).status).to.equal(200);
    } finally {
      await close();
    }
  });

  it('should serve Verify as one bidirectional stream over gRPC (a client built from docs/proto)', async () => {
    const address = running?.grpcAddress;
    if (address === undefined) throw new Error('the gRPC edge did not start');
    const client = serviceClient('AttestationService', address);
    try {
      const open = (client as unknown as Record<string, (metadata: grpc.Metadata) => grpc.ClientDuplexStream<GrpcMessage, GrpcMessage>>)['Verify'];
      const call = open?.call(client, metadataOf({ authorization: `Bearer ${deviceToken}` }));
      if (call === undefined) throw new Error('no Verify in the generated protos');
      const answers: GrpcMessage[] = [];
      call.on('data', (message: GrpcMessage) => answers.push(message));
      call.on('error', () => undefined);
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.write({ askForChallenge: await ask() });
      await eventually(() => answers.length === 1, 30_000, 'the challenge');
      const challenge = answers[0]?.['challenge'] as JsonObject | undefined;
      expect(challenge, JSON.stringify(answers[0])).to.be.an('object');
      call.write({ challengeResponse: await answer(challenge as JsonObject) });
      call.end();
      expect((await status).code, 'the exchange ends OK').to.equal(grpc.status.OK);
      const token = (answers[1]?.['attestationSuccessful'] as JsonObject | undefined)?.['attestationToken'] as string;
      expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect((await createGroup({ [ATTESTATION]: token })).status).to.equal(200);
    } finally {
      client.close();
    }
  });
});
