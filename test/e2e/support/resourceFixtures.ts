/**
 * Builds resources for the e2e suite from the descriptors: unique names under any of a kind's
 * name patterns, the ancestors those names need (every ancestor whose kind keystream holds is
 * created; other services' kinds such as Service and Region are not checked by keystream), and
 * valid bodies with the few required fields the samples supply.
 */
import { isResourceKind, RESOURCES, resourceByKind, type NamePattern, type ResourceDescriptor, type ResourceKind } from '@keystream/api';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { asStored, sampleOf } from './resourceSamples.js';
import type { JsonObject, RestAnswer, RestClient } from './restClient.js';

/** A resource created through the API, with the position its write answered. */
export interface CreatedResource {
  readonly name: string;
  /** The resource as reads return it (fields only the Create answers, such as secrets, removed). */
  readonly resource: JsonObject;
  /** The Create's answer as it came. */
  readonly answered: JsonObject;
  readonly position: string;
}

/** How to make a new resource. */
export interface NewResourceOptions {
  /** Which name pattern to use (default: the kind's first, which its primary routes serve). */
  readonly pattern?: NamePattern;
  /** The name to give; ancestors are still created. */
  readonly name?: string;
  /** Leave the name out so the server generates one (under `parent`). */
  readonly generateName?: boolean;
  /** Extra fields, merged over the sample. */
  readonly fields?: JsonObject;
  /** Labels put on `metadata.labels`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Do not create the ancestors (to provoke a missing parent). */
  readonly withoutAncestors?: boolean;
}

/** A new resource's request parts, not sent yet. */
export interface ResourceDraft {
  readonly descriptor: ResourceDescriptor;
  readonly pattern: NamePattern;
  /** The name the resource will have (also when the request leaves it to the server). */
  readonly name: string;
  readonly parent: string;
  /** The resource body to send. */
  readonly resource: JsonObject;
}

/** Header every write answers with, and List/BatchGet honour. */
export const MIN_POSITION_HEADER = 'x-keystream-min-position';

let sequence = 0;

/** A fresh id that every kind's id regex accepts: lower-case, starts with a letter, ≤ 30 characters. */
export function newId(prefix = 't'): string {
  sequence += 1;
  return `${prefix}${sequence.toString(36)}x${randomBytes(5).toString('hex')}`;
}

/** Kinds keystream holds and callers can create (MemberAssignment is made by keystream only). */
export function isCreatable(kind: string): boolean {
  const descriptor = RESOURCES.find((candidate) => candidate.kind === kind);
  return descriptor !== undefined && descriptor.standardMethods.create !== undefined && descriptor.idGeneration !== 'system';
}

/** The kind's first name pattern: the one its primary routes serve. */
export function primaryPattern(descriptor: ResourceDescriptor): NamePattern {
  const [first] = descriptor.namePatterns;
  if (first === undefined) throw new Error(`${descriptor.kind} has no name pattern`);
  return first;
}

/** A name under the pattern with fresh ids (or the given ones). */
export function nameUnder(pattern: NamePattern, ids: Readonly<Record<string, string>> = {}): string {
  return pattern.segments.map((segment) => `${segment.collection}/${ids[segment.idVariable] ?? newId()}`).join('/');
}

/** The parent part of a name under a pattern ('' for a top-level pattern). */
export function parentOf(name: string): string {
  return name.split('/').slice(0, -2).join('/');
}

/** The name pattern of `kind` whose collections are exactly these. */
function patternWithCollections(kind: ResourceKind, collections: readonly string[]): NamePattern | undefined {
  return resourceByKind(kind).namePatterns.find(
    (pattern) => pattern.segments.length === collections.length && pattern.segments.every((segment, index) => segment.collection === collections[index]),
  );
}

/** The value of the header, failing the test when it is absent. */
export function positionOf(answer: RestAnswer): string {
  const position = answer.headers.get(MIN_POSITION_HEADER);
  expect(position, `${MIN_POSITION_HEADER} header`).to.be.a('string').and.match(/^[0-9a-f]+$/);
  return position as string;
}

/** Creates resources (and what they need) through the API. */
export class ResourceFixtures {
  private readonly existing = new Set<string>();
  private sharedRole: Promise<string> | undefined;

  constructor(readonly client: RestClient) {}

  /** The name of a Role that exists, created once per fixture set (`services/*` roles have no parent to check). */
  existingRole(): Promise<string> {
    this.sharedRole ??= this.create('Role').then((created) => created.name);
    return this.sharedRole;
  }

