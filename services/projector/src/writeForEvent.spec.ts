import { expect } from 'chai';
import type { RecordedEvent } from '@keystream/eventstore';
import { writeForEvent } from './writeForEvent.js';
import { positionAt } from './testing/fakeStores.js';
import { lifecycleEvent, project } from './testing/resourceEvents.js';

function recorded(stream: string, event: ReturnType<typeof lifecycleEvent>, sequence = 1): RecordedEvent {
  return { ...event, stream, revision: 0, position: positionAt(sequence) };
}

describe('writeForEvent', () => {
  describe('having a created or updated resource', () => {
    it('should put the resource at the event position with timestamps in the stored form', () => {
      const event = recorded('Project-projects/p1', lifecycleEvent('Project', 'Updated', project('p1', 'x', '2024-05-06T07:08:09.123+02:00')), 7);
      expect(writeForEvent(event)).to.deep.equal({
        outcome: 'write',
        write: {
          op: 'put',
          kind: 'Project',
          name: 'projects/p1',
          position: positionAt(7),
          document: { name: 'projects/p1', title: 'x', metadata: { createTime: '2024-05-06T05:08:09.123000000Z', updateTime: '2024-01-02T03:04:05.500000000Z' } },
        },
      });
    });
  });

  describe('having a deletion', () => {
    it('should delete the document', () => {
      const event = recorded('Project-projects/p1', lifecycleEvent('Project', 'Deleted', project('p1', 'x')), 3);
      expect(writeForEvent(event)).to.deep.equal({ outcome: 'write', write: { op: 'delete', kind: 'Project', name: 'projects/p1', position: positionAt(3) } });
    });
  });

  describe('having an event without a read-model effect', () => {
    it('should have no write', () => {
      expect(writeForEvent(recorded('audit-1', lifecycleEvent('Audit', 'Created', { name: 'a' })))).to.deep.equal({ outcome: 'none' });
      expect(writeForEvent(recorded('Project-projects/p1', { ...lifecycleEvent('Project', 'Updated', {}), data: {} }))).to.deep.equal({ outcome: 'none' });
    });
  });

  describe('having an event the read store cannot take', () => {
    it('should reject an unknown kind', () => {
      expect(writeForEvent(recorded('Widget-widgets/w', lifecycleEvent('Widget', 'Created', { name: 'widgets/w' })))).to.include({ outcome: 'rejected', reason: 'unknown_kind', kind: 'Widget' });
    });

    it('should reject a resource whose name is not the stream\'s', () => {
      expect(writeForEvent(recorded('Project-projects/p1', lifecycleEvent('Project', 'Created', project('p2', 'x'))))).to.include({ outcome: 'rejected', reason: 'name_mismatch' });
    });

    it('should reject a resource with a timestamp that does not parse, naming the field', () => {
      const result = writeForEvent(recorded('Project-projects/p1', lifecycleEvent('Project', 'Created', project('p1', 'x', 'soon'))));
      expect(result).to.include({ outcome: 'rejected', reason: 'invalid_document' });
      expect(result.outcome === 'rejected' ? result.detail : '').to.contain('createTime');
    });
  });
});

describe('writeForEvent with documents nested too deep', () => {
  for (const depth of [200, 2000, 20_000]) {
    describe(`having a stored document nested ${depth} levels`, () => {
      it('should reject that one event instead of overflowing the stack', () => {
        let deep: unknown = 'leaf';
        for (let level = 0; level < depth; level++) deep = level % 2 === 0 ? { k: deep } : [deep];
        const document = { ...project('p1', 'x'), metadata: { labels: { a: 'b' } }, deep } as never;
        const event = recorded('Project-projects/p1', lifecycleEvent('Project', 'Updated', document), 9);
        const projection = writeForEvent(event);
        expect(projection.outcome).to.equal('rejected');
        expect(projection).to.include({ reason: 'invalid_document' });
      });
    });
  }
});
