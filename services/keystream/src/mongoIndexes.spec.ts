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

  it('should give the embedded store MongoDB\'s set, then the newest-first order within a parent (at the end, so a store holding the old set builds only it)', () => {
    const mongo = mongoIndexes();
    for (const [kind, specifications] of Object.entries(embeddedIndexes())) {
      expect(specifications.slice(0, -1), kind).to.deep.equal(mongo[kind]);
      expect(specifications[specifications.length - 1], kind).to.deep.equal({ [COLLECTION_OF_NAME]: 1, 'metadata.createTime': -1, name: 1 });
    }
    expect(Object.values(mongo).flat().some((specification) => COLLECTION_OF_NAME in specification), 'MongoDB is never given the embedded path').to.equal(false);
  });
});
