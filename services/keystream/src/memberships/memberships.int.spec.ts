/**
 * Memberships on a real core: MemberAssignments follow RoleBindings (made, refreshed, removed with
 * the last binding), ListMyProjects follows them, and the …WithMembers lists resolve members.
 */
import { expect } from 'chai';
import { userNameOf, type JsonObject } from '@keystream/domain';
import { randomUUID } from 'node:crypto';
import { startAuthTestWorld, type AuthTestWorld } from '../auth/authTestWorld.js';

const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';

function id(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

describe('memberships (real core)', function () {
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

  async function assignments(scope: string): Promise<JsonObject[]> {
    await world.settle();
    return ((await world.call('ListMemberAssignments', { parent: 'regions/global', filter: `scope = "${scope}"` }, admin)).response as { memberAssignments?: JsonObject[] }).memberAssignments ?? [];
  }

  it('keeps one assignment per scope and member, refreshes its copy of the scope, and drops it with the last binding (ListMyProjects follows)', async () => {
    const project = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name: project, title: 'Before', metadata: { labels: { team: 'blue' } } } }, admin);
    const frank = `${id('frank')}@example.com`;
    const bindings = [`${project}/roleBindings/${id('a')}`, `${project}/roleBindings/${id('b')}`];
    for (const name of bindings) await world.call('CreateRoleBinding', { parent: project, roleBinding: { name, role: VIEWER, member: `user:${frank}` } }, admin);
    const mine = (await assignments(project)).filter((found) => found['member'] === `user:${frank}`);
    expect(mine).to.have.length(1);
    // The copy of the scope's metadata is faithful, the server's annotations included.
    expect(mine[0]).to.deep.include({ scope: project, scopeTitle: 'Before', scopeMetadata: { labels: { team: 'blue' }, annotations: { 'iam.keystream.io/last-modified-by': 'user:admin@keystream.local' } } });

    await world.call('UpdateProject', { project: { name: project, title: 'After' }, updateMask: ['title'] }, admin);
    expect((await assignments(project)).find((found) => found['member'] === `user:${frank}`)).to.deep.include({ scopeTitle: 'After' });

    const frankToken = await world.token(frank);
    expect(((await world.call('ListMyProjects', {}, frankToken)).response as { projects: JsonObject[] }).projects.map((found) => found['name'])).to.deep.equal([project]);
    await world.call('DeleteRoleBinding', { name: bindings[0] as string }, admin);
    expect((await assignments(project)).filter((found) => found['member'] === `user:${frank}`)).to.have.length(1);
    await world.call('DeleteRoleBinding', { name: bindings[1] as string }, admin);
    expect((await assignments(project)).filter((found) => found['member'] === `user:${frank}`)).to.have.length(0);
    expect(((await world.call('ListMyProjects', {}, frankToken)).response as { projects: JsonObject[] }).projects).to.deep.equal([]);
  });

  it('lists role bindings and group members with their members, shaped by members_masks', async () => {
    const project = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name: project, title: 'Members' } }, admin);
    const gina = `${id('gina')}@example.com`;
    await world.create('User', { name: userNameOf(gina), email: gina, fullName: 'Gina G' });
    const group = `${project}/groups/${id('g')}`;
    await world.call('CreateGroup', { parent: project, group: { name: group, displayName: 'Crew' } }, admin);
    const groupEmail = ((await world.call('GetGroup', { name: group }, admin)).response as JsonObject)['email'] as string;
    await world.call('CreateRoleBinding', { parent: project, roleBinding: { role: VIEWER, member: `user:${gina}` } }, admin);
    await world.call('CreateRoleBinding', { parent: project, roleBinding: { role: VIEWER, member: `group:${groupEmail}` } }, admin);
    await world.call('CreateGroupMember', { parent: group, groupMember: { member: `user:${gina}` } }, admin);
    await world.settle();

    const bindings = (await world.call('ListRoleBindingsWithMembers', { parent: project, filter: 'role = "services/iam.edgelq.com/roles/scope-viewer"', membersMasks: { view: 'NAME', userMask: ['email'] } }, admin)).response as {
      roleBindings: JsonObject[];
      matchingMembers: JsonObject[];
    };
    expect(bindings.matchingMembers.map((info) => info['member'])).to.deep.equal(bindings.roleBindings.map((binding) => binding['member']));
    const ginaInfo = bindings.matchingMembers.find((info) => info['member'] === `user:${gina}`);
    expect(ginaInfo?.['users']).to.deep.equal([{ name: userNameOf(gina), email: gina }]);
    const groupInfo = bindings.matchingMembers.find((info) => info['member'] === `group:${groupEmail}`);
    expect(groupInfo?.['groups']).to.deep.equal([{ name: group, displayName: 'Crew' }]);

    const members = (await world.call('ListGroupMembersWithMembers', { parent: group }, admin)).response as { groupMembers: JsonObject[]; matchingMembers: JsonObject[] };
    expect(members.matchingMembers).to.have.length(1);
    expect((members.matchingMembers[0]?.['users'] as JsonObject[])[0]).to.deep.include({ email: gina, fullName: 'Gina G' });
  });

  it('copies the members of nested groups with their ancestry, breaks cycles, and removes copies with the membership', async () => {
    const project = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name: project, title: 'Nested' } }, admin);
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => `${project}/groups/${letter}${id('g').slice(2)}`) as [string, string, string];
    const emails: Record<string, string> = {};
    for (const group of [a, b, c]) {
      await world.call('CreateGroup', { parent: project, group: { name: group } }, admin);
      emails[group] = ((await world.call('GetGroup', { name: group }, admin)).response as JsonObject)['email'] as string;
    }
    const harry = `user:${id('harry')}@example.com`;
    const member = async (group: string, who: string): Promise<string> => ((await world.call('CreateGroupMember', { parent: group, groupMember: { member: who } }, admin)).response as JsonObject)['name'] as string;
    await member(c, harry);
    const cInB = await member(b, `group:${emails[c]}`);
    await member(a, `group:${emails[b]}`);
    // A cycle: a is a member of c.
    await member(c, `group:${emails[a]}`);
    await world.settle();
    const membersOf = async (group: string): Promise<JsonObject[]> => ((await world.call('ListGroupMembers', { parent: group, pageSize: 100 }, admin)).response as { groupMembers?: JsonObject[] }).groupMembers ?? [];
    const inA = await membersOf(a);
    const harryInA = inA.find((found) => found['member'] === harry);
    expect(harryInA?.['minAncestryMembers']).to.deep.equal([`group:${emails[c]}`, `group:${emails[b]}`]);
    expect(inA.find((found) => found['member'] === `group:${emails[c]}`)?.['minAncestryMembers']).to.deep.equal([`group:${emails[b]}`]);
    // The cycle ends: a is not copied into itself.
    expect(inA.filter((found) => found['member'] === `group:${emails[a]}`)).to.deep.equal([]);
    expect((await membersOf(b)).find((found) => found['member'] === harry)?.['minAncestryMembers']).to.deep.equal([`group:${emails[c]}`]);
    // Harry is in a through the copies and the expansion alike: a binding of a reaches him.
    await world.call('CreateRoleBinding', { parent: project, roleBinding: { role: VIEWER, member: `group:${emails[a]}` } }, admin);
    const harryToken = await world.token(harry.slice('user:'.length));
    await world.settle();
    expect(((await world.call('ListMyProjects', {}, harryToken)).response as { projects: JsonObject[] }).projects.map((found) => found['name'])).to.deep.equal([project]);

    await world.call('DeleteGroupMember', { name: cInB }, admin);
    await world.settle();
    expect((await membersOf(a)).filter((found) => found['member'] === harry)).to.deep.equal([]);
    expect((await membersOf(b)).filter((found) => Array.isArray(found['minAncestryMembers']))).to.deep.equal([]);
  });

  it('keeps a member reached along two paths (a ⊃ b ⊃ m, a ⊃ c ⊃ m) in a while one path is left, in the copies and in ListMyProjects', async () => {
    const project = `projects/${id('p')}`;
    await world.call('CreateProject', { project: { name: project, title: 'Diamond' } }, admin);
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => `${project}/groups/${letter}${id('g').slice(2)}`) as [string, string, string];
    const emails: Record<string, string> = {};
    for (const group of [a, b, c]) {
      await world.call('CreateGroup', { parent: project, group: { name: group } }, admin);
      emails[group] = ((await world.call('GetGroup', { name: group }, admin)).response as JsonObject)['email'] as string;
    }
    const ivy = `${id('ivy')}@example.com`;
    const member = async (group: string, who: string): Promise<string> => ((await world.call('CreateGroupMember', { parent: group, groupMember: { member: who } }, admin)).response as JsonObject)['name'] as string;
    await member(b, `user:${ivy}`);
    await member(c, `user:${ivy}`);
    const bInA = await member(a, `group:${emails[b]}`);
    const cInA = await member(a, `group:${emails[c]}`);
    await world.call('CreateRoleBinding', { parent: project, roleBinding: { role: VIEWER, member: `group:${emails[a]}` } }, admin);
    await world.settle();
    const copiesOfIvy = async (): Promise<JsonObject[]> =>
      (((await world.call('ListGroupMembers', { parent: a, pageSize: 100 }, admin)).response as { groupMembers?: JsonObject[] }).groupMembers ?? []).filter((found) => found['member'] === `user:${ivy}`);
    const ivyToken = await world.token(ivy);
    const myProjects = async (): Promise<unknown[]> => ((await world.call('ListMyProjects', {}, ivyToken)).response as { projects: JsonObject[] }).projects.map((found) => found['name']);
    // One copy; no group is on both paths, so its list is the owner alone (b or c, the first by name).
    const [first, second] = [emails[b] as string, emails[c] as string].sort();
    expect((await copiesOfIvy()).map((found) => found['minAncestryMembers'])).to.deep.equal([[`group:${first}`]]);
    expect(await myProjects()).to.deep.equal([project]);

    // The owning path goes: the copy stays, now owned by the other path, and Ivy still sees the project.
    await world.call('DeleteGroupMember', { name: first === emails[b] ? bInA : cInA }, admin);
    await world.settle();
    expect((await copiesOfIvy()).map((found) => found['minAncestryMembers'])).to.deep.equal([[`group:${second}`]]);
    expect(await myProjects()).to.deep.equal([project]);

    // The last path goes: the copy and the project go too.
    await world.call('DeleteGroupMember', { name: first === emails[b] ? cInA : bInA }, admin);
    await world.settle();
    expect(await copiesOfIvy()).to.deep.equal([]);
    expect(await myProjects()).to.deep.equal([]);
  });

  it('finds the caller\'s projects by a phrase in name, title or description (part of a word, several words, any case), paging info counting only matches', async () => {
    const suffix = id('s').slice(2);
    const projects = [
      { name: `projects/apollo-${suffix}`, title: 'Moon rocket', description: 'Crewed landings' },
      { name: `projects/gemini-${suffix}`, title: 'Two seats', description: 'Rendezvous and docking in orbit' },
      { name: `projects/mercury-${suffix}`, title: 'First flights', description: 'One seat, orbit later' },
    ];
    const olga = `${id('olga')}@example.com`;
    for (const project of projects) {
      await world.call('CreateProject', { project: { ...project, multiRegionPolicy: {} } }, admin);
      await world.call('CreateRoleBinding', { parent: project.name, roleBinding: { role: VIEWER, member: `user:${olga}` } }, admin);
    }
    // Another project with the same words that Olga does not take part in.
    await world.call('CreateProject', { project: { name: `projects/orbit-${suffix}`, title: 'Orbit', multiRegionPolicy: {} } }, admin);
    await world.settle();
    const olgaToken = await world.token(olga);
    const search = async (phrase: string): Promise<{ names: unknown[]; total: unknown }> => {
      const response = (await world.call('SearchMyProjects', { phrase, includePagingInfo: true }, olgaToken)).response as { projects: JsonObject[]; totalCount?: number };
      return { names: response.projects.map((found) => found['name']), total: response.totalCount };
    };
    expect(await search('ORBIT')).to.deep.equal({ names: [`projects/gemini-${suffix}`, `projects/mercury-${suffix}`], total: 2 });
    expect(await search('ndezv')).to.deep.equal({ names: [`projects/gemini-${suffix}`], total: 1 });
    expect(await search('docking in orb')).to.deep.equal({ names: [`projects/gemini-${suffix}`], total: 1 });
    expect(await search(`apollo-${suffix}`)).to.deep.equal({ names: [`projects/apollo-${suffix}`], total: 1 });
    expect(await search('seat, orbit')).to.deep.equal({ names: [`projects/mercury-${suffix}`], total: 1 });
    expect(await search('saturn')).to.deep.equal({ names: [], total: 0 });
  });
});
