/**
 * The MongoDB indexes of each kind's read-model collection, derived from the descriptors: `name`
 * (parents are name prefixes, which an anchored regex serves from it) is always indexed by the
 * adapter; here come the fields List filters use most — every reference field and the member
 * fields of bindings and assignments, the ancestry path the "my" views follow, an invitation's
 * invitee and state — the common newest-first sort, and a text index over the fields a search
 * phrase is matched in (the adapter makes it without a language; docs/invitations.md says how
 * `$text` serves phrases).
 */
import { RESOURCES, type ResourceDescriptor } from '@keystream/api';
import { COLLECTION_OF_NAME, type IndexSpecification } from '@keystream/readstore';
import { phraseFieldsOf } from '@keystream/service-api';

const MEMBER_FIELDS = new Set(['member', 'memberType', 'category', 'scope', 'ancestryPath']);

/** The field a kind's lists are ordered by for people to read (order_by displayName or title), if it has one. */
function displayFieldOf(descriptor: ResourceDescriptor): string | undefined {
  return descriptor.message.fields.find((field) => (field.jsonName === 'displayName' || field.jsonName === 'title') && field.cardinality === 'single')?.jsonName;
}

/** Invitations are looked up by invitee (ListMy…Invitations) and state. */
const INVITATION_INDEXES: readonly IndexSpecification[] = [
  { 'invitation.inviteeEmail': 1, name: 1 },
  { 'invitation.state': 1, name: 1 },
];

/** Index specifications for one kind. */
export function mongoIndexesOf(descriptor: ResourceDescriptor): IndexSpecification[] {
  return [...filterIndexesOf(descriptor), ...displayOrderOf(descriptor), ...ordersAgainstTheTieBreak(descriptor)];
}

/**
 * Oldest first and Z to A, for MongoDB only. A MongoDB index serves a sort that is its own key
 * pattern or that pattern's exact inverse, and the name tie-break stays ascending whichever way the
 * values go: `{metadata.createTime: 1, name: 1}` is neither of the newest-first index, so without
 * its own index MongoDB sorts every match. The embedded store needs none of these: it walks the
 * newest-first and A-to-Z indexes backwards, reading each tie forwards (indexWalk.ts).
 */
function ordersAgainstTheTieBreak(descriptor: ResourceDescriptor): IndexSpecification[] {
  const display = displayFieldOf(descriptor);
  return [{ 'metadata.createTime': 1, name: 1 }, ...(display === undefined ? [] : [{ [display]: -1 as const, name: 1 as const }])];
}

/** The indexes of the filters and the newest-first order (the first set; later additions come after it, see embeddedIndexes). */
function filterIndexesOf(descriptor: ResourceDescriptor): IndexSpecification[] {
  const indexes: IndexSpecification[] = [{ 'metadata.createTime': -1, name: 1 }];
  for (const field of descriptor.message.fields) {
    const referenced = field.relation?.kind === 'reference';
    if ((referenced || MEMBER_FIELDS.has(field.jsonName)) && field.cardinality !== 'map') indexes.push({ [field.jsonName]: 1, name: 1 });
  }
  if (descriptor.kind === 'ProjectInvitation' || descriptor.kind === 'OrganizationInvitation') indexes.push(...INVITATION_INDEXES);
  // One text index per collection is all MongoDB allows: every phrase field in it.
  const phraseFields = phraseFieldsOf(descriptor);
  if (phraseFields.length > 0) indexes.push(Object.fromEntries(phraseFields.map((field) => [field, 'text' as const])));
  return indexes;
}

/** The other order people ask lists for: by the name they read (order_by displayName or title, A to Z). */
function displayOrderOf(descriptor: ResourceDescriptor): IndexSpecification[] {
  const display = displayFieldOf(descriptor);
  return display === undefined ? [] : [{ [display]: 1, name: 1 }];
}

/** Index specifications for every kind, as the MongoDB read store's `indexes` option. */
export function mongoIndexes(): Record<string, IndexSpecification[]> {
  return Object.fromEntries(RESOURCES.map((descriptor) => [descriptor.kind, mongoIndexesOf(descriptor)]));
}

/**
 * The newest-first order within one parent: the embedded store serves a List under a parent
 * sorted by creation (the dashboards' default view) as a walk of this index that stops at the
 * page's end, where `name` alone would make it read every document of the parent. MongoDB is not
 * given it (`$collection` is the embedded store's own path).
 */
const NEWEST_IN_COLLECTION: IndexSpecification = { [COLLECTION_OF_NAME]: 1, 'metadata.createTime': -1, name: 1 };

/** The display order within one parent (see NEWEST_IN_COLLECTION), for a kind with a display field. */
function displayInCollection(descriptor: ResourceDescriptor): IndexSpecification[] {
  const display = displayFieldOf(descriptor);
  return display === undefined ? [] : [{ [COLLECTION_OF_NAME]: 1, [display]: 1, name: 1 }];
}

/**
 * Index specifications for every kind in the embedded read store: MongoDB's, and the newest-first
 * and display orders within a parent. Indexes added since a set was first stored go at its end, in
 * the order they were added: a store holding the earlier set then builds only them, in the
 * background, instead of re-indexing the kind before its next query (lmdbReadStore.ts).
 */
export function embeddedIndexes(): Record<string, IndexSpecification[]> {
  return Object.fromEntries(
    RESOURCES.map((descriptor) => [descriptor.kind, [...filterIndexesOf(descriptor), NEWEST_IN_COLLECTION, ...displayOrderOf(descriptor), ...displayInCollection(descriptor)]]),
  );
}
