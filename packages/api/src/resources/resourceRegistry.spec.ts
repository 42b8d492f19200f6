import { expect } from 'chai';
import type { ResourceKind } from '../generated/specModel.js';
import { messageDescriptor } from '../registry/messageRegistry.js';
import { assertFieldPath, defineResource } from './resourceDescriptor.js';
import { RESOURCES, resourceByKind } from './resourceRegistry.js';

describe('RESOURCES', () => {
  it('should describe the 15 resources of the reference', () => {
    expect(RESOURCES.map((resource) => resource.kind)).to.deep.equal([
      'AttestationDomain',
      'Condition',
      'Group',
      'GroupMember',
      'MemberAssignment',
      'Organization',
      'OrganizationInvitation',
      'Permission',
      'Project',
      'ProjectInvitation',
      'Role',
      'RoleBinding',
      'ServiceAccount',
      'ServiceAccountKey',
      'User',
    ]);
  });

  describe('having a resource with several name patterns', () => {
    const roleBinding = resourceByKind('RoleBinding');

    it('should read each pattern with its parent kinds', () => {
      expect(roleBinding.namePatterns.map((pattern) => [pattern.pattern, pattern.parentKinds, pattern.parentPattern])).to.deep.equal([
        ['roleBindings/{role_binding}', [], ''],
        ['projects/{project}/roleBindings/{role_binding}', ['Project'], 'projects/{project}'],
        ['organizations/{organization}/roleBindings/{role_binding}', ['Organization'], 'organizations/{organization}'],
        ['services/{service}/roleBindings/{role_binding}', ['Service'], 'services/{service}'],
      ]);
    });

    it('should name its collection and request fields', () => {
      expect([roleBinding.plural, roleBinding.pluralKind, roleBinding.singular, roleBinding.singularProto]).to.deep.equal([
        'roleBindings',
        'RoleBindings',
        'roleBinding',
        'role_binding',
      ]);
    });
  });

  describe('having a nested resource', () => {
    it('should give ServiceAccountKey its full ancestry of kinds', () => {
      expect(resourceByKind('ServiceAccountKey').namePatterns[0]?.parentKinds).to.deep.equal(['Project', 'Region', 'ServiceAccount']);
    });
  });

  describe('having the id regexes', () => {
    it('should take the regex the reference states, anchored', () => {
      const project = resourceByKind('Project');
      expect(project.idPattern.test('my-project-1')).to.equal(true);
      expect(project.idPattern.test('My-Project')).to.equal(false);
      expect(project.idPattern.test(`a${'b'.repeat(30)}`)).to.equal(false);
      expect(project.idPattern.test('x/y')).to.equal(false);
    });

    it('should allow underscores only where the reference does (service accounts)', () => {
      expect(resourceByKind('ServiceAccount').idPattern.test('device_agent')).to.equal(true);
      expect(resourceByKind('Project').idPattern.test('device_agent')).to.equal(false);
    });
  });

  it('should give every resource its standard methods, and MemberAssignment no Create', () => {
    for (const resource of RESOURCES) {
      const verbs = Object.keys(resource.standardMethods).sort();
      const expected = ['batchGet', 'create', 'delete', 'get', 'list', 'update', 'watch', 'watchMany'].filter(
        (verb) => resource.kind !== 'MemberAssignment' || verb !== 'create',
      );
      expect(verbs, resource.kind).to.deep.equal(expected);
    }
  });

  it('should list nested messages and enums of a resource', () => {
    const role = resourceByKind('Role');
    expect(role.nestedMessages).to.include.members(['Role.Grant', 'Role.Grant.FieldCondition', 'Role.ScopeParamType']);
    expect(role.nestedEnums).to.deep.equal(['Role.Category', 'Role.ScopeParamType.Type']);
  });

  it('should mark the fields the reference says cannot change as immutable', () => {
    expect(resourceByKind('Role').immutablePaths).to.include.members(['category', 'owned_objects']);
    expect(resourceByKind('ServiceAccount').immutablePaths).to.include('kind');
  });

  it('should give views as the architecture lists them', () => {
    expect(resourceByKind('Role').views).to.deep.equal({
      NAME: ['name', 'display_name'],
      BASIC: ['name', 'display_name', 'services'],
      DETAIL: ['name', 'display_name', 'services', 'scope_params', 'grants'],
    });
    expect(resourceByKind('Permission').views).to.deep.equal({ NAME: ['name'] });
  });
});

describe('defineResource', () => {
  describe('when a path in the definition is misspelt', () => {
    it('should throw at load time naming the path', () => {
      expect(() => defineResource('Group', { idGeneration: 'random', outputOnly: ['emial'] })).to.throw('Group has no field path emial');
    });
  });

  describe('when the kind is not in the reference', () => {
    it('should throw', () => {
      // A kind arriving as data (not from the generated union) is still checked at run time.
      expect(() => defineResource('Gadget' as ResourceKind, { idGeneration: 'random' })).to.throw('the API reference has no resource Gadget');
    });
  });

  describe('when the reference states no id regex and the definition gives none', () => {
    it('should throw', () => {
      expect(() => defineResource('Permission', { idGeneration: 'required' })).to.throw(/states no id regex/);
    });
  });
});

describe('assertFieldPath', () => {
  it('should accept nested paths and free-form map keys', () => {
    expect(() => { assertFieldPath(messageDescriptor('Project'), 'metadata.labels.any_key'); }).not.to.throw();
    expect(() => { assertFieldPath(messageDescriptor('Role'), 'grants.permissions'); }).not.to.throw();
  });

  it('should reject a path below a scalar field name that does not exist', () => {
    expect(() => { assertFieldPath(messageDescriptor('Role'), 'grants.nope'); }).to.throw('Role has no field path grants.nope');
  });
});
