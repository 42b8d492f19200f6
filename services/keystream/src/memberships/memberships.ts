/** What the membership handlers work with. */
import type { Authorizer } from '@keystream/authz';
import type { ReadStore } from '@keystream/readstore';
import type { QueryService, ResourceRepository } from '@keystream/service-api';

/**
 * Settles a position: resolves once the process managers' reactions to the log up to it are
 * appended, with the position the read model must reach to show them; UNAVAILABLE after
 * `timeoutMs`. The api process's runner does it itself; a replica asks the api process.
 */
export interface ReactionSettler {
  settle(position: string, timeoutMs: number): Promise<string>;
}

/** Dependencies of ListMy…, Search My… and the …WithMembers methods. */
export interface MembershipDeps {
  readonly queries: QueryService;
  readonly readStore: ReadStore;
  readonly repository: ResourceRepository;
  /** The authorization state, already level with the log for the request being served. */
  readonly authorizer: Authorizer;
  /**
   * The process managers (MemberAssignments), here or in the api process a replica appends
   * through: ListMy… waits for them like a query waits for the projector.
   */
  readonly reactions: ReactionSettler | undefined;
  readonly waitMilliseconds: number;
}
