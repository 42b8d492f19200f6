/**
 * The process managers resume from their stored checkpoint with their stored state: after a
 * restart they read none of the log they had handled, and what they do next depends on what they
 * remembered (which bindings hold an assignment, which groups nest, which invitations are
 * pending) — a manager that had forgotten it would leave the assignment, the copy and the
 * invitation as they were.
 */
import { expect } from 'chai';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@keystream/domain';
import { startAuthTestWorld, type AuthTestWorld } from '../auth/authTestWorld.js';

const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';

function id(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

async function until(check: () => Promise<boolean>, what: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('process managers across a restart', function () {
  this.timeout(90_000);
  let directory: string;
  let world: AuthTestWorld | undefined;

  before(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'keystream-pm-restart-'));
  });
  after(async () => {
    await world?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('should resume after its checkpoint with the state it had, reading none of the log again', async () => {
    world = await startAuthTestWorld({ directory });
    let admin = await world.token('admin@keystream.local');
    const project = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name: project, title: 'Restart' } }, admin);
    const jane = `user:${id('jane')}@example.com`;
    const bindings = [`${project}/roleBindings/${id('a')}`, `${project}/roleBindings/${id('b')}`];
    for (const name of bindings) await world.call('CreateRoleBinding', { parent: project, roleBinding: { name, role: VIEWER, member: jane } }, admin);
    const [outer, inner] = [`${project}/groups/${id('o')}`, `${project}/groups/${id('i')}`];
    const emails: Record<string, string> = {};
    for (const group of [outer, inner]) {
      await world.call('CreateGroup', { parent: project, group: { name: group } }, admin);
      emails[group] = ((await world.call('GetGroup', { name: group }, admin)).response as JsonObject)['email'] as string;
    }
    const kim = `user:${id('kim')}@example.com`;
    const kimInInner = ((await world.call('CreateGroupMember', { parent: inner, groupMember: { member: kim } }, admin)).response as JsonObject)['name'] as string;
    await world.call('CreateGroupMember', { parent: outer, groupMember: { member: `group:${emails[inner]}` } }, admin);
    // Expires a few seconds from now: after the restart, with no event to tell the manager again.
    const expiration = new Date(Date.now() + 4000).toISOString();
    const invitation = ((await world.call('CreateProjectInvitation', { parent: project, projectInvitation: { invitation: { inviteeEmail: `${id('lee')}@example.com`, bindingRoles: [{ role: VIEWER }], expirationDate: expiration } } }, admin)).response as JsonObject)['name'] as string;
    await world.settle();
    const handledBefore = (await world.processManagers.metrics()).eventsHandledTotal;
    expect(handledBefore).to.be.greaterThan(8);
    const headBefore = await world.eventStore.headPosition();
    await world.close();
    world = await startAuthTestWorld({ directory });
    const restarted = world;
    admin = await restarted.token('admin@keystream.local');
    await restarted.settle();
    // Only what was appended since (the seeding on start appends nothing new) is read.
    expect(await restarted.eventStore.headPosition()).to.equal(headBefore);
    expect((await restarted.processManagers.metrics()).eventsHandledTotal).to.equal(0);

    const assignmentsOf = async (member: string): Promise<unknown[]> => {
      await restarted.settle();
      const listed = (await restarted.call('ListMemberAssignments', { parent: 'regions/global', filter: `scope = "${project}"` }, admin)).response as { memberAssignments?: JsonObject[] };
      return (listed.memberAssignments ?? []).filter((found) => found['member'] === member).map((found) => found['name']);
    };
    // The second binding still holds the assignment; the last one takes it away.
    await restarted.call('DeleteRoleBinding', { name: bindings[0] as string }, admin);
    expect(await assignmentsOf(jane)).to.have.length(1);
    await restarted.call('DeleteRoleBinding', { name: bindings[1] as string }, admin);
    expect(await assignmentsOf(jane)).to.deep.equal([]);

    // The copy of Kim in the outer group goes with Kim's membership of the inner one.
    const kimInOuter = async (): Promise<number> =>
      (((await restarted.call('ListGroupMembers', { parent: outer, pageSize: 100 }, admin)).response as { groupMembers?: JsonObject[] }).groupMembers ?? []).filter((found) => found['member'] === kim).length;
    expect(await kimInOuter()).to.equal(1);
    await restarted.call('DeleteGroupMember', { name: kimInInner }, admin);
    await restarted.settle();
    expect(await kimInOuter()).to.equal(0);

    // The pending invitation remembered from before the restart expires on time.
    await until(async () => ((await restarted.call('GetProjectInvitation', { name: invitation }, admin)).response as { invitation: JsonObject }).invitation['state'] === 'EXPIRED', 'the invitation to expire');
  });
});
