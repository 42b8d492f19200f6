import { KeystreamError } from '@keystream/api';
import { expect } from 'chai';
import { transcodeRequest } from './requestTranscoder.js';
import { RouteTable } from './routeTable.js';

const table = new RouteTable();

function transcode(httpMethod: string, pathAndQuery: string, body?: unknown): unknown {
  const [path = '', query = ''] = pathAndQuery.split('?');
  return transcodeRequest(table.match(httpMethod, path), {
    query,
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    contentType: 'application/json',
  });
}

function violations(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(KeystreamError);
    const list = ((error as KeystreamError).details[0]?.['fieldViolations'] ?? []) as { field: string; description: string }[];
    return Object.fromEntries(list.map((violation) => [violation.field, violation.description]));
  }
  throw new Error('expected the request to be refused');
}

describe('transcodeRequest', () => {
  describe('having a body field and query parameters (BODY: role)', () => {
    it('should put the body in the field, the path variable in its field and the query in the rest', () => {
      const request = transcode('PUT', '/v1/services/s1/roles/viewer?update_mask=display_name,description&allow_missing=true&cas.field_mask=display_name', {
        displayName: 'Viewer',
      });
      expect(request).to.deep.equal({
        role: { name: 'services/s1/roles/viewer', displayName: 'Viewer' },
        updateMask: ['display_name', 'description'],
        allowMissing: true,
        cas: { fieldMask: ['display_name'] },
      });
    });

    it('should refuse a body name that contradicts the path', () => {
      expect(violations(() => transcode('PUT', '/v1/services/s1/roles/viewer', { name: 'services/s2/roles/viewer' }))).to.deep.equal({
        'role.name': 'is "services/s2/roles/viewer" in the body but "services/s1/roles/viewer" in the path',
      });
    });

    it('should take the whole request as the body on an additional binding that names no body', () => {
      expect(transcode('PUT', '/v1/projects/p1/roles/viewer', { role: { displayName: 'Viewer' }, updateMask: 'display_name' })).to.deep.equal({
        role: { name: 'projects/p1/roles/viewer', displayName: 'Viewer' },
        updateMask: ['display_name'],
      });
    });
  });

  describe('having a GET with repeated and enum query parameters', () => {
    it('should collect repeated parameters and keep enum names', () => {
      expect(transcode('GET', '/v1/roles:batchGet?names=services/s/roles/a&names=services/s/roles/b&view=BASIC&field_mask=name')).to.deep.equal({
        names: ['services/s/roles/a', 'services/s/roles/b'],
        view: 'BASIC',
        fieldMask: ['name'],
      });
    });

    it('should accept camelCase parameter names and numbers for int32', () => {
      expect(transcode('GET', '/v1/projects/p1/roles?pageSize=5&includePagingInfo=false')).to.deep.equal({
        parent: 'projects/p1',
        pageSize: 5,
        includePagingInfo: false,
      });
    });

    it('should name every bad parameter at once', () => {
      expect(violations(() => transcode('GET', '/v1/projects/p1/roles?page_size=ten&colour=red&view=HUGE&include_paging_info=maybe'))).to.deep.equal({
        page_size: 'expected an integer, got "ten"',
        include_paging_info: 'expected true or false, got "maybe"',
        view: 'expected one of View: UNSPECIFIED, NAME, BASIC, DETAIL, FULL; got the string "HUGE"',
      });
    });

    it('should refuse the same field spelled two ways, whatever the order or the field', () => {
      expect(violations(() => transcode('GET', '/v1/projects/p1/roles?page_size=5&pageSize=6'))).to.have.property('pageSize').that.contains('given twice');
      expect(violations(() => transcode('GET', '/v1/projects/p1/roles?pageSize=5&page_size=5'))).to.have.property('page_size').that.contains('given twice');
      expect(violations(() => transcode('GET', '/v1/roles:batchGet?names=services/s/roles/a&field_mask=name&fieldMask=title'))).to.have.property('fieldMask');
      expect(violations(() => transcode('GET', '/v1/projects/p1/roles?include_paging_info=true&includePagingInfo=false'))).to.have.property('includePagingInfo');
    });

    it('should refuse a parameter that repeats a path variable', () => {
      expect(violations(() => transcode('GET', '/v1/projects/p1/roles?parent=projects/p2'))).to.have.property('parent');
    });

    it('should refuse a body on a GET', () => {
      expect(() => transcode('GET', '/v1/projects/p1/roles', { pageSize: 1 })).to.throw(KeystreamError, 'takes no request body');
    });
  });

  describe('having a POST binding that declares no body (CreateCondition on projects/*)', () => {
    it('should read nested fields from the query string, dotted, as grpc-gateway clients send them', () => {
      expect(transcode('POST', '/v1/projects/p1/conditions?condition.display_name=c2&condition.ip_condition.allowed_cidrs=10.0.0.0/8&condition.ip_condition.allowed_cidrs=10.1.0.0/16&conditionDescription=x')).to.deep.equal({
        parent: 'projects/p1',
        condition: { displayName: 'c2', ipCondition: { allowedCidrs: ['10.0.0.0/8', '10.1.0.0/16'] } },
      });
    });

    it('should also accept the whole request as a JSON body (keystream extension)', () => {
      expect(transcode('POST', '/v1/projects/p1/conditions', { condition: { displayName: 'office' } })).to.deep.equal({
        parent: 'projects/p1',
        condition: { displayName: 'office' },
      });
    });

    it('should accept a field given both ways with the same value, in either name case', () => {
      expect(transcode('POST', '/v1/projects/p1/conditions?condition.display_name=office', { condition: { display_name: 'office' } })).to.deep.equal({
        parent: 'projects/p1',
        condition: { displayName: 'office' },
      });
    });

    it('should refuse a field given both ways with different values, naming it', () => {
      expect(violations(() => transcode('POST', '/v1/projects/p1/conditions?condition.display_name=c2', { condition: { displayName: 'c3' } }))).to.have.property(
        'condition.displayName',
      );
    });

    it('should compare values by meaning: an int64 as number or string, an enum by name or number', () => {
      expect(transcode('POST', '/v1/projects/p1/roleBindings:watch?page_size=5&type=1', { pageSize: 5, type: 'STATELESS' })).to.deep.include({ pageSize: 5, type: 'STATELESS' });
    });

    it('should read map entries given as field[key]=value', () => {
      expect(transcode('POST', '/v1/projects/p1/conditions?condition.metadata.labels[env]=prod&condition.metadata.labels[team]=core')).to.deep.equal({
        parent: 'projects/p1',
        condition: { metadata: { labels: { env: 'prod', team: 'core' } } },
      });
    });

    it('should refuse two members of a oneof, naming both', () => {
      const found = violations(() =>
        transcode('POST', '/v1/projects/p1/conditions?condition.ip_condition.allowed_cidrs=10.0.0.0/8&condition.attestation_condition.domain=projects/p1/attestationDomains/d1'),
      );
      expect(found['condition.attestationCondition']).to.match(/ipCondition and attestationCondition/);
    });
  });

  describe('having query parameters or JSON members that no field has', () => {
    it('should ignore them and report their names (grpc-gateway discards them)', () => {
      const ignored: string[] = [];
      const match = table.match('DELETE', '/v1/projects/p1/roles/r1');
      expect(transcodeRequest(match, { query: 'allow_missing=true&colour=red', body: Buffer.alloc(0), contentType: undefined }, ignored)).to.deep.equal({ name: 'projects/p1/roles/r1' });
      expect(ignored).to.deep.equal(['allow_missing', 'colour']);
    });

    it('should ignore unknown members at any depth of a body, and still refuse a bad value of a known field', () => {
      const ignored: string[] = [];
      const match = table.match('POST', '/v1/projects/p1/conditions');
      const parts = (body: unknown): { query: string; body: Buffer; contentType: string } => ({ query: '', body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' });
      expect(transcodeRequest(match, parts({ condition: { displayName: 'a', colour: 'red' }, extra: 1 }), ignored)).to.deep.equal({ parent: 'projects/p1', condition: { displayName: 'a' } });
      expect(ignored).to.deep.equal(['condition.colour', 'extra']);
      expect(violations(() => transcodeRequest(table.match('POST', '/v1/projects/p1/roleBindings:watch'), parts({ type: 'STATELES' })))).to.have.property('type');
    });
  });

  describe('when the body is not JSON', () => {
    it('should say so', () => {
      expect(() => transcode('POST', '/v1/conditions', '{"displayName":')).to.throw(KeystreamError, /request body is not valid JSON/);
    });

    it('should refuse another content type with 415', () => {
      const match = table.match('POST', '/v1/conditions');
      expect(() => transcodeRequest(match, { query: '', body: Buffer.from('<a/>'), contentType: 'text/xml' }))
        .to.throw(KeystreamError)
        .with.property('httpStatus', 415);
    });
  });
});
