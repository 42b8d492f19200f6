/**
 * The id regex of the segment naming a kind in a resource name.
 */
import { RESOURCES } from '@keystream/api';

/**
 * Ids of kinds served by other services (`services/{service}`, `regions/{region}`): the IAM
 * reference states no regex for them, so any ordinary DNS-like id is accepted
 * (`iam.edgelq.com`, `us-west2`).
 */
const FOREIGN_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;

const byKind = new Map<string, RegExp>(RESOURCES.map((resource) => [resource.kind, resource.idPattern]));

/** The anchored id regex for `kind`. */
export function idPatternOfKind(kind: string): RegExp {
  return byKind.get(kind) ?? FOREIGN_ID;
}
