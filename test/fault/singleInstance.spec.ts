/**
 * One process per data directory and per listening address, and exit codes an operator can act
 * on: a second `keystream start` on a held directory or a busy address exits 75 (EX_TEMPFAIL)
 * naming what holds it; a lock left by a killed process never blocks a restart; a graceful stop
 * exits 0 and logs no failure.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runKeystreamExpectingExit, startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

const IN_USE = 75;

/** JSON log lines at error level or above (pino: error 50, fatal 60). */
function failuresLogged(stdout: string): string[] {
  return stdout.split('\n').filter((line) => {
    if (!line.startsWith('{')) return false;
    return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
  });
}

function listenOn(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}

function hasIpv6(): Promise<boolean> {
  return listenOn('::1').then(
    ({ server }) => new Promise((resolve) => server.close(() => { resolve(true); })),
    () => false,
  );
}

describe('one keystream per data directory and per address', function () {
  this.timeout(120_000);
  const directories: string[] = [];
  const children: KeystreamChild[] = [];
  const newDirectory = (): string => {
    const directory = mkdtempSync(path.join(tmpdir(), 'keystream-single-'));
    directories.push(directory);
    return directory;
  };
  const start = async (directory: string, environment: Record<string, string> = {}): Promise<KeystreamChild> => {
    const child = await startKeystreamChild(directory, environment);
    children.push(child);
    return child;
  };

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => stopKeystreamChild(child, 'SIGKILL')));
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('should refuse a second process on the same data directory, naming the holder, while the first keeps serving', async () => {
    const directory = newDirectory();
    const first = await start(directory);
    // The same directory under another spelling is the same directory.
    const refused = await runKeystreamExpectingExit(`${directory}/./`);
    expect(refused.status, refused.stderr).to.equal(IN_USE);
    expect(refused.stderr).to.include(`pid ${first.process.pid}`).and.include('in use');
    expect((await fetch(`${first.url}/healthz`)).status).to.equal(200);
  });

  it('should start on a data directory whose holder was killed (a stale lock never blocks a restart)', async () => {
    const directory = newDirectory();
    const first = await start(directory);
    await stopKeystreamChild(first, 'SIGKILL');
    const second = await start(directory);
    expect((await fetch(`${second.url}/healthz`)).status).to.equal(200);
    await stopKeystreamChild(second, 'SIGKILL');
    // A pid file naming a live process that is not keystream (this test runner) is stale too.
    writeFileSync(path.join(directory, 'keystream.event-log.pid'), `${process.pid}\n`);
    const third = await start(directory);
    expect((await fetch(`${third.url}/healthz`)).status).to.equal(200);
  });

  it('should refuse a port another keystream serves (uWS would share it silently)', async () => {
    const first = await start(newDirectory());
    const port = new URL(first.url).port;
    const refused = await runKeystreamExpectingExit(newDirectory(), { KEYSTREAM_HTTP_PORT: port });
    expect(refused.status, refused.stderr).to.equal(IN_USE);
    expect(refused.stderr).to.include(`127.0.0.1:${port}`).and.include('in use');
  });

  for (const [held, asked] of [
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '127.0.0.1'],
    ['127.0.0.1', '0.0.0.0'],
    ['::', '127.0.0.1'],
    ['::1', '::1'],
    ['::', '::'],
  ] as const) {
    it(`should refuse ${asked} when another program listens on ${held} with the same port`, async function () {
      if ((held.includes(':') || asked.includes(':')) && !(await hasIpv6())) this.skip(); // this machine has no IPv6 loopback
      const { server, port } = await listenOn(held);
      try {
        const refused = await runKeystreamExpectingExit(newDirectory(), { KEYSTREAM_HTTP_HOST: asked, KEYSTREAM_HTTP_PORT: String(port) });
        expect(refused.status, refused.stderr).to.equal(IN_USE);
        expect(refused.stderr).to.include(`:${port}`).and.include('in use');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  }

  it('should exit 0 on SIGTERM and log no failure', async () => {
    const child = await start(newDirectory(), { KEYSTREAM_LOG_LEVEL: 'info' });
    expect(await stopKeystreamChild(child, 'SIGTERM')).to.equal(0);
    expect(failuresLogged(child.stdout())).to.deep.equal([]);
    expect(child.stdout()).to.include('shutting down');
  });

  it('should exit 70 on an unexpected failure and log it with message, code and stack', async () => {
    // An exception nothing catches, thrown inside the process on demand (not a fake: the real
    // uncaught-exception path of the running server).
    const inject = `process.on('SIGUSR2', () => { throw Object.assign(new Error('injected failure'), { code: 'EINJECTED' }); });`;
    const child = await start(newDirectory(), { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(inject)}` });
    child.process.kill('SIGUSR2');
    expect(await child.exited).to.equal(70);
    const logged = failuresLogged(child.stdout()).map((line) => JSON.parse(line) as { error?: { message?: string; code?: string; stack?: string } });
    const crash = logged.find((entry) => entry.error?.message === 'injected failure');
    expect(crash, child.stdout()).not.to.equal(undefined);
    expect(crash?.error?.code).to.equal('EINJECTED');
    expect(crash?.error?.stack).to.include('injected failure');
  });
});
