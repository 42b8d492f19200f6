import { resolve } from 'mingo/util';
import type { JsonObject } from '../readStore.js';

/** A value an equality index can key on. */
type Scalar = string | number | boolean;

/**
 * Names of a kind's documents by the scalar values at one field path, kept up to date as
 * documents change. It narrows a query to candidates: every document that `{path: value}` can
 * match is under `value` (array elements are indexed one by one, as MongoDB equality matches an
 * element), so the candidates are a superset and the full mingo filter still decides.
 */
export class EqualityIndex {
  private readonly byValue = new Map<Scalar, Set<string>>();

  constructor(private readonly path: string) {}

  /** Builds the index over `documents`. */
  static build(path: string, documents: Iterable<JsonObject>): EqualityIndex {
    const index = new EqualityIndex(path);
    for (const document of documents) index.insert(document);
    return index;
  }

  /** Names of the documents whose value at the path is (or contains) `value`. */
  candidates(value: Scalar): ReadonlySet<string> {
    return this.byValue.get(value) ?? new Set();
  }

  insert(document: JsonObject): void {
    const name = document['name'];
    if (typeof name !== 'string') return;
    for (const value of this.valuesOf(document)) {
      let names = this.byValue.get(value);
      if (names === undefined) {
        names = new Set();
        this.byValue.set(value, names);
      }
      names.add(name);
    }
  }

  remove(document: JsonObject): void {
    const name = document['name'];
    if (typeof name !== 'string') return;
    for (const value of this.valuesOf(document)) {
      const names = this.byValue.get(value);
      names?.delete(name);
      if (names?.size === 0) this.byValue.delete(value);
    }
  }

  private valuesOf(document: JsonObject): Scalar[] {
    const values: Scalar[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) for (const element of value) visit(element);
      else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values.push(value);
    };
    visit(resolve(document, this.path));
    return values;
  }
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isEqOperator(value: unknown): value is { readonly $eq: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && '$eq' in value;
}

/**
 * The plain equality conditions `{path: scalar}` or `{path: {$eq: scalar}}` at the top level of a MongoDB filter (or of its
 * top-level `$and`): each one must hold for a document to match, so each can narrow candidates.
 */
export function equalityConditions(filter: Readonly<Record<string, unknown>> | undefined): [string, Scalar][] {
  const conditions: [string, Scalar][] = [];
  const visit = (clause: Readonly<Record<string, unknown>>): void => {
    for (const [key, value] of Object.entries(clause)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const member of value) if (typeof member === 'object' && member !== null && !Array.isArray(member)) visit(member as Readonly<Record<string, unknown>>);
      } else if (!key.startsWith('$')) {
        // `{path: v}` and `{path: {$eq: v}}` (the resource kit's form) mean the same equality.
        const operand = isEqOperator(value) ? value.$eq : value;
        if (isScalar(operand)) conditions.push([key, operand]);
      }
    }
  };
  if (filter !== undefined) visit(filter);
  return conditions;
}
