/**
 * The web console (services/console) in headless Chromium against a real `keystream start`, and the
 * browser credentials of the watch WebSocket it relies on (docs/watch.md). Chromium is Debian's
 * (`apt-get install chromium`, done by .ci/run); without it the browser tests say why they skip.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { outboxPathOf, readOutbox } from '@keystream/notify';
import { startFrontDoor, type FrontDoor } from '../support/frontDoor.js';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOT = path.join(repositoryRoot, 'docs', 'console.png');
const ACCEPT_SCREENSHOT = path.join(repositoryRoot, 'docs', 'console-accept.png');

/** An attribute of each element (run in the page; the test is typed without the DOM library). */
function attributesOf(elements: readonly unknown[], name: string): (string | null)[] {
  return elements.map((element) => (element as { getAttribute(attribute: string): string | null }).getAttribute(name));
}

/** A port nothing listens on (bound, then released): connections to it are refused. */
function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Polls `probe` until it answers something, or fails saying `what` after `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Debian's Chromium, or the one KEYSTREAM_CHROMIUM names. */
function chromiumExecutable(): string | undefined {
  const candidates = [process.env['KEYSTREAM_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((candidate): candidate is string => candidate !== undefined && candidate !== '' && existsSync(candidate));
}

interface Frame {
  readonly id?: string | null;
  readonly response?: Record<string, unknown>;
  readonly error?: { readonly status?: string; readonly message?: string };
  readonly authenticated?: { readonly subject: string };
}

/** Opens a socket with a subprotocol offer; resolves with the socket or the HTTP status of a refused upgrade. */
function openSocket(url: string, protocols: readonly string[]): Promise<{ socket?: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/watch`, [...protocols]);
    socket.once('open', () => {
      resolve({ socket });
    });
    socket.once('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        // Wait until the connection is really gone, so nothing is left open after the test.
        const tcp = request.socket;
        const done = (): void => {
          resolve({ status: response.statusCode ?? 0, body });
        };
        if (tcp === null || tcp.destroyed) done();
        else {
          tcp.once('close', done);
          tcp.destroy();
        }
      });
    });
    socket.once('error', reject);
  });
}

/** Closes a socket and waits until it is closed. */
function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('close', () => {
      resolve();
    });
    socket.close();
  });
}

/** The next frame matching `accept`. */
function nextFrame(socket: WebSocket, accept: (frame: Frame) => boolean): Promise<Frame> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      if (!accept(frame)) return;
      socket.off('message', onMessage);
      resolve(frame);
    };
    socket.on('message', onMessage);
  });
}

