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

function authLine(config: KeystreamConfig): string {
  const issuers = [...(config.auth.oidc === undefined ? [] : [`OIDC issuer ${config.auth.oidc.issuer}`]), ...(config.auth.devIssuer ? ['the development issuer'] : [])];
  const accepted = issuers.length === 0 ? 'service-account keys only' : `tokens of ${issuers.join(' and ')}, service-account keys`;
  const admin = config.auth.bootstrapAdmins[0];
  const hint =
    config.auth.devIssuer && admin?.startsWith('user:') === true
      ? `\n  an administrator token: KEYSTREAM_DATA_DIR=${config.dataDirectory} keystream token --user ${admin.slice('user:'.length)}`
      : '';
  return `accepting ${accepted}${hint}`;
}

/** The lines printed once the process serves. */
export function startBanner(config: KeystreamConfig, url: string, grpcAddress?: string, children: readonly { readonly roles: string; pid(): number | undefined }[] = []): string {
  const plan = servicePlan();
  return [
    `keystream is serving ${plan.service} at ${url} (role: ${config.role})`,
    ...children.map((child) => `  ${child.roles}: a process of its own (pid ${child.pid() ?? '?'}) on the same data directory; KEYSTREAM_PROCESSES=1 runs every role here`),
    `  ${plan.resources} resources, ${plan.methods} methods on ${plan.routes} REST routes; see docs/openapi.json`,
    grpcAddress === undefined ? '  gRPC: off (KEYSTREAM_GRPC_PORT=0)' : `  gRPC: ${grpcAddress} (ntt.iam.v1, reflection and grpc.health.v1; protos in docs/proto)`,
    `  event store: ${describeStore(config.eventStore)}; read store: ${describeStore(config.readStore)}`,
    `  every call is authenticated and authorized; ${authLine(config)}`,
    `  health: ${url}/healthz  readiness: ${url}/readyz  metrics: ${url}/metrics`,
    `  console: ${url}/console/ (sign in with a bearer token)`,
  ].join('\n');
}
