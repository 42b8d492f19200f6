/**
 * What a request is about, for authorization: the scope whose bindings decide, and the target
 * name inside it (a resource, or the parent of a collection). Derived from the method descriptor
 * and the decoded request, so every method of the contract gets one without a table per method.
 */
import { resourceByKind, type MethodDescriptor } from '@keystream/api';
import { scopeOfName, SYSTEM_SCOPE } from '@keystream/authz';

/** One thing a request touches. */
export interface AuthzTarget {
  readonly scope: string;
  /** A resource name or collection parent; equals the scope for scope-wide requests. */
  readonly target: string;
}

type Request = Readonly<Record<string, unknown>>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function at(name: string): AuthzTarget {
  return { scope: scopeOfName(name), target: name };
}

const SYSTEM: AuthzTarget = { scope: SYSTEM_SCOPE, target: SYSTEM_SCOPE };

/** The parent collection path of a resource name (`projects/p/roles/r` → `projects/p`). */
function parentOfName(name: string): string {
  const parts = name.split('/');
  return parts.slice(0, -2).join('/');
}

/** Projects and organizations are created within their parent organization, or system-wide. */
function treeParent(resource: Request | undefined): AuthzTarget {
  const parent = text(resource?.['parentOrganization']);
  return parent === undefined ? SYSTEM : at(parent);
}

function camel(part: string): string {
  return part.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** The value of the first route's path variable in the request, when it is a nested field. */
function routedName(method: MethodDescriptor, request: Request): string | undefined {
  const variable = method.routes[0]?.template.variables[0]?.fieldPath;
  if (variable === undefined || !variable.includes('.')) return undefined;
  let node: unknown = request;
  for (const part of variable.split('.')) node = typeof node === 'object' && node !== null ? (node as Request)[camel(part)] : undefined;
  return text(node);
}

/** The targets of a request (several for BatchGet; every one must be allowed). */
export function authzTargetsOf(method: MethodDescriptor, request: Request): AuthzTarget[] {
  if (method.resource === undefined) return [SYSTEM];
  // Its `name` is the project it creates: decided like CreateProject, in the parent organization.
  if (method.name === 'SetupServiceProject') return [treeParent(request)];
  const descriptor = resourceByKind(method.resource);
  const body = request[descriptor.singular] as Request | undefined;
  const isTree = descriptor.kind === 'Project' || descriptor.kind === 'Organization';
  switch (method.standard) {
    case 'get':
    case 'watch':
    case 'delete': {
      const name = text(request['name']);
      return [name === undefined ? SYSTEM : at(name)];
    }
    case 'update': {
      const name = text(body?.['name']);
      return [name === undefined ? SYSTEM : at(name)];
    }
    case 'create': {
      if (isTree) return [treeParent(body)];
      const name = text(body?.['name']);
      const parent = text(request['parent']) ?? (name === undefined ? undefined : parentOfName(name));
      if (parent === undefined) return [SYSTEM];
      return [name === undefined ? at(parent) : { scope: scopeOfName(parent), target: name }];
    }
    case 'batchGet': {
      const names = Array.isArray(request['names']) ? request['names'].filter((entry): entry is string => typeof entry === 'string') : [];
      return names.length === 0 ? [SYSTEM] : names.map(at);
    }
    case 'list':
    case 'watchMany':
    case undefined: {
      // Custom methods and collections: the most specific name the request carries, else the
      // resource the route's path names (Verify: ask_for_challenge.attestation_domain).
      const name = text(request['name']) ?? text(request['parent']) ?? routedName(method, request);
      return [name === undefined ? SYSTEM : at(name)];
    }
    default: {
      const unreachable: never = method.standard;
      throw new Error(`unknown standard method ${String(unreachable)}`);
    }
  }
}
