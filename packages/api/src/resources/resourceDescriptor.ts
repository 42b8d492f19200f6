/**
 * Resource descriptors: everything the generic machinery needs to know about one resource kind.
 *
 * Most of a descriptor is read from the generated spec model (name patterns, id regex, schema,
 * nested types, methods). What the reference states only in prose (output-only and immutable
 * fields, views, how ids are made) is given in the resource's own descriptor file and checked
 * against the message here, so a misspelt path fails at load time rather than at a request.
 */
import type { ResourceKind } from '../generated/specModel.js';
import type { z } from 'zod';
import { MESSAGE_SCHEMAS } from '../generated/schemas.js';
import { SPEC_MODEL } from '../generated/specModel.js';
import { METHODS, type MethodDescriptor, type StandardVerb } from '../methods/methodTable.js';
import { enumDescriptor, messageDescriptor, type MessageDescriptor } from '../registry/messageRegistry.js';

/** Views a resource may define paths for; UNSPECIFIED and FULL are never defined per resource. */
export type DefinedView = 'NAME' | 'BASIC' | 'DETAIL';

/** How the last id segment of a new resource's name is obtained when the caller gives none. */
export type IdGeneration =
  /** A random id matching the id regex. */
  | 'random'
  /** The caller must give the name (e.g. Permission, whose id is meaningful). */
  | 'required'
  /** Only the system creates it; its id is derived from other fields (e.g. MemberAssignment). */
  | 'system';

/** One segment pair of a name pattern: `projects/{project}`. */
export interface NamePatternSegment {
  /** Collection segment, e.g. `projects`. */
  readonly collection: string;
  /** The variable's name in the reference, e.g. `project`. */
  readonly idVariable: string;
  /** The kind the segment names, e.g. `Project` (or `Service`/`Region` for other services' kinds). */
  readonly kind: string;
}

export interface NamePattern {
  /** The pattern as written, e.g. `projects/{project}/roles/{role}`. */
  readonly pattern: string;
  readonly segments: readonly NamePatternSegment[];
  /** Kinds of the ancestors, nearest last; empty for a top-level pattern. */
  readonly parentKinds: readonly string[];
  /** The pattern of the parent name (without the last pair), or '' for a top-level pattern. */
  readonly parentPattern: string;
}

export interface ResourceDescriptor {
  /** `AttestationDomain` */
  readonly kind: ResourceKind;
  /** `attestationDomain`: JSON name of request fields holding one resource. */
  readonly singular: string;
  /** `attestation_domain`: proto name of request fields holding one resource. */
  readonly singularProto: string;
  /** `attestationDomains`: the collection segment in names and routes. */
  readonly plural: string;
  /** `AttestationDomains`: as in method names (ListAttestationDomains). */
  readonly pluralKind: string;
  readonly schema: z.ZodType;
  readonly message: MessageDescriptor;
  readonly namePatterns: readonly NamePattern[];
  /** The reference's regex for the last id segment. */
  readonly idPattern: RegExp;
  readonly idGeneration: IdGeneration;
  /** Field paths (proto names) the server computes; ignored on input. */
  readonly outputOnlyPaths: readonly string[];
  /** Field paths that may be set on create and never changed after. */
  readonly immutablePaths: readonly string[];
  /** Paths of each view the resource defines; views it does not define mean the whole resource. */
  readonly views: Readonly<Partial<Record<DefinedView, readonly string[]>>>;
  /** Messages and enums nested in the resource message (`Role.Grant`, `Role.Category`, …). */
  readonly nestedMessages: readonly string[];
  readonly nestedEnums: readonly string[];
  /** The resource's methods from the method table, standard and custom. */
  readonly methods: readonly MethodDescriptor[];
  /** The resource's standard methods by verb (MemberAssignment, for one, has no create). */
  readonly standardMethods: Readonly<Partial<Record<StandardVerb, MethodDescriptor>>>;
}

/** What a descriptor file states; the rest is derived. */
export interface ResourceDefinition {
  readonly idGeneration: IdGeneration;
  /** Used when the reference states no id regex for the resource. */
  readonly idPattern?: string;
  readonly outputOnly?: readonly string[];
  readonly immutable?: readonly string[];
  readonly views?: Readonly<Partial<Record<DefinedView, readonly string[]>>>;
}

/** Meta fields the server always computes (goten marks them OUTPUT_ONLY or derives them). */
const META_OUTPUT_ONLY = [
  'metadata.create_time',
  'metadata.update_time',
  'metadata.delete_time',
  'metadata.uuid',
  'metadata.generation',
  'metadata.resource_version',
  'metadata.lifecycle',
];

