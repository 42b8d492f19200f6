/**
 * A real software TPM for tests: swtpm with its own local CA (swtpm_setup --create-ek-cert issues
 * the EK certificate from a CA created in a temp directory), driven with tpm2-tools over a Unix
 * socket. It plays the attestee's side of Verify exactly as a device would: tpm2_createak,
 * tpm2_certify, tpm2_activatecredential, tpm2_quote, tpm2_pcrextend.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The tools the software TPM needs (Debian packages swtpm, swtpm-tools, tpm2-tools). */
const TOOLS = ['swtpm', 'swtpm_setup', 'swtpm_localca', 'tpm2_createak', 'tpm2_activatecredential', 'tpm2_quote', 'tpm2_certify'];

/** Undefined when the tools are installed, else why the TPM tests must skip. */
export function softwareTpmUnavailable(): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter);
  const missing = TOOLS.filter((tool) => !dirs.some((dir) => existsSync(path.join(dir, tool))));
  return missing.length === 0 ? undefined : `swtpm/tpm2-tools are not installed (missing ${missing.join(', ')}; apt-get install swtpm swtpm-tools tpm2-tools)`;
}

/** An AK made by the TPM, in the shapes AskForChallenge carries. */
export interface TpmAk {
  /** Persistent handle of the AK. */
  readonly handle: string;
  /** TPMT_PUBLIC. */
  readonly akpub: Buffer;
  /** TPMS_ATTEST of TPM2_Certify (the AK certifying itself). */
  readonly attest: Buffer;
  /** TPMT_SIGNATURE over `attest`. */
  readonly signature: Buffer;
}

/** A quote in the shapes ChallengeResponse carries. */
export interface TpmQuote {
  readonly quote: Buffer;
  readonly signature: Buffer;
  readonly pcrs: { index: number; digestHex: string; digestAlg: 'SHA256' }[];
}

let nextHandle = 0x81000100;

