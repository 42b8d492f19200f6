/**
 * Builds the event-type predicate of a subscription: the given prefixes, or every non-system
 * type when none are given (`$`-prefixed types are EventStoreDB system events).
 */
export function eventTypeMatcher(prefix: string | readonly string[] | undefined): (type: string) => boolean {
  if (prefix === undefined) return (type) => !type.startsWith('$');
  const prefixes: readonly string[] = typeof prefix === 'string' ? [prefix] : prefix;
  return (type) => prefixes.some((candidate) => type.startsWith(candidate));
}