describe('the web console', function () {
  this.timeout(120_000);
  let dataDirectory: string;
  let child: KeystreamChild | undefined;
  let adminToken: string;
  let outsiderToken: string;

  const rest = async (method: string, route: string, body?: unknown, token = adminToken): Promise<Record<string, unknown>> => {
    const response = await fetch(`${(child as KeystreamChild).url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.status, `${method} ${route}: ${text}`).to.equal(200);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };

  before(async () => {
    dataDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-console-'));
    const config = loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory });
    adminToken = await mintDevToken(config, DEFAULT_DEV_ADMIN);
    outsiderToken = await mintDevToken(config, 'outsider@example.com');
    child = await startKeystreamChild(dataDirectory);
  });

  after(async () => {
    if (child) await stopKeystreamChild(child);
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  describe('having a bearer token in the WebSocket subprotocol offer', () => {
    it('should authenticate, answer with the real subprotocol only, and never echo the token', async () => {
      const { socket } = await openSocket((child as KeystreamChild).url, ['keystream.watch.v1', `keystream.bearer.${adminToken}`]);
      expect(socket?.protocol).to.equal('keystream.watch.v1');
      const ws = socket as WebSocket;
      const first = nextFrame(ws, (frame) => frame.id === 'p');
      ws.send(JSON.stringify({ id: 'p', method: 'WatchProjects', request: { type: 'STATELESS' } }));
      const frame = await first;
      expect(frame.error, JSON.stringify(frame.error)).to.equal(undefined);
      expect(frame.response).to.be.an('object');
      await closeSocket(ws);
    });

    it('should refuse every watch of a socket whose token is wrong with UNAUTHENTICATED', async () => {
      const { socket } = await openSocket((child as KeystreamChild).url, ['keystream.watch.v1', 'keystream.bearer.not-a-token']);
      const ws = socket as WebSocket;
      const answer = nextFrame(ws, (frame) => frame.id === 'p');
      ws.send(JSON.stringify({ id: 'p', method: 'WatchProjects', request: {} }));
      expect((await answer).error?.status).to.equal('UNAUTHENTICATED');
      await closeSocket(ws);
    });

    it('should refuse the upgrade (400, token not repeated) for two tokens or a token without the real subprotocol', async () => {
      for (const protocols of [[`keystream.bearer.${adminToken}`], ['keystream.watch.v1', 'keystream.bearer.a', 'keystream.bearer.b'], ['keystream.watch.v1', 'keystream.bearer.']]) {
        const refused = await openSocket((child as KeystreamChild).url, protocols);
        expect(refused.status, protocols.join(', ')).to.equal(400);
        expect(refused.body).to.include('Sec-WebSocket-Protocol');
        expect(refused.body).to.not.include(adminToken);
      }
    });
  });

  describe('having a first {auth} frame', () => {
    it('should authenticate the socket with it, and refuse a wrong one cleanly', async () => {
      const { socket } = await openSocket((child as KeystreamChild).url, ['keystream.watch.v1']);
      const ws = socket as WebSocket;
      const refused = nextFrame(ws, () => true);
      ws.send(JSON.stringify({ auth: 'wrong' }));
      expect((await refused).error?.status).to.equal('UNAUTHENTICATED');
      const accepted = nextFrame(ws, () => true);
      ws.send(JSON.stringify({ auth: adminToken }));
      expect((await accepted).authenticated?.subject).to.be.a('string');
      const watched = nextFrame(ws, (frame) => frame.id === 'p');
      ws.send(JSON.stringify({ id: 'p', method: 'WatchProjects', request: {} }));
      expect((await watched).response).to.be.an('object');
      const late = nextFrame(ws, (frame) => frame.id === null);
      ws.send(JSON.stringify({ auth: adminToken }));
      expect((await late).error?.status).to.equal('INVALID_ARGUMENT');
      await closeSocket(ws);
    });
  });

  describe('in Chromium', function () {
    let browser: Browser | undefined;
    let page: Page;
    let project: string;
    let hidden: string;
    let member: string;
    let responders: string;
    let front: FrontDoor | undefined;

    before(async function () {
      const executable = chromiumExecutable();
      if (executable === undefined) {
        console.warn('    skipped: no Chromium (apt-get install chromium, or set KEYSTREAM_CHROMIUM); .ci/run installs it');
        this.skip();
      }
      // The console served is the one in the tree, built the way `npm run build` builds it.
      execFileSync(process.execPath, [path.join(repositoryRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: path.join(repositoryRoot, 'services/console'), stdio: 'inherit' });
      // The built files are read at start: restart so they are served.
      await stopKeystreamChild(child as KeystreamChild);
      child = await startKeystreamChild(dataDirectory);
      project = (await rest('POST', '/v1/projects', { title: 'console demo', multiRegionPolicy: {} }))['name'] as string;
      hidden = (await rest('POST', '/v1/projects', { title: 'not for outsiders', multiRegionPolicy: {} }))['name'] as string;
      const groups: string[] = [];
      for (const displayName of ['operators', 'auditors']) groups.push((await rest('POST', `/v1/${project}/groups`, { group: { displayName } }))['name'] as string);
      member = (await rest('POST', `/v1/${groups[0] as string}/groupMembers`, { groupMember: { member: 'user:oncall@example.com' } }))['name'] as string;
      await rest('POST', `/v1/${project}/roleBindings`, { roleBinding: { role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'user:outsider@example.com' } });
      front = await startFrontDoor(Number(new URL(child.url).port));
      browser = await chromium.launch({ executablePath: executable, headless: true, args: ['--no-sandbox'] });
      page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    });

    after(async () => {
      await browser?.close();
      await front?.close();
    });

    const signIn = async (target: Page, token: string): Promise<void> => {
      await target.goto(`${(front as FrontDoor).url}/console/`);
      await target.fill('#token', token);
      await target.click('#sign-in');
      await target.waitForSelector('#link-state.live');
    };
    const row = (name: string): string => `[data-table="groups"] tr[data-name="${name}"]`;

    it('should serve hashed assets immutable and the page no-cache, with their content types', async () => {
      const get = (route: string): Promise<Response> => fetch(`${(child as KeystreamChild).url}${route}`, { headers: { connection: 'close' } });
      const index = await get('/console/');
      expect(index.headers.get('content-type')).to.match(/^text\/html/);
      expect(index.headers.get('cache-control')).to.equal('no-cache');
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
      expect(script).to.be.a('string');
      const asset = await get(script as string);
      await asset.arrayBuffer();
      expect(asset.headers.get('content-type')).to.match(/^text\/javascript/);
      expect(asset.headers.get('cache-control')).to.include('immutable');
      const missing = await get('/console/assets/missing.js');
      await missing.text();
      expect(missing.status).to.equal(404);
    });

    it('should sign in, pick a project and show its groups, members and role bindings', async () => {
      await signIn(page, adminToken);
      await page.waitForSelector(`#scope option[value="${project}"]`, { state: 'attached' });
      await page.selectOption('#scope', project);
      await page.waitForSelector('[data-table="groups"] tr[data-name]');
      expect(await page.locator('[data-table="groups"] tr[data-name]').count()).to.equal(2);
      // Members of every group of the scope, through the `groups/-` wildcard parent.
      await page.waitForSelector(`[data-table="members"] tr[data-name="${member}"]`);
      await page.waitForSelector('[data-table="roleBindings"] tr[data-name]');
    });

    it('should show a group created through REST within one second, and count it', async () => {
      const started = Date.now();
      const created = (await rest('POST', `/v1/${project}/groups`, { group: { displayName: 'responders' } }))['name'] as string;
      responders = created;
      await page.waitForSelector(row(created), { timeout: 5_000 });
      const elapsed = Date.now() - started;
      expect(elapsed, `the row appeared after ${elapsed} ms`).to.be.below(1_000);
      await page.waitForSelector('[data-counter="groups"] .value:text-is("3")');
      // Who did it: the server's last-modified-by annotation, in the pane and the table.
      const line = page.locator(`#changes li:has-text("${created}")`);
      await line.waitFor();
      expect(await line.locator('.who').textContent()).to.equal(`by user:${DEFAULT_DEV_ADMIN}`);
      expect(await page.locator(`${row(created)} td.who`).textContent()).to.equal(`user:${DEFAULT_DEV_ADMIN}`);
      await page.screenshot({ path: SCREENSHOT });
    });

    it('should drop a row deleted through REST', async () => {
      // The group this suite created last: no member was added to it.
      const gone = responders;
      await rest('DELETE', `/v1/${gone}`);
      await page.waitForSelector(row(gone), { state: 'detached' });
      await page.waitForSelector('[data-counter="groups"] .value:text-is("2")');
    });

    it('should invite, resend and revoke from the page, the table following each', async () => {
      await page.fill('[data-table="invitations"] #invite-email', 'newcomer@example.com');
      await page.selectOption('[data-table="invitations"] #invite-role', 'scope-viewer');
      await page.click('[data-table="invitations"] #invite');
      const invited = '[data-table="invitations"] tr[data-name]:has-text("newcomer@example.com")';
      await page.waitForSelector(`${invited}, [data-table="invitations"] .error`);
      expect(await page.locator('[data-table="invitations"] .error').allTextContents()).to.deep.equal([]);
      await page.waitForSelector(invited);
      await page.waitForSelector('[data-counter="invitations"] .value:text-is("1")');
      const before = await page.locator(`${invited} td.when`).textContent();
      await page.click(`${invited} button.resend`);
      // Resend issues a new code: the invitation changes, and the row follows in place.
      const deadline = Date.now() + 10_000;
      let after = before;
      while (after === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = await page.locator(`${invited} td.when`).textContent();
      }
      expect(after, 'the row after resend').to.not.equal(before);
      expect(await page.locator('[data-table="invitations"] .error').allTextContents()).to.deep.equal([]);
      await page.click(`${invited} button.revoke`);
      await page.waitForSelector(invited, { state: 'detached' });
      expect(await page.locator('[data-table="invitations"] .error').count()).to.equal(0);
    });

    it('should resume after the server restarts, without a reload and without duplicates', async () => {
      await page.evaluate(() => {
        (globalThis as unknown as { keystreamMark: number }).keystreamMark = 42;
      });
      await stopKeystreamChild(child as KeystreamChild);
      await (front as FrontDoor).cut();
      await page.waitForSelector('#link-state:not(.live)');
      child = await startKeystreamChild(dataDirectory);
      await (front as FrontDoor).retarget(Number(new URL(child.url).port));
      await page.waitForSelector('#link-state.live', { timeout: 20_000 });
      const created = (await rest('POST', `/v1/${project}/groups`, { group: { displayName: 'after restart' } }))['name'] as string;
      await page.waitForSelector(row(created));
      const names = await page.locator('[data-table="groups"] tr[data-name]').evaluateAll(attributesOf, 'data-name');
      expect(names).to.have.length(3);
      expect(new Set(names).size).to.equal(names.length);
      expect(await page.evaluate(() => (globalThis as unknown as { keystreamMark?: number }).keystreamMark)).to.equal(42);
      await page.waitForSelector('[data-counter="groups"] .value:text-is("3")');
    });

    it('should say offline when the server stays out of reach beyond the reconnect budget, and come back live', async () => {
      const door = front as FrontDoor;
      await door.retarget(await deadPort());
      await door.cut();
      await page.waitForSelector('#link-state.reconnecting');
      // The budget is 5 s (services/console/src/reconnectPolicy.ts); attempts go on meanwhile.
      await page.waitForSelector('#link-state.offline', { timeout: 15_000 });
      await door.retarget(Number(new URL((child as KeystreamChild).url).port));
      await page.waitForSelector('#link-state.live', { timeout: 10_000 });
      const created = (await rest('POST', `/v1/${project}/groups`, { group: { displayName: 'after offline' } }))['name'] as string;
      await page.waitForSelector(row(created));
      const line = page.locator(`#changes li:has-text("${created}")`);
      await line.waitFor();
      expect(await line.locator('.who').textContent()).to.equal(`by user:${DEFAULT_DEV_ADMIN}`);
    });

    it('should stop using a token the server refuses and say so on the sign-in screen, without retrying', async () => {
      const refused = await (await (browser as Browser).newContext()).newPage();
      const sockets: { isClosed(): boolean }[] = [];
      refused.on('websocket', (socket) => {
        sockets.push(socket);
      });
      await refused.goto(`${(front as FrontDoor).url}/console/`);
      await refused.fill('#token', 'not-a-token');
      await refused.click('#sign-in');
      await refused.waitForSelector('#token-refused:has-text("UNAUTHENTICATED")');
      expect(await refused.locator('#token').count()).to.equal(1);
      expect(await refused.locator('[data-table], .counter').count()).to.equal(0);
      await eventually(() => Promise.resolve(sockets.every((socket) => socket.isClosed()) ? true : undefined), 'the refused socket closing');
      // No reconnect with the refused token: the first retry would come 100 ms after a close.
      const another = await refused.waitForEvent('websocket', { timeout: 1_500 }).then(() => true, () => false);
      expect([another, sockets.length]).to.deep.equal([false, 1]);
      expect(await refused.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('keystream.console.token'))).to.equal(null);
      await refused.context().close();
    });

    describe('having an invitation mailed to an invitee', () => {
      const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';
      let counter = 0;
      const invitee = (who: string): string => `${who}-${(counter += 1)}-${Date.now().toString(36)}@example.com`;

      /** Invites `email` to the project and answers the invitation's name and the link its mail carries. */
      const invite = async (email: string, invitation: Record<string, unknown> = {}): Promise<{ name: string; link: string }> => {
        const name = (await rest('POST', `/v1/${project}/projectInvitations`, { invitation: { inviteeEmail: email, bindingRoles: [{ role: VIEWER }], ...invitation } }))['name'] as string;
        const mail = await eventually(async () => (await readOutbox(outboxPathOf(dataDirectory))).find((entry) => entry.values['invitation'] === name), `the mail of ${name}`);
        const link = mail.values['link'] as string;
        expect(mail.text).to.include(link);
        return { name, link };
      };

      /** Opens the mailed link (through the door the page uses) and signs in as `email`. */
      const openLink = async (link: string, email: string): Promise<Page> => {
        const url = new URL(link);
        expect(url.pathname).to.equal('/console/');
        const invited = await (await (browser as Browser).newContext()).newPage();
        await invited.goto(`${(front as FrontDoor).url}/console/${url.hash}`);
        await invited.waitForSelector('#invitation-sign-in');
        // The one-time code leaves the address bar at once.
        expect(invited.url()).to.not.include('code=');
        await invited.fill('#token', await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), email));
        await invited.click('#sign-in');
        await invited.waitForSelector('#accept-page');
        await invited.waitForSelector('#invitation, #invitation-status');
        return invited;
      };

      it('should show the invitee the invitation and let them accept it, then open the project', async () => {
        const email = invitee('frank');
        const { link } = await invite(email);
        expect(new URL(link).hash).to.match(/^#invitation=projects%2F.+&code=ksi_/);
        const invited = await openLink(link, email);
        const field = (name: string): Promise<string | null> => invited.locator(`#invitation [data-field="${name}"]`).textContent();
        expect(await field('scope')).to.equal(`${project} (console demo)`);
        expect(await field('roles')).to.equal(VIEWER);
        expect(await field('inviter')).to.equal(DEFAULT_DEV_ADMIN);
        expect(await field('invitee')).to.equal(email);
        expect(Date.parse(await field('expires') ?? '')).to.be.above(Date.now());
        await invited.screenshot({ path: ACCEPT_SCREENSHOT });
        await invited.click('#accept-invitation');
        await invited.waitForSelector('#invitation-outcome.ok:has-text("You accepted")');
        await invited.click('#open-scope');
        await invited.waitForSelector('#link-state.live');
        // The invitee now lists the project's groups, live.
        await invited.waitForSelector('[data-table="groups"] tr[data-name]');
        await invited.context().close();

        // The same link again: used.
        const again = await openLink(link, email);
        await again.waitForSelector(`#invitation-status:has-text("already used: user:${email} accepted it at")`);
        expect(await again.locator('#accept-invitation').count()).to.equal(0);
        await again.context().close();
      });

      it('should let the invitee decline', async () => {
        const email = invitee('erin');
        const invited = await openLink((await invite(email)).link, email);
        await invited.click('#decline-invitation');
        await invited.waitForSelector('#invitation-outcome.ok:has-text("You declined")');
        await invited.waitForSelector(`#invitation-status:has-text("declined by user:${email}")`);
        await invited.context().close();
      });

      it('should say when the invitation expired', async () => {
        const email = invitee('gina');
        const { name, link } = await invite(email, { expirationDate: new Date(Date.now() + 2_000).toISOString() });
        await eventually(async () => ((await rest('GET', `/v1/${name}`))['invitation'] as { state?: string }).state === 'EXPIRED' || undefined, `${name} expiring`);
        const invited = await openLink(link, email);
        await invited.waitForSelector(`#invitation-status:has-text("expired at"):has-text("Ask ${DEFAULT_DEV_ADMIN} to send it again")`);
        expect(await invited.locator('#accept-invitation').count()).to.equal(0);
        await invited.context().close();
      });

      it('should send someone whose token is refused back to sign-in, keeping the invitation', async () => {
        const email = invitee('hank');
        const { link } = await invite(email);
        const invited = await (await (browser as Browser).newContext()).newPage();
        await invited.goto(`${(front as FrontDoor).url}/console/${new URL(link).hash}`);
        await invited.fill('#token', 'not-a-token');
        await invited.click('#sign-in');
        // The accept page's REST look-up is refused: the same screen as a refused watch.
        await invited.waitForSelector('#token-refused:has-text("UNAUTHENTICATED")');
        await invited.waitForSelector('#invitation-sign-in');
        await invited.fill('#token', await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), email));
        await invited.click('#sign-in');
        await invited.waitForSelector('#accept-invitation');
        await invited.context().close();
      });

      it('should tell someone signed in with another email that it is not theirs, and say when a code was revoked', async () => {
        const { link } = await invite(invitee('carol'));
        const other = await openLink(link, 'outsider@example.com');
        await other.waitForSelector('#invitation-status:has-text("not among the invitations addressed to outsider@example.com")');
        expect(await other.locator('#invitation').count()).to.equal(0);
        await other.context().close();

        const email = invitee('dave');
        const revoked = await invite(email);
        await rest('DELETE', `/v1/${revoked.name}`);
        const invited = await openLink(revoked.link, email);
        await invited.waitForSelector('#invitation-status:has-text("not among")');
        await invited.click('#accept-anyway');
        await invited.waitForSelector('#invitation-outcome.error:has-text("This invitation was revoked")');
        await invited.context().close();
      });
    });

    it('should show a user only what they may list', async () => {
      const outsider = await (await (browser as Browser).newContext()).newPage();
      await signIn(outsider, outsiderToken);
      await outsider.waitForSelector(`#scope option[value="${project}"]`, { state: 'attached' });
      const scopes = await outsider.locator('#scope option[value]:not([value=""])').evaluateAll(attributesOf, 'value');
      expect(scopes).to.include(project);
      expect(scopes).to.not.include(hidden);
      const nobody = await (await (browser as Browser).newContext()).newPage();
      await signIn(nobody, await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), 'nobody@example.com'));
      await nobody.waitForSelector('.hint:has-text("Nothing you may list")');
      expect(await nobody.locator('#scope option[value]:not([value=""])').count()).to.equal(0);
    });
  });
});
