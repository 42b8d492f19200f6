/**
 * The command core: load → decide → append, for the lifecycle of every resource.
 *
 * A command reads the resource's stream and the resources it refers to, asks the pure decider for
 * events, and appends them expecting the revision it read. A concurrent writer makes the append
 * fail; the command is then decided again on the fresh state (a CAS or an immutability check is
 * re-evaluated, never skipped). A request id makes retries safe: ids derived from it let a retry
 * find the events its first attempt appended and answer with that result.
 */
import { KeystreamError, resourceByKind, type ResourceKind } from '@keystream/api';
import {
  decideResource,
  expectedRevisionOf,
  referencesOf,
  resolveNewName,
  stampDecision,
  streamOf,
  type Decision,
  type JsonObject,
  type ResourceCommand,
  type ResourceState,
} from '@keystream/domain';
import { comparePositions, isWrongExpectedVersionError, type EventStore, type NewEvent, type RecordedEvent, type StreamAppend } from '@keystream/eventstore';
import { generateId } from '@keystream/resource';
import { randomUUID } from 'node:crypto';
import { followUpEnvelope, type CommandEnvelope } from '../application/commandEnvelope.js';
import type { ChildCounter } from './childCounter.js';
import { eventIdsFor, idRandomSource } from './deterministicIds.js';
import type { ResourceRepository } from './resourceRepository.js';

/** What a command did. */
export interface CommandResult {
  /** The resource after the command; undefined after a delete. */
  readonly resource: JsonObject | undefined;
  readonly updatedPaths: readonly string[];
  /** Global position of the command's last event (or of the resource's last event for a no-op). */
  readonly position: string;
  /** True when this answers a retry of a request that had already been carried out. */
  readonly replayed: boolean;
  /** The id of the command's first event (what a follow-up write names as its cause), if it appended any. */
  readonly eventId?: string | undefined;
}

/** A create as the API receives it: the name may still have to be generated. */
export interface CreateRequest {
  readonly kind: ResourceKind;
  readonly parent?: string | undefined;
  readonly resource: JsonObject;
}

/** A create another write goes with: appended in the same multi-stream append (see createWithFollowUps). */
export interface FollowUpCreate {
  readonly command: Extract<ResourceCommand, { type: 'create' }>;
  readonly envelope: CommandEnvelope;
}

/** Concurrent writers to one resource are rare; this bounds the re-decisions one command makes. */
const MAX_ATTEMPTS = 8;

/** The events of a decision, with their ids and the envelope's metadata. */
function eventsOf(decision: Decision, ids: readonly string[], envelope: CommandEnvelope): NewEvent[] {
  return decision.events.map((event, index) => ({
    id: ids[index] as string,
    type: event.type,
    data: event.data,
    metadata: {
      actor: envelope.actor,
      requestId: envelope.requestId,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      occurredAt: envelope.occurredAt,
      schema: 1,
      ...(envelope.requestFingerprint === undefined ? {} : { requestFingerprint: envelope.requestFingerprint }),
    },
  }));
}

function isNotFoundOrExists(error: unknown): boolean {
  return error instanceof KeystreamError && (error.code === 'ALREADY_EXISTS' || error.code === 'NOT_FOUND');
}

export class CommandService {
  constructor(
    private readonly eventStore: EventStore,
    private readonly repository: ResourceRepository,
    private readonly children: ChildCounter,
  ) {}

  /** Creates a resource, generating its id when the request names none. */
  async create(request: CreateRequest, envelope: CommandEnvelope): Promise<CommandResult> {
    const descriptor = resourceByKind(request.kind);
    const random = idRandomSource(envelope.idempotencyKey, request.kind, request.parent ?? '');
    const name = resolveNewName(request.kind, request.parent, request.resource, () => generateId(descriptor, random));
    return this.execute({ type: 'create', kind: request.kind, resource: { ...request.resource, name } }, envelope);
  }

