/**
 * The filter language (ARCHITECTURE.md §4, goten's grammar) parsed and type-checked against a
 * resource's schema in one pass, so every error can point at the column it comes from.
 *
 *   Expression = And { ("OR" | "|") And }
 *   And        = Cond { ["AND" | "+"] Cond }
 *   Cond       = "NOT" Cond | "(" Expression ")" | Path RHS
 *   RHS        = CompareOp Value | "IS" ["NOT"] ("NULL" | "NAN") | ["NOT"] "IN" List
 *              | ("CONTAINS" | "CONTAIN" | "HAS" | "HAVE") ("ANY" List | "ALL" List | ["VALUE"] Value)
 *              | "LIKE" String
 *   List       = "(" Value { "," Value } ")" | "[" Value { "," Value } "]"
 *   Value      = "NULL" | "TRUE" | "FALSE" | Number | String | Ident (enum value) | Object
 *   Object     = "{" [ Key [":"] Value { [","] Key [":"] Value } ] "}"
 */
import {
  enumDescriptor,
  KeystreamError,
  isKeystreamError,
  isResourceKind,
  messageDescriptor,
  resourceByKind,
  type FieldDescriptor,
  type FieldValueType,
  type ResourceDescriptor,
} from '@keystream/api';
import { parseName } from '../names/parseName.js';
import { parseParent } from '../names/parseParent.js';
import { normalizeTimestamp } from '../paths/normalizeTimestamp.js';
import { resolveFieldPath, type ResolvedPath } from '../paths/resolveFieldPath.js';
import type { CompareOperator, Filter, FilterField, FilterNode, FilterValue } from './filterAst.js';
import { assertFilterCost } from './filterCost.js';
import { filterFieldOf } from './filterFieldOf.js';
import { filterError, tokenizeFilter, type FilterToken } from './tokenizeFilter.js';

/** Longest filter accepted, in characters (goten's limit): bounds what parsing can cost. */
export const MAX_FILTER_LENGTH = 128 * 1024;

/** Deepest nesting of parentheses, NOTs, lists and objects accepted (goten's limit). */
export const MAX_FILTER_DEPTH = 32;

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IS', 'IN', 'NULL', 'NAN', 'TRUE', 'FALSE', 'CONTAINS', 'CONTAIN', 'HAS', 'HAVE', 'ANY', 'ALL', 'VALUE', 'LIKE']);
const CONTAINS_KEYWORDS = new Set(['CONTAINS', 'CONTAIN', 'HAS', 'HAVE']);
const OPERATORS: Readonly<Record<string, CompareOperator>> = { '=': '=', '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** A value as written, before it is checked against a field's type. */
type RawValue =
  | { readonly kind: 'null'; readonly column: number }
  | { readonly kind: 'bool'; readonly value: boolean; readonly column: number }
  | { readonly kind: 'number'; readonly text: string; readonly column: number }
  | { readonly kind: 'string'; readonly value: string; readonly column: number }
  | { readonly kind: 'ident'; readonly value: string; readonly column: number }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, RawValue])[]; readonly column: number };

function describeToken(token: FilterToken): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the filter';
    case 'string':
      return `the string ${JSON.stringify(token.value)}`;
    case 'number':
      return `the number ${token.value}`;
    case 'ident':
    case 'operator':
    case 'punct':
      return `"${token.value}"`;
    default: {
      const unreachable: never = token.type;
      return unreachable;
    }
  }
}

function describeRaw(raw: RawValue): string {
  switch (raw.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return String(raw.value);
    case 'number':
      return `the number ${raw.text}`;
    case 'string':
      return `the string ${JSON.stringify(raw.value)}`;
    case 'ident':
      return `the bare word ${raw.value}`;
    case 'object':
      return 'an object';
    default: {
      const unreachable: never = raw;
      return unreachable;
    }
  }
}

class FilterParser {
  private position = 0;
  private depth = 0;
  private readonly tokens: FilterToken[];

  constructor(
    private readonly text: string,
    private readonly descriptor: ResourceDescriptor,
  ) {
    this.tokens = tokenizeFilter(text);
  }

  parse(): FilterNode | undefined {
    if (this.peek().type === 'eof') return undefined;
    const node = this.expression();
    const rest = this.peek();
    if (rest.type !== 'eof') throw this.error(rest, `expected AND, OR or the end of the filter, found ${describeToken(rest)}`);
    return node;
  }

