/**
 * Types the iam.edgelq.com reference uses without defining them.
 *
 * They come from the frameworks the API is built on: goten (`goten-sdk/types/*.proto`: Meta,
 * MultiRegionPolicy, View, WatchType), the meta service (`meta.edgelq.com/Service`, returned by
 * ListProjectServices) and google.protobuf (Empty). They are written here in the same shape the
 * spec parser produces, so one generator turns both into schemas and one codec serialises both.
 */
import type { SpecEnum, SpecField, SpecMessage, SpecModel } from './specParser.js';

const WELL_KNOWN = 'well-known';

/** Contract name of ntt.api.ServiceAccount (the credentials-file shape). */
export const CREDENTIALS_FILE = 'NttCredentials';

/**
 * Fully qualified proto names of the well-known types, by contract name. Every other message of
 * the contract is `ntt.iam.v1.<name>`.
 */
export const WELL_KNOWN_PROTO_NAMES: Readonly<Record<string, string>> = {
  Meta: 'goten.types.Meta',
  OwnerReference: 'goten.types.OwnerReference',
  SyncingMeta: 'goten.types.SyncingMeta',
  Lifecycle: 'goten.types.Lifecycle',
  'Lifecycle.State': 'goten.types.Lifecycle.State',
  ServicesInfo: 'goten.types.ServicesInfo',
  MultiRegionPolicy: 'goten.types.MultiRegionPolicy',
  'MultiRegionPolicy.CriteriaForDisabledSync': 'goten.types.MultiRegionPolicy.CriteriaForDisabledSync',
  View: 'goten.types.View',
  WatchType: 'goten.types.WatchType',
  Service: 'goten.meta.v1.Service',
  'Service.ImportedVersions': 'goten.meta.v1.Service.ImportedVersions',
  LabelledDomain: 'goten.meta.v1.LabelledDomain',
  [CREDENTIALS_FILE]: 'ntt.api.ServiceAccount',
  Empty: 'google.protobuf.Empty',
};

/**
 * Field types the reference renders wrongly, corrected from the wire table: `message.field` →
 * contract type. ntt_admin_credentials is the credentials file, not the iam ServiceAccount.
 */
export const FIELD_TYPE_CORRECTIONS: Readonly<Record<string, string>> = {
  'ReserveServiceNameResponse.ntt_admin_credentials': CREDENTIALS_FILE,
  'AddRegionalAdminAccountForServicesResponse.ntt_admin_credentials': CREDENTIALS_FILE,
};

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
    // goten.meta.v1.Service: the fields of the meta service's Service resource, as the wire table
    // lists them (the reference's rendering showed a current_version field it does not have).
    name: 'Service',
    section: WELL_KNOWN,
    fields: [
      field('name', 'string'),
      field('metadata', 'Meta'),
      field('multi_region_policy', 'MultiRegionPolicy'),
      field('display_name', 'string'),
      field('all_versions', 'string', { repeated: true }),
      field('global_domain', 'string'),
      field('labelled_domains', 'LabelledDomain', { repeated: true }),
      field('leading_service', 'string'),
      field('imported_services', 'string', { repeated: true }),
      field('used_services', 'string', { repeated: true }),
      field('imported_versions', 'Service.ImportedVersions', { repeated: true }),
      field('env_registry_generation', 'int32'),
      field('automatic_version_switch', 'bool'),
    ],
  },
  {
    name: 'Service.ImportedVersions',
    section: WELL_KNOWN,
    fields: [field('target_service', 'string'), field('target_service_version', 'string'), field('current_service_version', 'string')],
  },
  {
    name: 'LabelledDomain',
    section: WELL_KNOWN,
    fields: [
      field('label', 'string'),
      field('domain', 'string'),
      field('available_mixins', 'string', { repeated: true }),
      field('web_grpc_available', 'bool'),
      field('rest_api_available', 'bool'),
      field('is_private', 'bool'),
    ],
  },
  {
    // ntt.api.ServiceAccount: the credentials file a service's admin saves as ntt-credentials.json
    // (the type of ntt_admin_credentials), not the iam ServiceAccount resource. Its JSON names are
    // snake_case (explicit json_name in the proto), which the wire model carries.
    name: CREDENTIALS_FILE,
    section: WELL_KNOWN,
    fields: [field('type', 'string'), field('client_email', 'string'), field('private_key_id', 'string'), field('private_key', 'string')],
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

/** The reference's model with {@link FIELD_TYPE_CORRECTIONS} applied. */
export function correctedModel(model: SpecModel): SpecModel {
  return {
    ...model,
    messages: model.messages.map((message) => ({
      ...message,
      fields: message.fields.map((specField) => {
        const corrected = FIELD_TYPE_CORRECTIONS[`${message.name}.${specField.name}`];
        return corrected === undefined ? specField : { ...specField, type: corrected };
      }),
    })),
  };
}
