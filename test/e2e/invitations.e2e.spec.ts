/**
 * Invitations end to end over HTTP with the TypeScript client: an administrator invites, the mail
 * with the code lands in the outbox, the invitee accepts with the code, sees the project in
 * ListMyProjects and may do what the role grants; a dashboard watching the project's invitations
 * sees PENDING → ACCEPTED and PENDING → EXPIRED.
 */
import { eventually } from '@keystream/api/testing';
import type { RestError } from '@keystream/client';
import { CollectionWatcher, RestClient } from '@keystream/client';
import { createLogger, DEFAULT_DEV_ADMIN, loadConfig, mintDevToken, startKeystream, type KeystreamConfig, type RunningKeystream } from '@keystream/keystream';
import { readOutbox } from '@keystream/notify';
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';

describe('invitations (e2e over HTTP)', function () {
  this.timeout(60_000);
  let directory: string;
  let config: KeystreamConfig;
  let running: RunningKeystream;
  let admin: RestClient;

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-invitations-'));
    config = loadConfig({ KEYSTREAM_DATA_DIR: directory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent' });
    running = await startKeystream(config, createLogger(config));
    admin = new RestClient({ baseUrl: running.url, headers: { authorization: `Bearer ${await mintDevToken(config, DEFAULT_DEV_ADMIN)}` } });
  });
  after(async () => {
    await running.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function as(email: string): Promise<RestClient> {
    return new RestClient({ baseUrl: running.url, headers: { authorization: `Bearer ${await mintDevToken(config, email)}` } });
  }

  it('invite → code in the outbox → accept → ListMyProjects and the granted rights; the dashboard sees PENDING → ACCEPTED / EXPIRED', async () => {
    const project = (await admin.call('CreateProject', { project: { title: 'Apollo', multiRegionPolicy: {} } }))['name'] as string;
    const dashboard = new CollectionWatcher({
      url: `${running.url.replace(/^http/, 'ws')}/v1/watch`,
      method: 'WatchProjectInvitations',
      singular: 'projectInvitation',
      // Filtered like a dashboard of one inviter's invitations (filters work in watches as in List).
      request: { parent: project, filter: `invitation.inviter_email = "${DEFAULT_DEV_ADMIN}" AND invitation.invitee_email != "nobody@example.com"` },
      headers: { authorization: `Bearer ${await mintDevToken(config, DEFAULT_DEV_ADMIN)}` },
    });
    const stateOf = (name: string): unknown => (dashboard.resources.get(name)?.['invitation'] as Record<string, unknown> | undefined)?.['state'];
    await dashboard.start();
    try {
      const bob = 'bob@example.com';
      const invitation = (await admin.call('CreateProjectInvitation', { parent: project, projectInvitation: { invitation: { inviteeEmail: bob, bindingRoles: [{ role: VIEWER }] } } }))['name'] as string;
      const expiring = (await admin.call('CreateProjectInvitation', {
        parent: project,
        projectInvitation: { invitation: { inviteeEmail: 'carol@example.com', bindingRoles: [{ role: VIEWER }], expirationDate: new Date(Date.now() + 2_000).toISOString() } },
      }))['name'] as string;
      await eventually(() => stateOf(invitation) === 'PENDING' && stateOf(expiring) === 'PENDING', 10_000, 'the dashboard to show both PENDING');

      const mail = (await readOutbox(path.join(directory, 'outbox.ndjson'))).find((entry) => entry.to === bob);
      expect(mail?.subject).to.equal(`${DEFAULT_DEV_ADMIN} invited you to the project Apollo`);
      const code = /ksi_[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0];
      expect(code, 'the code in the mail').to.be.a('string');

      const bobClient = await as(bob);
      try {
        await bobClient.call('GetProject', { name: project });
        expect.fail('bob could read the project before accepting');
      } catch (error) {
        expect((error as RestError).status).to.equal(404);
      }
      expect(await bobClient.call('AcceptInvitationCode', { code: code as string })).to.deep.equal({ name: invitation });
      await eventually(async () => ((await bobClient.call('ListMyProjects', {}))['projects'] as unknown[] | undefined)?.length === 1, 10_000, 'ListMyProjects to show the project');
      expect(((await bobClient.call('ListMyProjects', {}))['projects'] as Record<string, unknown>[]).map((found) => found['name'])).to.deep.equal([project]);
      expect((await bobClient.call('GetProject', { name: project }))['title']).to.equal('Apollo');
      try {
        await bobClient.call('CreateGroup', { parent: project, group: { displayName: 'not allowed' } });
        expect.fail('a viewer could create a group');
      } catch (error) {
        expect((error as RestError).status).to.equal(403);
      }

      await eventually(() => stateOf(invitation) === 'ACCEPTED', 10_000, 'the dashboard to show ACCEPTED');
      await eventually(() => stateOf(expiring) === 'EXPIRED', 15_000, 'the dashboard to show EXPIRED');
      expect(dashboard.stats.consistencyErrors).to.equal(0);
    } finally {
      await dashboard.stop();
    }
  });
});
