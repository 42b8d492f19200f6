import { appendFile } from 'node:fs/promises';
import { expect } from 'chai';
import { describeEventStreamContract, ndjsonHarness, sampleCloudEvent } from '../testing/index.js';
import { openNdjsonFileEventStream } from './ndjsonFileEventStream.js';
import { readNdjsonEvents } from './readNdjsonEvents.js';

describeEventStreamContract('NDJSON file', ndjsonHarness);

describe('openNdjsonFileEventStream', () => {
  describe('having a file with events already', () => {
    it('should append after them rather than truncate', async () => {
      const harness = await ndjsonHarness();
      try {
        const first = sampleCloudEvent('projects/one', 0);
        await harness.stream.publish([first]);
        await harness.stream.close();
        const reopened = await openNdjsonFileEventStream({ path: harness.path, sync: false });
        const second = sampleCloudEvent('projects/one', 1);
        await reopened.publish([second]);
        await reopened.close();
        expect((await readNdjsonEvents(harness.path)).map((event) => event.id)).to.deep.equal([first.id, second.id]);
      } finally {
        await harness.dispose();
      }
    });
  });
});

describe('readNdjsonEvents', () => {
  describe('having a torn last line (a crash mid-append)', () => {
    it('should skip the partial line, which was never acknowledged', async () => {
      const harness = await ndjsonHarness();
      try {
        const event = sampleCloudEvent('projects/torn', 0);
        await harness.stream.publish([event]);
        await appendFile(harness.path, '{"specversion":"1.0","id":"half');
        expect((await readNdjsonEvents(harness.path)).map((read) => read.id)).to.deep.equal([event.id]);
      } finally {
        await harness.dispose();
      }
    });
  });
});
