/**
 * The composition root: every component of a keystream process and what it depends on, as one
 * typed composition function. Each component is a lazy singleton made on first use from the
 * components it names by property, so a wrong or swapped dependency is a compile error (an
 * injection list of tokens is not); what opened a resource closes it when the graph closes,
 * newest first. docs/decisions.md says why this replaced the inversify container.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ATTESTATION_TICKET_HEADER } from '@keystream/attestation';
import { openLmdbCheckpoints, openLmdbConsumerState } from '@keystream/consumer';
import { ForwardingEventStore, type EventStore } from '@keystream/eventstore';
import { loadKafkaEventStream, openNdjsonFileEventStream, type EventStream } from '@keystream/eventstream';
import { OutboxNotifier, SmtpNotifier, type Notifier } from '@keystream/notify';
import type { ReadStore } from '@keystream/readstore';
import {
  ChildCounter,
  CommandService,
  QueryService,
  ResourceRepository,
  type IdentityProvider,
  type ProjectionProgress,
  type RequestPipeline,
} from '@keystream/service-api';
import { Projector } from '@keystream/service-projector';
import { EventStreamRelay } from '@keystream/service-relay';
import { WatchGateway } from '@keystream/service-watch-gateway';
import { ChangeHub, WatchEngine } from '@keystream/watch';
import type { Logger } from 'pino';
import { authorizationAwareReadStore } from './auth/authorizationAwareReadStore.js';
import { buildRequestPipeline } from './auth/authServices.js';
import { InvitationExpiryManager } from './invitations/invitationExpiryManager.js';
import { InvitationGrantsManager } from './invitations/invitationGrantsManager.js';
import { invitationHandlers } from './invitations/invitationHandlers.js';
import { membershipHandlers } from './memberships/membershipHandlers.js';
import { MembershipManager } from './memberships/membershipManager.js';
import { NestedGroupsManager } from './memberships/nestedGroupsManager.js';
import { ProcessManagerRunner } from './processManagers/processManagerRunner.js';
import { checkpointProgress } from './checkpointProgress.js';
import type { EventStreamConfig, KeystreamConfig, NotifierConfig } from './config.js';
import { buildIdentityProvider } from './identity/identityServices.js';
import { KeystreamMetrics } from './metrics.js';
import { startPrincipalUpdatesWatch } from './methods/principals/principalUpdatesWatch.js';
import { pageTokenKeyOf } from './pageTokenKey.js';
import { relayCheckpoints } from './relayCheckpoints.js';
import { openConfiguredEventStore, openConfiguredReadStore } from './stores.js';

/** The watch gateway role: its shared change-log tail, engine and transports, closed together. */
export interface WatchRole {
  readonly gateway: WatchGateway;
  /** The watches open now, over every transport (a closed or cancelled one is gone from it). */
  readonly openWatches: () => number;
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

/** Where the process managers keep their state and checkpoint: `<data directory>/process-managers`. */
export function processManagerStateDirectory(config: KeystreamConfig): string {
  return path.join(config.dataDirectory, 'process-managers');
}

/**
 * The shape of the process managers' stored state. Change it with the tables' layout: a store of
 * another version is emptied at start and rebuilt from the log.
 */
export const PROCESS_MANAGER_STATE_VERSION = 'process-managers/1';

/** Opens the configured outbound event stream. */
function openConfiguredEventStream(destination: EventStreamConfig, logger: Logger): Promise<EventStream> {
  switch (destination.kind) {
    case 'kafka':
      return loadKafkaEventStream({
        brokers: destination.brokers,
        topic: destination.topic,
        contentMode: destination.contentMode,
        createTopic: {
          ...(destination.partitions === undefined ? {} : { numPartitions: destination.partitions }),
          ...(destination.replication === undefined ? {} : { replicationFactor: destination.replication }),
        },
        logger: logger.child({ role: 'relay' }),
      });
    case 'ndjson':
      return openNdjsonFileEventStream({ path: destination.path });
  }
}


/** A component of the graph: made on first call, the same one after. */
export type Component<T> = () => Promise<T>;

/** Lazy singletons and the closing of what they opened. */
class Lifetime {
  private readonly closers: (() => Promise<void>)[] = [];

  /** A singleton made by `make` on first use; `close` runs when the graph closes. */
  singleton<T>(make: () => Promise<T> | T, close?: (made: T) => Promise<void> | void): Component<T> {
    let made: Promise<T> | undefined;
    return () => {
      made ??= Promise.resolve(make()).then((value) => {
        if (close !== undefined) this.closers.push(async () => close(value));
        return value;
      });
      return made;
    };
  }

