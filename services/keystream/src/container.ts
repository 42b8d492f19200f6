/**
 * The composition root: every component of a keystream process and what it depends on, bound in
 * one inversify container. Bindings are factories with explicit injection lists (no decorators,
 * so nothing depends on emitted design metadata); singletons with asynchronous construction are
 * resolved with `getAsync`, and stores are closed by their deactivation handlers when the
 * container is unbound.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { KeystreamError } from '@keystream/api';
import { openLmdbCheckpoints, type LmdbCheckpoints } from '@keystream/consumer';
import { actorOf, ANONYMOUS } from '@keystream/authz';
import type { EventStore } from '@keystream/eventstore';
import { connectKafkaEventStream, openNdjsonFileEventStream, type EventStream } from '@keystream/eventstream';
import type { ReadStore } from '@keystream/readstore';
import {
  ChildCounter,
  CommandService,
  QueryService,
  ResourceDispatcher,
  ResourceRepository,
  type ProjectionProgress,
} from '@keystream/service-api';
import { Projector } from '@keystream/service-projector';
import { EventStreamRelay } from '@keystream/service-relay';
import { WatchGateway } from '@keystream/service-watch-gateway';
import { ChangeHub, WatchEngine } from '@keystream/watch';
import { Container } from 'inversify';
import type { Logger } from 'pino';
import { authorizationAwareReadStore } from './auth/authorizationAwareReadStore.js';
import type { AuthorizingDispatcher } from './auth/authorizingDispatcher.js';
import { buildAuthorizingDispatcher } from './auth/authServices.js';
import { checkpointProgress } from './checkpointProgress.js';
import type { EventStreamConfig, KeystreamConfig } from './config.js';
import { KeystreamMetrics } from './metrics.js';
import { pageTokenKeyOf } from './pageTokenKey.js';
import { relayCheckpoints } from './relayCheckpoints.js';
import { openConfiguredEventStore, openConfiguredReadStore } from './stores.js';

/** Service identifiers of the container. */
export const TOKENS = {
  config: Symbol.for('keystream.Config'),
  logger: Symbol.for('keystream.Logger'),
  eventStore: Symbol.for('keystream.EventStore'),
  readStore: Symbol.for('keystream.ReadStore'),
  projector: Symbol.for('keystream.Projector'),
  projectionProgress: Symbol.for('keystream.ProjectionProgress'),
  repository: Symbol.for('keystream.ResourceRepository'),
  childCounter: Symbol.for('keystream.ChildCounter'),
  commands: Symbol.for('keystream.CommandService'),
  queries: Symbol.for('keystream.QueryService'),
  dispatcher: Symbol.for('keystream.ResourceDispatcher'),
  metrics: Symbol.for('keystream.Metrics'),
  watchRole: Symbol.for('keystream.WatchRole'),
  authorizingDispatcher: Symbol.for('keystream.AuthorizingDispatcher'),
  eventStream: Symbol.for('keystream.EventStream'),
  relay: Symbol.for('keystream.EventStreamRelay'),
  relayCheckpoints: Symbol.for('keystream.RelayCheckpoints'),
} as const;

/** The watch gateway role: its shared change-log tail, engine and transports, closed together. */
export interface WatchRole {
  readonly gateway: WatchGateway;
  close(): Promise<void>;
}

/** The checkpoint name of the read-model projector. */
export const READ_MODEL_PROJECTOR = 'read-model';

/**
 * The relay's checkpoint name per destination kind: switching from the file to Kafka starts the
 * Kafka topic from the beginning of the log instead of where the file had got to.
 */
export const RELAY_CHECKPOINTS = { kafka: 'kafka-relay', ndjson: 'ndjson-relay' } as const;

/** Where the relay keeps its checkpoints: `<data directory>/relay`, apart from the read model's directory. */
export function relayCheckpointDirectory(config: KeystreamConfig): string {
  return path.join(config.dataDirectory, 'relay');
}