/** One running swtpm. */
export class SoftwareTpm {
  private constructor(
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  /** Manufactures a TPM (EK + EK certificate from a fresh local CA) and starts it. */
  static async start(): Promise<SoftwareTpm> {
    const dir = await mkdtemp(path.join(tmpdir(), 'keystream-swtpm-'));
    const ca = path.join(dir, 'ca');
    const state = path.join(dir, 'state');
    await run('mkdir', ['-p', ca, state]);
    await writeFile(path.join(ca, 'localca.conf'), [`statedir = ${ca}`, `signingkey = ${ca}/signkey.pem`, `issuercert = ${ca}/issuercert.pem`, `certserial = ${ca}/certserial`, ''].join('\n'));
    await writeFile(path.join(ca, 'localca.options'), '--platform-manufacturer keystream\n--platform-version 2.1\n--platform-model test\n');
    await writeFile(
      path.join(dir, 'setup.conf'),
      [`create_certs_tool = ${which('swtpm_localca')}`, `create_certs_tool_config = ${ca}/localca.conf`, `create_certs_tool_options = ${ca}/localca.options`, 'active_pcr_banks = sha256', ''].join('\n'),
    );
    await run('swtpm_setup', ['--tpm2', '--tpmstate', state, '--create-ek-cert', '--config', path.join(dir, 'setup.conf'), '--overwrite']);
    const socket = path.join(dir, 'tpm.sock');
    const child = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${state}`, '--server', `type=unixio,path=${socket}`, '--ctrl', `type=unixio,path=${socket}.ctrl`, '--flags', 'not-need-init,startup-clear'], { stdio: 'ignore' });
    const tpm = new SoftwareTpm(dir, child);
    const deadline = Date.now() + 10_000;
    while (!existsSync(`${socket}.ctrl`) || !existsSync(socket)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await tpm.stop();
        throw new Error('swtpm did not open its sockets within 10 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return tpm;
  }

  /** Runs a tpm2-tools command against this TPM; returns its stdout. */
  async tpm2(tool: string, args: readonly string[]): Promise<string> {
    const { stdout } = await run(tool, [...args], { cwd: this.dir, env: { ...process.env, TPM2TOOLS_TCTI: `swtpm:path=${path.join(this.dir, 'tpm.sock')}` } });
    return stdout;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** The EK certificate (DER) swtpm_setup stored in NV index 0x01c00002. */
  async ekCertificate(): Promise<Buffer> {
    await this.tpm2('tpm2_nvread', ['0x1c00002', '-o', this.file('ek.der')]);
    return readFile(this.file('ek.der'));
  }

  /** The EK public key, PKIX DER. */
  async ekPublic(): Promise<Buffer> {
    await this.tpm2('tpm2_readpublic', ['-c', '0x81010001', '-f', 'der', '-o', this.file('ek.pkix')]);
    return readFile(this.file('ek.pkix'));
  }

  /** The local CA's root and intermediate certificates (PEM), as a policy lists them. */
  async manufacturerCertificatesPem(): Promise<string> {
    return (await readFile(this.file('ca/swtpm-localca-rootca-cert.pem'), 'utf8')) + (await readFile(this.file('ca/issuercert.pem'), 'utf8'));
  }

  /** tpm2_createak under the EK, made persistent, then certified by itself with tpm2_certify. */
  async createAk(): Promise<TpmAk> {
    const handle = `0x${(nextHandle++).toString(16)}`;
    await this.tpm2('tpm2_createak', ['-C', '0x81010001', '-c', this.file('ak.ctx'), '-G', 'rsa', '-g', 'sha256', '-s', 'rsassa', '-u', this.file('ak.pub'), '-f', 'tss']);
    await this.tpm2('tpm2_evictcontrol', ['-c', this.file('ak.ctx'), handle]);
    // Without a resource manager transient objects stay loaded; the TPM has only a few slots.
    await this.tpm2('tpm2_flushcontext', ['-t']);
    await this.tpm2('tpm2_certify', ['-c', handle, '-C', handle, '-g', 'sha256', '-o', this.file('certify.attest'), '-s', this.file('certify.sig')]);
    // tpm2_createak writes a TPM2B_PUBLIC; AskForChallenge carries the TPMT_PUBLIC inside it.
    return { handle, akpub: (await readFile(this.file('ak.pub'))).subarray(2), attest: await readFile(this.file('certify.attest')), signature: await readFile(this.file('certify.sig')) };
  }

  /** tpm2_activatecredential on a challenge (TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET) for `ak`. */
  async activateCredential(ak: TpmAk, idObject: Buffer, encryptedSecret: Buffer): Promise<Buffer> {
    // tpm2-tools' credential file: magic 0xBADCC0DE, version 1, then the two TPM2B structures.
    const header = Buffer.alloc(8);
    header.writeUInt32BE(0xbadcc0de, 0);
    header.writeUInt32BE(1, 4);
    await writeFile(this.file('cred.blob'), Buffer.concat([header, idObject, encryptedSecret]));
    await this.tpm2('tpm2_startauthsession', ['--policy-session', '-S', this.file('session.ctx')]);
    try {
      await this.tpm2('tpm2_policysecret', ['-S', this.file('session.ctx'), '-c', 'e']);
      await this.tpm2('tpm2_activatecredential', ['-c', ak.handle, '-C', '0x81010001', '-i', this.file('cred.blob'), '-o', this.file('secret.out'), '-P', `session:${this.file('session.ctx')}`]);
    } finally {
      await this.tpm2('tpm2_flushcontext', [this.file('session.ctx')]);
    }
    return readFile(this.file('secret.out'));
  }

  /** tpm2_quote of SHA-256 PCRs `indexes` with `nonce`, with the PCR values it covered. */
  async quote(ak: TpmAk, nonce: Buffer, indexes: readonly number[]): Promise<TpmQuote> {
    const stdout = await this.tpm2('tpm2_quote', ['-c', ak.handle, '-l', `sha256:${indexes.join(',')}`, '-q', nonce.toString('hex'), '-m', this.file('quote.msg'), '-s', this.file('quote.sig'), '-o', this.file('quote.pcrs'), '-g', 'sha256']);
    const pcrs = [...stdout.matchAll(/^\s+(\d+)\s*:\s*0x([0-9A-Fa-f]+)$/gm)].map((match) => ({ index: Number(match[1]), digestHex: (match[2] ?? '').toLowerCase(), digestAlg: 'SHA256' as const }));
    return { quote: await readFile(this.file('quote.msg')), signature: await readFile(this.file('quote.sig')), pcrs };
  }

  /** tpm2_pcrextend of a SHA-256 PCR with a digest. */
  async extendPcr(index: number, digest: Buffer): Promise<void> {
    await this.tpm2('tpm2_pcrextend', [`${index}:sha256=${digest.toString('hex')}`]);
  }

  /** Stops swtpm and deletes its state. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function which(tool: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, tool);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${tool} is not on PATH`);
}
