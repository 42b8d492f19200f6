/**
 * The operational endpoints every keystream process serves: `/healthz` (the process is alive),
 * `/readyz` (it can serve: its projector, if it runs one, is running), `/metrics` (Prometheus).
 */
import { KeystreamError, type MethodDescriptor } from '@keystream/api';
import type { ApiDispatcher, PlainAnswer, ProjectionProgress } from '@keystream/service-api';
import type { Projector } from '@keystream/service-projector';
import type { KeystreamMetrics } from './metrics.js';

export interface HealthRoutes {
  readonly routes: Readonly<Record<string, () => PlainAnswer | Promise<PlainAnswer>>>;
  /** The dispatcher of a process that runs no api role. */
  readonly notServedHere: ApiDispatcher;
}

/** Whether the read model has caught up with the event log as it stood when the process started. */
export interface ReadModelReadiness {
  /** undefined when caught up, else why not yet. */
  check(): Promise<string | undefined>;
}

/**
 * Readiness against the log's head at start: once the read model reached it, it stays reached
 * (later lag is the normal read-your-writes wait, not unreadiness).
 */
export function readModelReadiness(headAtStart: string, progress: ProjectionProgress): ReadModelReadiness {
  let caughtUp = headAtStart === '';
  return {
    async check() {
      if (caughtUp) return undefined;
      try {
        await progress.waitForPosition(headAtStart, 0);
        caughtUp = true;
        return undefined;
      } catch {
        return `read model catching up with the event log (to position ${headAtStart}, its head at start)`;
      }
    },
  };
}

export function healthRoutes(parts: {
  readonly metrics: KeystreamMetrics;
  readonly role: string;
  readonly projector?: Projector;
  readonly readiness?: ReadModelReadiness;
  /** Stores refusing writes for lack of space: shown by /readyz, which stays 200 (reads go on). */
  readonly storageProblems?: () => readonly string[] | Promise<readonly string[]>;
  /** What /metrics answers when not this process's metrics alone (every process of a `keystream start`). */
  readonly exposition?: () => Promise<string>;
}): HealthRoutes {
  return {
    routes: {
      '/healthz': () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' }),
      '/readyz': async () => {
        const state = parts.projector === undefined ? 'running' : parts.projector.status;
        const why = state === 'running' ? await parts.readiness?.check() : `projector ${state}`;
        if (why !== undefined) return { status: 503, contentType: 'text/plain; charset=utf-8', body: `not ready: ${why}\n` };
        // A full disk leaves reads, Lists and watches working: the process stays in rotation,
        // and says what it cannot do.
        const degraded = (await parts.storageProblems?.()) ?? [];
        return { status: 200, contentType: 'text/plain; charset=utf-8', body: degraded.length === 0 ? 'ready\n' : `ready, degraded:\n${degraded.map((problem) => `  ${problem}\n`).join('')}` };
      },
      '/metrics': async () => ({ status: 200, contentType: parts.metrics.registry.contentType, body: await (parts.exposition ?? (() => parts.metrics.render()))() }),
    },
    notServedHere: (call: { readonly method: MethodDescriptor }) =>
      Promise.reject(new KeystreamError('UNAVAILABLE', `${call.method.name} is not served by this process (it runs the ${parts.role} role, not the api)`)),
  };
}
