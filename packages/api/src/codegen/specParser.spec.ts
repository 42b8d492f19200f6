import { expect } from 'chai';
import { parseFieldLine, parseSpec, SpecParseError } from './specParser.js';

const MINIMAL_SPEC = `Service iam.edgelq.com in version v1, proto package ntt.iam.v1

Widget Resource

Widget Resource

Name patterns:

  • projects/{project}/widgets/{widget}

Parent resources:

GetWidget Method

GetWidget

rpc GetWidget(GetWidgetRequest) returns (Widget)

with the following messages:

Required Permissions:

  • services/iam.edgelq.com/permissions/widgets.get

The equivalent REST API is:

GET /v1/{name=projects/*/widgets/*} 
POST /v1/{name=projects/*/widgets/*}:touch (BODY: *)

Widget Message

A widget.

Name Type Description
name string (name of Widget) Name of Widget Last ID segment must conform to the following regex: [a-z][a-z0-9\\-]{0,28}[a-z0-9]
sizes repeated int32 Sizes
labels map<string, string> Labels
kind Widget.Kind

Empty Message

Name Type Description
none none none

Widget.Kind Enumeration

Name Description
SMALL Small one.
LARGE
`;

describe('parseSpec', () => {
  describe('having a minimal reference with one resource', () => {
    const model = parseSpec(MINIMAL_SPEC);

    it('should read the service line', () => {
      expect([model.service, model.version, model.protoPackage]).to.deep.equal(['iam.edgelq.com', 'v1', 'ntt.iam.v1']);
    });

    it('should read the resource and its name patterns once, despite the repeated heading', () => {
      expect(model.resources).to.deep.equal([{ name: 'Widget', namePatterns: ['projects/{project}/widgets/{widget}'] }]);
    });

    it('should read the method with its permission and both routes', () => {
      expect(model.methods).to.deep.equal([
        {
          name: 'GetWidget',
          section: 'Widget',
          requestType: 'GetWidgetRequest',
          responseType: 'Widget',
          permissions: ['services/iam.edgelq.com/permissions/widgets.get'],
          routes: [
            { verb: 'GET', path: '/v1/{name=projects/*/widgets/*}' },
            { verb: 'POST', path: '/v1/{name=projects/*/widgets/*}:touch', body: '*' },
          ],
        },
      ]);
    });

    it('should read message fields with cardinality, map key, relation and id regex', () => {
      const widget = model.messages.find((message) => message.name === 'Widget');
      expect(widget?.fields).to.deep.equal([
        {
          name: 'name',
          type: 'string',
          repeated: false,
          relation: { kind: 'name', target: 'Widget' },
          idPattern: '[a-z][a-z0-9\\-]{0,28}[a-z0-9]',
        },
        { name: 'sizes', type: 'int32', repeated: true },
        { name: 'labels', type: 'string', repeated: false, mapKey: 'string' },
        { name: 'kind', type: 'Widget.Kind', repeated: false },
      ]);
    });

    it('should read a "none none none" table as a message without fields', () => {
      expect(model.messages.find((message) => message.name === 'Empty')?.fields).to.deep.equal([]);
    });

    it('should read enum values without their descriptions', () => {
      expect(model.enums).to.deep.equal([{ name: 'Widget.Kind', section: 'Widget', values: ['SMALL', 'LARGE'] }]);
    });
  });

  describe('having a route table with a line that is not a route', () => {
    it('should throw a SpecParseError naming the line', () => {
      const broken = MINIMAL_SPEC.replace('POST /v1/{name=projects/*/widgets/*}:touch (BODY: *)', 'FETCH /v1/widgets');
      expect(() => parseSpec(broken)).to.throw(SpecParseError, /spec line 28: expected a REST route/);
    });
  });

  describe('having no service line', () => {
    it('should throw', () => {
      expect(() => parseSpec(MINIMAL_SPEC.replace(/^Service .*$/m, ''))).to.throw(SpecParseError, /Service … in version/);
    });
  });
});

describe('parseFieldLine', () => {
  it('should read "parent name of" and "reference to" relations', () => {
    expect(parseFieldLine('parent string (parent name of Role) Parent', 1).relation).to.deep.equal({ kind: 'parentName', target: 'Role' });
    expect(parseFieldLine('role string (reference to Role)', 1).relation).to.deep.equal({ kind: 'reference', target: 'Role' });
  });

  it('should reject a field name that is not snake_case', () => {
    expect(() => parseFieldLine('DisplayName string', 7)).to.throw(SpecParseError, /spec line 7: "DisplayName" is not a field name/);
  });

  it('should reject a field line without a type', () => {
    expect(() => parseFieldLine('lonely', 3)).to.throw(SpecParseError, /spec line 3: field line has no type/);
  });
});
