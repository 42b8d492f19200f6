/**
 * The operational endpoints every keystream process serves: `/healthz` (the process is alive),
 * `/readyz` (it can serve: its projector, if it runs one, is running), `/metrics` (Prometheus).
 */
import { KeystreamError, type MethodDescriptor } from '@keystream/api';
import type { ApiDispatcher, PlainAnswer } from '@keystream/service-api';
import type { Projector } from '@keystream/service-projector';
import type { KeystreamMetrics } from './metrics.js';

export interface HealthRoutes {
  readonly routes: Readonly<Record<string, () => PlainAnswer | Promise<PlainAnswer>>>;
  /** The dispatcher of a process that runs no api role. */
  readonly notServedHere: ApiDispatcher;
}

export function healthRoutes(parts: { readonly metrics: KeystreamMetrics; readonly role: string; readonly projector?: Projector }): HealthRoutes {
  return {
    routes: {
      '/healthz': () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' }),
      '/readyz': async () => {
        const state = parts.projector === undefined ? 'running' : (await parts.projector.metrics()).state;
        const ready = state === 'running';
        return { status: ready ? 200 : 503, contentType: 'text/plain; charset=utf-8', body: ready ? 'ready\n' : `not ready: projector ${state}\n` };
      },
      '/metrics': async () => ({ status: 200, contentType: parts.metrics.registry.contentType, body: await parts.metrics.render() }),
    },
    notServedHere: (call: { readonly method: MethodDescriptor }) =>
      Promise.reject(new KeystreamError('UNAVAILABLE', `${call.method.name} is not served by this process (it runs the ${parts.role} role, not the api)`)),
  };
}
