/**
 * keystream's configuration, read from the environment and validated once at start. Every bad
 * variable is reported on its own line, naming the variable, what it holds and what was expected.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseShardEndpoints } from './shardEndpoints.js';

/**
 * The roles a process can run. `all` is every role but `replica` in one process (the embedded
 * default). `replica` serves the API like `api` in front of an event log another process's `api`
 * writes (on the embedded stores its appends go to that process, appendForwarding.ts), without
 * the process managers or the seeding that the `api` process runs once.
 */
export const ROLES = ['all', 'api', 'replica', 'projector', 'gateway', 'relay'] as const;
export type Role = (typeof ROLES)[number];
/** One role of a process (`all` names every one but replica). */
export type ServedRole = Exclude<Role, 'all'>;
const SERVED_ROLES: readonly ServedRole[] = ['api', 'replica', 'projector', 'gateway', 'relay'];
const ALL_ROLES: readonly ServedRole[] = ['api', 'projector', 'gateway', 'relay'];

/**
 * The roles `--role` names: `all`, one role, or several joined by commas (`api,gateway`);
 * undefined when it names anything else.
 */
export function parseRoles(text: string): ReadonlySet<ServedRole> | undefined {
  if (text === 'all') return new Set(ALL_ROLES);
  const named = text.split(',');
  if (named.some((role) => !(SERVED_ROLES as readonly string[]).includes(role))) return undefined;
  return new Set(named as ServedRole[]);
}

const positiveInteger = (what: string) =>
  z.coerce.number({ error: `expected ${what}` }).int(`expected ${what}`).positive(`expected ${what}`);

