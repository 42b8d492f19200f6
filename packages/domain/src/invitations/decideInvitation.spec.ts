import { expect } from 'chai';
import type { StatusCode } from '@keystream/api';
import { KeystreamError } from '@keystream/api';
import { decideResource, type DomainEvent } from '../decider/resourceDecider.js';
import { foldResource } from '../decider/resourceState.js';
import type { JsonObject } from '../events/resourceEvents.js';
import { DeciderSpecification, TEST_NOW, testContext } from '../testing/deciderSpecification.js';
import { decideInvitation, type AcceptProof, type InvitationCommand } from './decideInvitation.js';
import { INVITATION_ANNOTATIONS } from './invitationAnnotations.js';

const NAME = 'projects/p1/projectInvitations/i1';
const VIEWER = 'projects/p1/roles/viewer';
const REFERENCES = { 'projects/p1': { name: 'projects/p1', title: 'Apollo', ancestryPath: ['organizations/o1'] }, [VIEWER]: { name: VIEWER } };
const LATER = '2026-01-05T00:00:00.000000000Z';
const AFTER_EXPIRY = '2026-01-09T03:09:05.000000000Z';

function created(invitation: JsonObject = {}): DomainEvent {
  const decision = decideResource(
    { type: 'create', kind: 'ProjectInvitation', resource: { name: NAME, invitation: { inviteeEmail: 'Bob@Example.com', bindingRoles: [{ role: VIEWER }], ...invitation } } },
    foldResource('ProjectInvitation', []),
    testContext({ references: REFERENCES }),
  );
  return decision.events[0] as DomainEvent;
}

/** given / when / then for the invitation life cycle. */
function given(events: readonly DomainEvent[]) {
  const state = foldResource('ProjectInvitation', events.map((event, revision) => ({ ...event, revision })));
  return {
    when(command: InvitationCommand, now = LATER) {
      return {
        then: (check: (events: readonly DomainEvent[]) => void): void => {
          check(decideInvitation(command, state, { now }).events);
        },
        thenThrows(code: StatusCode, message: RegExp) {
          try {
            decideInvitation(command, state, { now });
          } catch (error) {
            expect(error).to.be.instanceOf(KeystreamError);
            expect((error as KeystreamError).code, (error as Error).message).to.equal(code);
            expect((error as Error).message).to.match(message);
            return;
          }
          expect.fail(`expected ${code}`);
        },
      };
    },
  };
}

const byBob = { by: 'email', email: 'bob@example.com', emailVerified: true } as const;
const accept = (proof: AcceptProof = byBob): InvitationCommand => ({ type: 'accept', kind: 'ProjectInvitation', name: NAME, acceptor: 'user:bob@example.com', proof });

