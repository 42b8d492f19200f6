/**
 * A keystream core (embedded stores, running projector, seeded built-ins) without the HTTP edge,
 * for the authorization integration specs and benchmarks: it hands out authorizing dispatchers and
 * development tokens, and writes as the system where a test needs a world to exist.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeystreamError, methodByName, type MethodDescriptor, type ResourceKind } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import { ANONYMOUS } from '@keystream/authz';
import {
  buildHandlerRegistry,
  runHandler,
  systemEnvelope,
  type AnyMethodHandler,
  type ApiDispatcher,
  type ChildCounter,
  type ApiResult,
  type CommandService,
  type RequestPipeline,
  type ResourceRepository,
} from '@keystream/service-api';
import { loadConfig, type KeystreamConfig } from '../config.js';
import { composeKeystream } from '../container.js';
import { createLogger } from '../logger.js';
import { buildRequestPipeline, mintDevToken } from './authServices.js';
import type { ProcessManagerRunner } from '../processManagers/processManagerRunner.js';
import { seedBuiltins } from './seedBuiltins.js';

/** A running core. */
export interface AuthTestWorld {
  readonly config: KeystreamConfig;
  readonly commands: CommandService;
  readonly repository: ResourceRepository;
  /** What the command core asks before a delete (children) and after it (what goes with a scope). */
  readonly children: ChildCounter;
  readonly eventStore: EventStore;
  /** The read model (for benchmarks that compare how a query is served). */
  readonly readStore: ReadStore;
  /** The real request pipeline in front of the method handlers. */
  readonly dispatcher: RequestPipeline;
  /** The handlers alone, as the anonymous caller, without authentication (for overhead benchmarks only). */
  readonly unauthenticatedDispatch: ApiDispatcher;
  /** A request pipeline whose handlers only record that they were reached. */
  readonly probe: RequestPipeline;
  /** How many calls reached the probe's handlers. */
  readonly reached: () => number;
  /** The request the probe's handlers saw last (after any narrowing). */
  readonly lastProbeRequest: () => unknown;
  token(email: string): Promise<string>;
  /** Calls `dispatcher` (or `probe`) with a method by name, a request and an optional bearer token. */
  call(method: string | MethodDescriptor, request: JsonObject, bearer?: string, options?: { probe?: boolean; remoteAddress?: string; requestId?: string; headers?: Readonly<Record<string, string>> }): Promise<ApiResult>;
  /** Creates a resource as the system. */
  create(kind: ResourceKind, resource: JsonObject): Promise<JsonObject>;
  /** Waits until the process managers and then the projector have handled every event appended so far. */
  settle(): Promise<void>;
  /** The process managers (MemberAssignments, nested groups, invitation expiry and grants). */
  readonly processManagers: ProcessManagerRunner;
  /** The data directory (pass it to {@link startAuthTestWorld} to restart on the same data). */
  readonly directory: string;
  close(): Promise<void>;
}

/** Options of {@link startAuthTestWorld}. */
export interface AuthTestWorldOptions {
  /** With it, a test can move time (invitation expiry). */
  readonly clock?: () => Date;
  /**
   * The data directory to open (a restart of an earlier world); it is kept on close. Without it, a
   * fresh temporary directory is made and removed on close.
   */
  readonly directory?: string;
}

/** Starts a core in a fresh temporary directory, or in `options.directory` (a restart). */
export async function startAuthTestWorld(options: AuthTestWorldOptions = {}): Promise<AuthTestWorld> {
  const directory = options.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-authz-'));
  const config = loadConfig({ KEYSTREAM_DATA_DIR: directory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent' });
  const graph = composeKeystream(config, createLogger(config), options.clock);
  const projector = await graph.projector();
  await projector.start();
  const eventStore = await graph.eventStore();
  const commands = await graph.commands();
  const repository = await graph.repository();
  const seeded = await seedBuiltins(commands, repository, config.auth.bootstrapAdmins);
  if (seeded.position !== '') await projector.waitForPosition(seeded.position, 10_000);
  const queries = await graph.queries();
  const children = await graph.childCounter();
  const dispatcher = await graph.pipeline();
  const processManagers = await graph.processManagers();
  await processManagers.start();
  let reachedCount = 0;
  let lastRequest: unknown;
  const recorder: AnyMethodHandler = (request, context) => {
    reachedCount += 1;
    lastRequest = request;
    return Promise.resolve({ response: { reachedAs: context.envelope.actor } });
  };
  const probe = buildRequestPipeline(config, { eventStore, repository, commands, queries, readStore: await graph.readStore(), identity: await graph.identity(), handlers: new Map([...buildHandlerRegistry().keys()].map((name) => [name, recorder])) });
  const handlers = buildHandlerRegistry();
  const abort = new AbortController();
  return {
    config,
    commands,
    repository,
    children,
    eventStore,
    readStore: await graph.readStore(),
    dispatcher,
    processManagers,
    directory,
    unauthenticatedDispatch: (call) => runHandler(handlers, dispatcher.app, call, ANONYMOUS),
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
      const result = await commands.execute({ type: 'create', kind, resource }, systemEnvelope());
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
        await graph.close();
      } finally {
        if (options.directory === undefined) fs.rmSync(directory, { recursive: true, force: true });
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

let uniqueCounter = 0;

/** A name no other call in this test process returns: `prefix`, a counter and the time. */
export function uniqueId(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}${uniqueCounter}x${Date.now().toString(36)}`;
}

/** One core shared by a mocha suite, with the bootstrap administrator's token and common steps. */
export interface AuthTestSuite {
  /** The core; set by the suite's `before` hook. */
  readonly world: AuthTestWorld;
  /** A token of the bootstrap administrator; set by the suite's `before` hook. */
  readonly admin: string;
  /** Creates a project as the administrator; its name. */
  readonly project: () => Promise<string>;
  /** Binds `role` to `member` in `scope` as the administrator; the binding's name. */
  readonly bind: (scope: string, role: string, member: string, extra?: JsonObject) => Promise<string>;
}

/**
 * Installs the mocha hooks of a suite that shares one core: started before its first test, closed
 * after its last, and (with `settleAfterEach`) the projector caught up after each test so the next
 * one starts from a level read model. Call it inside `describe`.
 */
export function authTestSuite(options: { readonly settleAfterEach?: boolean } = {}): AuthTestSuite {
  let world: AuthTestWorld | undefined;
  let admin: string | undefined;
  const ready = (): { world: AuthTestWorld; admin: string } => {
    if (world === undefined || admin === undefined) throw new Error('the suite has not started: use it inside a test or hook');
    return { world, admin };
  };
  before(async () => {
    world = await startAuthTestWorld();
    admin = await world.token('admin@keystream.local');
  });
  if (options.settleAfterEach === true) {
    afterEach(async () => {
      await world?.settle();
    });
  }
  after(async () => {
    await world?.close();
  });
  return {
    get world() {
      return ready().world;
    },
    get admin() {
      return ready().admin;
    },
    project: async () => {
      const name = `projects/${uniqueId('p')}`;
      await ready().world.call('CreateProject', { project: { name, title: name } }, ready().admin);
      return name;
    },
    bind: async (scope, role, member, extra = {}) => {
      const answer = await ready().world.call('CreateRoleBinding', { parent: scope, roleBinding: { role, member, ...extra } }, ready().admin);
      return (answer.response as JsonObject)['name'] as string;
    },
  };
}
