import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { openLmdbEventStore, type LmdbEventStore } from '@keystream/eventstore';
import { EventStoreTicketLedger } from './eventStoreTicketLedger.js';

describe('EventStoreTicketLedger', () => {
  let directory: string;
  let store: LmdbEventStore;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-ticket-ledger-'));
    store = openLmdbEventStore({ path: path.join(directory, 'events') });
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  describe('having two ledgers on one event store (two api processes)', () => {
    it('should let a ticket be redeemed once, on either of them', async () => {
      const [first, second] = [new EventStoreTicketLedger(store), new EventStoreTicketLedger(store)];
      const ticket = randomUUID();
      const expiresAt = new Date(Date.now() + 60_000);
      const outcomes = await Promise.all([first.claim(ticket, expiresAt, new Date()), second.claim(ticket, expiresAt, new Date())]);
      expect(outcomes.filter(Boolean)).to.have.length(1);
      expect(await first.claim(ticket, expiresAt, new Date())).to.equal(false);
      expect(await second.claim(randomUUID(), expiresAt, new Date())).to.equal(true);
      const [event] = await store.readStream(`AttestationTicket-${ticket}`);
      expect(event?.type).to.equal('AttestationTicketRedeemed');
      expect(event?.data).to.deep.equal({ ticket, expiresAt: expiresAt.toISOString() });
    });

    it('should refuse an id that is not a ticket id without writing', async () => {
      expect(await new EventStoreTicketLedger(store).claim('../../etc', new Date(), new Date())).to.equal(false);
      expect(await store.readStream('AttestationTicket-../../etc')).to.deep.equal([]);
    });
  });
});
