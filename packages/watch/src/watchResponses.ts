/**
 * Builds Watch responses (internal form) for one resource kind: the `<Kind>Change` variants and the
 * `Watch<Kinds>Response` / `Watch<Kind>Response` envelopes, named from the descriptor.
 */
import type { ResourceDescriptor } from '@keystream/api';
import type { JsonObject } from '@keystream/readstore';
import { applyFieldMask, fieldMaskOf, type FieldMask } from '@keystream/resource';

/** Flags of a `Watch<Kinds>Response`. */
export interface ResponseFlags {
  readonly isCurrent?: boolean;
  readonly resumeToken?: string;
  readonly pageTokenChange?: { readonly prevPageToken?: string; readonly nextPageToken?: string };
}

/** Response shapes of one watch. */
export class WatchResponses {
  private readonly changesField: string;
  private readonly mask: FieldMask | undefined;

  constructor(
    private readonly descriptor: ResourceDescriptor,
    mask: FieldMask | undefined,
  ) {
    this.changesField = `${descriptor.singular}Changes`;
    // A watch always shows `name`: without it a client cannot tell which resource a Current is.
    this.mask = mask === undefined || mask.paths.includes('name') ? mask : fieldMaskOf([...mask.paths, 'name']);
  }

  /** The document as the watch shows it (its mask plus `name`). */
  project(document: JsonObject): JsonObject {
    return applyFieldMask(document, this.mask) as JsonObject;
  }

  current(projected: JsonObject): JsonObject {
    return { current: { [this.descriptor.singular]: projected } };
  }

  removed(name: string, viewIndex?: number): JsonObject {
    return { removed: viewIndex === undefined ? { name } : { name, viewIndex } };
  }

  added(projected: JsonObject, viewIndex: number): JsonObject {
    return { added: { [this.descriptor.singular]: projected, viewIndex } };
  }

  modified(name: string, projected: JsonObject, paths: readonly string[], previousViewIndex: number, viewIndex: number): JsonObject {
    return { modified: { name, [this.descriptor.singular]: projected, fieldMask: [...paths], previousViewIndex, viewIndex } };
  }

  /** A `Watch<Kinds>Response` carrying changes. `snapshot_size` is -1 (unpopulated) on every such response. */
  many(changes: readonly JsonObject[], flags: ResponseFlags): JsonObject {
    const response: JsonObject = { [this.changesField]: [...changes], snapshotSize: -1 };
    if (flags.isCurrent === true) response['isCurrent'] = true;
    if (flags.resumeToken !== undefined) response['resumeToken'] = flags.resumeToken;
    if (flags.pageTokenChange !== undefined) response['pageTokenChange'] = { ...flags.pageTokenChange };
    return response;
  }

  /** The response that carries only the number of resources the client should hold. */
  snapshotSize(count: number): JsonObject {
    return { snapshotSize: count };
  }

  hardReset(): JsonObject {
    return { isHardReset: true, snapshotSize: -1 };
  }

  softReset(): JsonObject {
    return { isSoftReset: true, snapshotSize: -1 };
  }

  /** A `Watch<Kind>Response`. */
  single(change: JsonObject): JsonObject {
    return { change };
  }
}
