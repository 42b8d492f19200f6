import { expect } from 'chai';
import path from 'node:path';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const SERVER_STORES = { KEYSTREAM_EVENTSTORE: 'esdb://localhost:2113?tls=false', KEYSTREAM_READSTORE: 'mongodb://localhost:27017/keystream' };

describe('loadConfig', () => {
  describe('having an empty environment', () => {
    it('should run every role on embedded stores under ./.keystream, on loopback port 8080', () => {
      const config = loadConfig({});
      expect(config.role).to.equal('all');
      expect(config.http).to.deep.equal({ host: '127.0.0.1', port: 8080, maxBodyBytes: 1048576, edge: 'node' });
      expect(config.eventStore).to.deep.equal({ kind: 'lmdb', directory: path.resolve('.keystream/events') });
      expect(config.readStore).to.deep.equal({ kind: 'lmdb', directory: path.resolve('.keystream/read') });
    });

    it('should hold the HTTP port with node:http unless KEYSTREAM_HTTP_EDGE=uws, and name the variable for anything else', () => {
      expect(loadConfig({ KEYSTREAM_HTTP_EDGE: 'uws' }).http.edge).to.equal('uws');
      expect(problemsOf(() => loadConfig({ KEYSTREAM_HTTP_EDGE: 'nginx' }))[0]).to.match(/KEYSTREAM_HTTP_EDGE \("nginx"\): expected node or uws/);
    });

    it('should give the embedded read store a 64 MiB document cache unless KEYSTREAM_READ_CACHE_MB says otherwise, and name the variable for a bad value', () => {
      expect(loadConfig({}).readCacheBytes).to.equal(64 * 1024 * 1024);
      expect(loadConfig({ KEYSTREAM_READ_CACHE_MB: '0' }).readCacheBytes).to.equal(0);
      expect(loadConfig({ KEYSTREAM_READ_CACHE_MB: '256' }).readCacheBytes).to.equal(256 * 1024 * 1024);
      for (const bad of ['-1', 'lots', '1.5']) expect(problemsOf(() => loadConfig({ KEYSTREAM_READ_CACHE_MB: bad }))[0], bad).to.match(/^KEYSTREAM_READ_CACHE_MB \(/);
    });

    it('should acknowledge writes only once flushed to disk, unless KEYSTREAM_DURABILITY=relaxed', () => {
      expect(loadConfig({}).durability).to.equal('flush');
      expect(loadConfig({ KEYSTREAM_DURABILITY: 'relaxed' }).durability).to.equal('relaxed');
      expect(problemsOf(() => loadConfig({ KEYSTREAM_DURABILITY: 'sometimes' }))[0]).to.match(/KEYSTREAM_DURABILITY \("sometimes"\): expected flush or relaxed/);
    });
  });

  describe('having a gRPC port', () => {
    it('should serve gRPC on 9090 by default, on a given port, on a free one for auto, and not at all for 0', () => {
      expect(loadConfig({}).grpc).to.deep.equal({ port: 9090 });
      expect(loadConfig({ KEYSTREAM_GRPC_PORT: '50051' }).grpc).to.deep.equal({ port: 50051 });
      expect(loadConfig({ KEYSTREAM_GRPC_PORT: 'auto' }).grpc).to.deep.equal({ port: 0 });
      expect(loadConfig({ KEYSTREAM_GRPC_PORT: '0' }).grpc).to.equal(undefined);
    });

    it('should name a bad one with what was expected', () => {
      const [problem] = problemsOf(() => loadConfig({ KEYSTREAM_GRPC_PORT: 'grpc' }));
      expect(problem).to.match(/^KEYSTREAM_GRPC_PORT \("grpc"\): expected a port number \(1–65535\), 0 to turn gRPC off, or auto/);
    });
  });

  describe('having server stores', () => {
    it('should keep their URLs', () => {
      const config = loadConfig({ KEYSTREAM_EVENTSTORE: 'esdb://localhost:2113?tls=false', KEYSTREAM_READSTORE: 'mongodb://localhost:27017/keystream' }, 'api');
      expect(config.eventStore).to.deep.equal({ kind: 'server', url: 'esdb://localhost:2113?tls=false' });
      expect(config.role).to.equal('api');
    });
  });

  describe('having bad variables', () => {
    it('should name each one with its value and what was expected', () => {
      const problems = problemsOf(() =>
        loadConfig({ KEYSTREAM_HTTP_PORT: 'eighty', KEYSTREAM_EVENTSTORE: 'postgres://x', KEYSTREAM_BOOTSTRAP_ADMIN: 'alice', KEYSTREAM_LOG_LEVEL: 'loud' }),
      );
      expect(problems).to.have.length(4);
      expect(problems).to.include.members([
        'KEYSTREAM_HTTP_PORT ("eighty"): expected a port number (0–65535; 0 picks a free port)',
        'KEYSTREAM_EVENTSTORE ("postgres://x"): expected esdb://host:2113?tls=false or lmdb:<directory>',
        'KEYSTREAM_BOOTSTRAP_ADMIN ("alice"): expected member[,member…] such as user:alice@example.com',
      ]);
    });

    it('should never echo a secret', () => {
      const [problem] = problemsOf(() => loadConfig({ KEYSTREAM_PAGE_TOKEN_KEY: 'short-secret' }));
      expect(problem).to.equal('KEYSTREAM_PAGE_TOKEN_KEY (12 characters): expected at least 32 characters of secret (page tokens are signed with it)');
    });
  });

  describe('having authentication settings', () => {
    it('should serve any address, since every route authenticates and authorizes', () => {
      expect(loadConfig({ KEYSTREAM_HTTP_HOST: '0.0.0.0' }).http.host).to.equal('0.0.0.0');
    });

    it('should default to the development issuer with its documented administrator', () => {
      expect(loadConfig({}).auth).to.deep.equal({ audience: 'keystream', oidc: undefined, devIssuer: true, bootstrapAdmins: ['user:admin@keystream.local'] });
    });

    it('should switch the development issuer off when an OIDC issuer is configured', () => {
      const auth = loadConfig({
        KEYSTREAM_OIDC_ISSUER: 'https://login.example.com/',
        KEYSTREAM_OIDC_AUDIENCE: 'keystream-api',
        KEYSTREAM_OIDC_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
        KEYSTREAM_BOOTSTRAP_ADMIN: 'user:Alice@Example.com',
      }).auth;
      expect(auth.devIssuer).to.equal(false);
      expect(auth.oidc).to.deep.equal({ issuer: 'https://login.example.com/', audience: 'keystream-api', jwks: { url: 'https://login.example.com/.well-known/jwks.json' } });
      expect(auth.bootstrapAdmins).to.deep.equal(['user:alice@example.com']);
    });

    it('should refuse an OIDC issuer without JWKS or audience', () => {
      const problems = problemsOf(() => loadConfig({ KEYSTREAM_OIDC_ISSUER: 'https://login.example.com/' }));
      expect(problems).to.have.length(2);
      expect(problems[0]).to.match(/KEYSTREAM_OIDC_JWKS_URL/);
    });
  });

  describe('having one role on the embedded stores', () => {
    it('should accept every role (the writing role holds a store, the others follow it)', () => {
      for (const role of ['api', 'projector', 'gateway'] as const) expect(loadConfig({}, role).readStore.kind).to.equal('lmdb');
      expect(loadConfig({ KEYSTREAM_EVENT_STREAM_FILE: '/tmp/events.ndjson' }, 'relay').eventStore.kind).to.equal('lmdb');
    });
  });
  describe('having an event stream destination', () => {
    it('should run no relay without one', () => {
      expect(loadConfig({}).eventStream).to.equal(undefined);
    });

    it('should publish to Kafka on the default topic when brokers are set', () => {
      expect(loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k1:9092,k2:9092' }).eventStream).to.deep.equal({
        kind: 'kafka',
        brokers: ['k1:9092', 'k2:9092'],
        topic: 'keystream.events',
        partitions: undefined,
        replication: undefined,
        contentMode: 'binary',
      });
      expect(loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k1:9092', KEYSTREAM_KAFKA_TOPIC: 'iam.events' }).eventStream).to.have.property('topic', 'iam.events');
    });

    it('should take the topic\'s partitions, replication and the CloudEvents content mode, refusing bad values by name', () => {
      expect(loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k:9092', KEYSTREAM_KAFKA_PARTITIONS: '12', KEYSTREAM_KAFKA_REPLICATION: '3', KEYSTREAM_KAFKA_CONTENT_MODE: 'structured' }).eventStream).to.include({
        partitions: 12,
        replication: 3,
        contentMode: 'structured',
      });
      expect(problemsOf(() => loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k:9092', KEYSTREAM_KAFKA_PARTITIONS: '0' }))[0]).to.match(/^KEYSTREAM_KAFKA_PARTITIONS \("0"\): expected a positive number of partitions/);
      expect(problemsOf(() => loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k:9092', KEYSTREAM_KAFKA_REPLICATION: 'two' }))[0]).to.match(/^KEYSTREAM_KAFKA_REPLICATION \("two"\): expected a positive replication factor/);
      expect(problemsOf(() => loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k:9092', KEYSTREAM_KAFKA_CONTENT_MODE: 'json' }))[0]).to.match(/^KEYSTREAM_KAFKA_CONTENT_MODE \("json"\): expected binary/);
    });

    it('should append to an NDJSON file when KEYSTREAM_EVENT_STREAM_FILE is set', () => {
      expect(loadConfig({ KEYSTREAM_EVENT_STREAM_FILE: 'out/events.ndjson' }).eventStream).to.deep.equal({ kind: 'ndjson', path: path.resolve('out/events.ndjson') });
    });

    it('should refuse both destinations at once, a bad topic, and --role relay without a destination', () => {
      expect(problemsOf(() => loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k:9092', KEYSTREAM_EVENT_STREAM_FILE: 'e.ndjson' }))[0]).to.match(/one destination/);
      expect(problemsOf(() => loadConfig({ KEYSTREAM_KAFKA_BROKERS: 'k:9092', KEYSTREAM_KAFKA_TOPIC: 'bad topic' }))[0]).to.match(/^KEYSTREAM_KAFKA_TOPIC \("bad topic"\): expected a Kafka topic name/);
      expect(problemsOf(() => loadConfig(SERVER_STORES, 'relay'))[0]).to.match(/--role relay runs the relay, which needs a destination/);
      expect(loadConfig({ ...SERVER_STORES, KEYSTREAM_KAFKA_BROKERS: 'k:9092' }, 'relay').role).to.equal('relay');
    });
  });

  describe('having identity-provider and shard settings', () => {
    it('should default to the embedded directory and one shard without endpoints', () => {
      const config = loadConfig({});
      expect(config.identity).to.deep.equal({ kind: 'embedded' });
      expect(config.shards.count).to.equal(1);
      expect(config.publicUrl).to.equal('http://127.0.0.1:8080');
    });

    it('should take Auth0 from a tenant domain or a URL, and name every missing variable without echoing the secret', () => {
      expect(loadConfig({ KEYSTREAM_IDENTITY_PROVIDER: 'auth0', KEYSTREAM_AUTH0_DOMAIN: 'acme.eu.auth0.com', KEYSTREAM_AUTH0_CLIENT_ID: 'id', KEYSTREAM_AUTH0_CLIENT_SECRET: 's3cret' }).identity).to.deep.include({
        kind: 'auth0',
        baseUrl: 'https://acme.eu.auth0.com',
      });
      expect(problemsOf(() => loadConfig({ KEYSTREAM_IDENTITY_PROVIDER: 'auth0', KEYSTREAM_AUTH0_CLIENT_SECRET: 's3cret' })).join('\n')).to.match(/KEYSTREAM_AUTH0_DOMAIN[\s\S]*KEYSTREAM_AUTH0_CLIENT_ID/);
      expect(problemsOf(() => loadConfig({ KEYSTREAM_IDENTITY_PROVIDER: 'okta' }))[0]).to.match(/embedded or auth0/);
      expect(problemsOf(() => loadConfig({ KEYSTREAM_IDENTITY_PROVIDER: 'auth0', KEYSTREAM_AUTH0_CLIENT_SECRET: '' })).join('\n')).not.to.include('s3cret');
    });

    it('should read shard endpoints, infer the count from them, and refuse a shard beyond the count', () => {
      const config = loadConfig({ KEYSTREAM_SHARD_ENDPOINTS: '0=https://a.example;2=https://c.example' });
      expect(config.shards.count).to.equal(3);
      expect(config.shards.endpoints.get(2)).to.deep.equal(['https://c.example']);
      expect(problemsOf(() => loadConfig({ KEYSTREAM_AGENT_SHARDS: '2', KEYSTREAM_SHARD_ENDPOINTS: '2=https://c.example' }))[0]).to.match(/names shard 2/);
      expect(problemsOf(() => loadConfig({ KEYSTREAM_SHARD_ENDPOINTS: 'zero=https://a' }))[0]).to.match(/^KEYSTREAM_SHARD_ENDPOINTS/);
    });
  });
});
