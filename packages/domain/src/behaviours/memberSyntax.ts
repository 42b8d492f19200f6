/**
 * Member identifiers as RoleBindings and GroupMembers write them: `allUsers`,
 * `allAuthenticatedUsers`, `user:<email>`, `serviceAccount:<email>`, `group:<email>`,
 * `domain:<domain>` (everyone whose email is in the domain).
 */
import type { FieldViolation } from '@keystream/api';

const EMAIL = /^[^\s@:]+@[^\s@:]+\.[^\s@:]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;

/** The member's type: the part before `:`, or the whole member for allUsers / allAuthenticatedUsers. */
export function memberTypeOf(member: string): string {
  const colon = member.indexOf(':');
  return colon < 0 ? member : member.slice(0, colon);
}

/** Checks a member string; returns a violation for `field` when it is malformed. */
export function checkMember(member: unknown, field: string, allowed: readonly string[]): FieldViolation[] {
  if (typeof member !== 'string' || member === '') return [{ field, description: 'required: a member such as user:alice@example.com' }];
  const type = memberTypeOf(member);
  if (!allowed.includes(type)) {
    return [{ field, description: `"${member}" is not a member; expected one of ${allowed.map((entry) => (entry.startsWith('all') ? entry : `${entry}:…`)).join(', ')}` }];
  }
  if (type === 'allUsers' || type === 'allAuthenticatedUsers') return member === type ? [] : [{ field, description: `"${member}": ${type} takes no value` }];
  const value = member.slice(type.length + 1);
  const valid = type === 'domain' ? DOMAIN.test(value) : EMAIL.test(value);
  return valid ? [] : [{ field, description: `"${member}": expected ${type === 'domain' ? 'a domain name' : 'an email address'} after "${type}:"` }];
}
