import { expect } from 'chai';
import { METHODS, methodByName } from './methodTable.js';

describe('METHODS', () => {
  it('should hold 158 methods: 67 reads, 60 writes and 31 streams', () => {
    const count = (kind: string): number => METHODS.filter((method) => method.kind === kind).length;
    expect([METHODS.length, count('read'), count('write'), count('stream')]).to.deep.equal([158, 67, 60, 31]);
  });

  it('should give every method but GetPrincipal and WatchPrincipalUpdates its permission', () => {
    const without = METHODS.filter((method) => method.permission === undefined).map((method) => method.name);
    expect(without).to.deep.equal(['GetPrincipal', 'WatchPrincipalUpdates']);
    expect(methodByName('CheckMyRoleBindings').permission).to.equal('services/iam.edgelq.com/permissions/roleBindings.checkMy');
  });

  describe('having a create method with several bindings', () => {
    const create = methodByName('CreateCondition');

    it('should take the body field from the main binding', () => {
      expect(create.routes[0]?.body).to.deep.equal({ kind: 'field', fieldPath: 'condition' });
    });

    it('should read the fields of additional POST bindings that name no body from the query string', () => {
      expect(create.routes.slice(1).map((route) => route.body)).to.deep.equal([{ kind: 'query' }, { kind: 'query' }, { kind: 'query' }]);
    });
  });

  describe('having the bindings upstream adds to the reference', () => {
    it('should route GetPrincipal and WatchPrincipalUpdates, reading their fields from the query string', () => {
      for (const [name, path] of [['GetPrincipal', '/v1:getPrincipal'], ['WatchPrincipalUpdates', '/v1:watchPrincipalUpdates']] as const) {
        const [route] = methodByName(name).routes;
        expect([route?.httpMethod, route?.template.text, route?.body, route?.primary]).to.deep.equal(['POST', path, { kind: 'query' }, true]);
      }
    });
  });

  it('should take GET and DELETE from query parameters only', () => {
    expect(methodByName('ListRoles').routes.every((route) => route.body.kind === 'none')).to.equal(true);
    expect(methodByName('DeleteRole').routes.every((route) => route.body.kind === 'none')).to.equal(true);
  });

  it('should recognise standard verbs by name and leave custom methods without one', () => {
    expect(methodByName('WatchRoleBindings').standard).to.equal('watchMany');
    expect(methodByName('WatchRoleBinding').standard).to.equal('watch');
    expect(methodByName('AcceptProjectInvitation').standard).to.equal(undefined);
    expect(methodByName('AcceptProjectInvitation').kind).to.equal('write');
  });

  it('should throw for a method the contract does not have', () => {
    expect(() => methodByName('LaunchRocket')).to.throw('unknown method LaunchRocket');
  });
});
