/**
 * Expiry is an event: this process manager keeps the expiration date of every PENDING invitation
 * (the table `invitation-expiry.pending` of the runner's state store, committed with its
 * checkpoint) and, when one passes, appends `<Kind>Expired` through the command core
 * (request id derived from the invitation and its date, so a replay or a second replica appends
 * nothing new). Watchers see PENDING → EXPIRED like any change. Accept checks the clock itself, so
 * an invitation past its date is refused even before this runs.
 */
import { decideInvitation, invitationOf, parseStream, type InvitationKind } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import { ConsumerStateStore, memoryStateBackend, type StateTable } from '@keystream/consumer';
import { reactionEnvelope, type CommandService } from '@keystream/service-api';
import type { ProcessManager } from '../processManagers/processManager.js';

/** Longest single timer (Node's limit is ~24.8 days; re-arming is cheap). */
const MAX_TIMER_MS = 60 * 60 * 1000;

/** Where expiry problems are reported. */
export interface ExpiryLogger {
  warn(object: object, message: string): void;
}

/** A PENDING invitation as remembered: its kind and expiration date (text and ms). */
type PendingInvitation = { readonly kind: InvitationKind; readonly at: number; readonly date: string };

export class InvitationExpiryManager implements ProcessManager {
  readonly name = 'invitation-expiry';
  readonly eventTypePrefixes = ['ProjectInvitation', 'OrganizationInvitation'];
  /** PENDING invitations by name (stored). */
  private readonly pending: StateTable<PendingInvitation>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly commands: CommandService,
    private readonly logger: ExpiryLogger,
    private readonly clock: () => Date = () => new Date(),
    state: ConsumerStateStore = new ConsumerStateStore(memoryStateBackend()),
  ) {
    this.pending = state.table<PendingInvitation>('invitation-expiry.pending');
  }

  /** Arms the timer for the invitations remembered from before the restart. */
  start(): void {
    this.arm();
  }

  /** How many PENDING invitations it watches. */
  get watching(): number {
    return this.pending.size;
  }

  handle(event: RecordedEvent): Promise<void> {
    const stream = parseStream(event.stream);
    if (stream === undefined || (stream.kind !== 'ProjectInvitation' && stream.kind !== 'OrganizationInvitation')) return Promise.resolve();
    const resource = event.data['resource'];
    const live = !event.type.endsWith('Deleted') && typeof resource === 'object' && resource !== null && !Array.isArray(resource);
    const invitation = live ? invitationOf(resource) : {};
    const date = invitation['expirationDate'];
    if (live && invitation['state'] === 'PENDING' && typeof date === 'string') {
      if (this.pending.get(stream.name)?.date !== date) this.pending.set(stream.name, { kind: stream.kind, at: Date.parse(date), date });
    } else this.pending.delete(stream.name);
    this.arm();
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Expires everything due now; resolves when done (tests call it directly). */
  async expireDue(): Promise<number> {
    const now = this.clock().getTime();
    let expired = 0;
    for (const [name, entry] of [...this.pending]) {
      if (entry.at > now) continue;
      try {
        const result = await this.commands.decideAndAppend(
          entry.kind,
          name,
          (state, context) => decideInvitation({ type: 'expire', kind: entry.kind, name }, state, context),
          reactionEnvelope({ id: `expire:${name}:${entry.date}`, metadata: { correlationId: `expire:${name}` } }, '', this.clock()),
        );
        if (result.eventId !== undefined || result.replayed) expired += 1;
        const after = result.resource;
        if (after === undefined || invitationOf(after)['state'] !== 'PENDING') this.pending.delete(name);
      } catch (error) {
        // Deleted or settled in between: the log will tell this manager; nothing to expire.
        this.logger.warn({ error, invitation: name }, 'could not expire an invitation');
        this.pending.delete(name);
      }
    }
    return expired;
  }

  private arm(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    let next = Infinity;
    for (const entry of this.pending.values()) next = Math.min(next, entry.at);
    if (next === Infinity) return;
    const delay = Math.max(0, Math.min(MAX_TIMER_MS, next - this.clock().getTime()));
    this.timer = setTimeout(() => {
      this.running ??= this.expireDue()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.warn({ error }, 'invitation expiry failed; retrying at the next tick');
        })
        .finally(() => {
          this.running = undefined;
          this.arm();
        });
    }, delay);
    this.timer.unref();
  }
}
