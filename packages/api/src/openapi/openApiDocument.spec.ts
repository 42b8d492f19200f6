import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ALL_METHODS, METHODS } from '../methods/methodTable.js';
import { buildOpenApiDocument, type OpenApiObject } from './openApiDocument.js';

type Operation = OpenApiObject & { operationId: string; parameters: { name: string; in: string }[]; requestBody?: unknown };

function operations(document: OpenApiObject): [string, string, Operation][] {
  const paths = document['paths'] as Record<string, Record<string, Operation>>;
  return Object.entries(paths).flatMap(([path, item]) => Object.entries(item).map(([verb, operation]): [string, string, Operation] => [path, verb, operation]));
}

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument();

  it('should produce a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
  });

  it('should be checked by a validator that does reject a broken document', async () => {
    const broken = { ...document, paths: { '/v1/roles': { get: { responses: 'none' } } } };
    expect((await new Validator().validate(broken)).valid).to.equal(false);
  });

  it('should have one operation per route of the contract and of the extension methods', () => {
    const routeCount = METHODS.reduce((total, method) => total + method.routes.length, 0);
    // The reference's 263 and the two bindings only upstream/rpcs.tsv lists.
    expect(routeCount).to.equal(265);
    const withExtensions = ALL_METHODS.reduce((total, method) => total + method.routes.length, 0);
    expect(operations(document)).to.have.length(withExtensions);
    expect(operations(document).map(([path]) => path)).to.include.members([
      '/v1/projects/{projectsId}/projectInvitations:batchCreate',
      '/v1/organizations/{organizationsId}/organizationInvitations:createCodes',
      '/v1/invitations:acceptCode',
    ]);
  });

  it('should turn a multi-segment path variable into one path parameter per segment', () => {
    const found = operations(document).find(([, , operation]) => operation.operationId === 'GetRoleBinding_1');
    expect(found?.[0]).to.equal('/v1/projects/{projectsId}/roleBindings/{roleBindingsId}');
    expect(found?.[2].parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name)).to.deep.equal([
      'projectsId',
      'roleBindingsId',
    ]);
  });

  it('should give an update its body field and the rest as dotted query parameters', () => {
    const [, verb, update] = operations(document).find(([, , operation]) => operation.operationId === 'UpdateRole') ?? [];
    expect(verb).to.equal('put');
    expect(update?.requestBody).to.deep.equal({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Role' } } } });
    const query = update?.parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    expect(query).to.include.members(['update_mask', 'allow_missing', 'cas.field_mask', 'response_mask.updated_fields_only']);
  });

  it('should describe int64 fields as strings', () => {
    const schemas = (document['components'] as { schemas: Record<string, { properties: Record<string, { type: string; format?: string }> }> }).schemas;
    expect(schemas['Meta']?.properties['generation']).to.deep.include({ type: 'string', format: 'int64' });
  });

  it('should match the committed docs/openapi.json (run `npm run openapi` when this fails)', () => {
    const committed = readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8');
    expect(committed === `${JSON.stringify(document, null, 2)}\n`, 'docs/openapi.json is stale').to.equal(true);
  });
});