const EnvironmentSchema = z.object({
  KEYSTREAM_DATA_DIR: z.string().min(1).default('.keystream'),
  // Every route authenticates and authorizes (docs/security.md), so any address may be served.
  KEYSTREAM_HTTP_HOST: z.string().min(1, 'expected a host name or IP address to listen on').default('127.0.0.1'),
  KEYSTREAM_HTTP_PORT: z.coerce
    .number({ error: 'expected a port number (0–65535; 0 picks a free port)' })
    .int('expected a port number (0–65535; 0 picks a free port)')
    .min(0, 'expected a port number (0–65535; 0 picks a free port)')
    .max(65535, 'expected a port number (0–65535; 0 picks a free port)')
    .default(8080),
  // gRPC has its own port: 0 turns the gRPC edge off, `auto` picks a free port (tests).
  KEYSTREAM_GRPC_PORT: z
    .union([
      z.literal('auto'),
      z.coerce
        .number({ error: 'expected a port number (1–65535), 0 to turn gRPC off, or auto to pick a free port' })
        .int('expected a port number (1–65535), 0 to turn gRPC off, or auto to pick a free port')
        .min(0, 'expected a port number (1–65535), 0 to turn gRPC off, or auto to pick a free port')
        .max(65535, 'expected a port number (1–65535), 0 to turn gRPC off, or auto to pick a free port'),
    ], { error: 'expected a port number (1–65535), 0 to turn gRPC off, or auto to pick a free port' })
    .default(9090),
  KEYSTREAM_EVENTSTORE: z
    .string()
    .regex(/^(esdb(\+discover)?:\/\/|lmdb:).+/, 'expected esdb://host:2113?tls=false or lmdb:<directory>')
    .optional(),
  KEYSTREAM_READSTORE: z.string().regex(/^(mongodb(\+srv)?:\/\/|lmdb:).+/, 'expected mongodb://host:27017/<database> or lmdb:<directory>').optional(),
  KEYSTREAM_KAFKA_BROKERS: z.string().regex(/^[^,\s]+(,[^,\s]+)*$/, 'expected host:port[,host:port…]').optional(),
  // Kafka's own topic rules: up to 249 of [a-zA-Z0-9._-].
  KEYSTREAM_KAFKA_TOPIC: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name (1–249 of a-z A-Z 0-9 . _ -)').default('keystream.events'),
  // Used only when the relay creates the topic; unset leaves them to the cluster's defaults.
  KEYSTREAM_KAFKA_PARTITIONS: positiveInteger('a positive number of partitions').optional(),
  KEYSTREAM_KAFKA_REPLICATION: positiveInteger('a positive replication factor (at most the number of brokers)').optional(),
  KEYSTREAM_KAFKA_CONTENT_MODE: z.enum(['binary', 'structured'], { error: 'expected binary (ce_* headers) or structured (the JSON event as the value)' }).default('binary'),
  KEYSTREAM_EVENT_STREAM_FILE: z.string().min(1, 'expected the path of an NDJSON file to append events to').optional(),
  KEYSTREAM_PAGE_TOKEN_KEY: z.string().min(32, 'expected at least 32 characters of secret (page tokens are signed with it)').optional(),
  KEYSTREAM_ATTESTATION_KEY: z.string().min(32, 'expected at least 32 characters of secret (attestation tickets and tokens are derived from it)').optional(),
  // flush: an append is acknowledged once its commit is on disk (survives a power loss, as
  // EventStoreDB does); relaxed: once committed (survives the process being killed, not the machine).
  KEYSTREAM_DURABILITY: z.enum(['flush', 'relaxed'], { error: 'expected flush or relaxed' }).default('flush'),
  KEYSTREAM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEYSTREAM_MAX_BODY_BYTES: positiveInteger('a positive number of bytes').default(1024 * 1024),
  // node: node:http takes the port and answers every oversized or odd request (docs/security.md);
  // uws: uWebSockets.js takes it directly, faster, for deployments behind a proxy that enforces limits.
  KEYSTREAM_HTTP_EDGE: z.enum(['node', 'uws'], { error: 'expected node or uws' }).default('node'),
  /** Byte budget of the embedded read store's cache of decoded documents, in MiB (0 turns it off). */
  // How many processes `keystream start` (all roles, embedded stores) spreads its roles over: `auto`
  // follows the cores (processPlan.ts); 1 keeps every role in one process.
  KEYSTREAM_PROCESSES: z
    .union([z.literal('auto'), z.coerce.number({ error: 'expected auto or a number of processes (1–16)' }).int('expected auto or a number of processes (1–16)').min(1, 'expected auto or a number of processes (1–16)').max(16, 'expected auto or a number of processes (1–16)')], {
      error: 'expected auto or a number of processes (1–16)',
    })
    .default('auto'),
  KEYSTREAM_READ_CACHE_MB: z.coerce.number({ error: 'expected a number of MiB' }).int('expected a whole number of MiB').min(0, 'expected 0 or more MiB').max(65_536, 'expected at most 65536 MiB').default(64),
  KEYSTREAM_MIN_POSITION_WAIT_MS: positiveInteger('a positive number of milliseconds').default(5000),
  KEYSTREAM_CHANGELOG_MAX_ENTRIES: positiveInteger('a positive number of entries').default(1_000_000),
  KEYSTREAM_CHANGELOG_MAX_AGE_MS: positiveInteger('a positive number of milliseconds').default(7 * 24 * 60 * 60 * 1000),
  KEYSTREAM_AUTH_AUDIENCE: z.string().min(1).default('keystream'),
  KEYSTREAM_OIDC_ISSUER: z.url('expected the issuer URL of the OIDC provider').optional(),
  KEYSTREAM_OIDC_AUDIENCE: z.string().min(1).optional(),
  KEYSTREAM_OIDC_JWKS_URL: z.url('expected the URL of the issuer\'s JWKS').optional(),
  KEYSTREAM_OIDC_JWKS_FILE: z.string().min(1).optional(),
  KEYSTREAM_DEV_ISSUER: z.enum(['true', 'false'], { error: 'expected true or false' }).optional(),
  KEYSTREAM_BOOTSTRAP_ADMIN: z
    .string()
    .regex(/^(user|serviceAccount|group):[^\s,@]+@[^\s,@]+(,(user|serviceAccount|group):[^\s,@]+@[^\s,@]+)*$/, 'expected member[,member…] such as user:alice@example.com')
    .optional(),
  KEYSTREAM_INVITATION_VALIDITY_DAYS: z.coerce
    .number({ error: 'expected a number of days from 1 to 30' })
    .int('expected a number of days from 1 to 30')
    .min(1, 'expected a number of days from 1 to 30')
    .max(30, 'expected a number of days from 1 to 30')
    .default(7),
  KEYSTREAM_SMTP_URL: z.string().regex(/^smtps?:\/\/.+/, 'expected smtp://[user:password@]host[:port] or smtps://…').optional(),
  KEYSTREAM_SMTP_FROM: z.string().min(3, 'expected the sender address, e.g. "keystream <no-reply@example.com>"').optional(),
  KEYSTREAM_PUBLIC_URL: z.url('expected the URL users reach keystream at (links in mails point there)').optional(),
  KEYSTREAM_IDENTITY_PROVIDER: z.enum(['embedded', 'auth0'], { error: 'expected embedded or auth0' }).default('embedded'),
  KEYSTREAM_AUTH0_DOMAIN: z.string().min(1).optional(),
  KEYSTREAM_AUTH0_CLIENT_ID: z.string().min(1).optional(),
  KEYSTREAM_AUTH0_CLIENT_SECRET: z.string().min(1).optional(),
  KEYSTREAM_AUTH0_AUDIENCE: z.string().min(1).optional(),
  KEYSTREAM_AGENT_SHARDS: positiveInteger('a positive number of shards').optional(),
  KEYSTREAM_SHARD_ENDPOINTS: z.string().optional(),
});

