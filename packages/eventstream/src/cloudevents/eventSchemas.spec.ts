import { readFileSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { RESOURCES } from '@keystream/api';
import type { JsonObject } from '@keystream/kernel';
import { eventSchemaFiles } from '../codegen/eventSchemaFiles.js';
import { eventSchemaValidator } from '../testing/eventSchemaValidator.js';
import { buildEventSchemas } from './eventSchemas.js';
import type { KeystreamCloudEvent } from './keystreamCloudEvent.js';
import { resourceCloudEvent } from './resourceCloudEvent.js';

const DOCS_EVENTS = new URL('../../../../docs/events/', import.meta.url);
const TIME = '2026-03-04T05:06:07.089Z';

function roleBinding(verb: 'Created' | 'Updated' | 'Deleted'): KeystreamCloudEvent {
  const name = 'projects/p1/roleBindings/rb1';
  return resourceCloudEvent({
    id: randomUUID(),
    kind: 'RoleBinding',
    verb,
    name,
    resource: {
      name,
      role: 'services/iam.edgelq.com/roles/scope-admin',
      member: 'user:alice@example.com',
      scopeParams: [{ name: 'region', string: { value: 'eu' } }],
      metadata: { createTime: TIME, updateTime: TIME, uuid: randomUUID(), generation: 12, resourceVersion: '4', lifecycle: { state: 'ACTIVE' } },
    },
    position: '0000000000000000000000000000ffff',
    revision: 4,
    time: TIME,
  });
}

function withData(event: KeystreamCloudEvent, change: (data: JsonObject) => JsonObject): KeystreamCloudEvent {
  return { ...event, data: change(structuredClone(event.data)) };
}

describe('event schemas', () => {
  const validate = eventSchemaValidator();

  it('should have one per resource kind and lifecycle verb (invitations have four verbs more)', () => {
    const types = [...buildEventSchemas().keys()];
    expect(types).to.have.length(RESOURCES.length * 3 + 2 * 4);
    expect(types).to.include.members(['com.edgelq.iam.v1.project_invitation.accepted', 'com.edgelq.iam.v1.organization_invitation.expired']);
    expect(types).to.include.members(['com.edgelq.iam.v1.group.updated', 'com.edgelq.iam.v1.role_binding.created', 'com.edgelq.iam.v1.service_account_key.deleted']);
  });

  it('should match the committed docs/events/ (run `npm run event-schemas` when this fails)', () => {
    const files = eventSchemaFiles();
    expect(readdirSync(DOCS_EVENTS).sort(), 'files in docs/events').to.deep.equal([...files.keys()].sort());
    for (const [name, content] of files) expect(readFileSync(new URL(name, DOCS_EVENTS), 'utf8') === content, `docs/events/${name} is stale`).to.equal(true);
  });

  describe('having events as the relay builds them', () => {
    it('should accept each lifecycle verb', () => {
      for (const verb of ['Created', 'Updated', 'Deleted'] as const) expect(validate(roleBinding(verb)).errors, verb).to.deep.equal([]);
    });
  });

  describe('having events that break the wire format or the lifecycle', () => {
    const cases: readonly [string, KeystreamCloudEvent][] = [
      ['int64 as a JSON number', withData(roleBinding('Updated'), (data) => ({ ...data, metadata: { ...(data['metadata'] as JsonObject), generation: 12 } }))],
      ['a snake_case field name', withData(roleBinding('Updated'), ({ scopeParams, ...data }) => ({ ...data, scope_params: scopeParams ?? [] }))],
      ['an unknown field', withData(roleBinding('Updated'), (data) => ({ ...data, secret: 'x' }))],
      ['an enum value the contract does not define', withData(roleBinding('Updated'), (data) => ({ ...data, metadata: { ...(data['metadata'] as JsonObject), lifecycle: { state: 'GONE' } } }))],
      ['a deletion still ACTIVE', withData(roleBinding('Deleted'), (data) => ({ ...data, metadata: { ...(data['metadata'] as JsonObject), lifecycle: { state: 'ACTIVE' } } }))],
      [
        'a creation without its name',
        withData(roleBinding('Created'), (data) => {
          const { name, ...rest } = data;
          expect(name).to.be.a('string');
          return rest;
        }),
      ],
      ['a subject that is not a role binding name', { ...roleBinding('Created'), subject: 'projects/p1/groups/g' }],
      ['a source outside the service', { ...roleBinding('Created'), source: '//example.com/projects/p1' }],
      ['a revision as a string', { ...roleBinding('Created'), keystreamrevision: '4' as unknown as number }],
      ['an attribute keystream does not define', { ...roleBinding('Created'), extra: 'x' } as KeystreamCloudEvent],
      ['an unknown type', { ...roleBinding('Created'), type: 'com.edgelq.iam.v1.role_binding.exploded' }],
    ];
    for (const [what, event] of cases) {
      it(`should reject ${what}`, () => {
        expect(validate(event).errors).to.not.deep.equal([]);
      });
    }
  });
});
