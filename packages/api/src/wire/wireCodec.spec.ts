import { expect } from 'chai';
import fc from 'fast-check';
import { KeystreamError } from '../errors/keystreamError.js';
import { RESOURCES } from '../resources/resourceRegistry.js';
import { messageArbitrary } from '../testing/arbitraryMessage.js';
import { decodeMessage, encodeMessage, type MessageName } from './wireCodec.js';

/** Renames message field keys (never map keys) to snake_case, as a snake_case client would send them. */
function snakeKeys(value: unknown, isMap: (path: readonly string[]) => boolean, path: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((element) => snakeKeys(element, isMap, path));
  if (typeof value !== 'object' || value === null) return value;
  const output: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(value)) {
    const renamed = isMap(path) ? key : key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    output[renamed] = snakeKeys(element, isMap, [...path, key]);
  }
  return output;
}

/** The field violations of the INVALID_ARGUMENT that `run` throws. */
function violationsOf(run: () => unknown): { field: string; description: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(KeystreamError);
    const keystreamError = error as KeystreamError;
    expect(keystreamError.code).to.equal('INVALID_ARGUMENT');
    expect(keystreamError.httpStatus).to.equal(400);
    return (keystreamError.details[0]?.['fieldViolations'] ?? []) as { field: string; description: string }[];
  }
  throw new Error('expected decodeMessage to throw');
}

