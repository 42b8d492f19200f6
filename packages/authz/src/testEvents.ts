/**
 * Builders of the events the index reads, for this package's specs (not exported from the package).
 */
import type { LoggedEvent } from './authzFeed.js';

let position = 0;

function next(): string {
  position += 1;
  return position.toString(16).padStart(16, '0');
}

/** A `<Kind>Created` event carrying `resource`. */
export function created(kind: string, resource: Record<string, unknown>): LoggedEvent {
  return { stream: `${kind}-${resource['name'] as string}`, type: `${kind}Created`, data: { resource }, position: next() };
}

/** A `<Kind>Deleted` event. */
export function deleted(kind: string, name: string): LoggedEvent {
  return { stream: `${kind}-${name}`, type: `${kind}Deleted`, data: { name, resource: { name } }, position: next() };
}

/** A role granting `permissions` (one grant, optional extras). */
export function role(name: string, permissions: readonly string[], grant: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): LoggedEvent {
  return created('Role', { name, grants: [{ permissions: [...permissions], ...grant }], ...extra });
}

/** A binding of `role` to `member` named `<scope>/roleBindings/<id>`. */
export function binding(scope: string, id: string, roleName: string, member: string, extra: Record<string, unknown> = {}): LoggedEvent {
  return created('RoleBinding', { name: scope === '' ? `roleBindings/${id}` : `${scope}/roleBindings/${id}`, role: roleName, member, ...extra });
}

/** A GroupMember putting `member` into group `groupName`. */
export function groupMember(groupName: string, id: string, member: string): LoggedEvent {
  return created('GroupMember', { name: `${groupName}/groupMembers/${id}`, member });
}
