/**
 * Verify benchmarks (issue 13), printed, not asserted. Needs swtpm and tpm2-tools.
 *
 *   npx tsx --conditions=keystream-source test/bench/attestation.bench.ts [--quick]
 *
 * - Full exchanges against a real software TPM, one after another: challenge (server) →
 *   tpm2_activatecredential + tpm2_quote (attestee) → complete (server). Exchanges/s and p99 of
 *   the whole exchange, and of the server's share of it (the two verifier calls).
 * - Step 1 alone in process (EK chain, AK checks, credential, sealed ticket), 4 concurrent:
 *   challenges/s and p99; what an api process spends per device before any TPM work.
 * - Over HTTP: the same exchanges as a device makes them against a keystream process (REST, two
 *   calls, bearer token, authorization, ticket redemption in the event store): exchanges/s and
 *   p99 of the two calls, the TPM's work excluded.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createLogger, loadConfig, mintDevToken, startKeystream } from '@keystream/keystream';
import os from 'node:os';
import type { schemas } from '@keystream/api';
import { AttestationVerifier, deriveAttestationKeys } from '@keystream/attestation';
import { SoftwareTpm, softwareTpmUnavailable } from '@keystream/attestation/testing';

const quick = process.argv.includes('--quick');
const exchanges = quick ? 15 : 100;
const challenges = quick ? 300 : 2000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(label: string, samples: number[], totalMs: number): void {
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(`${label}: ${samples.length} in ${(totalMs / 1000).toFixed(2)} s → ${((samples.length * 1000) / totalMs).toFixed(1)}/s, p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`);
}

const unavailable = softwareTpmUnavailable();
if (unavailable !== undefined) {
  console.log(`attestation bench skipped: ${unavailable}`);
} else {
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}`);
  const tpm = await SoftwareTpm.start();
  try {
    const ak = await tpm.createAk();
    const b64 = (bytes: Buffer): string => bytes.toString('base64');
    const domain: schemas.AttestationDomain = { name: 'projects/bench/attestationDomains/fleet', policies: [{ manufacturerRootCaCertsPem: await tpm.manufacturerCertificatesPem(), expectedPcrs: [{ index: 16, digestHex: '00'.repeat(32), digestAlg: 'SHA256' }] }] };
    const ask: schemas.VerifyRequest_AskForChallenge = { subject: 'bench@example.com', attestationDomain: domain.name, tpmVersion: 'TPMV20', ekpub: b64(await tpm.ekPublic()), ekcert: b64(await tpm.ekCertificate()), akpub: b64(ak.akpub), attest: b64(ak.attest), signature: b64(ak.signature) };
    const verifier = new AttestationVerifier({ keys: deriveAttestationKeys('benchmark deployment secret, thirty-two bytes or more') });
    const caller = { subject: 'bench@example.com' };

    const whole: number[] = [];
    const server: number[] = [];
    const started = performance.now();
    for (let i = 0; i < exchanges; i++) {
      const t0 = performance.now();
      const { challenge, ticket } = await verifier.challenge(domain, ask, caller);
      const t1 = performance.now();
      const secret = await tpm.activateCredential(ak, Buffer.from(challenge.credEncryptedByEkpub ?? '', 'base64'), Buffer.from(challenge.secretEncryptedByCred ?? '', 'base64'));
      const quote = await tpm.quote(ak, Buffer.from(challenge.platformAttestationNonce ?? '', 'base64'), [0, 1, 2, 3, 16]);
      const t2 = performance.now();
      await verifier.complete(domain, ticket, { akActivationDecryptedSecret: b64(secret), quotes: [{ quote: b64(quote.quote), signature: b64(quote.signature) }], pcrs: quote.pcrs }, caller);
      const t3 = performance.now();
      whole.push(t3 - t0);
      server.push(t1 - t0 + (t3 - t2));
    }
    const wall = performance.now() - started;
    summary('full exchange with swtpm (sequential)', whole, wall);
    const serverTotal = server.reduce((sum, sample) => sum + sample, 0);
    summary("server's share of each exchange (challenge + complete)", server, serverTotal);

    const steps: number[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < challenges) {
          next++;
          const s = performance.now();
          await verifier.challenge(domain, ask, caller);
          steps.push(performance.now() - s);
        }
      }),
    );
    summary('step 1 alone, 4 concurrent (challenge)', steps, performance.now() - t0);

    await overHttp(tpm, ak, ask);
  } finally {
    await tpm.stop();
  }
}

/** One JSON request; answers the status, headers and parsed body. */
function post(url: string, pathname: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = http.request(new URL(pathname, url), { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        // Verify answers each call as one stream line, `{"result": …}`, as grpc-gateway frames a stream.
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8').split('\n')[0] || '{}') as Record<string, unknown>;
        const streamed = (response.headers['content-type'] ?? '').startsWith('application/x-ndjson');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: streamed ? (parsed['result'] as Record<string, unknown>) : parsed });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

async function overHttp(tpm: SoftwareTpm, ak: Awaited<ReturnType<SoftwareTpm['createAk']>>, ask: schemas.VerifyRequest_AskForChallenge): Promise<void> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-attestation-bench-'));
  const config = loadConfig({ KEYSTREAM_DATA_DIR: directory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent' });
  const running = await startKeystream(config, createLogger(config));
  try {
    const admin = { authorization: `Bearer ${await mintDevToken(config, 'admin@keystream.local')}` };
    const email = 'bench-device@example.com';
    const device = { authorization: `Bearer ${await mintDevToken(config, email)}` };
    const project = 'projects/bench';
    const domain = `${project}/attestationDomains/fleet`;
    const setup = async (pathname: string, body: unknown): Promise<void> => {
      const answer = await post(running.url, pathname, body, admin);
      if (answer.status !== 200) throw new Error(`${pathname}: ${answer.status} ${JSON.stringify(answer.body)}`);
    };
    await setup('/v1/projects', { name: project, title: 'bench' });
    await setup(`/v1/${project}/attestationDomains`, { name: domain, policies: [{ manufacturerRootCaCertsPem: await tpm.manufacturerCertificatesPem() }] });
    await setup(`/v1/${project}/roleBindings`, { roleBinding: { role: 'services/iam.edgelq.com/roles/scope-admin', member: `user:${email}` } });
    const samples: number[] = [];
    const started = performance.now();
    let serverTotal = 0;
    for (let i = 0; i < exchanges; i++) {
      const t0 = performance.now();
      const first = await post(running.url, `/v1/${domain}:verify`, { askForChallenge: { ...ask, subject: email, attestationDomain: domain } }, device);
      const t1 = performance.now();
      if (first.status !== 200) throw new Error(`step 1: ${first.status} ${JSON.stringify(first.body)}`);
      const challenge = first.body['challenge'] as Record<string, string>;
      const secret = await tpm.activateCredential(ak, Buffer.from(challenge['credEncryptedByEkpub'] ?? '', 'base64'), Buffer.from(challenge['secretEncryptedByCred'] ?? '', 'base64'));
      const quote = await tpm.quote(ak, Buffer.from(challenge['platformAttestationNonce'] ?? '', 'base64'), [0, 1, 2, 3, 16]);
      const ticket = String(first.headers['x-keystream-attestation-ticket'] ?? '');
      const t2 = performance.now();
      const second = await post(running.url, `/v1/${domain}:verify`, { challengeResponse: { akActivationDecryptedSecret: secret.toString('base64'), quotes: [{ quote: quote.quote.toString('base64'), signature: quote.signature.toString('base64') }], pcrs: quote.pcrs } }, { ...device, 'x-keystream-attestation-ticket': ticket });
      const t3 = performance.now();
      if (second.status !== 200) throw new Error(`step 2: ${second.status} ${JSON.stringify(second.body)}`);
      samples.push(t1 - t0 + (t3 - t2));
      serverTotal += t1 - t0 + (t3 - t2);
    }
    summary('REST exchanges against keystream (the two calls, sequential)', samples, serverTotal);
    console.log(`  (wall time including the TPM: ${((performance.now() - started) / 1000).toFixed(2)} s for ${exchanges})`);
  } finally {
    await running.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
