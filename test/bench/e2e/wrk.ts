/**
 * wrk (Debian's `wrk` package) as the load generator of the end-to-end benchmarks: its own
 * process, its own threads, keep-alive connections. Each run loads a Lua script that makes the
 * requests and, at the end, prints one `WRK_RESULT {json}` line this module parses.
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** What one wrk run measured. Latencies in milliseconds. */
export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers with a status of 300 or more. */
  readonly non2xx: number;
  /** Connect, read, write and timeout errors together. */
  readonly socketErrors: number;
}

const RESULT_PREFIX = 'WRK_RESULT ';

/**
 * The Lua `done` hook every script ends with: wrk's own summary (microseconds) as one JSON line.
 * wrk counts non-2xx/3xx answers in `errors.status`.
 */
const DONE_HOOK = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${RESULT_PREFIX}{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"status":%d,"socket":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
`;

/** Escapes a string for a Lua double-quoted literal. */
function lua(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function headerLines(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`)
    .join('\n');
}

/** A script that sends the same GET with the given headers. */
export function getScript(headers: Readonly<Record<string, string>>): string {
  return `wrk.method = "GET"\n${headerLines(headers)}\n${DONE_HOOK}`;
}

/**
 * A script that POSTs `bodyTemplate` with `{{id}}` replaced by an id unique across threads and
 * requests (`<thread>-<counter>`), so every create names a new resource.
 */
export function uniquePostScript(headers: Readonly<Record<string, string>>, bodyTemplate: string): string {
  return `
wrk.method = "POST"
${headerLines({ 'content-type': 'application/json', ...headers })}
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  local id = "w" .. tostring(tid) .. "-" .. tostring(counter)
  local body = string.gsub(${lua(bodyTemplate)}, "{{id}}", id)
  return wrk.format(nil, nil, nil, body)
end
${DONE_HOOK}`;
}

/** Reads the `WRK_RESULT` line of wrk's output; throws when there is none. */
export function parseWrkResult(output: string): WrkResult {
  const line = output.split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX));
  if (line === undefined) throw new Error(`wrk printed no result line:\n${output}`);
  const raw = JSON.parse(line.slice(RESULT_PREFIX.length)) as { requests: number; durationUs: number; p50Us: number; p99Us: number; status: number; socket: number };
  const seconds = raw.durationUs / 1e6;
  return {
    requests: raw.requests,
    seconds,
    perSecond: seconds > 0 ? raw.requests / seconds : 0,
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    non2xx: raw.status,
    socketErrors: raw.socket,
  };
}

/** The installed wrk's version line, or undefined when wrk is missing. */
export async function wrkVersion(): Promise<string | undefined> {
  try {
    // wrk prints its usage (with the version) and exits 1 when run without a URL.
    await promisify(execFile)('wrk', ['--version']);
  } catch (error) {
    const { stdout, code } = error as { stdout?: string; code?: string | number };
    if (code === 'ENOENT') return undefined;
    return stdout?.split('\n')[0]?.trim();
  }
  return undefined;
}

/** Options of one {@link runWrk}. */
export interface WrkRun {
  readonly url: string;
  readonly script: string;
  readonly connections: number;
  readonly threads: number;
  readonly seconds: number;
  /** Where the script file is written. */
  readonly directory: string;
  readonly name: string;
}

/** Runs wrk against `url` and parses its result. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const scriptPath = path.join(run.directory, `${run.name}.lua`);
  await writeFile(scriptPath, run.script);
  const args = ['-t', String(run.threads), '-c', String(run.connections), '-d', `${run.seconds}s`, '--timeout', '10s', '-s', scriptPath, run.url];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(text);
      else reject(new Error(`wrk ${args.join(' ')} exited ${String(code)}:\n${text}`));
    });
  });
  return parseWrkResult(output);
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere.
 * CPU per request stays comparable on a busy shared machine where rates do not.
 */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const own = statOf(pid);
  if (own === undefined) return undefined;
  // keystream start runs roles in child processes on several cores: their CPU is the server's too.
  let total = own.cpuSeconds;
  for (const child of descendantsOf(pid)) total += statOf(child)?.cpuSeconds ?? 0;
  return total;
}

/** CPU seconds and parent of a live process, from /proc/<pid>/stat. */
function statOf(pid: number): { readonly cpuSeconds: number; readonly parent: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; ppid is 4, utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND, parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Every live process below `pid`. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    const parent = statOf(Number(entry))?.parent;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      pending.push(child);
    }
  }
  return found;
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
