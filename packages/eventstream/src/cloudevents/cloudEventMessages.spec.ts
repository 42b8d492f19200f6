import { expect } from 'chai';
import fc from 'fast-check';
import { cloudEventJson, cloudEventKafkaMessage, cloudEventOfKafkaMessage, sdkCloudEventJson, sdkCloudEventKafkaMessage } from './cloudEventMessages.js';
import type { KeystreamCloudEvent } from './keystreamCloudEvent.js';
import { resourceCloudEvent } from './resourceCloudEvent.js';

const KINDS = ['Group', 'Project', 'RoleBinding', 'ServiceAccount', 'Organization'] as const;
const VERBS = ['Created', 'Updated', 'Deleted'] as const;

/** Resource events as the relay builds them, over names, times, revisions and odd characters in titles. */
const events = fc
  .record({
    id: fc.uuid(),
    kind: fc.constantFrom(...KINDS),
    verb: fc.constantFrom(...VERBS),
    scope: fc.constantFrom('projects/p1/', 'organizations/o-2/', ''),
    id2: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    title: fc.string({ unit: 'grapheme', maxLength: 30 }),
    revision: fc.nat({ max: 1_000_000 }),
    time: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
  })
  .map(({ id, kind, verb, scope, id2, title, revision, time }): KeystreamCloudEvent => {
    const collection = { Group: 'groups', Project: 'projects', RoleBinding: 'roleBindings', ServiceAccount: 'serviceAccounts', Organization: 'organizations' }[kind];
    const name = kind === 'Project' || kind === 'Organization' ? `${collection}/${id2}` : `${scope}${collection}/${id2}`;
    const stamp = time.toISOString();
    return resourceCloudEvent({
      id,
      kind,
      verb,
      name,
      resource: { name, displayName: title, title, metadata: { createTime: stamp, updateTime: stamp, generation: revision + 1, resourceVersion: String(revision), lifecycle: { state: 'ACTIVE' } } },
      position: revision.toString(16).padStart(32, '0'),
      revision,
      time: stamp,
    });
  });

describe('cloudEventMessages', () => {
  describe('having resource events', () => {
    it('should make the binary-mode Kafka message the SDK binding makes: same key, value, headers in the same order', () => {
      fc.assert(
        fc.property(events, (event) => {
          const ours = cloudEventKafkaMessage(event, 'binary');
          const sdk = sdkCloudEventKafkaMessage(event, 'binary');
          expect(JSON.stringify(ours)).to.equal(JSON.stringify(sdk));
        }),
        { numRuns: 300 },
      );
    });

    it('should make the structured-mode message and the NDJSON line the SDK makes, byte for byte', () => {
      fc.assert(
        fc.property(events, (event) => {
          expect(JSON.stringify(cloudEventKafkaMessage(event, 'structured'))).to.equal(JSON.stringify(sdkCloudEventKafkaMessage(event, 'structured')));
          expect(cloudEventJson(event)).to.equal(sdkCloudEventJson(event));
        }),
        { numRuns: 300 },
      );
    });

    it('should decode with the SDK back into the event, in both modes', () => {
      fc.assert(
        fc.property(events, fc.constantFrom('binary', 'structured' as const), (event, mode) => {
          expect(cloudEventOfKafkaMessage(cloudEventKafkaMessage(event, mode))).to.deep.equal({ ...event });
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('having an event that breaks the CloudEvents spec', () => {
    const good = resourceCloudEvent({
      id: 'e-1',
      kind: 'Group',
      verb: 'Created',
      name: 'projects/p1/groups/g',
      resource: { name: 'projects/p1/groups/g', displayName: 'g' },
      position: '0000000000000001',
      revision: 0,
      time: '2026-03-04T05:06:07.089Z',
    });
    const broken: Record<string, Partial<Record<keyof KeystreamCloudEvent, unknown>>> = {
      'an empty type': { type: '' },
      'an empty source': { source: '' },
      'a source with a space': { source: '//iam.edgelq.com/projects/p 1' },
      'a time that is no RFC 3339 timestamp': { time: 'yesterday' },
      'an empty subject': { subject: '' },
    };
    for (const [what, change] of Object.entries(broken)) {
      it(`should refuse ${what} in both modes, as the SDK does`, () => {
        const event = { ...good, ...change } as KeystreamCloudEvent;
        for (const mode of ['binary', 'structured'] as const) {
          expect(() => sdkCloudEventKafkaMessage(event, mode), `the SDK, ${mode}`).to.throw();
          expect(() => cloudEventKafkaMessage(event, mode), mode).to.throw(/invalid CloudEvent/);
        }
        expect(() => cloudEventJson(event)).to.throw(/invalid CloudEvent/);
      });
    }

    // Stricter than the SDK, which invents a fresh id for an empty one (consumers deduplicate by
    // id, so a republished event would no longer be recognised) and does not check 0.3 events.
    it('should refuse an empty id and another spec version, which the SDK would let through', () => {
      for (const change of [{ id: '' }, { specversion: '0.3' }]) {
        const event = { ...good, ...change } as KeystreamCloudEvent;
        expect(() => cloudEventKafkaMessage(event, 'binary')).to.throw(/invalid CloudEvent/);
        expect(() => cloudEventJson(event)).to.throw(/invalid CloudEvent/);
      }
    });
  });
});