/** Who the built-in development issuer's default administrator is (docs/security.md). */
export const DEFAULT_DEV_ADMIN = 'admin@keystream.local';

/** How callers authenticate, and who administers a fresh installation. */
export interface AuthConfig {
  /** The audience service-account and development tokens must name. */
  readonly audience: string;
  readonly oidc: { readonly issuer: string; readonly audience: string; readonly jwks: { readonly url: string } | { readonly file: string } } | undefined;
  /** Whether the built-in development issuer (key in the data directory) is accepted. */
  readonly devIssuer: boolean;
  /** Members bound to the scope-admin role at the system scope at start. */
  readonly bootstrapAdmins: readonly string[];
}

/** Where users' login identities live (docs/identity.md). */
export type IdentityConfig =
  | { readonly kind: 'embedded' }
  | { readonly kind: 'auth0'; readonly baseUrl: string; readonly clientId: string; readonly clientSecret: string; readonly audience: string | undefined };

/** Agent shards: how many, and each one's endpoints. */
export interface ShardsConfig {
  readonly count: number;
  readonly endpoints: ReadonlyMap<number, readonly string[]>;
}

/** Where the event stream relay publishes, if anywhere (ARCHITECTURE.md §2: Kafka, or an NDJSON file). */
export type EventStreamConfig =
  | {
      readonly kind: 'kafka';
      readonly brokers: readonly string[];
      readonly topic: string;
      /** Partitions and replication factor of the topic when the relay creates it; undefined: the cluster's defaults. */
      readonly partitions: number | undefined;
      readonly replication: number | undefined;
      /** CloudEvents content mode of the messages (docs/eventstream.md). */
      readonly contentMode: 'binary' | 'structured';
    }
  | { readonly kind: 'ndjson'; readonly path: string };

/** Where a store lives, as configured. */
export type StoreLocation = { readonly kind: 'lmdb'; readonly directory: string } | { readonly kind: 'server'; readonly url: string };

/**
 * How people are notified (invitations, verification mails): the outbox file in the data
 * directory (embedded default; `keystream outbox` prints it) or an SMTP server.
 */
export type NotifierConfig =
  | { readonly kind: 'outbox'; readonly file: string }
  | { readonly kind: 'smtp'; readonly host: string; readonly port: number; readonly secure: boolean; readonly user: string | undefined; readonly password: string | undefined; readonly from: string };

export interface KeystreamConfig {
  /** The roles as `--role` named them (`all`, `api`, `api,gateway`). */
  readonly role: string;
  /** The roles this process runs. */
  readonly roles: ReadonlySet<ServedRole>;
  readonly dataDirectory: string;
  readonly http: { readonly host: string; readonly port: number; readonly maxBodyBytes: number; readonly edge: 'node' | 'uws' };
  /** The gRPC edge (same host as HTTP): undefined when turned off (`KEYSTREAM_GRPC_PORT=0`); port 0 picks a free one. */
  readonly grpc: { readonly port: number } | undefined;
  readonly eventStore: StoreLocation;
  readonly readStore: StoreLocation;
  /** Byte budget of the embedded read store's document cache. */
  readonly readCacheBytes: number;
  /** Processes `keystream start --role all` spreads its roles over on the embedded stores (`auto`: follow the cores). */
  readonly processes: number | 'auto';
  readonly kafkaBrokers: readonly string[] | undefined;
  /** The relay's destination; undefined means no relay (`all` then skips the role). */
  readonly eventStream: EventStreamConfig | undefined;
  readonly pageTokenKey: string | undefined;
  /** Secret attestation challenge tickets and tokens are keyed with (shared by every api replica). */
  readonly attestationKey: string | undefined;
  /** When the embedded event store acknowledges an append: after the flush to disk, or after the commit. */
  readonly durability: 'flush' | 'relaxed';
  readonly logLevel: z.infer<typeof EnvironmentSchema>['KEYSTREAM_LOG_LEVEL'];
  readonly minPositionWaitMilliseconds: number;
  readonly changeLog: { readonly maxEntries: number; readonly maxAgeMs: number };
  readonly auth: AuthConfig;
  readonly notifier: NotifierConfig;
  /** Days an invitation stays valid by default (and a resend extends it by), 1–30. */
  readonly invitationValidityDays: number;
  /** The base URL users reach keystream at (default: the HTTP listener's). */
  readonly publicUrl: string;
  readonly identity: IdentityConfig;
  readonly shards: ShardsConfig;
}

