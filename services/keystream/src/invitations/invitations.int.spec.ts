/**
 * Invitations through the authorizing dispatcher on a real core (embedded stores, projector,
 * seeded built-ins, the outbox notifier): invite → mail in the outbox → accept → the invitee holds
 * the roles and groups, and the refusals say why.
 */
import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { readOutbox, type OutboxEntry } from '@keystream/notify';
import { randomUUID } from 'node:crypto';
import { outcomeOf, startAuthTestWorld, type AuthTestWorld } from '../auth/authTestWorld.js';

const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';

function id(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

async function failure(run: Promise<unknown>): Promise<KeystreamError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof KeystreamError) return error;
    throw error;
  }
  expect.fail('expected the call to be refused');
}

describe('invitations (authorizing dispatcher, real core)', function () {
  this.timeout(60_000);
  let world: AuthTestWorld;
  let admin: string;

  before(async () => {
    world = await startAuthTestWorld();
    admin = await world.token('admin@keystream.local');
  });
  after(async () => {
    await world.close();
  });

  async function project(): Promise<string> {
    const name = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name, title: 'Apollo' } }, admin);
    return name;
  }

  async function mailsTo(email: string): Promise<OutboxEntry[]> {
    return (await readOutbox(world.config.notifier.kind === 'outbox' ? world.config.notifier.file : '')).filter((entry) => entry.to === email);
  }

  it('invites by email, mails the code, and grants the roles and groups to the invitee who accepts', async () => {
    const scope = await project();
    const group = `${scope}/groups/team`;
    await world.call('CreateGroup', { parent: scope, group: { name: group, displayName: 'Team' } }, admin);
    const bob = `${id('bob')}@example.com`;
    const created = await world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: bob.toUpperCase(), bindingRoles: [{ role: VIEWER }], groups: [group], languageCode: 'de' } } }, admin);
    const invitation = created.response as JsonObject;
    expect(invitation['invitation']).to.deep.include({ inviteeEmail: bob, inviterEmail: 'admin@keystream.local', state: 'PENDING' });
    const [mail] = await mailsTo(bob);
    expect(mail?.language).to.equal('de');
    expect(mail?.values['code']).to.match(/^ksi_/);
    expect(JSON.stringify(await world.eventStore.readAll('', 100_000))).not.to.contain(mail?.values['code']);

    const bobToken = await world.token(bob);
    expect(await outcomeOf(world.call('GetProject', { name: scope }, bobToken))).to.equal('NOT_FOUND');
    const mallory = await world.token(`${id('mallory')}@example.com`);
    expect((await failure(world.call('AcceptProjectInvitation', { name: invitation['name'] as string }, mallory))).message).to.match(/addressed to another email/);

    const acceptedAnswer = await world.call('AcceptProjectInvitation', { name: invitation['name'] as string }, bobToken);
    expect(await outcomeOf(world.call('GetProject', { name: scope }, bobToken))).to.equal('ok');
    // Read-your-writes: the position the accept answered brings the membership with it.
    const mine = await world.call('ListMyProjects', {}, bobToken, { headers: acceptedAnswer.headers ?? {} });
    expect(((mine.response as { projects: JsonObject[] }).projects).map((found) => found['name'])).to.deep.equal([scope]);
    const accepted = (await world.call('GetProjectInvitation', { name: invitation['name'] as string }, admin)).response as JsonObject;
    expect((accepted['invitation'] as JsonObject)['state']).to.equal('ACCEPTED');
    expect((accepted['metadata'] as JsonObject)['annotations']).to.deep.include({ 'iam.keystream.io/accepted-by': `user:${bob}` });
    await world.settle();
    const members = (await world.call('ListGroupMembers', { parent: group }, admin)).response as { groupMembers: JsonObject[] };
    expect(members.groupMembers.map((member) => member['member'])).to.include(`user:${bob}`);

    const again = await failure(world.call('AcceptProjectInvitation', { name: invitation['name'] as string }, bobToken));
    expect(again.code).to.equal('FAILED_PRECONDITION');
    expect(again.message).to.match(/already accepted/);
  });
});