  /**
   * Creates a resource together with the creates `followUps` derives from it (the creator's owner
   * binding of a new scope), in one multi-stream append: on the embedded store one transaction, so
   * both or neither exist; on a store without multi-stream transactions the appends are made in
   * order with deterministic ids, and a retry of the request writes whatever is missing. A
   * follow-up whose resource exists already is left alone. Answers the primary resource, at the
   * position of the last event appended.
   */
  async createWithFollowUps(request: CreateRequest, envelope: CommandEnvelope, followUps: (created: JsonObject, eventId: string) => readonly FollowUpCreate[]): Promise<CommandResult> {
    const descriptor = resourceByKind(request.kind);
    const random = idRandomSource(envelope.idempotencyKey, request.kind, request.parent ?? '');
    const name = resolveNewName(request.kind, request.parent, request.resource, () => generateId(descriptor, random));
    const command: ResourceCommand = { type: 'create', kind: request.kind, resource: { ...request.resource, name } };
    const stream = streamOf(request.kind, name);
    for (let attempt = 1; ; attempt += 1) {
      const { state, lastEvent } = await this.repository.load(request.kind, name);
      const replay = await this.previousAttempt(request.kind, name, stream, envelope, lastEvent);
      if (replay) return this.completeFollowUps(replay, followUps(replay.resource ?? {}, replay.eventId ?? envelope.causationId));
      const references = await this.repository.loadReferences(referencesOf(request.kind, command.resource));
      const decision = decideResource(command, state, { now: envelope.occurredAt, uuid: randomUUID(), actor: envelope.actor, references });
      const ids = eventIdsFor(envelope.idempotencyKey, stream, decision.events.length);
      const appends: StreamAppend[] = [{ stream, events: eventsOf(decision, ids, envelope), expectedRevision: expectedRevisionOf(state) }];
      for (const followUp of followUps(decision.resource ?? {}, ids[0] as string)) {
        const followUpName = followUp.command.resource['name'] as string;
        const loaded = await this.repository.load(followUp.command.kind, followUpName);
        if (loaded.state.status === 'live') continue;
        const followUpReferences = await this.repository.loadReferences(referencesOf(followUp.command.kind, followUp.command.resource));
        // What the follow-up refers to is being created in the same append.
        followUpReferences.set(name, decision.resource);
        const followUpDecision = decideResource(followUp.command, loaded.state, { now: followUp.envelope.occurredAt, uuid: randomUUID(), actor: followUp.envelope.actor, references: followUpReferences });
        const followUpStream = streamOf(followUp.command.kind, followUpName);
        const followUpIds = eventIdsFor(followUp.envelope.idempotencyKey, followUpStream, followUpDecision.events.length);
        appends.push({ stream: followUpStream, events: eventsOf(followUpDecision, followUpIds, followUp.envelope), expectedRevision: expectedRevisionOf(loaded.state) });
      }
      try {
        const appended = await this.eventStore.appendToStreams(appends);
        // Appended in order: the last append's position is the newest.
        const position = appended[appended.length - 1]?.position ?? '';
        return { resource: decision.resource, updatedPaths: decision.updatedPaths, position, replayed: false, eventId: ids[0] };
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new KeystreamError('ABORTED', `${request.kind} ${name} is being changed concurrently; retry the request`, [], { cause: error });
        }
      }
    }
  }

  /** A retried request's answer, once the follow-ups its first attempt may have left unwritten are written. */
  private async completeFollowUps(replay: CommandResult, followUps: readonly FollowUpCreate[]): Promise<CommandResult> {
    let position = replay.position;
    for (const followUp of followUps) {
      try {
        const done = await this.execute(followUp.command, followUp.envelope);
        if (comparePositions(done.position, position) > 0) position = done.position;
      } catch (error) {
        // Made by someone else meanwhile, or its subject is gone again: nothing left to write.
        if (!isNotFoundOrExists(error)) throw error;
      }
    }
    return { ...replay, position };
  }

  /** Decides and appends a lifecycle command, retrying on concurrent writes. */
  async execute(command: ResourceCommand, envelope: CommandEnvelope): Promise<CommandResult> {
    const name = command.type === 'delete' ? command.name : (command.resource['name'] as string);
    const stream = streamOf(command.kind, name);
    for (let attempt = 1; ; attempt += 1) {
      const { state, lastEvent } = await this.repository.load(command.kind, name);
      const replay = await this.previousAttempt(command.kind, name, stream, envelope, lastEvent);
      // A retried delete finishes the cascade the first attempt may not have completed.
      if (replay) return command.type === 'delete' ? this.removeWithScope(name, envelope, replay) : replay;

      const stored = state.status === 'live' ? state.resource : undefined;
      const incoming = command.type === 'delete' ? undefined : command.resource;
      const references = await this.repository.loadReferences(referencesOf(command.kind, incoming, stored));
      const childCount = command.type === 'delete' && state.status === 'live' ? await this.children.count(command.kind, name) : undefined;
      const decision: Decision = decideResource(command, state, {
        now: envelope.occurredAt,
        uuid: randomUUID(),
        actor: envelope.actor,
        references,
        ...(childCount === undefined ? {} : { childCount }),
      });
      if (decision.events.length === 0) {
        return { resource: decision.resource, updatedPaths: [], position: lastEvent?.position ?? '', replayed: false };
      }

      const ids = eventIdsFor(envelope.idempotencyKey, stream, decision.events.length);
      const events = eventsOf(decision, ids, envelope);
      try {
        const appended = await this.eventStore.append(stream, events, expectedRevisionOf(state));
        const result: CommandResult = { resource: decision.resource, updatedPaths: decision.updatedPaths, position: appended.position, replayed: false, eventId: ids[0] };
        return command.type === 'delete' ? await this.removeWithScope(command.name, envelope, result) : result;
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new KeystreamError('ABORTED', `${command.kind} ${name} is being changed concurrently; retry the request`, [], { cause: error });
        }
      }
    }
  }

  /**
   * The name a create will give its resource: the one the request names, else an id generated
   * from the idempotency key (so a retry names the same resource) or at random.
   */
  nameFor(request: CreateRequest, envelope: CommandEnvelope): string {
    const descriptor = resourceByKind(request.kind);
    const random = idRandomSource(envelope.idempotencyKey, request.kind, request.parent ?? '');
    return resolveNewName(request.kind, request.parent, request.resource, () => generateId(descriptor, random));
  }

  /**
   * Decides a command of a resource's own life cycle (accept, decline, expire, …) with a custom
   * pure decider, and appends its events expecting the revision it read; on a concurrent write the
   * decision is made again on the fresh state, so exactly one of many racing commands moves a state
   * machine out of a state. A retry with the same idempotency key answers with its first result.
   */
  async decideAndAppend(kind: ResourceKind, name: string, decide: (state: ResourceState, context: { readonly now: string }) => Decision, envelope: CommandEnvelope): Promise<CommandResult> {
    const stream = streamOf(kind, name);
    for (let attempt = 1; ; attempt += 1) {
      const { state, lastEvent } = await this.repository.load(kind, name);
      const replay = await this.previousAttempt(kind, name, stream, envelope, lastEvent);
      if (replay) return replay;
      // Custom deciders do not know the actor; the resource they write names it like every other write.
      const decision = stampDecision(decide(state, { now: envelope.occurredAt }), envelope.actor);
      if (decision.events.length === 0) return { resource: decision.resource, updatedPaths: [], position: lastEvent?.position ?? '', replayed: false };
      const ids = eventIdsFor(envelope.idempotencyKey, stream, decision.events.length);
      try {
        const appended = await this.eventStore.append(stream, eventsOf(decision, ids, envelope), expectedRevisionOf(state));
        return { resource: decision.resource, updatedPaths: decision.updatedPaths, position: appended.position, replayed: false, eventId: ids[0] };
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new KeystreamError('ABORTED', `${kind} ${name} is being changed concurrently; retry the request`, [], { cause: error });
      }
    }
  }

  /**
   * Deletes what goes with a deleted scope (its role bindings), as the system, each with a request
   * id derived from the delete's, so a retry of the delete neither repeats nor misses a step.
   */
  private async removeWithScope(name: string, envelope: CommandEnvelope, result: CommandResult): Promise<CommandResult> {
    let position = result.position;
    const causationId = result.eventId ?? envelope.causationId;
    for (const dependent of await this.children.removedWith(name)) {
      try {
        const removed = await this.execute({ type: 'delete', kind: dependent.kind, name: dependent.name }, followUpEnvelope(envelope, causationId, `/with-scope/${dependent.name}`));
        if (comparePositions(removed.position, position) > 0) position = removed.position;
      } catch (error) {
        // Already gone (deleted concurrently): nothing left to do for it.
        if (!(error instanceof KeystreamError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    return { ...result, position };
  }

  /** When this request already ran, the result it had (rebuilt from the events it appended). */
  private async previousAttempt(
    kind: ResourceKind,
    name: string,
    stream: string,
    envelope: CommandEnvelope,
    lastEvent: RecordedEvent | undefined,
  ): Promise<CommandResult | undefined> {
    const requestId = envelope.idempotencyKey;
    if (requestId === undefined || lastEvent === undefined) return undefined;
    const [firstId] = eventIdsFor(requestId, stream, 1);
    const found = await this.repository.findEvents(kind, name, [firstId as string]);
    const event = found[0];
    if (event === undefined) return undefined;
    // The same id with another request is not a retry: answering it with the first result would
    // tell the caller its (different) request was carried out.
    const first = event.metadata.requestFingerprint;
    if (envelope.requestFingerprint !== undefined && first !== undefined && first !== envelope.requestFingerprint) {
      throw KeystreamError.invalidArgument([
        {
          field: 'x-request-id',
          description: `request id ${requestId} was already used for a different request (another body, method or caller); a retry must repeat the request unchanged, a new request needs a new id`,
        },
      ]);
    }
    const resource = event.type.endsWith('Deleted') ? undefined : (event.data['resource'] as JsonObject | undefined);
    const updatedPaths = Array.isArray(event.data['updatedPaths']) ? (event.data['updatedPaths'] as string[]) : [];
    return { resource, updatedPaths, position: event.position, replayed: true, eventId: event.id };
  }
}