describe('decideInvitation', () => {
  describe('having a PENDING invitation', () => {
    it('should accept it for the invitee (email compared case-insensitively), recording who and when', () => {
      given([created()])
        .when(accept())
        .then((events) => {
          expect(events.map((event) => event.type)).to.deep.equal(['ProjectInvitationAccepted']);
          const resource = events[0]!.data['resource'] as JsonObject;
          expect((resource['invitation'] as JsonObject)['state']).to.equal('ACCEPTED');
          expect((resource['metadata'] as JsonObject)['annotations']).to.deep.include({ [INVITATION_ANNOTATIONS.acceptedBy]: 'user:bob@example.com', [INVITATION_ANNOTATIONS.acceptedTime]: LATER });
          expect(events[0]!.data).to.deep.include({ acceptedBy: 'user:bob@example.com', acceptedTime: LATER, proof: 'email' });
        });
    });

    it('should refuse another person, an unverified email and a bearer-only path', () => {
      given([created()]).when(accept({ by: 'email', email: 'mallory@example.com', emailVerified: true })).thenThrows('PERMISSION_DENIED', /addressed to another email/);
      given([created()]).when(accept({ by: 'email', email: 'bob@example.com', emailVerified: false })).thenThrows('PERMISSION_DENIED', /not verified/);
    });

    it('should accept the current code and refuse a replaced one', () => {
      given([created()]).when(accept({ by: 'code', issue: 1 })).then((events) => expect(events).to.have.length(1));
      given([created()]).when(accept({ by: 'code', issue: 0 })).thenThrows('PERMISSION_DENIED', /replaced by a newer one/);
    });

    it('should refuse to accept by the clock once the expiration date has passed, before any expiry event', () => {
      given([created()]).when(accept(), AFTER_EXPIRY).thenThrows('FAILED_PRECONDITION', /expired at 2026-01-09T03:04:05/);
    });

    it('should expire only once its date has passed', () => {
      given([created()]).when({ type: 'expire', kind: 'ProjectInvitation', name: NAME }).then((events) => expect(events).to.deep.equal([]));
      given([created()])
        .when({ type: 'expire', kind: 'ProjectInvitation', name: NAME }, AFTER_EXPIRY)
        .then((events) => expect(((events[0]!.data['resource'] as JsonObject)['invitation'] as JsonObject)['state']).to.equal('EXPIRED'));
    });

    it('should resend with a new code issue and a later expiry', () => {
      given([created()])
        .when({ type: 'resend', kind: 'ProjectInvitation', name: NAME, expirationDate: '2026-01-12T00:00:00.000000000Z' })
        .then((events) => {
          const resource = events[0]!.data['resource'] as JsonObject;
          expect(events[0]!.type).to.equal('ProjectInvitationResent');
          expect((resource['invitation'] as JsonObject)['expirationDate']).to.equal('2026-01-12T00:00:00.000000000Z');
          expect((resource['metadata'] as JsonObject)['annotations']).to.deep.include({ [INVITATION_ANNOTATIONS.codeIssue]: '2' });
        });
    });
  });

  describe('having a settled invitation', () => {
    const accepted = (): DomainEvent[] => {
      const first = created();
      const state = foldResource('ProjectInvitation', [{ ...first, revision: 0 }]);
      return [first, decideInvitation(accept(), state, { now: LATER }).events[0]!];
    };

    it('should refuse a second accept, a decline and a resend, saying it was accepted', () => {
      given(accepted()).when(accept()).thenThrows('FAILED_PRECONDITION', /already accepted at 2026-01-05/);
      given(accepted()).when({ type: 'decline', kind: 'ProjectInvitation', name: NAME, decliner: 'user:bob@example.com', proof: byBob }).thenThrows('FAILED_PRECONDITION', /already accepted/);
      given(accepted()).when({ type: 'resend', kind: 'ProjectInvitation', name: NAME, expirationDate: AFTER_EXPIRY }).thenThrows('FAILED_PRECONDITION', /already accepted/);
    });

    it('should refuse to accept a declined, an expired or a deleted invitation, saying which', () => {
      const first = created();
      const pending = foldResource('ProjectInvitation', [{ ...first, revision: 0 }]);
      const declined = decideInvitation({ type: 'decline', kind: 'ProjectInvitation', name: NAME, decliner: 'user:bob@example.com', proof: byBob }, pending, { now: LATER }).events[0]!;
      given([first, declined]).when(accept()).thenThrows('FAILED_PRECONDITION', /was declined/);
      const expired = decideInvitation({ type: 'expire', kind: 'ProjectInvitation', name: NAME }, pending, { now: AFTER_EXPIRY }).events[0]!;
      given([first, expired]).when(accept()).thenThrows('FAILED_PRECONDITION', /expired at/);
      const deleted = decideResource({ type: 'delete', kind: 'ProjectInvitation', name: NAME }, pending, testContext()).events[0]!;
      given([first, deleted]).when(accept()).thenThrows('FAILED_PRECONDITION', /was deleted \(revoked\)/);
      given([]).when(accept()).thenThrows('NOT_FOUND', /does not exist/);
    });
  });
});

