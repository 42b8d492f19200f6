/**
 * From a resolved field path to what the filter machinery needs to know about its value.
 */
import { enumDescriptor, type FieldDescriptor, type FieldValueType } from '@keystream/api';
import type { ResolvedPath } from '../paths/resolveFieldPath.js';
import type { FilterField, ValueKind } from './filterAst.js';

/** The ValueKind of one value of a field's type. */
export function valueKindOf(type: FieldValueType, relation: FieldDescriptor['relation']): ValueKind {
  switch (type.kind) {
    case 'enum':
      return { type: 'enum', values: enumDescriptor(type.enumName).values };
    case 'message':
      return { type: 'message' };
    case 'scalar':
      switch (type.scalar) {
        case 'string':
          return { type: 'string', reference: relation !== undefined };
        case 'int32':
        case 'uint32':
        case 'int64':
          return { type: 'number' };
        case 'bool':
          return { type: 'bool' };
        case 'timestamp':
          return { type: 'timestamp' };
        case 'bytes':
          return { type: 'bytes' };
        case 'fieldMask':
        case 'struct':
          return { type: 'json' };
        default: {
          const unreachable: never = type.scalar;
          return unreachable;
        }
      }
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

/** The FilterField of a resolved path. */
export function filterFieldOf(resolved: ResolvedPath): FilterField {
  const { target, path } = resolved;
  switch (target.kind) {
    case 'free':
      return { path, kind: { type: 'json' }, repeated: false };
    case 'mapEntry':
      return { path, kind: valueKindOf(target.field.value, target.field.relation), repeated: false };
    case 'field':
      if (target.field.cardinality === 'map') return { path, kind: { type: 'map' }, repeated: false };
      return { path, kind: valueKindOf(target.field.value, target.field.relation), repeated: target.field.cardinality === 'repeated' };
    default: {
      const unreachable: never = target;
      return unreachable;
    }
  }
}