/** The configuration is unusable; `problems` has one line per bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

function location(value: string | undefined, fallbackDirectory: string): StoreLocation {
  if (value === undefined) return { kind: 'lmdb', directory: fallbackDirectory };
  if (value.startsWith('lmdb:')) return { kind: 'lmdb', directory: path.resolve(value.slice('lmdb:'.length)) };
  return { kind: 'server', url: value };
}

function describeValue(environment: Readonly<Record<string, string | undefined>>, variable: string): string {
  const value = environment[variable];
  if (value === undefined) return 'unset';
  // Secrets are never echoed back.
  if (variable === 'KEYSTREAM_PAGE_TOKEN_KEY' || variable === 'KEYSTREAM_ATTESTATION_KEY' || variable === 'KEYSTREAM_AUTH0_CLIENT_SECRET') return `${value.length} characters`;
  return variable === 'KEYSTREAM_SMTP_URL' ? JSON.stringify(value.replace(/\/\/[^@/]*@/, '//***@')) : JSON.stringify(value);
}

/** Reads the configuration of a process running `role`; throws ConfigError listing every problem. */
export function loadConfig(environment: Readonly<Record<string, string | undefined>>, role: string = 'all'): KeystreamConfig {
  const roles = parseRoles(role);
  if (roles === undefined) throw new ConfigError([`--role (${role}): expected all, or one or more of ${SERVED_ROLES.join(', ')} joined by commas`]);
  const parsed = EnvironmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        return `${variable} (${describeValue(environment, variable)}): ${issue.message}`;
      }),
    );
  }
  const env = parsed.data;
  const dataDirectory = path.resolve(env.KEYSTREAM_DATA_DIR);
  const readStore = location(env.KEYSTREAM_READSTORE, path.join(dataDirectory, 'read'));
  const eventStore = location(env.KEYSTREAM_EVENTSTORE, path.join(dataDirectory, 'events'));
  // Split roles work on the embedded stores too: the process that writes a store (the api role the
  // event log, the projector the read model) holds it, the others follow its commits (stores.ts).
  const eventStream = eventStreamConfigOf(env, environment, role, roles);
  if (roles.has('replica') && roles.has('api')) throw new ConfigError([`--role (${role}): api and replica in one process; a replica serves the API beside an api process, so run one or the other`]);
  if (roles.has('replica') && eventStore.kind === 'lmdb' && process.platform !== 'linux') {
    throw new ConfigError([`--role (${role}): a replica on the embedded event log reaches its writer through an abstract Unix socket, which only Linux has; run every role in one process here`]);
  }
  const auth = authConfigOf(env);
  const identity = identityConfigOf(env);
  const shards = shardsConfigOf(env, environment);
  return {
    role,
    roles,
    dataDirectory,
    http: { host: env.KEYSTREAM_HTTP_HOST, port: env.KEYSTREAM_HTTP_PORT, maxBodyBytes: env.KEYSTREAM_MAX_BODY_BYTES, edge: env.KEYSTREAM_HTTP_EDGE },
    grpc: env.KEYSTREAM_GRPC_PORT === 0 ? undefined : { port: env.KEYSTREAM_GRPC_PORT === 'auto' ? 0 : env.KEYSTREAM_GRPC_PORT },
    eventStore,
    readStore,
    readCacheBytes: env.KEYSTREAM_READ_CACHE_MB * 1024 * 1024,
    processes: env.KEYSTREAM_PROCESSES,
    kafkaBrokers: env.KEYSTREAM_KAFKA_BROKERS?.split(','),
    eventStream,
    pageTokenKey: env.KEYSTREAM_PAGE_TOKEN_KEY,
    attestationKey: env.KEYSTREAM_ATTESTATION_KEY,
    durability: env.KEYSTREAM_DURABILITY,
    logLevel: env.KEYSTREAM_LOG_LEVEL,
    minPositionWaitMilliseconds: env.KEYSTREAM_MIN_POSITION_WAIT_MS,
    changeLog: { maxEntries: env.KEYSTREAM_CHANGELOG_MAX_ENTRIES, maxAgeMs: env.KEYSTREAM_CHANGELOG_MAX_AGE_MS },
    auth,
    publicUrl: env.KEYSTREAM_PUBLIC_URL ?? `http://${env.KEYSTREAM_HTTP_HOST.includes(':') ? `[${env.KEYSTREAM_HTTP_HOST}]` : env.KEYSTREAM_HTTP_HOST}:${env.KEYSTREAM_HTTP_PORT}`,
    identity,
    shards,
    notifier: notifierConfigOf(env, dataDirectory),
    invitationValidityDays: env.KEYSTREAM_INVITATION_VALIDITY_DAYS,
  };
}

