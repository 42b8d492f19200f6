/**
 * What `keystream start` will serve, derived from the contract so it cannot drift from it.
 */
import { METHODS, RESOURCES, SPEC_MODEL } from '@keystream/api';

/** Counts of what the contract defines, for the start banner. */
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

/** The text `keystream start` prints while the server does not exist yet. */
export function notServingYetMessage(plan: ServicePlan): string {
  return [
    `keystream will serve ${plan.service}:`,
    `  ${plan.resources} resources, ${plan.methods} methods on ${plan.routes} REST routes (${plan.streams} of them streaming watches),`,
    `  on the embedded default (event store and read store under ./.keystream), bound to 127.0.0.1.`,
    `The server is not implemented yet: nothing is listening, no data is written.`,
    `The contract it will implement is in docs/openapi.json.`,
  ].join('\n');
}
