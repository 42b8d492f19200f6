/**
 * What a keystream process says when it starts, derived from the contract and the configuration.
 */
import { METHODS, RESOURCES, SPEC_MODEL } from '@keystream/api';
import type { KeystreamConfig, StoreLocation } from './config.js';

/** Counts of what the contract defines. */
export interface ServicePlan {
  readonly service: string;
  readonly resources: number;
  readonly methods: number;
  readonly routes: number;
  readonly streams: number;
}

/** Summarises the contract the server implements. */
export function servicePlan(): ServicePlan {
  return {
    service: `${SPEC_MODEL.service} ${SPEC_MODEL.version} (${SPEC_MODEL.protoPackage})`,
    resources: RESOURCES.length,
    methods: METHODS.length,
    routes: METHODS.reduce((total, method) => total + method.routes.length, 0),
    streams: METHODS.filter((method) => method.kind === 'stream').length,
  };
}

function describeStore(location: StoreLocation): string {
  return location.kind === 'lmdb' ? `embedded (${location.directory})` : location.url.replace(/\/\/[^@/]*@/, '//…@');
}

/** The lines printed once the process serves. */
export function startBanner(config: KeystreamConfig, url: string): string {
  const plan = servicePlan();
  return [
    `keystream is serving ${plan.service} at ${url} (role: ${config.role})`,
    `  ${plan.resources} resources, ${plan.methods} methods on ${plan.routes} REST routes; see docs/openapi.json`,
    `  event store: ${describeStore(config.eventStore)}; read store: ${describeStore(config.readStore)}`,
    `  listening on ${config.http.host} only: there is no authentication yet, so keystream refuses to listen beyond loopback`,
    `  health: ${url}/healthz  readiness: ${url}/readyz  metrics: ${url}/metrics`,
  ].join('\n');
}
