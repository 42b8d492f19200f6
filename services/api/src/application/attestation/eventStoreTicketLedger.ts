/**
 * Redeemed challenge tickets recorded in the event store, so a ticket is good for one token across
 * every api process: redeeming appends `AttestationTicketRedeemed` to `AttestationTicket-<id>`
 * expecting no stream; the second redemption, wherever it happens, finds the stream and fails.
 * The event holds the ticket id, domain-free and secret-free, and projects to no document.
 */
import type { UsedTicketLedger } from '@keystream/attestation';
import { WrongExpectedVersionError, type EventStore } from '@keystream/eventstore';
import { randomUUID } from 'node:crypto';

/** Stream kind of a ticket's redemption (internal, not a resource kind). */
export const ATTESTATION_TICKET_KIND = 'AttestationTicket';
/** The event a redemption appends. */
export const ATTESTATION_TICKET_REDEEMED = 'AttestationTicketRedeemed';

const TICKET_ID = /^[0-9a-f-]{36}$/;

/** The ledger on an event store. */
export class EventStoreTicketLedger implements UsedTicketLedger {
  constructor(private readonly eventStore: EventStore) {}

  async claim(ticketId: string, expiresAt: Date, now: Date): Promise<boolean> {
    // Ticket ids are UUIDs the verifier put in a ticket it sealed itself; anything else is refused.
    if (!TICKET_ID.test(ticketId)) return false;
    try {
      await this.eventStore.append(
        `${ATTESTATION_TICKET_KIND}-${ticketId}`,
        [
          {
            id: randomUUID(),
            type: ATTESTATION_TICKET_REDEEMED,
            data: { ticket: ticketId, expiresAt: expiresAt.toISOString() },
            metadata: { actor: 'system:attestation', requestId: ticketId, correlationId: ticketId, causationId: ticketId, occurredAt: now.toISOString(), schema: 1 },
          },
        ],
        'no_stream',
      );
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
  }
}
