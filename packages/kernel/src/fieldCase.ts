/** Field names and dotted paths between the proto spelling (lower_snake) and the JSON one (lowerCamel). */

/** `display_name` → `displayName`; dots are kept, so a dotted path converts segment by segment. */
export function snakeToCamel(text: string): string {
  return text.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** `displayName` → `display_name`, the inverse of {@link snakeToCamel} on names it produces. */
export function camelToSnake(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
