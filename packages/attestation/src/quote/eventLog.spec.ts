import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { AttestationInputError } from '../attestationInputError.js';
import { parseEventLog, replayEventLog } from './eventLog.js';

function u32le(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value, 0);
  return out;
}

/** A SHA-1-only (TCG 1.2 layout) log of `events` into PCR `pcr`. */
function sha1Log(pcr: number, events: readonly Buffer[]): Buffer {
  return Buffer.concat(events.map((data) => Buffer.concat([u32le(pcr), u32le(0x0d), createHash('sha1').update(data).digest(), u32le(data.length), data])));
}

describe('replayEventLog', () => {
  describe('having a SHA-1-only log', () => {
    it('should extend each event into its PCR from zero', () => {
      const events = [Buffer.from('a'), Buffer.from('b')];
      let expected = Buffer.alloc(20);
      for (const event of events) expected = createHash('sha1').update(expected).update(createHash('sha1').update(event).digest()).digest();
      expect(replayEventLog(parseEventLog(sha1Log(4, events))).get('sha1:4')).to.deep.equal(expected);
    });
  });

  describe('when the log is cut short', () => {
    it('should throw an input error saying where', () => {
      const log = sha1Log(4, [Buffer.from('abc')]);
      expect(() => parseEventLog(log.subarray(0, log.length - 1))).to.throw(AttestationInputError, /truncated/);
    });
  });
});
