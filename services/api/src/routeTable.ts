/**
 * Finds the method and binding a REST request addresses, among every route of the contract.
 */
import {
  KeystreamError,
  matchPathTemplate,
  ALL_METHODS,
  splitRequestPath,
  type MethodDescriptor,
  type RouteDescriptor,
} from '@keystream/api';

/** A request matched to its method, with the path variables bound to request field paths. */
export interface RouteMatch {
  readonly method: MethodDescriptor;
  readonly route: RouteDescriptor;
  /** Path variable values by dotted proto field path (`name`, `role_binding.name`). */
  readonly bindings: Readonly<Record<string, string>>;
}

interface IndexedRoute {
  readonly method: MethodDescriptor;
  readonly route: RouteDescriptor;
}

/** Key under which routes are indexed: segment count and custom verb narrow the candidates to a few. */
function indexKey(segmentCount: number, verb: string | undefined): string {
  return `${segmentCount}:${verb ?? ''}`;
}

/** The routes of a set of methods, indexed for matching. */
export class RouteTable {
  private readonly index = new Map<string, IndexedRoute[]>();

  constructor(methods: readonly MethodDescriptor[] = ALL_METHODS) {
    for (const method of methods) {
      for (const route of method.routes) {
        const key = indexKey(route.template.segments.length, route.template.verb);
        const bucket = this.index.get(key) ?? [];
        bucket.push({ method, route });
        this.index.set(key, bucket);
      }
    }
  }

  /**
   * The route an HTTP method and path address. Throws NOT_FOUND (with a JSON-able message) when no
   * route has the path, and UNIMPLEMENTED-as-405 when the path exists under other HTTP methods.
   */
  match(httpMethod: string, path: string): RouteMatch {
    const request = splitRequestPath(path);
    const candidates = this.index.get(indexKey(request.segments.length, request.verb)) ?? [];
    const allowed = new Set<string>();
    for (const { method, route } of candidates) {
      const bindings = matchPathTemplate(route.template, request);
      if (bindings === undefined) continue;
      if (route.httpMethod === httpMethod) return { method, route, bindings };
      allowed.add(route.httpMethod);
    }
    if (allowed.size > 0) {
      const methods = [...allowed].sort().join(', ');
      throw new KeystreamError('UNIMPLEMENTED', `${httpMethod} is not allowed on ${path}; allowed: ${methods}`, [], {
        httpStatus: 405,
        headers: { allow: methods },
      });
    }
    throw new KeystreamError('NOT_FOUND', `no route ${httpMethod} ${path}: see docs/openapi.json for the routes keystream serves`);
  }
}
