/** What the membership handlers work with. */
import type { Authorizer } from '@keystream/authz';
import type { ReadStore } from '@keystream/readstore';
import type { QueryService, ResourceRepository } from '@keystream/service-api';
import type { ProcessManagerRunner } from '../processManagers/processManagerRunner.js';

/** Dependencies of ListMy…, Search My… and the …WithMembers methods. */
export interface MembershipDeps {
  readonly queries: QueryService;
  readonly readStore: ReadStore;
  readonly repository: ResourceRepository;
  /** The authorization state, already level with the log for the request being served. */
  readonly authorizer: Authorizer;
  /** The process managers (MemberAssignments): ListMy… waits for them like a query waits for the projector. */
  readonly runner: ProcessManagerRunner | undefined;
  readonly waitMilliseconds: number;
}