/** Kinds of other services that appear in iam name patterns. */
const FOREIGN_COLLECTIONS: Readonly<Record<string, string>> = { services: 'Service', regions: 'Region' };

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function collectionKinds(): Map<string, string> {
  const kinds = new Map(Object.entries(FOREIGN_COLLECTIONS));
  for (const resource of SPEC_MODEL.resources) {
    const lastPattern = resource.namePatterns[0] ?? '';
    const parts = lastPattern.split('/');
    kinds.set(parts[parts.length - 2] as string, resource.name);
  }
  return kinds;
}

function parseNamePattern(pattern: string, kinds: Map<string, string>): NamePattern {
  const parts = pattern.split('/');
  if (parts.length % 2 !== 0) throw new Error(`name pattern ${pattern} is not collection/{id} pairs`);
  const segments: NamePatternSegment[] = [];
  for (let index = 0; index < parts.length; index += 2) {
    const collection = parts[index] as string;
    const variable = /^\{([a-z_]+)\}$/.exec(parts[index + 1] as string)?.[1];
    const kind = kinds.get(collection);
    if (variable === undefined || kind === undefined) throw new Error(`cannot read name pattern ${pattern}`);
    segments.push({ collection, idVariable: variable, kind });
  }
  return {
    pattern,
    segments,
    parentKinds: segments.slice(0, -1).map((segment) => segment.kind),
    parentPattern: parts.slice(0, -2).join('/'),
  };
}

/** Checks that a dotted proto path names a field of the message (map keys allowed after a map). */
export function assertFieldPath(message: MessageDescriptor, path: string): void {
  let current: MessageDescriptor | undefined = message;
  for (const part of path.split('.')) {
    if (current === undefined) return; // below a map or a scalar: map keys are free-form
    const field = current.field(part);
    if (!field) throw new Error(`${message.name} has no field path ${path}`);
    current = field.value.kind === 'message' && field.cardinality !== 'map' ? messageDescriptor(field.value.messageName) : undefined;
  }
}

/** Builds a resource's descriptor from the reference and its definition. */
export function defineResource(kind: ResourceKind, definition: ResourceDefinition): ResourceDescriptor {
  const resource = SPEC_MODEL.resources.find((candidate) => candidate.name === kind);
  if (!resource) throw new Error(`the API reference has no resource ${kind}`);
  const message = messageDescriptor(kind);
  const kinds = collectionKinds();
  const namePatterns = resource.namePatterns.map((pattern) => parseNamePattern(pattern, kinds));
  const first = namePatterns[0];
  if (first === undefined) throw new Error(`${kind} has no name pattern`);
  const plural = (first.segments[first.segments.length - 1] as NamePatternSegment).collection;
  const specIdPattern = SPEC_MODEL.messages.find((candidate) => candidate.name === kind)?.fields.find((field) => field.name === 'name')?.idPattern;
  const idPattern = specIdPattern ?? definition.idPattern;
  if (idPattern === undefined) throw new Error(`${kind}: the reference states no id regex, so the definition must`);

  const outputOnlyPaths = [...META_OUTPUT_ONLY, ...(definition.outputOnly ?? [])];
  const immutablePaths = definition.immutable ?? [];
  const views = definition.views ?? {};
  for (const path of [...outputOnlyPaths, ...immutablePaths, ...Object.values(views).flat()]) assertFieldPath(message, path);

  const nestedPrefix = `${kind}.`;
  const methods = METHODS.filter((method) => method.resource === kind);
  const standardMethods: Partial<Record<StandardVerb, MethodDescriptor>> = {};
  for (const method of methods) if (method.standard) standardMethods[method.standard] = method;
  const singular = lowerFirst(kind);

  return {
    kind,
    singular,
    singularProto: singular.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
    plural,
    pluralKind: plural.charAt(0).toUpperCase() + plural.slice(1),
    schema: (MESSAGE_SCHEMAS as Readonly<Record<string, z.ZodType>>)[kind] as z.ZodType,
    message,
    namePatterns,
    // Anchored: the reference's regexes describe the whole id segment.
    idPattern: new RegExp(`^(?:${idPattern})$`),
    idGeneration: definition.idGeneration,
    outputOnlyPaths,
    immutablePaths,
    views,
    nestedMessages: SPEC_MODEL.messages.filter((candidate) => candidate.name.startsWith(nestedPrefix)).map((candidate) => candidate.name),
    nestedEnums: SPEC_MODEL.enums
      .filter((candidate) => candidate.name.startsWith(nestedPrefix))
      .map((candidate) => enumDescriptor(candidate.name).name),
    methods,
    standardMethods,
  };
}
