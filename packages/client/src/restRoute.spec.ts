import { ALL_METHODS as METHODS, decodeMessage, methodByName, type MessageName } from '@keystream/api';
import { minimalMessage } from '@keystream/api/testing';
import { RouteTable, transcodeRequest } from '@keystream/service-api';
import { expect } from 'chai';
import { routeRequest, type WireObject } from './restRoute.js';
import { snakeToCamel } from '@keystream/kernel';

const table = new RouteTable();


/** A wire request filling every path variable of a route (and a query field when the route has room for one). */
function requestFor(method: (typeof METHODS)[number], route: (typeof METHODS)[number]['routes'][number]): WireObject {
  const request: WireObject = minimalMessage(method.requestType);
  for (const variable of route.template.variables) {
    const value = variable.pattern
      .split('/')
      .map((segment, index) => (segment === '*' ? `x${index}` : segment))
      .join('/');
    const parts = variable.fieldPath.split('.').map(snakeToCamel);
    let node = request;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as WireObject;
    node[parts[parts.length - 1] as string] = value;
  }
  return request;
}

describe('routeRequest', () => {
  describe('when given a request for any route of any method of the contract or of the extensions', () => {
    it('should build an HTTP request that the server transcodes back to the same request', () => {
      let checked = 0;
      for (const method of METHODS) {
        for (const route of method.routes) {
          const request = requestFor(method, route);
          const built = routeRequest(method, request);
          const [path = '', query = ''] = built.path.split('?');
          const match = table.match(built.httpMethod, path);
          expect(match.method.name, `${method.name} ${built.path}`).to.equal(method.name);
          const body = built.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(built.body));
          const transcoded = transcodeRequest(match, { query, body, contentType: 'application/json' });
          expect(transcoded, `${method.name} ${built.path}`).to.deep.equal(decodeMessage(method.requestType as MessageName, request));
          checked += 1;
        }
      }
      expect(checked).to.be.greaterThan(150);
    });

    it('should send the other fields as query parameters when the route has a body field or none', () => {
      const built = routeRequest(
        METHODS.find((method) => method.name === 'ListGroups') as (typeof METHODS)[number],
        { parent: 'projects/p1', pageSize: 5, fieldMask: 'name,displayName', filter: 'displayName = "a"' },
      );
      expect(built.httpMethod).to.equal('GET');
      expect(built.path).to.equal('/v1/projects/p1/groups?pageSize=5&fieldMask=name%2CdisplayName&filter=displayName+%3D+%22a%22');
    });
  });

  describe('when given an extension method', () => {
    it('should build the invitation extension routes keystream serves', () => {
      expect(routeRequest(methodByName('AcceptInvitationCode'), { code: 'ksi_x' })).to.deep.include({ httpMethod: 'POST', path: '/v1/invitations:acceptCode', body: { code: 'ksi_x' } });
      const batch = routeRequest(methodByName('BatchCreateProjectInvitations'), { parent: 'projects/p1', projectInvitations: [{ invitation: { inviteeEmail: 'bob@example.com' } }], idempotencyKey: 'k1' });
      expect(batch).to.deep.include({ httpMethod: 'POST', path: '/v1/projects/p1/projectInvitations:batchCreate' });
      expect(routeRequest(methodByName('CreateOrganizationInvitationCodes'), { parent: 'organizations/o1', count: 3 }).path).to.equal('/v1/organizations/o1/organizationInvitations:createCodes');
    });

    it('should build the service registration route: the name in the path, the rest of the Service as the body', () => {
      expect(routeRequest(methodByName('RegisterService'), { service: { name: 'services/shop.example.com', displayName: 'Shop' } })).to.deep.include({
        httpMethod: 'POST',
        path: '/v1/services/shop.example.com:register',
        body: { displayName: 'Shop' },
      });
    });
  });
});
