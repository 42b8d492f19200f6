/**
 * Custom methods: one small module per method, its logic apart from transport. A handler receives
 * the call after authentication and authorization (the actor is the principal) and the services
 * it may use; it answers the method's response message in internal form.
 */
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import type { ApiResult, AuthenticatedCall, CommandService, QueryService, ResourceRepository } from '@keystream/service-api';
import type { IdentityProvider } from '../identity/identityProvider.js';
import type { ServiceRegistry } from './serviceProjects/serviceRegistry.js';
import type { ShardPlan } from './serviceAccounts/shardPlan.js';

/** What custom methods work with. */
export interface CustomMethodDeps {
  readonly commands: CommandService;
  readonly queries: QueryService;
  readonly repository: ResourceRepository;
  readonly readStore: ReadStore;
  readonly eventStore: EventStore;
  readonly identity: IdentityProvider;
  readonly shards: ShardPlan;
  readonly services: ServiceRegistry;
}

/** One custom method. */
export interface CustomMethod {
  /** The contract's method name. */
  readonly name: string;
  handle(call: AuthenticatedCall, deps: CustomMethodDeps): Promise<ApiResult>;
}

/** Header asking DeleteUsersByCriteria to report what it would delete, deleting nothing. */
export const DRY_RUN_HEADER = 'x-keystream-dry-run';
