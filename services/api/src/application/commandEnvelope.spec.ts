import { expect } from 'chai';
import { followUpEnvelope, reactionEnvelope, requestEnvelope, systemEnvelope } from './commandEnvelope.js';

describe('command envelope', () => {
  const now = new Date('2026-03-04T05:06:07.890Z');

  describe('of a request with the caller\'s request id', () => {
    const envelope = requestEnvelope('user:alice@example.com', 'retry-me-1', now);

    it('should correlate and cause by the request id, and key idempotency on it', () => {
      expect(envelope).to.deep.equal({
        actor: 'user:alice@example.com',
        requestId: 'retry-me-1',
        idempotencyKey: 'retry-me-1',
        correlationId: 'retry-me-1',
        causationId: 'retry-me-1',
        occurredAt: '2026-03-04T05:06:07.890000000Z',
      });
    });
  });

  describe('of a request without one', () => {
    it('should make one request id for all three ids, and no idempotency key', () => {
      const envelope = requestEnvelope('anonymous', undefined, now);
      expect(envelope.requestId).to.match(/^[0-9a-f-]{36}$/);
      expect(envelope.correlationId).to.equal(envelope.requestId);
      expect(envelope.causationId).to.equal(envelope.requestId);
      expect(envelope.idempotencyKey).to.equal(undefined);
      expect(requestEnvelope('anonymous', undefined, now).requestId).to.not.equal(envelope.requestId);
    });
  });

  describe('of a follow-up write', () => {
    it('should be the system\'s, keep the correlation, name the causing event and derive its key from the request\'s', () => {
      const cause = requestEnvelope('user:alice@example.com', 'req-7', now);
      const follow = followUpEnvelope(cause, 'event-1', ':owner');
      expect(follow).to.deep.equal({ actor: 'system', requestId: 'req-7:owner', idempotencyKey: 'req-7:owner', correlationId: 'req-7', causationId: 'event-1', occurredAt: cause.occurredAt });
    });

    it('should key on the causing event when the request had no id of its own', () => {
      const cause = requestEnvelope('user:alice@example.com', undefined, now);
      expect(followUpEnvelope(cause, 'event-2', ':owner').idempotencyKey).to.equal('event-2:owner');
      expect(followUpEnvelope(cause, 'event-2', ':owner').correlationId).to.equal(cause.requestId);
    });
  });

  describe('of a process manager\'s reaction to an event', () => {
    it('should keep the event\'s correlation, name the event as cause and key idempotency on event and step', () => {
      const envelope = reactionEnvelope({ id: 'event-9', metadata: { correlationId: 'req-3' } }, ':accept', now);
      expect(envelope).to.deep.equal({ actor: 'system', requestId: 'event-9:accept', idempotencyKey: 'event-9:accept', correlationId: 'req-3', causationId: 'event-9', occurredAt: '2026-03-04T05:06:07.890000000Z' });
      expect(reactionEnvelope({ id: 'event-9', metadata: { correlationId: 'req-3' } }, ':notify', now).idempotencyKey).to.not.equal(envelope.idempotencyKey);
    });
  });

  it('should write as the system with a canonical timestamp', () => {
    const envelope = systemEnvelope(new Date('2026-03-04T05:06:07.000Z'));
    expect(envelope.actor).to.equal('system');
    expect(envelope.occurredAt).to.equal('2026-03-04T05:06:07.000000000Z');
  });
});