  /** Creates, in order from the top, every ancestor of `name` whose kind keystream holds. */
  async ensureAncestors(pattern: NamePattern, name: string): Promise<void> {
    const parts = name.split('/');
    for (let index = 0; index < pattern.segments.length - 1; index += 1) {
      const segment = pattern.segments[index];
      if (segment === undefined || !isResourceKind(segment.kind) || !isCreatable(segment.kind)) continue;
      const ancestorName = parts.slice(0, (index + 1) * 2).join('/');
      if (this.existing.has(ancestorName)) continue;
      const ancestorPattern = patternWithCollections(
        segment.kind,
        pattern.segments.slice(0, index + 1).map((candidate) => candidate.collection),
      );
      if (ancestorPattern === undefined) throw new Error(`${segment.kind} has no pattern for ${ancestorName}`);
      await this.create(segment.kind, { pattern: ancestorPattern, name: ancestorName });
    }
  }

  /** A valid new resource of `kind`, its ancestors created unless asked not to. */
  async draft(kind: ResourceKind, options: NewResourceOptions = {}): Promise<ResourceDraft> {
    const descriptor = resourceByKind(kind);
    const pattern = options.pattern ?? primaryPattern(descriptor);
    const name = options.name ?? nameUnder(pattern);
    if (options.withoutAncestors !== true) await this.ensureAncestors(pattern, name);
    const required = await sampleOf(kind).required({ newId: () => newId(), existingRole: () => this.existingRole() });
    const resource: JsonObject = { ...required, ...(options.fields ?? {}) };
    if (options.generateName !== true) resource['name'] = name;
    if (options.labels !== undefined) resource['metadata'] = { ...((resource['metadata']) ?? {}), labels: { ...options.labels } };
    return { descriptor, pattern, name, parent: parentOf(name), resource };
  }

  /** The Create request message for a draft. */
  createRequest(draft: ResourceDraft): JsonObject {
    return { ...(draft.parent === '' ? {} : { parent: draft.parent }), [draft.descriptor.singular]: draft.resource };
  }

  /** Sends the Create for a draft (on the route that fits its parent) and returns the raw answer. */
  async sendCreate(draft: ResourceDraft, headers: Readonly<Record<string, string>> = {}): Promise<RestAnswer> {
    const method = draft.descriptor.standardMethods.create;
    if (method === undefined) throw new Error(`${draft.descriptor.kind} has no Create`);
    return this.client.call(method, this.createRequest(draft), { headers });
  }

  /** Creates a resource of `kind`, failing the test unless the server answers 200. */
  async create(kind: ResourceKind, options: NewResourceOptions = {}): Promise<CreatedResource> {
    const draft = await this.draft(kind, options);
    const answer = await this.sendCreate(draft);
    expect(answer.status, `Create${kind} ${draft.name}: ${answer.text}`).to.equal(200);
    const name = answer.body['name'] as string;
    this.existing.add(name);
    return { name, resource: asStored(kind, answer.body), answered: answer.body, position: positionOf(answer) };
  }

  /**
   * The name of a MemberAssignment, which keystream alone makes: a RoleBinding for a new member
   * in a new project, then the assignment that binding gives the member, polled for (bounded)
   * until the process manager has written it and the read model holds it.
   */
  async memberAssignment(): Promise<string> {
    const pattern = resourceByKind('RoleBinding').namePatterns.find((candidate) => candidate.segments[0]?.collection === 'projects');
    if (pattern === undefined) throw new Error('RoleBinding has no pattern under projects/');
    const binding = await this.create('RoleBinding', { pattern });
    const member = binding.resource['member'] as string;
    const scope = binding.name.split('/').slice(0, 2).join('/');
    const filter = `member = "${member}" AND scope = "${scope}"`;
    for (const deadline = Date.now() + 10_000; ; ) {
      const answer = await this.client.call('ListMemberAssignments', { parent: 'regions/-', filter });
      expect(answer.status, `ListMemberAssignments: ${answer.text}`).to.equal(200);
      const found = (answer.body['memberAssignments'] as JsonObject[] | undefined)?.[0]?.['name'];
      if (typeof found === 'string') return found;
      if (Date.now() > deadline) throw new Error(`no MemberAssignment of ${member} in ${scope} after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Deletes a resource (its scope's role bindings, like the creator's owner binding, go with it). */
  async delete(kind: ResourceKind, name: string): Promise<RestAnswer> {
    return this.client.call(`Delete${kind}`, { name });
  }

}
