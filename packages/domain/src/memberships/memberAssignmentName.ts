/**
 * MemberAssignment names: `regions/<region>/memberAssignments/<id>` where the id is the scope's
 * source letter (`p` project, `o` organization, `s` service), the scope id and the member, joined
 * by `.` — `p.apollo.user:bob@example.com`. Characters the id pattern does not allow (and `.` in
 * a service id) are percent-encoded, so the name decodes back to exactly one scope and member.
 */

/** The region MemberAssignments live in (keystream runs one region). */
export const MEMBER_ASSIGNMENT_REGION = 'global';

const SOURCE_BY_COLLECTION: Readonly<Record<string, string>> = { projects: 'p', organizations: 'o', services: 's' };
const COLLECTION_BY_SOURCE: Readonly<Record<string, string>> = { p: 'projects', o: 'organizations', s: 'services' };

function encode(text: string, keep: RegExp): string {
  let encoded = '';
  for (const character of text) {
    encoded += keep.test(character) ? character : [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return encoded;
}

/** Scopes that get MemberAssignments: `projects/x`, `organizations/x`, `services/x`. */
export function isAssignableScope(scope: string): boolean {
  const [collection, id, ...rest] = scope.split('/');
  return rest.length === 0 && id !== undefined && id !== '' && SOURCE_BY_COLLECTION[collection ?? ''] !== undefined;
}

/** The MemberAssignment of a member in a scope. */
export function memberAssignmentNameOf(scope: string, member: string): string {
  const [collection, id] = scope.split('/') as [string, string];
  const source = SOURCE_BY_COLLECTION[collection];
  if (source === undefined || !isAssignableScope(scope)) throw new Error(`${scope} is not a project, organization or service`);
  return `regions/${MEMBER_ASSIGNMENT_REGION}/memberAssignments/${source}.${encode(id, /[a-zA-Z0-9_\-@:+]/)}.${encode(member, /[a-zA-Z0-9._@:+-]/)}`;
}

/** The scope and member a MemberAssignment name stands for; undefined when it is not one keystream makes. */
export function parseMemberAssignmentName(name: string): { scope: string; member: string } | undefined {
  const match = /^regions\/[^/]+\/memberAssignments\/([pos])\.([^.]+)\.(.+)$/.exec(name);
  if (match === null) return undefined;
  try {
    return { scope: `${COLLECTION_BY_SOURCE[match[1] as string] as string}/${decodeURIComponent(match[2] as string)}`, member: decodeURIComponent(match[3] as string) };
  } catch {
    return undefined;
  }
}