describe('decodeMessage and encodeMessage', () => {
  describe('having any resource of the contract', () => {
    for (const resource of RESOURCES) {
      it(`should round-trip a random ${resource.kind} through JSON text unchanged`, () => {
        fc.assert(
          fc.property(messageArbitrary(resource.kind), (internal) => {
            const wireText = JSON.stringify(encodeMessage(resource.kind as MessageName, internal as never));
            const decoded = decodeMessage(resource.kind as MessageName, JSON.parse(wireText));
            expect(decoded).to.deep.equal(internal);
          }),
          { numRuns: 40 },
        );
      });
    }
  });

  describe('having a message with int64, FieldMask, map and enum fields', () => {
    const internal = {
      parent: 'projects/p1',
      roleBinding: {
        role: 'projects/p1/roles/viewer',
        member: 'user:alice@example.com',
        metadata: { generation: 9007199254740991, labels: { team_name: 'core' } },
        category: 'USER' as const,
      },
      responseMask: { bodyMask: ['display_name', 'metadata.labels.team_name'] },
    };

    it('should encode int64 as a string, a FieldMask as one comma-separated string of lowerCamelCase paths (the JSON mapping), map keys verbatim', () => {
      expect(encodeMessage('CreateRoleBindingRequest', internal)).to.deep.equal({
        parent: 'projects/p1',
        roleBinding: {
          metadata: { labels: { team_name: 'core' }, generation: '9007199254740991' },
          role: 'projects/p1/roles/viewer',
          member: 'user:alice@example.com',
          category: 'USER',
        },
        responseMask: { bodyMask: 'displayName,metadata.labels.teamName' },
      });
    });

    it('should accept snake_case field names, int64 as numbers and enums by number', () => {
      const decoded = decodeMessage('CreateRoleBindingRequest', {
        parent: 'projects/p1',
        role_binding: { role: 'projects/p1/roles/viewer', member: 'user:alice@example.com', metadata: { generation: 9007199254740991, labels: { team_name: 'core' } }, category: 6 },
        response_mask: { body_mask: 'display_name,metadata.labels.team_name' },
      });
      expect(decoded).to.deep.equal(internal);
    });

    it('should treat null as an unset field', () => {
      expect(decodeMessage('Group', { name: 'groups/g1', displayName: null })).to.deep.equal({ name: 'groups/g1' });
    });
  });

  describe('having snake_case JSON produced from a random resource', () => {
    it('should decode it to the same value as the lowerCamelCase JSON', () => {
      const mapFields = new Set(['labels', 'annotations', 'shards', 'settings', 'serviceErrors']);
      fc.assert(
        fc.property(messageArbitrary('Project'), (internal) => {
          const camel = encodeMessage('Project', internal as never);
          const snake = snakeKeys(camel, (path) => mapFields.has(path[path.length - 1] ?? ''));
          expect(decodeMessage('Project', snake)).to.deep.equal(decodeMessage('Project', camel));
        }),
        { numRuns: 40 },
      );
    });
  });

  describe('when the input is invalid', () => {

    it('should name an unknown field and list the known ones', () => {
      const [violation] = violationsOf(() => decodeMessage('Group', { name: 'groups/g1', colour: 'red' }));
      expect(violation?.field).to.equal('colour');
      expect(violation?.description).to.match(/unknown field "colour" in Group \(fields: name, metadata, displayName/);
    });

    it('should report every bad field at once, with nested and indexed paths', () => {
      const violations = violationsOf(() =>
        decodeMessage('CreateRoleBindingRequest', { parent: 5, roleBinding: { scopeParams: [{ name: 3 }], category: 'NOPE' } }),
      );
      expect(violations.map((violation) => violation.field).sort()).to.deep.equal(['parent', 'roleBinding.category', 'roleBinding.member', 'roleBinding.scopeParams[0].name']);
    });

    it('should refuse a field given in both cases', () => {
      const [violation] = violationsOf(() => decodeMessage('Group', { displayName: 'a', display_name: 'b' }));
      expect(violation?.description).to.equal('given twice, as "displayName" and "display_name"');
    });

    it('should refuse an int64 beyond 2^53 instead of rounding it', () => {
      const [violation] = violationsOf(() => decodeMessage('Meta', { generation: '9007199254740993' }));
      expect(violation).to.deep.include({ field: 'generation' });
      expect(violation?.description).to.match(/beyond ±2\^53/);
    });

    it('should refuse a malformed timestamp and a non-array repeated field', () => {
      const violations = violationsOf(() => decodeMessage('Meta', { createTime: 'yesterday', tags: 'a' }));
      expect(violations.map((violation) => violation.field).sort()).to.deep.equal(['createTime', 'tags']);
    });

    it('should refuse the reserved map key "__proto__" rather than drop it', () => {
      const [violation] = violationsOf(() => decodeMessage('Meta', JSON.parse('{"labels":{"__proto__":"x"}}')));
      expect(violation?.field).to.equal('labels.__proto__');
    });

    it('should refuse a body that is not an object', () => {
      const [violation] = violationsOf(() => decodeMessage('Group', ['not', 'an', 'object']));
      expect(violation).to.deep.equal({ field: '(request)', description: 'expected a JSON object for Group, got an array' });
    });

    it('should prefix paths with where the message sits in the request', () => {
      const [violation] = violationsOf(() => decodeMessage('Group', { displayName: 1 }, 'group'));
      expect(violation?.field).to.equal('group.displayName');
    });
  });

  describe('having the wire facts of the upstream tables (oneofs, rules, unknown fields)', () => {
    it('should refuse two members of a oneof, naming both', () => {
      const [violation] = violationsOf(() =>
        decodeMessage('CreateConditionRequest', { condition: { ipCondition: { allowedCidrs: ['10.0.0.0/8'] }, attestationCondition: { domain: 'projects/p/attestationDomains/d' } } }),
      );
      expect(violation?.field).to.equal('condition.attestationCondition');
      expect(violation?.description).to.match(/^ipCondition and attestationCondition are members of oneof condition/);
    });

    it('should count a oneof bool set to false as set (protobuf presence)', () => {
      expect(() => decodeMessage('GetPrincipalResponse', { anonymous: false, user: { name: 'users/u1' } })).to.throw(KeystreamError, /oneof principal/);
    });

    it("should apply the SDK's rules: lengths, ranges, formats, counts and required fields", () => {
      const fields = (run: () => unknown): string[] => violationsOf(run).map((violation) => violation.field).sort();
      expect(fields(() => decodeMessage('CreateGroupRequest', { group: { displayName: 'x'.repeat(257) } }))).to.deep.equal(['group.displayName']);
      expect(fields(() => decodeMessage('WatchGroupsRequest', { maxChunkSize: 101, pageSize: -1 }))).to.deep.equal(['maxChunkSize', 'pageSize']);
      expect(fields(() => decodeMessage('CreateUserRequest', { user: { email: 'nobody' } }))).to.deep.equal(['user.email']);
      expect(fields(() => decodeMessage('DeleteUsersByCriteriaRequest', { byEmail: { values: Array.from({ length: 26 }, (_unused, index) => `u${index}@x.com`) } }))).to.deep.equal(['byEmail.values']);
      expect(fields(() => decodeMessage('CreateGroupRequest', {}))).to.deep.equal(['group']);
      expect(fields(() => decodeMessage('CreateRoleBindingRequest', { roleBinding: { role: 'roles/r', member: '' } }))).to.deep.equal(['roleBinding.member']);
    });

    it('should check required fields of an update only as far as its update_mask covers them, and never in a CAS state', () => {
      expect(decodeMessage('UpdateRoleBindingRequest', { roleBinding: { name: 'roleBindings/b' }, updateMask: 'metadata.labels', cas: { conditionalState: { name: 'roleBindings/b' } } })).to.deep.include({ updateMask: ['metadata.labels'] });
      expect(violationsOf(() => decodeMessage('UpdateRoleBindingRequest', { roleBinding: { name: 'roleBindings/b' }, updateMask: 'member' })).map((violation) => violation.field)).to.deep.equal(['roleBinding.member']);
      expect(violationsOf(() => decodeMessage('UpdateRoleBindingRequest', { roleBinding: { name: 'roleBindings/b' } })).map((violation) => violation.field)).to.deep.equal(['roleBinding.member']);
    });

    it('should ignore unknown members at any depth when told to, and report their paths', () => {
      const ignoredFields: string[] = [];
      expect(decodeMessage('CreateGroupRequest', { group: { displayName: 'g', colour: 'red' }, allowMissing: true }, { unknownFields: 'ignore', ignoredFields })).to.deep.equal({ group: { displayName: 'g' } });
      expect(ignoredFields).to.deep.equal(['group.colour', 'allowMissing']);
    });

    it('should encode the snake_case JSON names the proto gives the credentials file', () => {
      expect(encodeMessage('AddRegionalAdminAccountForServicesResponse', { nttAdminCredentials: { client_email: 'a@b.c', private_key_id: 'k' } })).to.deep.equal({
        nttAdminCredentials: { client_email: 'a@b.c', private_key_id: 'k' },
      });
    });
  });
});
