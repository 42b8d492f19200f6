/**
 * A bound on what one filter may cost per document it is evaluated on, so that no single request
 * can make a List, Search or watch arbitrarily expensive (docs/security.md, "Limits").
 *
 * Units: each condition costs 1, each value of a list (IN, CONTAINS ANY/ALL) 1 more, and a LIKE
 * {@link LIKE_WORD_COST} per 32 pattern characters (its matcher does one word operation per 32
 * pattern positions for each character of the value).
 */
import { KeystreamError } from '@keystream/api';
import type { FilterNode } from './filterAst.js';

/** Most cost units one filter may have. */
export const MAX_FILTER_COST = 2048;
/** Longest LIKE pattern, in characters. */
export const MAX_LIKE_PATTERN_LENGTH = 1024;
/** Cost of a LIKE per started 32 pattern characters. */
export const LIKE_WORD_COST = 8;

/** The cost of a parsed filter (see the module comment). */
export function filterCost(node: FilterNode): number {
  switch (node.op) {
    case 'and':
    case 'or':
      return node.clauses.reduce((total, clause) => total + filterCost(clause), 0);
    case 'not':
      return filterCost(node.clause);
    case 'compare':
    case 'isNull':
    case 'isNaN':
      return 1;
    case 'in':
    case 'contains':
      return 1 + node.values.length;
    case 'like':
      return 1 + LIKE_WORD_COST * Math.ceil((Array.from(node.pattern).length + 1) / 32);
    default: {
      const unreachable: never = node;
      return unreachable;
    }
  }
}

/** Throws INVALID_ARGUMENT on `filter` when a LIKE pattern is too long or the filter costs too much. */
export function assertFilterCost(node: FilterNode | undefined): void {
  if (node === undefined) return;
  const longPattern = findLongPattern(node);
  if (longPattern !== undefined) {
    throw KeystreamError.invalidArgument([{ field: 'filter', description: `a LIKE pattern is ${longPattern} characters long; at most ${MAX_LIKE_PATTERN_LENGTH} are accepted` }]);
  }
  const cost = filterCost(node);
  if (cost > MAX_FILTER_COST) {
    throw KeystreamError.invalidArgument([
      { field: 'filter', description: `costs ${cost} units (a condition 1, a listed value 1, a LIKE ${LIKE_WORD_COST} per 32 pattern characters); at most ${MAX_FILTER_COST} are accepted: split the request` },
    ]);
  }
}

function findLongPattern(node: FilterNode): number | undefined {
  switch (node.op) {
    case 'and':
    case 'or':
      for (const clause of node.clauses) {
        const found = findLongPattern(clause);
        if (found !== undefined) return found;
      }
      return undefined;
    case 'not':
      return findLongPattern(node.clause);
    case 'like': {
      const length = Array.from(node.pattern).length;
      return length > MAX_LIKE_PATTERN_LENGTH ? length : undefined;
    }
    default:
      return undefined;
  }
}