  /** Closes everything opened, newest first; every closer runs even if one fails, then the first failure is thrown. */
  async close(): Promise<void> {
    let failure: Error | undefined;
    for (let closer = this.closers.pop(); closer !== undefined; closer = this.closers.pop()) {
      try {
        await closer();
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** Every component of a keystream process. */
export interface KeystreamGraph {
  readonly config: KeystreamConfig;
  readonly eventStore: Component<EventStore>;
  readonly readStore: Component<ReadStore>;
  readonly projector: Component<Projector>;
  /** Present when an outbound event stream is configured. */
  readonly relay: Component<EventStreamRelay> | undefined;
  readonly projectionProgress: Component<ProjectionProgress>;
  readonly repository: Component<ResourceRepository>;
  readonly childCounter: Component<ChildCounter>;
  readonly commands: Component<CommandService>;
  readonly queries: Component<QueryService>;
  /** Where users' login identities live (docs/identity.md). */
  readonly identity: Component<IdentityProvider>;
  /** Every API call and every watch goes through it first (docs/security.md). */
  readonly pipeline: Component<RequestPipeline>;
  /** Mail to people: the outbox file by default, SMTP when configured (docs/invitations.md). */
  readonly notifier: Component<Notifier>;
  /** MemberAssignments, nested groups, invitation expiry and grants (docs/invitations.md). */
  readonly processManagers: Component<ProcessManagerRunner>;
  readonly watchRole: Component<WatchRole>;
  readonly metrics: Component<KeystreamMetrics>;
  /** Closes the stores and streams the graph opened, newest first. */
  close(): Promise<void>;
}

/** Opens the configured notifier. */
function notifierOf(notifier: NotifierConfig): Notifier {
  switch (notifier.kind) {
    case 'outbox':
      return new OutboxNotifier(notifier.file);
    case 'smtp':
      return new SmtpNotifier({ host: notifier.host, port: notifier.port, secure: notifier.secure, user: notifier.user, password: notifier.password, from: notifier.from });
  }
}

/**
 * Composes the components of a process with this configuration; nothing is made until asked for.
 * `clock` lets tests move time (invitation expiry); the default is the system clock.
 */
export function composeKeystream(config: KeystreamConfig, logger: Logger, clock: () => Date = () => new Date()): KeystreamGraph {
  const lifetime = new Lifetime();
  const runsProjector = config.roles.has('projector');

  const eventStore = lifetime.singleton(() => openConfiguredEventStore(config), (store) => store.close());
  const readStore = lifetime.singleton(() => openConfiguredReadStore(config), (store) => store.close());
  const projector = lifetime.singleton(
    async () => new Projector({ eventStore: await eventStore(), readStore: await readStore(), name: READ_MODEL_PROJECTOR, logger: logger.child({ role: 'projector' }) }),
  );
  const destination = config.eventStream;
  let relay: Component<EventStreamRelay> | undefined;
  if (destination !== undefined) {
    const eventStream = lifetime.singleton(() => openConfiguredEventStream(destination, logger), (stream) => stream.close());
    // The relay's checkpoint lives in an LMDB environment of its own under the data directory, not
    // in the read store: rebuilding the read model must not republish the log (docs/eventstream.md).
    const checkpoints = lifetime.singleton(
      () => {
        mkdirSync(relayCheckpointDirectory(config), { recursive: true });
        return openLmdbCheckpoints({ path: relayCheckpointDirectory(config) });
      },
      (opened) => opened.close(),
    );
    const name = RELAY_CHECKPOINTS[destination.kind];
    relay = lifetime.singleton(
      async () =>
        new EventStreamRelay({
          eventStore: await eventStore(),
          checkpoints: relayCheckpoints((await checkpoints()).of(name), await readStore(), name),
          stream: await eventStream(),
          name,
          logger: logger.child({ role: 'relay' }),
        }),
    );
  }
  // Read-your-writes waits on the local projector when there is one, else on the stored checkpoint.
  const projectionProgress = lifetime.singleton<ProjectionProgress>(async () =>
    runsProjector ? projector() : checkpointProgress(await readStore(), READ_MODEL_PROJECTOR),
  );
  const repository = lifetime.singleton(async () => new ResourceRepository(await eventStore()));
  const childCounter = lifetime.singleton(
    async () => new ChildCounter(await eventStore(), await readStore(), await projectionProgress(), config.minPositionWaitMilliseconds),
  );
  const commands = lifetime.singleton(async () => new CommandService(await eventStore(), await repository(), await childCounter()));
  const queries = lifetime.singleton(
    async () =>
      new QueryService(await repository(), await readStore(), await projectionProgress(), {
        pageTokenKey: pageTokenKeyOf(config),
        minPositionWaitMilliseconds: config.minPositionWaitMilliseconds,
      }),
  );
  const notifier = lifetime.singleton(() => notifierOf(config.notifier), (opened) => opened.close());
  // The process managers' state and checkpoint: `<data directory>/process-managers`, written in one
  // transaction per batch, so a restart resumes where they stopped (docs/consumers.md).
  const processManagerState = lifetime.singleton(
    () => {
      mkdirSync(processManagerStateDirectory(config), { recursive: true });
      return openLmdbConsumerState({ path: processManagerStateDirectory(config), version: PROCESS_MANAGER_STATE_VERSION });
    },
    (state) => state.close(),
  );
  const processManagers = lifetime.singleton(async () => {
    const managerLogger = logger.child({ role: 'process-managers' });
    const writes = { noteWrite: (position: string) => { runner.noteWrite(position); } };
    const issuing = await commands();
    const state = await processManagerState();
    const runner: ProcessManagerRunner = new ProcessManagerRunner(
      await eventStore(),
      [
        new MembershipManager(issuing, writes, clock, state),
        new NestedGroupsManager(issuing, clock, state),
        new InvitationExpiryManager(issuing, managerLogger, clock, state),
        new InvitationGrantsManager(issuing, managerLogger, clock),
      ],
      managerLogger,
      state,
    );
    return runner;
  });
  const identity = lifetime.singleton(async () => buildIdentityProvider(config, await commands(), await notifier()));
  const pipeline = lifetime.singleton(async () => {
    // The process managers run in the api process only; a replica asks it to settle a position.
    const [store, mail, reads] = [await eventStore(), await notifier(), await readStore()];
    const reactions = config.roles.has('api') ? await processManagers() : store instanceof ForwardingEventStore ? store : undefined;
    return buildRequestPipeline(config, {
      eventStore: store,
      readStore: reads,
      identity: await identity(),
      repository: await repository(),
      commands: await commands(),
      queries: await queries(),
      clock,
      extraHandlers: (app) =>
        new Map([
          ...invitationHandlers({ ...app, notifier: mail, validityDays: config.invitationValidityDays, publicUrl: config.publicUrl }),
          ...membershipHandlers({ queries: app.queries, readStore: reads, repository: app.repository, authorizer: app.authorizer, reactions, waitMilliseconds: config.minPositionWaitMilliseconds }),
        ]),
    });
  });
  const watchRole = lifetime.singleton(async (): Promise<WatchRole> => {
    const authorizing = await pipeline();
    const progress = await projectionProgress();
    const gatewayLogger = logger.child({ role: 'gateway' });
    // Changes reach watches only once authorization has caught up with them (see the wrapper).
    const tail = authorizationAwareReadStore(await readStore(), () => authorizing.refresh());
    const hub = new ChangeHub(tail, { onFeedError: (error) => { gatewayLogger.warn({ error }, 'change-log feed failed; watches reset'); } });
    await hub.start();
    // Every watched document passes the principal's List permission on that document.
    // When the generation moves, open watches re-check what their clients hold (docs/watch.md).
    // WatchPrincipalUpdates is authorized for principals as a whole at open (authorizeWatch),
    // then reads them through watches that see every document.
    const principalEngine = new WatchEngine({ store: tail, hub, pageTokenKey: pageTokenKeyOf(config) });
    const principalDeps = { engine: principalEngine, repository: await repository(), readStore: await readStore(), groups: authorizing.app.index };
    const engine = new WatchEngine({
      store: tail,
      hub,
      pageTokenKey: pageTokenKeyOf(config),
      canSee: authorizing.canSeeWatched,
      authorizationVersion: () => authorizing.authorizationGeneration,
      rightsMoved: authorizing.rightsMovedFor,
      streams: { WatchPrincipalUpdates: (request, sink) => startPrincipalUpdatesWatch(principalDeps, request, sink) },
    });
    const gateway = new WatchGateway({
      engine,
      logger: gatewayLogger,
      resolvePrincipal: (headers, remoteAddress) => authorizing.watchPrincipalOf(headers, remoteAddress),
      // The Watch permission on the request's parent or name, decided like every other call.
      authorizeWatch: (principal, method, request) => authorizing.authorizeWatch(principal, method, request),
      // Verify's bidirectional exchange: each message a call through the pipeline, the ticket carried between them.
      exchanges: { dispatch: authorizing.dispatch, methods: new Map([['Verify', { carriedHeaders: [ATTESTATION_TICKET_HEADER] }]]) },
      // x-keystream-min-position on watches: the read model, then the authorization state
      // (a creator's owner binding), have the client's last write before the watch opens.
      awaitPosition: async (position) => {
        await progress.waitForPosition(position, config.minPositionWaitMilliseconds);
        await authorizing.refresh();
      },
    });
    return {
      gateway,
      openWatches: () => engine.size,
      async close() {
        gateway.close();
        await engine.close();
        await principalEngine.close();
        await hub.close();
      },
    };
  });
  const metrics = lifetime.singleton(async () => {
    if (!runsProjector) return new KeystreamMetrics();
    const running = await projector();
    return new KeystreamMetrics(() => running.metrics());
  });
  return {
    config,
    eventStore,
    readStore,
    projector,
    relay,
    projectionProgress,
    repository,
    childCounter,
    commands,
    queries,
    identity,
    pipeline,
    notifier,
    processManagers,
    watchRole,
    metrics,
    close: () => lifetime.close(),
  };
}