function notifierConfigOf(env: z.infer<typeof EnvironmentSchema>, dataDirectory: string): NotifierConfig {
  if (env.KEYSTREAM_SMTP_URL === undefined) {
    if (env.KEYSTREAM_SMTP_FROM !== undefined) throw new ConfigError(['KEYSTREAM_SMTP_URL (unset): KEYSTREAM_SMTP_FROM needs the SMTP server too']);
    return { kind: 'outbox', file: path.join(dataDirectory, 'outbox.ndjson') };
  }
  const url = new URL(env.KEYSTREAM_SMTP_URL);
  const secure = url.protocol === 'smtps:';
  if (env.KEYSTREAM_SMTP_FROM === undefined) throw new ConfigError(['KEYSTREAM_SMTP_FROM (unset): mail over SMTP needs a sender address, e.g. "keystream <no-reply@example.com>"']);
  return {
    kind: 'smtp',
    host: url.hostname,
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    user: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    from: env.KEYSTREAM_SMTP_FROM,
  };
}

function identityConfigOf(env: z.infer<typeof EnvironmentSchema>): IdentityConfig {
  if (env.KEYSTREAM_IDENTITY_PROVIDER === 'embedded') return { kind: 'embedded' };
  const missing = (['KEYSTREAM_AUTH0_DOMAIN', 'KEYSTREAM_AUTH0_CLIENT_ID', 'KEYSTREAM_AUTH0_CLIENT_SECRET'] as const).filter((variable) => env[variable] === undefined);
  if (missing.length > 0) throw new ConfigError(missing.map((variable) => `${variable} (unset): KEYSTREAM_IDENTITY_PROVIDER=auth0 needs it (a Machine-to-Machine application of the tenant)`));
  const domain = env.KEYSTREAM_AUTH0_DOMAIN as string;
  // A bare tenant domain means HTTPS; a full URL (a test server, a custom domain) is taken as is.
  const baseUrl = /^https?:\/\//.test(domain) ? domain.replace(/\/+$/, '') : `https://${domain}`;
  if (!URL.canParse(baseUrl)) throw new ConfigError([`KEYSTREAM_AUTH0_DOMAIN (${JSON.stringify(domain)}): expected the tenant domain such as example.eu.auth0.com`]);
  return { kind: 'auth0', baseUrl, clientId: env.KEYSTREAM_AUTH0_CLIENT_ID as string, clientSecret: env.KEYSTREAM_AUTH0_CLIENT_SECRET as string, audience: env.KEYSTREAM_AUTH0_AUDIENCE };
}

function shardsConfigOf(env: z.infer<typeof EnvironmentSchema>, environment: Readonly<Record<string, string | undefined>>): ShardsConfig {
  let endpoints: Map<number, string[]>;
  try {
    endpoints = parseShardEndpoints(env.KEYSTREAM_SHARD_ENDPOINTS);
  } catch (error) {
    throw new ConfigError([`KEYSTREAM_SHARD_ENDPOINTS (${describeValue(environment, 'KEYSTREAM_SHARD_ENDPOINTS')}): ${error instanceof Error ? error.message : String(error)}`]);
  }
  const highest = Math.max(-1, ...endpoints.keys());
  const count = env.KEYSTREAM_AGENT_SHARDS ?? Math.max(1, highest + 1);
  if (highest >= count) {
    throw new ConfigError([`KEYSTREAM_SHARD_ENDPOINTS (${describeValue(environment, 'KEYSTREAM_SHARD_ENDPOINTS')}): names shard ${highest}, but KEYSTREAM_AGENT_SHARDS is ${count} (shards 0–${count - 1})`]);
  }
  return { count, endpoints };
}

