/**
 * The standard lifecycle of every resource — create, update, delete — decided once for all 15
 * kinds from their descriptors, with each kind's particulars supplied by its behaviour.
 *
 * decide(command, state, context) → events is pure: the clock, fresh ids, the actor and the
 * states of referenced resources all come in through the context, so the same inputs always give
 * the same events.
 */
import {
  isResourceKind,
  KeystreamError,
  resourceByKind,
  type FieldViolation,
  type ResourceDescriptor,
  type ResourceKind,
} from '@keystream/api';
import { checkCas, diffPaths, mergeMasked, parseFieldMask, parseName, type Cas } from '@keystream/resource';
import { behaviourOf } from '../behaviours/behaviourRegistry.js';
import type { Reference } from '../behaviours/resourceBehaviour.js';
import { eventTypeOf, type JsonObject } from '../events/resourceEvents.js';
import type { DecideContext } from './decideContext.js';
import { canonicalPath, getAt, withValueAt } from './jsonPaths.js';
import { lastModifiedByOf, withLastModifiedBy } from './lastModifiedBy.js';
import { nextRevisionOf, type ResourceState } from './resourceState.js';

/** Commands of the standard lifecycle, in the internal form of their resources. */
export type ResourceCommand =
  /** `resource.name` is already resolved (see resolveNewName). */
  | { readonly type: 'create'; readonly kind: ResourceKind; readonly resource: JsonObject }
  | {
      readonly type: 'update';
      readonly kind: ResourceKind;
      readonly resource: JsonObject;
      readonly updateMask?: readonly string[] | undefined;
      readonly cas?: Cas | undefined;
      readonly allowMissing?: boolean | undefined;
    }
  | {
      readonly type: 'delete';
      readonly kind: ResourceKind;
      readonly name: string;
      /** Delete only if the stored resource still matches (else ABORTED), as an update's CAS. */
      readonly cas?: Cas | undefined;
    };

/** An event to append, before it gets its envelope. */
export interface DomainEvent {
  readonly type: string;
  readonly data: JsonObject;
}

/** What a command decides. */
export interface Decision {
  readonly events: readonly DomainEvent[];
  /** The resource after the command; undefined after a delete. */
  readonly resource?: JsonObject;
  /** Canonical paths the command changed (empty for a no-op update). */
  readonly updatedPaths: readonly string[];
}

/** Kinds of other services that appear in name patterns; keystream cannot check they exist. */
const FOREIGN_KINDS = new Set(['Service', 'Region']);

function parentReference(descriptor: ResourceDescriptor, name: string): Reference[] {
  const parsed = parseName(descriptor, name);
  const parentKind = parsed.pattern.parentKinds[parsed.pattern.parentKinds.length - 1];
  if (parentKind === undefined || parsed.parent === '') return [];
  if (FOREIGN_KINDS.has(parentKind)) {
    // The nearest parent is another service's (a region); the project above it is ours.
    const projectSegment = parsed.pattern.segments.find((segment) => segment.kind === 'Project');
    const project = projectSegment === undefined ? undefined : parsed.ids[projectSegment.idVariable];
    return project === undefined ? [] : [{ kind: 'Project', name: `projects/${project}`, field: 'parent' }];
  }
  if (!isResourceKind(parentKind)) throw new Error(`${descriptor.kind} ${name} has a parent of unknown kind ${parentKind}`);
  return [{ kind: parentKind, name: parsed.parent, field: 'parent' }];
}

/**
 * Every resource a write of these versions of a resource refers to: its parent (when keystream
 * holds the parent's kind) and the kind's own references. The handler loads them into the context.
 */
export function referencesOf(kind: ResourceKind, ...versions: readonly (JsonObject | undefined)[]): Reference[] {
  const descriptor = resourceByKind(kind);
  const behaviour = behaviourOf(kind);
  const seen = new Map<string, Reference>();
  for (const version of versions) {
    if (version === undefined) continue;
    const name = version['name'];
    const found = [...(typeof name === 'string' ? parentReference(descriptor, name) : []), ...(behaviour.references?.(version) ?? [])];
    for (const reference of found) if (!seen.has(reference.name)) seen.set(reference.name, reference);
  }
  return [...seen.values()];
}

function outputOnlyPaths(descriptor: ResourceDescriptor): string[] {
  return descriptor.outputOnlyPaths.map(canonicalPath);
}

/**
 * The resource without the fields the server computes: they are ignored on input. The
 * last-modified-by annotation is one of them (a read-modify-write client sends back what it read,
 * so refusing it would break such clients; dropping it means a caller can never set it).
 */
function withoutOutputOnly(descriptor: ResourceDescriptor, resource: JsonObject): JsonObject {
  return withLastModifiedBy(outputOnlyPaths(descriptor).reduce((result, path) => withValueAt(result, path, undefined), resource), undefined);
}

