import { KeystreamError } from '@keystream/api';
import { expect } from 'chai';
import { RouteTable } from './routeTable.js';

describe('RouteTable', () => {
  const table = new RouteTable();

  describe('when a path matches one binding of a method', () => {
    it('should return the method, the binding and the bound fields', () => {
      const match = table.match('GET', '/v1/projects/p1/roleBindings/rb1');
      expect(match.method.name).to.equal('GetRoleBinding');
      expect(match.route.primary).to.equal(false);
      expect(match.bindings).to.deep.equal({ name: 'projects/p1/roleBindings/rb1' });
    });

    it('should tell a collection route from a custom verb on it', () => {
      expect(table.match('GET', '/v1/projects/p1/roles').method.name).to.equal('ListRoles');
      expect(table.match('POST', '/v1/projects/p1/roles:watch').method.name).to.equal('WatchRoles');
      expect(table.match('GET', '/v1/roles:batchGet').method.name).to.equal('BatchGetRoles');
    });

    it('should route a verb on the version segment', () => {
      expect(table.match('POST', '/v1:getByEmail').method.name).to.equal('GetUserByEmail');
    });
  });

  describe('when no route has the path', () => {
    it('should throw NOT_FOUND naming the request', () => {
      expect(() => table.match('GET', '/v1/planets/earth'))
        .to.throw(KeystreamError, 'no route GET /v1/planets/earth')
        .with.property('code', 'NOT_FOUND');
    });
  });

  describe('when the path exists under other HTTP methods only', () => {
    it('should throw a 405 listing the allowed methods', () => {
      try {
        table.match('PATCH', '/v1/projects/p1');
        expect.fail('expected a 405');
      } catch (error) {
        const keystreamError = error as KeystreamError;
        expect(keystreamError.httpStatus).to.equal(405);
        expect(keystreamError.headers).to.deep.equal({ allow: 'DELETE, GET, PUT' });
      }
    });
  });
});
