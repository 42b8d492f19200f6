import { resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import { COLLECTION_OF_NAME } from '@keystream/readstore';
import { embeddedIndexes, mongoIndexes, mongoIndexesOf } from './mongoIndexes.js';

describe('mongoIndexesOf', () => {
  it('should index a binding by its role and member fields, and every kind by creation time', () => {
    expect(mongoIndexesOf(resourceByKind('RoleBinding'))).to.deep.include.members([
      { 'metadata.createTime': -1, name: 1 },
      { role: 1, name: 1 },
      { member: 1, name: 1 },
      { memberType: 1, name: 1 },
    ]);
  });

  it('should index a project by its parent organization', () => {
    expect(mongoIndexesOf(resourceByKind('Project'))).to.deep.include({ parentOrganization: 1, name: 1 });
  });

  it('should index what the my views and ListMy…Invitations look up', () => {
    expect(mongoIndexesOf(resourceByKind('Project'))).to.deep.include({ ancestryPath: 1, name: 1 });
    expect(mongoIndexesOf(resourceByKind('MemberAssignment'))).to.deep.include.members([{ member: 1, name: 1 }, { scope: 1, name: 1 }]);
    expect(mongoIndexesOf(resourceByKind('ProjectInvitation'))).to.deep.include({ 'invitation.inviteeEmail': 1, name: 1 });
  });

  it('should give each kind with phrase fields one text index over them (SearchMyProjects: name, title, description)', () => {
    const textIndexes = mongoIndexesOf(resourceByKind('Project')).filter((index) => Object.values(index).includes('text'));
    expect(textIndexes).to.have.length(1);
    expect(Object.keys(textIndexes[0] ?? {})).to.include.members(['name', 'title', 'description']);
  });

  it('should cover all 15 kinds', () => {
    expect(Object.keys(mongoIndexes())).to.have.length(15);
  });

  it('should order the kinds people read by name by that name, A to Z (order_by displayName or title)', () => {
    expect(mongoIndexesOf(resourceByKind('Group'))).to.deep.include({ displayName: 1, name: 1 });
    expect(mongoIndexesOf(resourceByKind('Project'))).to.deep.include({ title: 1, name: 1 });
    expect(mongoIndexesOf(resourceByKind('RoleBinding')).some((index) => 'displayName' in index || 'title' in index)).to.equal(false);
  });

  it('should give MongoDB an index of its own for oldest first and for Z to A, with names A to Z within a tie (it cannot read the newest-first or A-to-Z index that way)', () => {
    expect(mongoIndexesOf(resourceByKind('Group'))).to.deep.include.members([
      { 'metadata.createTime': 1, name: 1 },
      { displayName: -1, name: 1 },
    ]);
    expect(mongoIndexesOf(resourceByKind('Project'))).to.deep.include({ title: -1, name: 1 });
    expect(mongoIndexesOf(resourceByKind('RoleBinding'))).to.deep.include({ 'metadata.createTime': 1, name: 1 });
  });

  it('should give the embedded store MongoDB\'s set with the orders within a parent, each addition after the set stored before it (so a store holding that set builds only the additions)', () => {
    const mongo = mongoIndexes();
    const newestInParent = { [COLLECTION_OF_NAME]: 1, 'metadata.createTime': -1, name: 1 };
    for (const [kind, specifications] of Object.entries(embeddedIndexes())) {
      // Not the orders the embedded store reads from the others backwards, tie by tie.
      const mongoSet = (mongo[kind] ?? []).filter((index) => index['metadata.createTime'] !== 1 && index['displayName'] !== -1 && index['title'] !== -1);
      const display = mongoSet.filter((index) => index['displayName'] === 1 || index['title'] === 1);
      const first = mongoSet.filter((index) => !display.includes(index));
      const field = display.length === 0 ? undefined : Object.keys(display[0] ?? {})[0];
      expect(specifications, kind).to.deep.equal([...first, newestInParent, ...display, ...(field === undefined ? [] : [{ [COLLECTION_OF_NAME]: 1, [field]: 1, name: 1 }])]);
    }
    expect(Object.values(mongo).flat().some((specification) => COLLECTION_OF_NAME in specification), 'MongoDB is never given the embedded path').to.equal(false);
  });
});