/** Opens the configured outbound event stream. */
function openConfiguredEventStream(destination: EventStreamConfig, logger: Logger): Promise<EventStream> {
  switch (destination.kind) {
    case 'kafka':
      return connectKafkaEventStream({ brokers: destination.brokers, topic: destination.topic, logger: logger.child({ role: 'relay' }) });
    case 'ndjson':
      return openNdjsonFileEventStream({ path: destination.path });
  }
}

/** Builds the container of a process with this configuration. */
export function buildContainer(config: KeystreamConfig, logger: Logger): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  const runsProjector = config.role === 'all' || config.role === 'projector';

  container.bind<KeystreamConfig>(TOKENS.config).toConstantValue(config);
  container.bind<Logger>(TOKENS.logger).toConstantValue(logger);
  container
    .bind<EventStore>(TOKENS.eventStore)
    .toResolvedValue(() => openConfiguredEventStore(config))
    .onDeactivation((store) => store.close());
  container
    .bind<ReadStore>(TOKENS.readStore)
    .toResolvedValue(() => openConfiguredReadStore(config))
    .onDeactivation((store) => store.close());

  container
    .bind<Projector>(TOKENS.projector)
    .toResolvedValue(
      (eventStore: EventStore, readStore: ReadStore) =>
        new Projector({ eventStore, readStore, name: READ_MODEL_PROJECTOR, logger: logger.child({ role: 'projector' }) }),
      [TOKENS.eventStore, TOKENS.readStore],
    );
  const destination = config.eventStream;
  if (destination !== undefined) {
    container
      .bind<EventStream>(TOKENS.eventStream)
      .toResolvedValue(() => openConfiguredEventStream(destination, logger))
      .onDeactivation((stream) => stream.close());
    // The relay's checkpoint lives beside its destination's configuration, in an LMDB environment
    // of its own under the data directory, not in the read store: rebuilding the read model must
    // not republish the log (docs/eventstream.md).
    container
      .bind<LmdbCheckpoints>(TOKENS.relayCheckpoints)
      .toResolvedValue(() => {
        mkdirSync(relayCheckpointDirectory(config), { recursive: true });
        return openLmdbCheckpoints({ path: relayCheckpointDirectory(config) });
      })
      .onDeactivation((checkpoints) => checkpoints.close());
    container
      .bind<EventStreamRelay>(TOKENS.relay)
      .toResolvedValue(
        (eventStore: EventStore, checkpoints: LmdbCheckpoints, readStore: ReadStore, stream: EventStream) =>
          new EventStreamRelay({
            eventStore,
            checkpoints: relayCheckpoints(checkpoints.of(RELAY_CHECKPOINTS[destination.kind]), readStore, RELAY_CHECKPOINTS[destination.kind]),
            stream,
            name: RELAY_CHECKPOINTS[destination.kind],
            logger: logger.child({ role: 'relay' }),
          }),
        [TOKENS.eventStore, TOKENS.relayCheckpoints, TOKENS.readStore, TOKENS.eventStream],
      );
  }
  // Read-your-writes waits on the local projector when there is one, else on the stored checkpoint.
  if (runsProjector) {
    container.bind<ProjectionProgress>(TOKENS.projectionProgress).toResolvedValue((projector: Projector) => projector, [TOKENS.projector]);
  } else {
    container
      .bind<ProjectionProgress>(TOKENS.projectionProgress)
      .toResolvedValue((readStore: ReadStore) => checkpointProgress(readStore, READ_MODEL_PROJECTOR), [TOKENS.readStore]);
  }

  container.bind<ResourceRepository>(TOKENS.repository).toResolvedValue((eventStore: EventStore) => new ResourceRepository(eventStore), [TOKENS.eventStore]);
  container
    .bind<ChildCounter>(TOKENS.childCounter)
    .toResolvedValue(
      (eventStore: EventStore, readStore: ReadStore, progress: ProjectionProgress) =>
        new ChildCounter(eventStore, readStore, progress, config.minPositionWaitMilliseconds),
      [TOKENS.eventStore, TOKENS.readStore, TOKENS.projectionProgress],
    );
  container
    .bind<CommandService>(TOKENS.commands)
    .toResolvedValue(
      (eventStore: EventStore, repository: ResourceRepository, children: ChildCounter) => new CommandService(eventStore, repository, children),
      [TOKENS.eventStore, TOKENS.repository, TOKENS.childCounter],
    );
  container
    .bind<QueryService>(TOKENS.queries)
    .toResolvedValue(
      (repository: ResourceRepository, readStore: ReadStore, progress: ProjectionProgress) =>
        new QueryService(repository, readStore, progress, {
          pageTokenKey: pageTokenKeyOf(config),
          minPositionWaitMilliseconds: config.minPositionWaitMilliseconds,
        }),
      [TOKENS.repository, TOKENS.readStore, TOKENS.projectionProgress],
    );
  container
    .bind<ResourceDispatcher>(TOKENS.dispatcher)
    .toResolvedValue((commands: CommandService, queries: QueryService) => new ResourceDispatcher(commands, queries), [TOKENS.commands, TOKENS.queries]);
  // Every API call goes through authentication and authorization first (docs/security.md).
  container
    .bind<AuthorizingDispatcher>(TOKENS.authorizingDispatcher)
    .toResolvedValue(
      (eventStore: EventStore, repository: ResourceRepository, commands: CommandService, dispatcher: ResourceDispatcher) =>
        buildAuthorizingDispatcher(config, { eventStore, repository, commands, inner: dispatcher.dispatch }),
      [TOKENS.eventStore, TOKENS.repository, TOKENS.commands, TOKENS.dispatcher],
    );
  container
    .bind<WatchRole>(TOKENS.watchRole)
    .toResolvedValue(
      async (readStore: ReadStore, authorizing: AuthorizingDispatcher): Promise<WatchRole> => {
        const gatewayLogger = logger.child({ role: 'gateway' });
        // Changes reach watches only once authorization has caught up with them (see the wrapper).
        const tail = authorizationAwareReadStore(readStore, () => authorizing.refresh());
        const hub = new ChangeHub(tail, { onFeedError: (error) => { gatewayLogger.warn({ error }, 'change-log feed failed; watches reset'); } });
        await hub.start();
        // Every watched document passes the principal's List permission on that document.
        // When the generation moves, open watches re-check what their clients hold (docs/watch.md).
        const engine = new WatchEngine({
          store: tail,
          hub,
          pageTokenKey: pageTokenKeyOf(config),
          canSee: authorizing.canSeeWatched,
          authorizationVersion: () => authorizing.authorizationGeneration,
        });
        const gateway = new WatchGateway({
          engine,
          logger: gatewayLogger,
          resolvePrincipal: async (headers, remoteAddress) => {
            const principal = await authorizing.watchPrincipalOf(headers, remoteAddress);
            if (principal.subject === actorOf(ANONYMOUS)) {
              throw new KeystreamError('UNAUTHENTICATED', 'watches need an authenticated caller: send "Authorization: Bearer <token>"');
            }
            return principal;
          },
          // The Watch permission on the request's parent or name, decided like every other call.
          authorizeWatch: (principal, method, request) => authorizing.authorizeWatch(principal, method, request),
        });
        return {
          gateway,
          async close() {
            gateway.close();
            await engine.close();
            await hub.close();
          },
        };
      },
      [TOKENS.readStore, TOKENS.authorizingDispatcher],
    );
  container
    .bind<KeystreamMetrics>(TOKENS.metrics)
    .toResolvedValue(async () => {
      if (!runsProjector) return new KeystreamMetrics();
      const projector = await container.getAsync<Projector>(TOKENS.projector);
      return new KeystreamMetrics(() => projector.metrics());
    });
  return container;
}
