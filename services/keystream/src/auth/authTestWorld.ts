/**
 * A keystream core (embedded stores, running projector, seeded built-ins) without the HTTP edge,
 * for the authorization integration specs and benchmarks: it hands out authorizing dispatchers and
 * development tokens, and writes as the system where a test needs a world to exist.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeystreamError, methodByName, type MethodDescriptor } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import type { EventStore } from '@keystream/eventstore';
import type { ApiDispatcher, ApiResult, AuthenticatedCall, CommandService, ResourceDispatcher, ResourceRepository } from '@keystream/service-api';
import type { Projector } from '@keystream/service-projector';
import type { Container } from 'inversify';
import { loadConfig, type KeystreamConfig } from '../config.js';
import { buildContainer, TOKENS } from '../container.js';
import { createLogger } from '../logger.js';
import { buildAuthorizingDispatcher, mintDevToken } from './authServices.js';
import type { AuthorizingDispatcher } from './authorizingDispatcher.js';
import type { ProcessManagerRunner } from '../processManagers/processManagerRunner.js';
import { seedBuiltins } from './seedBuiltins.js';

/** A running core. */
export interface AuthTestWorld {
  readonly config: KeystreamConfig;
  readonly commands: CommandService;
  readonly repository: ResourceRepository;
  readonly eventStore: EventStore;
  /** The real authorizing dispatcher in front of the resource dispatcher. */
  readonly dispatcher: AuthorizingDispatcher;
  /** The resource dispatcher alone, without authentication (for overhead benchmarks only). */
  readonly unauthenticatedDispatch: ApiDispatcher;
  /** An authorizing dispatcher whose inner dispatcher only records that it was reached. */
  readonly probe: AuthorizingDispatcher;
  /** How many calls reached the probe's inner dispatcher. */
  readonly reached: () => number;
  /** The request the probe's inner dispatcher saw last (after any narrowing). */
  readonly lastProbeRequest: () => unknown;
  token(email: string): Promise<string>;
  /** Calls `dispatcher` (or `probe`) with a method by name, a request and an optional bearer token. */
  call(method: string | MethodDescriptor, request: JsonObject, bearer?: string, options?: { probe?: boolean; remoteAddress?: string; requestId?: string; headers?: Readonly<Record<string, string>> }): Promise<ApiResult>;
  /** Creates a resource as the system. */
  create(kind: string, resource: JsonObject): Promise<JsonObject>;
  /** Waits until the projector has applied every event appended so far (no background work left). */
  settle(): Promise<void>;
  /** The process managers (MemberAssignments, invitation expiry and grants). */
  readonly processManagers: ProcessManagerRunner;
  close(): Promise<void>;
}

/** Starts a core in a fresh temporary directory (with `clock`, a test can move time). */
export async function startAuthTestWorld(options: { clock?: () => Date } = {}): Promise<AuthTestWorld> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-authz-'));
  const config = loadConfig({ KEYSTREAM_DATA_DIR: directory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent' });
  const container: Container = buildContainer(config, createLogger(config), options.clock);
  const projector = await container.getAsync<Projector>(TOKENS.projector);
  await projector.start();
  const eventStore = await container.getAsync<EventStore>(TOKENS.eventStore);
  const commands = await container.getAsync<CommandService>(TOKENS.commands);
  const repository = await container.getAsync<ResourceRepository>(TOKENS.repository);
  const seeded = await seedBuiltins(commands, repository, config.auth.bootstrapAdmins);
  if (seeded.position !== '') await projector.waitForPosition(seeded.position, 10_000);
  const dispatcher = await container.getAsync<AuthorizingDispatcher>(TOKENS.authorizingDispatcher);
  const processManagers = await container.getAsync<ProcessManagerRunner>(TOKENS.processManagers);
  await processManagers.start();
  const resourceDispatcher = await container.getAsync<ResourceDispatcher>(TOKENS.dispatcher);
  let reachedCount = 0;
  let lastRequest: unknown;
  const probe = buildAuthorizingDispatcher(config, {
    eventStore,
    repository,
    commands,
    inner: (call: AuthenticatedCall) => {
      reachedCount += 1;
      lastRequest = call.request;
      return Promise.resolve({ response: { reachedAs: call.actor } });
    },
  });
  const abort = new AbortController();
  return {
    config,
    commands,
    repository,
    eventStore,
    dispatcher,
    processManagers,
    unauthenticatedDispatch: resourceDispatcher.dispatch,
    probe,
    reached: () => reachedCount,
    lastProbeRequest: () => lastRequest,
    token: (email) => mintDevToken(config, email),
    call(method, request, bearer, options = {}) {
      const descriptor = typeof method === 'string' ? methodByName(method) : method;
      const target = options.probe === true ? probe : dispatcher;
      return target.dispatch({
        method: descriptor,
        request,
        headers: { ...options.headers, ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), ...(options.requestId === undefined ? {} : { 'x-request-id': options.requestId }) },
        remoteAddress: options.remoteAddress ?? '127.0.0.1',
        signal: abort.signal,
      });
    },
    async create(kind, resource) {
      const result = await commands.execute({ type: 'create', kind, resource }, { actor: 'system' });
      if (result.resource === undefined) throw new KeystreamError('INTERNAL', `creating ${kind} answered nothing`);
      return result.resource;
    },
    async settle() {
      // The process managers react to what is in the log, and the projector shows what they wrote.
      await processManagers.waitFor(await eventStore.headPosition(), 30_000);
      const head = await eventStore.headPosition();
      if (head !== '') await projector.waitForPosition(head, 30_000);
    },
    async close() {
      try {
        await processManagers.stop();
        await projector.stop();
        await container.unbindAllAsync();
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

/** The status code a dispatch failed with, or 'ok'. */
export async function outcomeOf(run: Promise<ApiResult>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    if (error instanceof KeystreamError) return error.code;
    throw error;
  }
}
