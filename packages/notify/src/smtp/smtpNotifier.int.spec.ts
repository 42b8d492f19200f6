/**
 * The SMTP notifier against a real SMTP server: aiosmtpd (PyPI) started by the test, receiving
 * over a real socket. CI installs aiosmtpd (`.ci/run`: pip install); without Python or aiosmtpd
 * the suite says why it skips.
 */
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SmtpNotifier } from './smtpNotifier.js';

interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly data: string;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./smtpTestServer.py', import.meta.url));
const PYTHON = process.env['KEYSTREAM_TEST_PYTHON'] ?? 'python3';

function aiosmtpdMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PYTHON} is not installed (${probe.error.message})`;
  if (probe.status !== 0) return `aiosmtpd is not installed for ${PYTHON} (pip install aiosmtpd)`;
  return undefined;
}

/** Starts the recording SMTP server; resolves with its port and the mails it has received. */
async function startSmtpServer(): Promise<{ port: number; mails: ReceivedMail[]; child: ChildProcessWithoutNullStreams; stop: () => Promise<void> }> {
  const child = spawn(PYTHON, [SERVER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const mails: ReceivedMail[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => { reject(new Error(`SMTP test server exited (${String(code)}): ${stderr}`)); });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { port?: number } & Partial<ReceivedMail>;
      if (message.port !== undefined) resolve(message.port);
      else mails.push(message as ReceivedMail);
    });
  });
  return {
    port,
    mails,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) { resolve(); return; }
        child.once('exit', () => { resolve(); });
        child.stdin.end();
      }),
  };
}

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SmtpNotifier (real SMTP server: aiosmtpd)', function () {
  const missing = aiosmtpdMissing();
  let server: Awaited<ReturnType<typeof startSmtpServer>> | undefined;
  let notifier: SmtpNotifier | undefined;

  before(async function () {
    if (missing !== undefined) {
      console.log(`    skipped: ${missing}`);
      this.skip();
    }
    server = await startSmtpServer();
    notifier = new SmtpNotifier({ host: '127.0.0.1', port: server.port, from: 'keystream <no-reply@keystream.test>' });
  });
  after(async () => {
    await notifier?.close();
    await server?.stop();
  });

  it('delivers an invitation in the invitee language with the code, the extras and a stable message id', async () => {
    const running = server as NonNullable<typeof server>;
    await (notifier as SmtpNotifier).send({
      id: 'projects/p1/projectInvitations/i1#1',
      template: 'project-invitation',
      to: 'Bob@Example.com',
      languageCode: 'pl-PL',
      values: { inviter: 'alice@example.com', scope: 'projects/p1', scopeTitle: 'Apollo', code: 'ksi_SECRETCODE', expires: '2026-01-09T00:00:00Z' },
      extras: { team: 'blue', 'welcome note': 'hi' },
    });
    const mail = await until(() => running.mails[0], 'the mail to arrive');
    expect(mail.from).to.equal('no-reply@keystream.test');
    // nodemailer writes the domain in lower case; the local part is kept.
    expect(mail.to).to.deep.equal(['Bob@example.com']);
    const unfolded = mail.data.replace(/\r?\n[ \t]+/g, ' ');
    expect(unfolded).to.match(/^Subject: .*zaprasza/im);
    expect(unfolded).to.contain('ksi_SECRETCODE');
    expect(unfolded).to.match(/^X-Keystream-Extra-team: blue$/im);
    expect(unfolded).to.match(/^X-Keystream-Extra-welcome-note: hi$/im);
    expect(unfolded).to.match(/^Message-ID: <projects.p1.projectInvitations.i1.1@keystream>$/im);
  });

  it('rejects when the server is gone, so the caller can report it', async () => {
    const gone = new SmtpNotifier({ host: '127.0.0.1', port: 1, from: 'no-reply@keystream.test' });
    try {
      await gone.send({ id: 'x', template: 'email-verification', to: 'a@example.com', values: { link: 'https://x' } });
      expect.fail('sending to a closed port succeeded');
    } catch (error) {
      expect((error as Error).message).to.match(/ECONNREFUSED|connect/i);
    } finally {
      await gone.close();
    }
  });
});
