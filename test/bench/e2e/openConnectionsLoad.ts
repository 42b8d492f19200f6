/**
 * A second HTTP load generator for the end-to-end benchmarks: the steady state on connections
 * that are already open and served.
 *
 * Why it exists: wrk opens its connections when it starts and times each one's first request from
 * the connect. A Node server accepts one connection per event-loop turn (libuv does not accept in
 * a loop since libuv/libuv#3696), and a saturated turn serves every open connection first, so the
 * 64th connection is accepted about half a second after the first. wrk's p99 over a 10 s run is
 * mostly those first requests. This client opens every connection, waits until each one has been
 * answered once, and only then starts timing: what a client with a warm connection pool sees.
 *
 * It runs in its own process (`node --import tsx openConnectionsLoad.ts '<json options>'`), one
 * closed loop per connection (the next request once the answer is complete, as wrk does), and
 * prints one `OPEN_LOAD_RESULT {json}` line.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** What one run measured. Latencies in milliseconds. */
export interface OpenLoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers with a status of 300 or more. */
  readonly non2xx: number;
}

/** Options of one run. */
export interface OpenLoadRun {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  /** The body of a POST; every `{{id}}` is replaced by a number unique within the run. */
  readonly bodyTemplate?: string;
  readonly connections: number;
  readonly seconds: number;
}

const RESULT_PREFIX = 'OPEN_LOAD_RESULT ';
const HEAD_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** Runs the client in a process of its own and returns what it measured. */
export function runOpenConnectionsLoad(run: OpenLoadRun): Promise<OpenLoadResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self, JSON.stringify(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = output.split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as OpenLoadResult);
      else reject(new Error(`the open-connections load client exited ${String(code)}:\n${output}`));
    });
  });
}

/**
 * Reads one HTTP/1.1 answer at a time from a keep-alive connection: its status once complete.
 * Bodies are delimited by Content-Length or chunked encoding (what keystream answers with).
 */
export class AnswerReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Appends received bytes; returns the statuses of the answers they completed. */
  push(chunk: Buffer): number[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const statuses: number[] = [];
    for (;;) {
      const complete = this.completeAnswer();
      if (complete === undefined) return statuses;
      statuses.push(complete.status);
      this.buffered = this.buffered.subarray(complete.length);
    }
  }

  private completeAnswer(): { status: number; length: number } | undefined {
    const headEnd = this.buffered.indexOf(HEAD_END);
    if (headEnd < 0) return undefined;
    const head = this.buffered.subarray(0, headEnd).toString('latin1');
    const status = Number(head.slice(9, 12));
    const bodyStart = headEnd + HEAD_END.length;
    const contentLength = /\r\ncontent-length:\s*(\d+)/iu.exec(head);
    if (contentLength !== null) {
      const length = bodyStart + Number(contentLength[1]);
      return this.buffered.length >= length ? { status, length } : undefined;
    }
    if (/\r\ntransfer-encoding:\s*chunked/iu.test(head)) {
      const last = this.buffered.indexOf(LAST_CHUNK, bodyStart);
      return last < 0 ? undefined : { status, length: last + LAST_CHUNK.length };
    }
    return { status, length: bodyStart };
  }
}

/** One connection's closed loop: a request, its answer, the next request. */
class LoadConnection {
  private readonly reader = new AnswerReader();
  private sentAt = 0;
  private onAnswer: ((status: number) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const status of this.reader.push(chunk)) this.onAnswer?.(status);
    });
  }

  static open(host: string, port: number): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        resolve(new LoadConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request; resolves with its status and latency (ms) once answered. */
  exchange(request: Buffer): Promise<{ status: number; latencyMs: number }> {
    return new Promise((resolve) => {
      this.onAnswer = (status) => {
        resolve({ status, latencyMs: performance.now() - this.sentAt });
      };
      this.sentAt = performance.now();
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function requestBytes(run: OpenLoadRun, target: URL, id: number): Buffer {
  const body = run.bodyTemplate === undefined ? '' : run.bodyTemplate.replaceAll('{{id}}', String(id));
  const headers = { host: target.host, ...run.headers, ...(run.method === 'POST' ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) };
  const head = `${run.method} ${target.pathname}${target.search} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return Buffer.from(head + body);
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] as number);
}

async function main(run: OpenLoadRun): Promise<OpenLoadResult> {
  const target = new URL(run.url);
  const connections = await Promise.all(Array.from({ length: run.connections }, () => LoadConnection.open(target.hostname, Number(target.port))));
  let nextId = 0;
  // The ramp: every connection accepted and answered once before anything is timed.
  await Promise.all(connections.map((connection) => connection.exchange(requestBytes(run, target, nextId++))));
  const latencies: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  const deadline = started + run.seconds * 1000;
  await Promise.all(
    connections.map(async (connection) => {
      while (performance.now() < deadline) {
        const { status, latencyMs } = await connection.exchange(requestBytes(run, target, nextId++));
        latencies.push(latencyMs);
        if (status >= 300) non2xx += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const connection of connections) connection.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, seconds, perSecond: latencies.length / seconds, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), maxMs: latencies.at(-1) ?? 0, non2xx };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const run = JSON.parse(process.argv[2] ?? '{}') as OpenLoadRun;
  main(run).then(
    (result) => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
