import { expect } from 'chai';
import type { JsonObject } from '../events/resourceEvents.js';
import { LAST_MODIFIED_BY_ANNOTATION, lastModifiedByOf, stampDecision, withLastModifiedBy } from './lastModifiedBy.js';

describe('lastModifiedBy', () => {
  describe('withLastModifiedBy', () => {
    it('should set the annotation beside the others, and drop it (and an emptied map) when given nothing', () => {
      const stamped = withLastModifiedBy({ name: 'n', metadata: { annotations: { keep: 'me' }, labels: { a: 'b' } } }, 'user:bob@example.com');
      expect(stamped['metadata']).to.deep.equal({ annotations: { keep: 'me', [LAST_MODIFIED_BY_ANNOTATION]: 'user:bob@example.com' }, labels: { a: 'b' } });
      expect(withLastModifiedBy(withLastModifiedBy({ name: 'n' }, 'system'), undefined)).to.deep.equal({ name: 'n', metadata: {} });
      const untouched: JsonObject = { name: 'n' };
      expect(withLastModifiedBy(untouched, undefined)).to.equal(untouched);
    });
  });

  describe('stampDecision', () => {
    it('should stamp the resource of every event and the answer, and leave events without a resource alone', () => {
      const decision = stampDecision(
        { events: [{ type: 'ProjectInvitationAccepted', data: { resource: { name: 'i' }, proof: 'code' } }, { type: 'Other', data: { note: 'x' } }], resource: { name: 'i' }, updatedPaths: ['invitation'] },
        'user:bob@example.com',
      );
      expect(decision.events.map((event) => (event.data['resource'] === undefined ? undefined : lastModifiedByOf(event.data['resource'] as JsonObject)))).to.deep.equal(['user:bob@example.com', undefined]);
      expect(decision.events[0]?.data['proof']).to.equal('code');
      expect(lastModifiedByOf(decision.resource as JsonObject)).to.equal('user:bob@example.com');
    });

    it('should leave a decision that appends nothing as it is (a no-op answers the stored resource)', () => {
      const noop = { events: [], resource: { name: 'i', metadata: { annotations: { [LAST_MODIFIED_BY_ANNOTATION]: 'user:alice@example.com' } } }, updatedPaths: [] };
      expect(stampDecision(noop, 'user:bob@example.com')).to.equal(noop);
    });
  });
});
