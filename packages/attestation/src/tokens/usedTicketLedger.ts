/**
 * Remembers which challenge tickets were redeemed so each is good for one token only. A ticket is
 * remembered until it expires (after that it is refused anyway), so the memory is bounded by the
 * rate of exchanges times the ticket lifetime.
 */

/** Claims ticket ids; true the first time, false for a replay. */
export interface UsedTicketLedger {
  claim(ticketId: string, expiresAt: Date, now: Date): Promise<boolean>;
}

/** The in-process ledger. */
export class MemoryUsedTicketLedger implements UsedTicketLedger {
  private readonly used = new Map<string, number>();
  private nextSweep = 0;

  claim(ticketId: string, expiresAt: Date, now: Date): Promise<boolean> {
    const time = now.getTime();
    if (time >= this.nextSweep) {
      for (const [id, expiry] of this.used) if (expiry <= time) this.used.delete(id);
      this.nextSweep = time + 10_000;
    }
    if (this.used.has(ticketId)) return Promise.resolve(false);
    this.used.set(ticketId, expiresAt.getTime());
    return Promise.resolve(true);
  }
}
