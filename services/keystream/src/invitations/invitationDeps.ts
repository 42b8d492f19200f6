/**
 * What the invitation use cases work with: the command and query cores, the event store (for the
 * code and pending-email streams), the authorization state (for the escalation check at accept),
 * the notifier, the clock and the configured validity.
 */
import type { Authorizer, AuthzIndex } from '@keystream/authz';
import type { EventStore } from '@keystream/eventstore';
import type { Notifier } from '@keystream/notify';
import type { CommandService, QueryService, ResourceRepository } from '@keystream/service-api';

/** Dependencies of the invitation handlers and process managers. */
export interface InvitationDeps {
  readonly commands: CommandService;
  readonly queries: QueryService;
  readonly repository: ResourceRepository;
  readonly eventStore: EventStore;
  /** The authorization state, already level with the log for the request being served. */
  readonly authorizer: Authorizer;
  /** Roles, bindings and groups, for what an invitation would give (the no-escalation rule). */
  readonly index: AuthzIndex;
  readonly notifier: Notifier;
  readonly clock: () => Date;
  /** Base URL users reach keystream at (`KEYSTREAM_PUBLIC_URL`): the mail links to its console. */
  readonly publicUrl: string;
  /** Days an invitation stays valid when the request sets no expiration_date (and a resend extends it by). */
  readonly validityDays: number;
}
