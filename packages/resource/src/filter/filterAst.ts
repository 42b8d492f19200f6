/**
 * The checked filter AST: what a filter string means, with field paths in canonical internal form
 * and values already converted to the stored representation (enum names, normalised timestamps).
 * Self-contained: compiling it needs no descriptor.
 */

/** A JSON value as stored (the internal representation of a field value). */
export type FilterValue = null | boolean | number | string | readonly FilterValue[] | { readonly [key: string]: FilterValue };

/** The comparison operators (`==` is read as `=`). */
export type CompareOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** What a path's value is, as far as compiling and evaluating a condition need to know. */
export type ValueKind =
  | { readonly type: 'string'; readonly reference: boolean }
  | { readonly type: 'number' }
  | { readonly type: 'bool' }
  | { readonly type: 'timestamp' }
  | { readonly type: 'bytes' }
  /** Enum stored by value name; `values` in number order (the order comparisons use). */
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'message' }
  | { readonly type: 'map' }
  | { readonly type: 'json' };

/** The field a condition tests. */
export interface FilterField {
  /** Canonical internal path (`metadata.labels.env`, `displayName`). */
  readonly path: string;
  /** The type of the value, or of each element when `repeated`. */
  readonly kind: ValueKind;
  readonly repeated: boolean;
}

/** A node of the checked filter AST. */
export type FilterNode =
  | { readonly op: 'and'; readonly clauses: readonly FilterNode[] }
  | { readonly op: 'or'; readonly clauses: readonly FilterNode[] }
  | { readonly op: 'not'; readonly clause: FilterNode }
  | { readonly op: 'compare'; readonly field: FilterField; readonly operator: CompareOperator; readonly value: FilterValue }
  | { readonly op: 'isNull'; readonly field: FilterField; readonly negated: boolean }
  | { readonly op: 'isNaN'; readonly field: FilterField; readonly negated: boolean }
  | { readonly op: 'in'; readonly field: FilterField; readonly negated: boolean; readonly values: readonly FilterValue[] }
  | { readonly op: 'contains'; readonly field: FilterField; readonly mode: 'value' | 'any' | 'all'; readonly values: readonly FilterValue[] }
  | { readonly op: 'like'; readonly field: FilterField; readonly pattern: string };

/** A parsed filter; `root` is undefined for an empty filter (everything matches). */
export interface Filter {
  readonly kind: string;
  readonly root: FilterNode | undefined;
}
