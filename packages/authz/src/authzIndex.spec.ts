import { expect } from 'chai';
import { AuthzIndex, EVERYONE } from './authzIndex.js';
import { binding, created, deleted, groupMember, role } from './testEvents.js';

describe('AuthzIndex.affectedSince', () => {
  describe('having a project, a role and a group', () => {
    let index: AuthzIndex;

    beforeEach(() => {
      index = new AuthzIndex();
      index.apply(created('Organization', { name: 'organizations/o1', ancestryPath: [] }));
      index.apply(created('Project', { name: 'projects/p1', ancestryPath: ['organizations/o1'] }));
      index.apply(role('r/viewer', ['x']));
      index.apply(groupMember('groups/g', 'm1', 'user:carol@example.com'));
    });

    it('should name only the member of a written role binding', () => {
      const since = index.generation;
      index.apply(binding('projects/p1', 'b1', 'r/viewer', 'user:bob@example.com'));
      expect(index.affectedSince(since)).to.deep.equal(new Set(['user:bob@example.com']));
    });

    it('should name the old and the new member when a binding changes hands, and the group for a group binding', () => {
      index.apply(binding('projects/p1', 'b1', 'r/viewer', 'user:bob@example.com'));
      const since = index.generation;
      index.apply(binding('projects/p1', 'b1', 'r/viewer', 'group:g@example.com'));
      expect(index.affectedSince(since)).to.deep.equal(new Set(['user:bob@example.com', 'group:g@example.com']));
    });

    it('should name the member that joined or left a group', () => {
      const since = index.generation;
      index.apply(deleted('GroupMember', 'groups/g/groupMembers/m1'));
      expect(index.affectedSince(since)).to.deep.equal(new Set(['user:carol@example.com']));
    });

    it('should not move for a project update that keeps its ancestry', () => {
      const since = index.generation;
      expect(index.apply(created('Project', { name: 'projects/p1', ancestryPath: ['organizations/o1'], title: 'renamed' }))).to.equal(false);
      expect(index.generation).to.equal(since);
      expect(index.affectedSince(since)).to.deep.equal(new Set());
    });

    it('should name the members bound in or above a project that is created', () => {
      index.apply(binding('organizations/o1', 'b1', 'r/viewer', 'user:dave@example.com'));
      index.apply(binding('projects/other', 'b2', 'r/viewer', 'user:erin@example.com'));
      const since = index.generation;
      index.apply(created('Project', { name: 'projects/p2', ancestryPath: ['organizations/o1'] }));
      expect(index.affectedSince(since)).to.deep.equal(new Set(['user:dave@example.com']));
    });

    it('should name everyone for a condition, and for a generation older than the record', () => {
      const since = index.generation;
      index.apply(created('Condition', { name: 'conditions/c1' }));
      expect(index.affectedSince(since)).to.equal(EVERYONE);
      expect(index.affectedSince(-1)).to.equal(EVERYONE);
    });
  });
});

describe('AuthzIndex.membersOfGroups', () => {
  const ops = 'group:ops@acme.groups.iam.edgelq.com';
  const oncall = 'group:oncall@acme.groups.iam.edgelq.com';
  let index: AuthzIndex;

  beforeEach(() => {
    index = new AuthzIndex();
    index.apply(groupMember('projects/acme/groups/ops', 'm1', 'user:carol@example.com'));
    index.apply(groupMember('projects/acme/groups/ops', 'm2', oncall));
    index.apply(groupMember('projects/acme/groups/oncall', 'm1', 'serviceAccount:pager@acme.serviceaccounts.iam.edgelq.com'));
    index.apply(groupMember('projects/acme/groups/oncall', 'm2', 'user:dave@example.com'));
  });

  it('should yield the members of a group and of the groups nested in it, and exactly those expandGroups leads back to it', () => {
    const members = index.membersOfGroups([ops]);
    expect(new Set(members)).to.deep.equal(new Set(['user:carol@example.com', oncall, 'serviceAccount:pager@acme.serviceaccounts.iam.edgelq.com', 'user:dave@example.com']));
    for (const member of members) expect(index.expandGroups([member]), member).to.include(ops);
    expect(index.membersOfGroups([oncall])).to.have.members(['serviceAccount:pager@acme.serviceaccounts.iam.edgelq.com', 'user:dave@example.com']);
  });

  it('should forget a member that left, and yield nothing for a non-group or an empty group', () => {
    index.apply(deleted('GroupMember', 'projects/acme/groups/ops/groupMembers/m2'));
    expect(index.membersOfGroups([ops])).to.deep.equal(['user:carol@example.com']);
    expect(index.membersOfGroups(['user:carol@example.com'])).to.deep.equal([]);
    expect(index.membersOfGroups(['group:nobody@groups.iam.edgelq.com'])).to.deep.equal([]);
  });

  it('should terminate on a membership cycle', () => {
    index.apply(groupMember('projects/acme/groups/oncall', 'm3', ops));
    expect(new Set(index.membersOfGroups([oncall]))).to.deep.equal(new Set(['serviceAccount:pager@acme.serviceaccounts.iam.edgelq.com', 'user:dave@example.com', ops, 'user:carol@example.com']));
  });
});