function eventStreamConfigOf(env: z.infer<typeof EnvironmentSchema>, environment: Readonly<Record<string, string | undefined>>, role: string, roles: ReadonlySet<ServedRole>): EventStreamConfig | undefined {
  const brokers = env.KEYSTREAM_KAFKA_BROKERS?.split(',');
  const file = env.KEYSTREAM_EVENT_STREAM_FILE;
  // One destination per relay: its checkpoint says how far that destination got.
  if (brokers !== undefined && file !== undefined) {
    throw new ConfigError([
      `KEYSTREAM_EVENT_STREAM_FILE (${describeValue(environment, 'KEYSTREAM_EVENT_STREAM_FILE')}): the relay publishes to one destination; set either KEYSTREAM_KAFKA_BROKERS or KEYSTREAM_EVENT_STREAM_FILE, not both`,
    ]);
  }
  if (brokers !== undefined) {
    return {
      kind: 'kafka',
      brokers,
      topic: env.KEYSTREAM_KAFKA_TOPIC,
      partitions: env.KEYSTREAM_KAFKA_PARTITIONS,
      replication: env.KEYSTREAM_KAFKA_REPLICATION,
      contentMode: env.KEYSTREAM_KAFKA_CONTENT_MODE,
    };
  }
  if (file !== undefined) return { kind: 'ndjson', path: path.resolve(file) };
  // `all` skips the relay without a destination; a relay asked for by name needs one.
  if (role !== 'all' && roles.has('relay')) {
    throw new ConfigError([`KEYSTREAM_KAFKA_BROKERS (unset): --role ${role} runs the relay, which needs a destination: KEYSTREAM_KAFKA_BROKERS=host:port[,…] or KEYSTREAM_EVENT_STREAM_FILE=<path>`]);
  }
  return undefined;
}

function authConfigOf(env: z.infer<typeof EnvironmentSchema>): AuthConfig {
  const problems: string[] = [];
  let oidc: AuthConfig['oidc'];
  if (env.KEYSTREAM_OIDC_ISSUER !== undefined) {
    const jwks = env.KEYSTREAM_OIDC_JWKS_URL !== undefined ? { url: env.KEYSTREAM_OIDC_JWKS_URL } : env.KEYSTREAM_OIDC_JWKS_FILE !== undefined ? { file: path.resolve(env.KEYSTREAM_OIDC_JWKS_FILE) } : undefined;
    if (jwks === undefined) problems.push('KEYSTREAM_OIDC_JWKS_URL (unset): an OIDC issuer needs its JWKS, from KEYSTREAM_OIDC_JWKS_URL or KEYSTREAM_OIDC_JWKS_FILE');
    if (env.KEYSTREAM_OIDC_AUDIENCE === undefined) problems.push('KEYSTREAM_OIDC_AUDIENCE (unset): an OIDC issuer needs the audience its tokens are issued for');
    if (jwks !== undefined && env.KEYSTREAM_OIDC_AUDIENCE !== undefined) oidc = { issuer: env.KEYSTREAM_OIDC_ISSUER, audience: env.KEYSTREAM_OIDC_AUDIENCE, jwks };
  } else if (env.KEYSTREAM_OIDC_JWKS_URL !== undefined || env.KEYSTREAM_OIDC_JWKS_FILE !== undefined || env.KEYSTREAM_OIDC_AUDIENCE !== undefined) {
    problems.push('KEYSTREAM_OIDC_ISSUER (unset): the other KEYSTREAM_OIDC_* variables need the issuer too');
  }
  // The development issuer is the embedded default; configuring a real issuer switches it off
  // unless it is asked for explicitly.
  const devIssuer = env.KEYSTREAM_DEV_ISSUER === undefined ? oidc === undefined && env.KEYSTREAM_OIDC_ISSUER === undefined : env.KEYSTREAM_DEV_ISSUER === 'true';
  const bootstrapAdmins = env.KEYSTREAM_BOOTSTRAP_ADMIN?.split(',') ?? (devIssuer ? [`user:${DEFAULT_DEV_ADMIN}`] : []);
  if (problems.length > 0) throw new ConfigError(problems);
  return { audience: env.KEYSTREAM_AUTH_AUDIENCE, oidc, devIssuer, bootstrapAdmins: bootstrapAdmins.map((member) => member.toLowerCase().replace(/^serviceaccount:/, 'serviceAccount:')) };
}
