/**
 * Types the iam.edgelq.com reference uses without defining them.
 *
 * They come from the frameworks the API is built on: goten (`goten-sdk/types/*.proto`: Meta,
 * MultiRegionPolicy, View, WatchType), the meta service (`meta.edgelq.com/Service`, returned by
 * ListProjectServices) and google.protobuf (Empty). They are written here in the same shape the
 * spec parser produces, so one generator turns both into schemas and one codec serialises both.
 */
import type { SpecEnum, SpecField, SpecMessage } from './specParser.js';

const WELL_KNOWN = 'well-known';

function field(name: string, type: string, options: Partial<Omit<SpecField, 'name' | 'type'>> = {}): SpecField {
  return { name, type, repeated: options.repeated ?? false, ...options };
}

/** Messages from goten-sdk and meta.edgelq.com that the spec refers to. */
export const WELL_KNOWN_MESSAGES: readonly SpecMessage[] = [
  {
    name: 'Meta',
    section: WELL_KNOWN,
    fields: [
      field('create_time', '.google.protobuf.Timestamp'),
      field('update_time', '.google.protobuf.Timestamp'),
      field('delete_time', '.google.protobuf.Timestamp'),
      field('uuid', 'string'),
      field('tags', 'string', { repeated: true }),
      field('labels', 'string', { mapKey: 'string' }),
      field('annotations', 'string', { mapKey: 'string' }),
      field('generation', 'int64'),
      field('resource_version', 'string'),
      field('owner_references', 'OwnerReference', { repeated: true }),
      field('shards', 'int64', { mapKey: 'string' }),
      field('syncing', 'SyncingMeta'),
      field('lifecycle', 'Lifecycle'),
      field('services', 'ServicesInfo'),
    ],
  },
  {
    name: 'OwnerReference',
    section: WELL_KNOWN,
    fields: [
      field('kind', 'string'),
      field('version', 'string'),
      field('name', 'string'),
      field('region', 'string'),
      field('controller', 'bool'),
      field('requires_owner_reference', 'bool'),
      field('unset_on_delete', 'bool'),
    ],
  },
  {
    name: 'SyncingMeta',
    section: WELL_KNOWN,
    fields: [field('owning_region', 'string'), field('regions', 'string', { repeated: true })],
  },
  {
    name: 'Lifecycle',
    section: WELL_KNOWN,
    fields: [field('state', 'Lifecycle.State'), field('block_deletion', 'bool')],
  },
  {
    name: 'ServicesInfo',
    section: WELL_KNOWN,
    fields: [field('owning_service', 'string'), field('allowed_services', 'string', { repeated: true })],
  },
  {
    name: 'MultiRegionPolicy',
    section: WELL_KNOWN,
    fields: [
      field('enabled_regions', 'string', { repeated: true }),
      field('default_control_region', 'string'),
      field('criteria_for_disabled_sync', 'MultiRegionPolicy.CriteriaForDisabledSync', { repeated: true }),
    ],
  },
  {
    name: 'MultiRegionPolicy.CriteriaForDisabledSync',
    section: WELL_KNOWN,
    fields: [field('resource_type_name', 'string'), field('source_region', 'string'), field('dest_region', 'string')],
  },
  {
    name: 'Service',
    section: WELL_KNOWN,
    fields: [
      field('name', 'string'),
      field('metadata', 'Meta'),
      field('display_name', 'string'),
      field('current_version', 'string'),
      field('all_versions', 'string', { repeated: true }),
    ],
  },
  { name: 'Empty', section: WELL_KNOWN, fields: [] },
];

/** Enums from goten-sdk that the spec refers to. */
export const WELL_KNOWN_ENUMS: readonly SpecEnum[] = [
  { name: 'View', section: WELL_KNOWN, values: ['UNSPECIFIED', 'NAME', 'BASIC', 'DETAIL', 'FULL'] },
  { name: 'WatchType', section: WELL_KNOWN, values: ['STATEFUL', 'STATELESS'] },
  { name: 'Lifecycle.State', section: WELL_KNOWN, values: ['UNDEFINED', 'ACTIVE', 'DELETING'] },
];

/** The section name given to well-known types, so the conformance check can tell them apart. */
export const WELL_KNOWN_SECTION = WELL_KNOWN;