describe('invitation create', () => {
  const create = (invitation: JsonObject, references: Record<string, JsonObject> = REFERENCES) =>
    DeciderSpecification.for('ProjectInvitation').given([]).when({ type: 'create', kind: 'ProjectInvitation', resource: { name: NAME, invitation } }, testContext({ references }));

  it('should normalise the invitee email, set the inviter, PENDING, the first code issue and a 7-day expiry', () => {
    create({ inviteeEmail: 'Bob@Example.com', bindingRoles: [{ role: VIEWER }] }).then((events) => {
      const resource = events[0]!.data['resource'] as JsonObject;
      expect(resource['invitation']).to.deep.include({ inviteeEmail: 'bob@example.com', inviterEmail: 'alice@example.com', state: 'PENDING', expirationDate: '2026-01-09T03:04:05.000000000Z' });
      expect((resource['invitation'] as JsonObject)['inviterActor']).to.have.property('user').that.matches(/^users\/u[0-9a-f]{29}$/);
      expect((resource['metadata'] as JsonObject)['annotations']).to.deep.equal({ [INVITATION_ANNOTATIONS.codeIssue]: '1', 'iam.keystream.io/last-modified-by': 'user:alice@example.com' });
    });
  });

  it('should refuse a malformed email, a role of another project, a missing scope param, a group outside the scope chain and an expiry beyond 30 days', () => {
    create({ inviteeEmail: 'not-an-email', bindingRoles: [{ role: VIEWER }] }).thenThrows('INVALID_ARGUMENT', /invitation\.invitee_email/);
    const other = 'projects/p2/roles/admin';
    create({ inviteeEmail: 'bob@example.com', bindingRoles: [{ role: other }] }, { ...REFERENCES, [other]: { name: other } }).thenThrows('INVALID_ARGUMENT', /binding_roles\[0\]\.role: role projects\/p2\/roles\/admin cannot be bound in projects\/p1/);
    const templated = 'organizations/o1/roles/device-owner';
    create({ inviteeEmail: 'bob@example.com', bindingRoles: [{ role: templated }] }, { ...REFERENCES, [templated]: { name: templated, ownedObjects: ['devices/{device}'] } }).thenThrows(
      'INVALID_ARGUMENT',
      /binding_roles\[0\]\.scope_params: .*device-owner needs scope param "device"/,
    );
    const group = 'projects/p2/groups/g';
    create({ inviteeEmail: 'bob@example.com', groups: [group] }, { ...REFERENCES, [group]: { name: group } }).thenThrows('INVALID_ARGUMENT', /invitation\.groups\[0\]: group projects\/p2\/groups\/g is not in projects\/p1/);
    create({ inviteeEmail: 'bob@example.com', bindingRoles: [{ role: VIEWER }], expirationDate: '2026-03-01T00:00:00Z' }).thenThrows('INVALID_ARGUMENT', /expiration_date: at most 30 days/);
    create({ inviteeEmail: 'bob@example.com', bindingRoles: [{ role: VIEWER }], expirationDate: '2025-03-01T00:00:00Z' }).thenThrows('INVALID_ARGUMENT', /expiration_date: .* is not in the future/);
  });

  it('should accept roles and groups of an organization above the project', () => {
    const orgRole = 'organizations/o1/roles/viewer';
    const group = 'organizations/o1/groups/g';
    create({ inviteeEmail: 'bob@example.com', bindingRoles: [{ role: orgRole }], groups: [group] }, { ...REFERENCES, [orgRole]: { name: orgRole }, [group]: { name: group } }).then((events) => {
      expect(events).to.have.length(1);
      expect(TEST_NOW).to.be.a('string');
    });
  });

  it('should make the updater the inviter when an update changes what is granted', () => {
    const first = created();
    const orgRole = 'organizations/o1/roles/viewer';
    DeciderSpecification.for('ProjectInvitation')
      .given([first])
      .when(
        { type: 'update', kind: 'ProjectInvitation', resource: { name: NAME, invitation: { inviteeEmail: 'bob@example.com', bindingRoles: [{ role: orgRole }] } }, updateMask: ['invitation.binding_roles'] },
        testContext({ actor: 'user:carol@example.com', references: { ...REFERENCES, [orgRole]: { name: orgRole } } }),
      )
      .then((events) => expect((events[0]!.data['resource'] as JsonObject)['invitation']).to.deep.include({ inviterEmail: 'carol@example.com' }));
  });
});