  private peek(offset = 0): FilterToken {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)] as FilterToken;
  }

  private next(): FilterToken {
    const token = this.peek();
    if (token.type !== 'eof') this.position++;
    return token;
  }

  private error(token: FilterToken | number, description: string): KeystreamError {
    return filterError(this.text, typeof token === 'number' ? token : token.column, description);
  }

  private isKeyword(token: FilterToken, ...words: string[]): boolean {
    return token.type === 'ident' && words.includes(token.value.toUpperCase());
  }

  private isPunct(token: FilterToken, value: string): boolean {
    return token.type === 'punct' && token.value === value;
  }

  private enter(token: FilterToken): void {
    if (++this.depth > MAX_FILTER_DEPTH) throw this.error(token, `nested deeper than ${MAX_FILTER_DEPTH} levels`);
  }

  private expression(): FilterNode {
    const clauses = [this.and()];
    while (this.isKeyword(this.peek(), 'OR') || this.isPunct(this.peek(), '|')) {
      this.next();
      clauses.push(this.and());
    }
    return clauses.length === 1 ? (clauses[0] as FilterNode) : { op: 'or', clauses };
  }

  private startsCondition(token: FilterToken): boolean {
    if (this.isPunct(token, '(')) return true;
    return token.type === 'ident' && (!KEYWORDS.has(token.value.toUpperCase()) || token.value.toUpperCase() === 'NOT');
  }

  private and(): FilterNode {
    const clauses = [this.condition()];
    for (;;) {
      const token = this.peek();
      if (this.isKeyword(token, 'AND') || this.isPunct(token, '+')) {
        this.next();
        clauses.push(this.condition());
      } else if (this.startsCondition(token)) {
        clauses.push(this.condition()); // implicit AND
      } else break;
    }
    return clauses.length === 1 ? (clauses[0] as FilterNode) : { op: 'and', clauses };
  }

  private condition(): FilterNode {
    const token = this.peek();
    if (this.isKeyword(token, 'NOT')) {
      this.next();
      this.enter(token);
      const clause = this.condition();
      this.depth--;
      return { op: 'not', clause };
    }
    if (this.isPunct(token, '(')) {
      this.next();
      this.enter(token);
      const inner = this.expression();
      const close = this.next();
      if (!this.isPunct(close, ')')) throw this.error(close, `expected ")" to close the "(" at column ${token.column}, found ${describeToken(close)}`);
      this.depth--;
      return inner;
    }
    if (token.type !== 'ident' || KEYWORDS.has(token.value.toUpperCase())) {
      throw this.error(token, `expected a field path, NOT or "(", found ${describeToken(token)}`);
    }
    this.next();
    return this.rightHandSide(token);
  }

  private resolve(token: FilterToken): ResolvedPath {
    try {
      return resolveFieldPath(this.descriptor.message, token.value, 'filter');
    } catch (error) {
      throw this.rethrow(error, token.column);
    }
  }

  /** Re-attributes an INVALID_ARGUMENT from a helper to a column of the filter. */
  private rethrow(error: unknown, column: number): unknown {
    if (!isKeystreamError(error) || error.code !== 'INVALID_ARGUMENT') return error;
    const detail = error.details[0]?.['fieldViolations'];
    const description = Array.isArray(detail) ? (detail as { description?: unknown }[])[0]?.description : undefined;
    return this.error(column, typeof description === 'string' ? description : error.message);
  }

  private rightHandSide(pathToken: FilterToken): FilterNode {
    const resolved = this.resolve(pathToken);
    const field = filterFieldOf(resolved);
    const token = this.next();
    const path = pathToken.value;
    if (token.type === 'operator') {
      const operator = OPERATORS[token.value];
      if (operator === undefined) throw this.error(token, `invalid operator "${token.value}": expected one of =, ==, !=, <, <=, >, >=`);
      return this.compare(resolved, field, operator, this.value(), token);
    }
    if (this.isKeyword(token, 'IS')) {
      const negated = this.isKeyword(this.peek(), 'NOT');
      if (negated) this.next();
      const what = this.next();
      if (this.isKeyword(what, 'NULL')) return { op: 'isNull', field, negated };
      if (this.isKeyword(what, 'NAN')) {
        // The contract has no floating-point fields, so NaN can never be stored.
        throw this.error(what, `IS ${negated ? 'NOT ' : ''}NAN applies to floating-point fields; ${path} is ${this.typeName(resolved)}`);
      }
      throw this.error(what, `expected NULL or NAN after IS${negated ? ' NOT' : ''}, found ${describeToken(what)}`);
    }
    if (this.isKeyword(token, 'NOT') || this.isKeyword(token, 'IN')) {
      const negated = this.isKeyword(token, 'NOT');
      if (negated) {
        const inToken = this.next();
        if (!this.isKeyword(inToken, 'IN')) throw this.error(inToken, `expected IN after ${path} NOT, found ${describeToken(inToken)}`);
      }
      this.requireScalar(resolved, field, token, 'IN');
      const values = this.list().map((raw) => this.checkScalar(resolved, raw));
      return { op: 'in', field, negated, values };
    }
    if (token.type === 'ident' && CONTAINS_KEYWORDS.has(token.value.toUpperCase())) return this.contains(resolved, field, token);
    if (this.isKeyword(token, 'LIKE')) {
      const pattern = this.next();
      if (pattern.type !== 'string') throw this.error(pattern, `expected a quoted pattern after LIKE, found ${describeToken(pattern)}`);
      if (field.repeated || field.kind.type !== 'string') throw this.error(token, `LIKE applies to string fields; ${path} is ${this.typeName(resolved)}`);
      return { op: 'like', field, pattern: pattern.value };
    }
    throw this.error(token, `expected an operator after ${path} (=, !=, <, <=, >, >=, IS, IN, NOT IN, CONTAINS, HAS, LIKE), found ${describeToken(token)}`);
  }

  private typeName(resolved: ResolvedPath): string {
    const { target } = resolved;
    if (target.kind === 'free') return 'a Struct value';
    const field = target.field;
    const type = field.value.kind === 'scalar' ? field.value.scalar : field.value.kind === 'enum' ? `enum ${field.value.enumName}` : field.value.messageName;
    if (target.kind === 'mapEntry') return `a map entry of ${type}`;
    if (field.cardinality === 'map') return `a map of ${type}`;
    return field.cardinality === 'repeated' ? `a repeated ${type}` : `a ${type}`;
  }

  private requireScalar(resolved: ResolvedPath, field: FilterField, token: FilterToken, operator: string): void {
    const type = field.kind.type;
    if (field.repeated || type === 'message' || type === 'map' || type === 'json') {
      const hint = field.repeated ? ' (use CONTAINS for repeated fields)' : '';
      throw this.error(token, `${operator} applies to scalar and enum fields; ${resolved.path} is ${this.typeName(resolved)}${hint}`);
    }
  }

  private compare(resolved: ResolvedPath, field: FilterField, operator: CompareOperator, raw: RawValue, token: FilterToken): FilterNode {
    if (raw.kind === 'null') {
      if (operator === '=' || operator === '!=') return { op: 'isNull', field, negated: operator === '!=' };
      throw this.error(raw.column, `${operator} null is meaningless: use IS NULL or IS NOT NULL`);
    }
    if (field.repeated) throw this.error(token, `${operator} does not apply to the repeated field ${resolved.path}: use CONTAINS, or IS NULL for emptiness`);
    if (operator !== '=' && operator !== '!=') {
      const type = field.kind.type;
      if (type !== 'string' && type !== 'number' && type !== 'timestamp' && type !== 'enum' && type !== 'bytes') {
        throw this.error(token, `${operator} orders strings, numbers, timestamps and enums; ${resolved.path} is ${this.typeName(resolved)}`);
      }
    }
    return { op: 'compare', field, operator, value: this.checkScalar(resolved, raw) };
  }

  private contains(resolved: ResolvedPath, field: FilterField, token: FilterToken): FilterNode {
    const isMap = field.kind.type === 'map';
    if (!field.repeated && !isMap) {
      throw this.error(token, `${token.value.toUpperCase()} applies to repeated and map fields; ${resolved.path} is ${this.typeName(resolved)} (use LIKE for substrings)`);
    }
    const modeToken = this.peek();
    let mode: 'value' | 'any' | 'all' = 'value';
    let raws: RawValue[];
    if (this.isKeyword(modeToken, 'ANY') || this.isKeyword(modeToken, 'ALL')) {
      this.next();
      mode = modeToken.value.toUpperCase() === 'ANY' ? 'any' : 'all';
      raws = this.list();
    } else {
      if (this.isKeyword(modeToken, 'VALUE')) this.next();
      raws = [this.value()];
    }
    const values = raws.map((raw) => {
      if (isMap) {
        // CONTAINS on a map tests for a key.
        if (raw.kind !== 'string' && raw.kind !== 'ident') throw this.error(raw.column, `expected a map key (a string), found ${describeRaw(raw)}`);
        if (raw.value.includes('.') || raw.value.startsWith('$') || raw.value === '') throw this.error(raw.column, `map key ${JSON.stringify(raw.value)} cannot be queried (empty, contains "." or starts with "$")`);
        return raw.value;
      }
      if (raw.kind === 'null') throw this.error(raw.column, 'a list never contains null');
      return this.checkScalar(resolved, raw);
    });
    return { op: 'contains', field, mode, values };
  }

  private list(): RawValue[] {
    const open = this.next();
    const close = this.isPunct(open, '(') ? ')' : this.isPunct(open, '[') ? ']' : undefined;
    if (close === undefined) throw this.error(open, `expected a list in "(…)" or "[…]", found ${describeToken(open)}`);
    this.enter(open);
    const values = [this.value()];
    for (;;) {
      const token = this.next();
      if (this.isPunct(token, close)) break;
      if (!this.isPunct(token, ',')) throw this.error(token, `expected "," or "${close}" in the list, found ${describeToken(token)}`);
      values.push(this.value());
    }
    this.depth--;
    return values;
  }

  private value(): RawValue {
    const token = this.next();
    switch (token.type) {
      case 'string':
        return { kind: 'string', value: token.value, column: token.column };
      case 'number':
        return { kind: 'number', text: token.value, column: token.column };
      case 'ident': {
        const upper = token.value.toUpperCase();
        if (upper === 'NULL') return { kind: 'null', column: token.column };
        if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'bool', value: upper === 'TRUE', column: token.column };
        return { kind: 'ident', value: token.value, column: token.column };
      }
      case 'punct':
        if (token.value === '{') return this.object(token);
        break;
      case 'operator':
      case 'eof':
        break;
      default: {
        const unreachable: never = token.type;
        return unreachable;
      }
    }
    throw this.error(token, `expected a value (string, number, true, false, null, enum value or {…}), found ${describeToken(token)}`);
  }

  private object(open: FilterToken): RawValue {
    this.enter(open);
    const entries: [string, RawValue][] = [];
    while (!this.isPunct(this.peek(), '}')) {
      if (entries.length > 0 && this.isPunct(this.peek(), ',')) this.next();
      const key = this.next();
      if (key.type !== 'string' && key.type !== 'ident' && key.type !== 'number') {
        throw this.error(key, `expected a key or "}" in the object opened at column ${open.column}, found ${describeToken(key)}`);
      }
      if (this.isPunct(this.peek(), ':')) this.next();
      entries.push([key.value, this.value()]);
    }
    this.next();
    this.depth--;
    return { kind: 'object', entries, column: open.column };
  }

  /** Checks a value against the type of the path's values (each element's, when repeated). */
  private checkScalar(resolved: ResolvedPath, raw: RawValue): FilterValue {
    const { target } = resolved;
    if (target.kind === 'free') return this.toJson(raw);
    if (target.kind === 'field' && target.field.cardinality === 'map') return this.checkMap(target.field, raw);
    return this.checkValue(target.field.value, target.field.relation, raw, resolved.path);
  }

  private checkMap(field: FieldDescriptor, raw: RawValue): FilterValue {
    if (raw.kind !== 'object') throw this.error(raw.column, `expected an object {key: value, …} for the map ${field.jsonName}, found ${describeRaw(raw)}`);
    const output: Record<string, FilterValue> = {};
    for (const [key, value] of raw.entries) {
      if (key.includes('.') || key.startsWith('$') || key === '') throw this.error(raw.column, `map key ${JSON.stringify(key)} cannot be queried (empty, contains "." or starts with "$")`);
      output[key] = this.checkValue(field.value, field.relation, value, `${field.jsonName}.${key}`);
    }
    return output;
  }

  private checkValue(type: FieldValueType, relation: FieldDescriptor['relation'], raw: RawValue, path: string): FilterValue {
    const mismatch = (expected: string): KeystreamError => this.error(raw.column, `${path} expects ${expected}, found ${describeRaw(raw)}`);
    if (raw.kind === 'null') throw mismatch('a value (use IS NULL to test for absence)');
    switch (type.kind) {
      case 'enum': {
        const { values, name } = enumDescriptor(type.enumName);
        if ((raw.kind === 'string' || raw.kind === 'ident') && values.includes(raw.value)) return raw.value;
        if (raw.kind === 'number' && /^\d+$/.test(raw.text) && Number(raw.text) < values.length) return values[Number(raw.text)] as string;
        throw mismatch(`a ${name} value (${values.join(', ')})`);
      }
      case 'message': {
        if (raw.kind !== 'object') throw mismatch(`an object {field: value, …} (${type.messageName})`);
        const message = messageDescriptor(type.messageName);
        const output: Record<string, FilterValue> = {};
        for (const [key, value] of raw.entries) {
          const field = message.field(key);
          if (field === undefined) throw this.error(value.column, `${type.messageName} has no field "${key}" (fields: ${message.fields.map((candidate) => candidate.jsonName).join(', ')})`);
          if (field.cardinality === 'repeated') throw this.error(value.column, `repeated field ${key} cannot be given in an object literal`);
          output[field.jsonName] = field.cardinality === 'map' ? this.checkMap(field, value) : this.checkValue(field.value, field.relation, value, `${path}.${field.jsonName}`);
        }
        return output;
      }
      case 'scalar':
        switch (type.scalar) {
          case 'string':
            if (raw.kind !== 'string') throw mismatch('a quoted string');
            if (relation !== undefined) this.checkReference(relation, raw.value, raw.column);
            return raw.value;
          case 'bytes':
            if (raw.kind !== 'string') throw mismatch('a base64 string');
            return raw.value;
          case 'bool':
            if (raw.kind !== 'bool') throw mismatch('true or false');
            return raw.value;
          case 'int32':
          case 'uint32':
          case 'int64': {
            const text = raw.kind === 'number' ? raw.text : raw.kind === 'string' ? raw.value : undefined;
            const number = text !== undefined && /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
            if (!Number.isSafeInteger(number)) throw mismatch(`an integer (${type.scalar})`);
            if (type.scalar === 'uint32' && number < 0) throw mismatch('a non-negative integer (uint32)');
            return number;
          }
          case 'timestamp':
            if (raw.kind !== 'string') throw mismatch('a quoted RFC 3339 timestamp such as "2024-01-31T12:00:00Z"');
            try {
              return normalizeTimestamp(raw.value, 'filter');
            } catch (error) {
              throw this.rethrow(error, raw.column);
            }
          case 'fieldMask':
          case 'struct':
            return this.toJson(raw);
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

  /** A reference value must be a name (wildcards allowed) of the kind it refers to. */
  private checkReference(relation: NonNullable<FieldDescriptor['relation']>, value: string, column: number): void {
    if (!isResourceKind(relation.target)) return; // another service's kind: nothing to check against
    try {
      const target = resourceByKind(relation.target);
      if (relation.kind === 'parentName') parseParent(target, value, true, 'filter');
      else parseName(target, value, { wildcards: true, field: 'filter' });
    } catch (error) {
      throw this.rethrow(error, column);
    }
  }

  private toJson(raw: RawValue): FilterValue {
    switch (raw.kind) {
      case 'null':
        return null;
      case 'bool':
      case 'string':
        return raw.value;
      case 'number':
        return Number(raw.text);
      case 'ident':
        throw this.error(raw.column, `expected a value, found ${describeRaw(raw)} (quote strings)`);
      case 'object':
        return Object.fromEntries(raw.entries.map(([key, value]) => [key, this.toJson(value)]));
      default: {
        const unreachable: never = raw;
        return unreachable;
      }
    }
  }
}

/**
 * Parses and type-checks a filter for `descriptor`'s resources. An empty (or all-comment) filter
 * matches everything. Throws INVALID_ARGUMENT on the `filter` field saying at which column what
 * was expected.
 */
export function parseFilter(descriptor: ResourceDescriptor, text: string | undefined): Filter {
  if (text === undefined) return { kind: descriptor.kind, root: undefined };
  if (text.length > MAX_FILTER_LENGTH) {
    throw KeystreamError.invalidArgument([{ field: 'filter', description: `longer than ${MAX_FILTER_LENGTH} characters` }]);
  }
  const root = new FilterParser(text, descriptor).parse();
  assertFilterCost(root);
  return { kind: descriptor.kind, root };
}