/** Copies the output-only fields of `source` into `target` (so an update that changes nothing else is a no-op). */
function withOutputOnlyOf(descriptor: ResourceDescriptor, target: JsonObject, source: JsonObject): JsonObject {
  return withLastModifiedBy(outputOnlyPaths(descriptor).reduce((result, path) => withValueAt(result, path, getAt(source, path)), target), lastModifiedByOf(source));
}

function checkReferences(command: ResourceCommand, resource: JsonObject, context: DecideContext): void {
  const missing: FieldViolation[] = [];
  for (const reference of referencesOf(command.kind, resource)) {
    if (context.references.get(reference.name) !== undefined) continue;
    if (reference.field === 'parent') {
      throw new KeystreamError('NOT_FOUND', `parent ${reference.kind} ${reference.name} of ${resource['name'] as string} does not exist`);
    }
    missing.push({ field: reference.field, description: `${reference.kind} ${reference.name} does not exist` });
  }
  if (missing.length > 0) throw KeystreamError.invalidArgument(missing);
}

function validateAndDerive(command: ResourceCommand, resource: JsonObject, context: DecideContext, previous?: JsonObject): JsonObject {
  const behaviour = behaviourOf(command.kind);
  const violations = behaviour.validate?.(resource) ?? [];
  if (violations.length > 0) throw KeystreamError.invalidArgument(violations);
  checkReferences(command, resource, context);
  return (
    behaviour.derive?.(resource, {
      references: context.references,
      actor: context.actor,
      now: context.now,
      ...(previous === undefined ? {} : { previous }),
    }) ?? resource
  );
}

function schemaCheck(descriptor: ResourceDescriptor, resource: JsonObject): void {
  const result = descriptor.schema.safeParse(resource);
  if (result.success) return;
  throw KeystreamError.invalidArgument(
    result.error.issues.map((issue) => ({ field: [descriptor.singular, ...issue.path.map(String)].join('.'), description: issue.message })),
  );
}

function metadataOf(resource: JsonObject): JsonObject {
  const metadata = resource['metadata'];
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata : {};
}

function create(descriptor: ResourceDescriptor, command: ResourceCommand & { resource: JsonObject }, state: ResourceState, context: DecideContext): Decision {
  const name = command.resource['name'];
  if (typeof name !== 'string') throw new Error('create commands carry a resolved name');
  if (state.status === 'live') throw new KeystreamError('ALREADY_EXISTS', `${descriptor.kind} ${name} already exists`);
  const input = withoutOutputOnly(descriptor, command.resource);
  const derived = withLastModifiedBy(validateAndDerive(command, input, context), context.actor);
  const resource: JsonObject = {
    ...derived,
    metadata: {
      ...metadataOf(derived),
      createTime: context.now,
      updateTime: context.now,
      uuid: context.uuid,
      generation: 1,
      resourceVersion: String(nextRevisionOf(state)),
      lifecycle: { state: 'ACTIVE' },
    },
  };
  schemaCheck(descriptor, resource);
  return {
    events: [{ type: eventTypeOf(descriptor.kind, 'Created'), data: { resource } }],
    resource,
    updatedPaths: diffPaths(descriptor.message, undefined, resource),
  };
}

function immutableViolations(descriptor: ResourceDescriptor, stored: JsonObject, merged: JsonObject): FieldViolation[] {
  return descriptor.immutablePaths
    .map(canonicalPath)
    .filter((path) => JSON.stringify(getAt(stored, path)) !== JSON.stringify(getAt(merged, path)))
    .map((path) => ({ field: `${descriptor.singular}.${path}`, description: 'cannot be changed after creation' }));
}

/** The paths whose change bumps `metadata.generation`: everything outside metadata (the spec). */
function isSpecPath(path: string): boolean {
  return path !== 'metadata' && !path.startsWith('metadata.');
}

/**
 * Optimistic concurrency by `metadata.resource_version` (as Kubernetes clients use it): an update
 * that carries one was prepared from that version and must not overwrite a newer one. The version
 * is the stream revision of the resource's last event, so it is compared to the state's revision
 * (a resource that does not exist, or was deleted, has no version to match).
 */
function checkResourceVersion(descriptor: ResourceDescriptor, name: string, incoming: JsonObject, state: ResourceState): void {
  const given = metadataOf(incoming)['resourceVersion'];
  if (given === undefined || given === null || given === '') return;
  const expected = typeof given === 'string' ? given : JSON.stringify(given);
  const actual = state.status === 'live' ? String(state.revision) : undefined;
  if (expected === actual) return;
  throw new KeystreamError(
    'ABORTED',
    actual === undefined
      ? `${descriptor.kind} ${name} does not exist, so metadata.resource_version ${expected} cannot match; read it again and retry`
      : `${descriptor.kind} ${name} is at metadata.resource_version ${actual}, not ${expected}: it changed since it was read; read it again and retry`,
  );
}

