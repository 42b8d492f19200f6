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
    await world.call('CreateProject', { project: { name, title: 'Apollo', multiRegionPolicy: {} } }, admin);
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
    const created = await world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: bob.toUpperCase(), bindingRoles: [{ role: VIEWER }], groups: [group], languageCode: 'ja-jp' } } }, admin);
    const invitation = created.response as JsonObject;
    expect(invitation['invitation']).to.deep.include({ inviteeEmail: bob, inviterEmail: 'admin@keystream.local', state: 'PENDING' });
    const [mail] = await mailsTo(bob);
    expect(mail?.language).to.equal('ja');
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
    expect((accepted['metadata'] as JsonObject)['annotations']).to.deep.include({ 'iam.keystream.io/accepted-by': `user:${bob}`, 'iam.keystream.io/last-modified-by': `user:${bob}` });
    await world.settle();
    const members = (await world.call('ListGroupMembers', { parent: group }, admin)).response as { groupMembers: JsonObject[] };
    expect(members.groupMembers.map((member) => member['member'])).to.include(`user:${bob}`);

    const again = await failure(world.call('AcceptProjectInvitation', { name: invitation['name'] as string }, bobToken));
    expect(again.code).to.equal('FAILED_PRECONDITION');
    expect(again.message).to.match(/already accepted/);
  });

  it('answers ALREADY_EXISTS with the PENDING invitation when the same email is invited again, even concurrently', async () => {
    const scope = await project();
    const email = `${id('dup')}@example.com`;
    const answers = await Promise.allSettled(
      Array.from({ length: 10 }, (_unused, index) =>
        world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: index % 2 === 0 ? email : email.toUpperCase(), bindingRoles: [{ role: VIEWER }] } } }, admin),
      ),
    );
    const created = answers.filter((answer) => answer.status === 'fulfilled');
    expect(created).to.have.length(1);
    const name = ((created[0] as PromiseFulfilledResult<{ response: unknown }>).value.response as JsonObject)['name'] as string;
    for (const answer of answers) {
      if (answer.status === 'rejected') {
        expect((answer.reason as KeystreamError).code).to.equal('ALREADY_EXISTS');
        expect((answer.reason as KeystreamError).message).to.contain(name);
      }
    }
    // Declined: the email may be invited again.
    await world.call('DeclineProjectInvitation', { name }, await world.token(email));
    await world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: email, bindingRoles: [{ role: VIEWER }] } } }, admin);
  });

  it('lists the caller\'s own invitations across projects, filtered by state, and filters List by inviter, email, state and expiry', async () => {
    const [first, second] = [await project(), await project()];
    const bob = `${id('bob')}@example.com`;
    for (const scope of [first, second]) await world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: bob, bindingRoles: [{ role: VIEWER }] } } }, admin);
    await world.call('CreateProjectInvitation', { parent: first, projectInvitation: { invitation: { inviteeEmail: `${id('eve')}@example.com`, bindingRoles: [{ role: VIEWER }] } } }, admin);
    await world.settle();
    const bobToken = await world.token(bob);
    const mine = (await world.call('ListMyProjectInvitations', { parent: 'projects/-', filter: 'invitation.state = "PENDING"' }, bobToken)).response as { projectInvitations: JsonObject[] };
    expect(mine.projectInvitations.map((found) => (found['name'] as string).split('/').slice(0, 2).join('/')).sort()).to.deep.equal([first, second].sort());
    const byEmail = (await world.call('ListProjectInvitations', { parent: first, filter: `invitation.invitee_email = "${bob}" AND invitation.inviter_email = "admin@keystream.local" AND invitation.state = PENDING AND invitation.expiration_date > "${new Date().toISOString()}"` }, admin)).response as { projectInvitations: JsonObject[] };
    expect(byEmail.projectInvitations).to.have.length(1);
  });

  it('batch-creates with one result per row and an idempotency key that makes a retry create and mail nothing new', async () => {
    const scope = await project();
    const emails = Array.from({ length: 30 }, () => `${id('row')}@example.com`);
    const rows = [...emails.map((email) => ({ invitation: { inviteeEmail: email, bindingRoles: [{ role: VIEWER }] } })), { invitation: { inviteeEmail: 'not an email', bindingRoles: [{ role: VIEWER }] } }, { invitation: { inviteeEmail: emails[0] as string, bindingRoles: [{ role: VIEWER }] } }];
    const key = id('batch');
    const first = (await world.call('BatchCreateProjectInvitations', { parent: scope, projectInvitations: rows, idempotencyKey: key }, admin)).response as { results: JsonObject[] };
    // Rows 0 and 31 invite the same email: rows run concurrently, so either may be first.
    const [winner, loser] = first.results[0]?.['status'] === 'CREATED' ? [first.results[0], first.results[31]] : [first.results[31], first.results[0]];
    expect([winner?.['status'], loser?.['status'], loser?.['name']]).to.deep.equal(['CREATED', 'ALREADY_INVITED', winner?.['name']]);
    expect(first.results.slice(1, 30).map((result) => result['status'])).to.deep.equal(emails.slice(1).map(() => 'CREATED'));
    expect(first.results[30]).to.deep.include({ row: 30, status: 'INVALID' });
    expect(first.results[30]?.['reason']).to.match(/invitee_email/);
    const mailsBefore = (await mailsTo(emails[5] as string)).length;
    const retried = (await world.call('BatchCreateProjectInvitations', { parent: scope, projectInvitations: rows, idempotencyKey: key }, admin)).response as { results: JsonObject[] };
    expect(retried.results.slice(1, 30)).to.deep.equal(first.results.slice(1, 30));
    expect((await mailsTo(emails[5] as string)).length).to.equal(mailsBefore);
    await world.settle();
    const listed = (await world.call('ListProjectInvitations', { parent: scope, pageSize: 100 }, admin)).response as { projectInvitations: JsonObject[] };
    expect(listed.projectInvitations).to.have.length(30);
  });

  it('makes bearer codes in bulk: each redeemed once by the first signed-in user, shown only in the first answer', async () => {
    const scope = await project();
    const key = id('codes');
    const request = { parent: scope, count: 3, idempotencyKey: key, projectInvitation: { invitation: { bindingRoles: [{ role: VIEWER }] } } };
    const made = (await world.call('CreateProjectInvitationCodes', request, admin)).response as { codes: JsonObject[] };
    expect(made.codes).to.have.length(3);
    expect(new Set(made.codes.map((code) => code['code'])).size).to.equal(3);
    const retried = (await world.call('CreateProjectInvitationCodes', request, admin)).response as { codes: JsonObject[] };
    expect(retried.codes.map((code) => code['name'])).to.deep.equal(made.codes.map((code) => code['name']));
    expect(retried.codes.every((code) => code['code'] === undefined)).to.equal(true);
    const users = [`${id('u')}@example.com`, `${id('u')}@example.com`];
    const redeemed = (await world.call('AcceptInvitationCode', { code: made.codes[0]?.['code'] as string }, await world.token(users[0] as string))).response as JsonObject;
    expect(redeemed['name']).to.equal(made.codes[0]?.['name']);
    expect((await failure(world.call('AcceptInvitationCode', { code: made.codes[0]?.['code'] as string }, await world.token(users[1] as string)))).code).to.equal('FAILED_PRECONDITION');
    expect((await failure(world.call('AcceptProjectInvitation', { name: made.codes[1]?.['name'] as string }, await world.token(users[1] as string)))).message).to.match(/redeemed with its code/);
    expect(await outcomeOf(world.call('GetProject', { name: scope }, await world.token(users[0] as string)))).to.equal('ok');
  });

  it('marks a PENDING invitation EXPIRED by an event when its date passes', async () => {
    const scope = await project();
    const created = (await world.call('CreateProjectInvitation', { parent: scope, projectInvitation: { invitation: { inviteeEmail: `${id('x')}@example.com`, bindingRoles: [{ role: VIEWER }], expirationDate: new Date(Date.now() + 1500).toISOString() } } }, admin)).response as JsonObject;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const current = (await world.call('GetProjectInvitation', { name: created['name'] as string }, admin)).response as JsonObject;
      if ((current['invitation'] as JsonObject)['state'] === 'EXPIRED') break;
      if (Date.now() > deadline) expect.fail('the invitation did not expire');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const events = await world.eventStore.readStream(`ProjectInvitation-${created['name'] as string}`);
    expect(events.map((event) => event.type)).to.deep.equal(['ProjectInvitationCreated', 'ProjectInvitationExpired']);
  });

  it('shows a project to a user invited into a group of its parent organization (ListMyProjects), and keeps MemberAssignments with the bindings', async () => {
    const organization = `organizations/${id('o')}`;
    await world.call('CreateOrganization', { organization: { name: organization, title: 'Parent' } }, admin);
    const child = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name: child, title: 'Child', parentOrganization: organization, multiRegionPolicy: {} } }, admin);
    const group = `${organization}/groups/staff`;
    await world.call('CreateGroup', { parent: organization, group: { name: group } }, admin);
    const groupEmail = ((await world.call('GetGroup', { name: group }, admin)).response as JsonObject)['email'] as string;
    await world.call('CreateRoleBinding', { parent: organization, roleBinding: { role: VIEWER, member: `group:${groupEmail}` } }, admin);
    const erin = `${id('erin')}@example.com`;
    const invited = (await world.call('CreateOrganizationInvitation', { parent: organization, organizationInvitation: { invitation: { inviteeEmail: erin, groups: [group] } } }, admin)).response as JsonObject;
    const erinToken = await world.token(erin);
    const accepted = await world.call('AcceptOrganizationInvitation', { name: invited['name'] as string }, erinToken);
    const headers = accepted.headers ?? {};
    const projects = (await world.call('ListMyProjects', {}, erinToken, { headers })).response as { projects: JsonObject[] };
    expect(projects.projects.map((found) => found['name'])).to.deep.equal([child]);
    const organizations = (await world.call('SearchMyOrganizations', { phrase: 'pare' }, erinToken, { headers })).response as { organizations: JsonObject[] };
    expect(organizations.organizations.map((found) => found['name'])).to.deep.equal([organization]);
    await world.settle();
    const assignments = (await world.call('ListMemberAssignments', { parent: 'regions/global', filter: `scope = "${organization}"` }, admin)).response as { memberAssignments: JsonObject[] };
    expect(assignments.memberAssignments.map((found) => found['member']).sort()).to.deep.equal([`group:${groupEmail}`, 'user:admin@keystream.local'].sort());
    expect(assignments.memberAssignments[0]).to.deep.include({ scopeTitle: 'Parent', memberRegion: 'global' });
  });
});