function update(descriptor: ResourceDescriptor, command: Extract<ResourceCommand, { type: 'update' }>, state: ResourceState, context: DecideContext): Decision {
  const name = command.resource['name'];
  if (typeof name !== 'string' || name === '') {
    throw KeystreamError.invalidArgument([{ field: `${descriptor.singular}.name`, description: 'required: the name of the resource to update' }]);
  }
  checkResourceVersion(descriptor, name, command.resource, state);
  if (state.status !== 'live') {
    if (command.allowMissing === true) return create(descriptor, { type: 'create', kind: command.kind, resource: command.resource }, state, context);
    throw new KeystreamError('NOT_FOUND', `${descriptor.kind} ${name} does not exist`);
  }
  const stored = state.resource;
  if (command.cas !== undefined) checkCas(descriptor.message, stored, command.cas);

  const input = withoutOutputOnly(descriptor, command.resource);
  let merged: JsonObject;
  if (command.updateMask !== undefined && command.updateMask.length > 0) {
    const mask = parseFieldMask(descriptor.message, command.updateMask, 'update_mask');
    merged = mergeMasked(descriptor.message, stored, input, mask);
  } else {
    // A full replace of the writable fields; immutable fields the input leaves out keep their value.
    merged = descriptor.immutablePaths.map(canonicalPath).reduce(
      (result, path) => (getAt(input, path) === undefined ? withValueAt(result, path, getAt(stored, path)) : result),
      input,
    );
  }
  merged = withOutputOnlyOf(descriptor, merged, stored);
  merged = withValueAt(merged, 'name', stored['name']);
  const violations = immutableViolations(descriptor, stored, merged);
  if (violations.length > 0) throw KeystreamError.invalidArgument(violations);

  const derived = validateAndDerive(command, merged, context, stored);
  const updatedPaths = diffPaths(descriptor.message, stored, derived);
  if (updatedPaths.length === 0) return { events: [], resource: stored, updatedPaths };

  const storedMetadata = metadataOf(stored);
  const generation = typeof storedMetadata['generation'] === 'number' ? storedMetadata['generation'] : 1;
  const stamped = withLastModifiedBy(derived, context.actor);
  const resource: JsonObject = {
    ...stamped,
    metadata: {
      ...metadataOf(stamped),
      updateTime: context.now,
      generation: updatedPaths.some(isSpecPath) ? generation + 1 : generation,
      resourceVersion: String(nextRevisionOf(state)),
    },
  };
  schemaCheck(descriptor, resource);
  const changed = diffPaths(descriptor.message, stored, resource);
  return { events: [{ type: eventTypeOf(descriptor.kind, 'Updated'), data: { resource, updatedPaths: changed } }], resource, updatedPaths: changed };
}

function remove(descriptor: ResourceDescriptor, command: Extract<ResourceCommand, { type: 'delete' }>, state: ResourceState, context: DecideContext): Decision {
  if (state.status !== 'live') throw new KeystreamError('NOT_FOUND', `${descriptor.kind} ${command.name} does not exist`);
  if (command.cas !== undefined) checkCas(descriptor.message, state.resource, command.cas);
  if (context.childCount !== undefined && context.childCount > 0) {
    throw new KeystreamError(
      'FAILED_PRECONDITION',
      `${descriptor.kind} ${command.name} still has ${context.childCount} child resource(s); delete them first`,
    );
  }
  // The final state says it is gone: goten.types.Lifecycle.State has no DELETED, DELETING is its last state.
  const metadata = metadataOf(state.resource);
  const lifecycle = typeof metadata['lifecycle'] === 'object' && metadata['lifecycle'] !== null && !Array.isArray(metadata['lifecycle']) ? metadata['lifecycle'] : {};
  // The final state names who deleted it: the event log's consumers (Kafka) see the deleter.
  const resource: JsonObject = withLastModifiedBy({ ...state.resource, metadata: { ...metadata, deleteTime: context.now, lifecycle: { ...lifecycle, state: 'DELETING' } } }, context.actor);
  return {
    events: [{ type: eventTypeOf(descriptor.kind, 'Deleted'), data: { name: command.name, resource } }],
    updatedPaths: [],
  };
}

/** Decides a lifecycle command against the resource's current state. */
export function decideResource(command: ResourceCommand, state: ResourceState, context: DecideContext): Decision {
  const descriptor = resourceByKind(command.kind);
  switch (command.type) {
    case 'create':
      return create(descriptor, command, state, context);
    case 'update':
      return update(descriptor, command, state, context);
    case 'delete':
      return remove(descriptor, command, state, context);
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
    }
  }
}
