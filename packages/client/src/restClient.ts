/**
 * A REST client for every method of the contract, driven by the method table: `call('CreateGroup',
 * {parent, group})` builds the HTTP request from the method's route and returns the wire JSON
 * response, or throws {@link RestError} with the server's error body. Stream methods answer NDJSON:
 * use {@link RestClient.stream}.
 */
import { HTTP_STATUS_BY_CODE, methodByName, statusCodeName } from '@keystream/api';
import { routeRequest, type WireObject } from './restRoute.js';

/** The server's error answer (`{"error": {...}}`). */
export class RestError extends Error {
  override readonly name = 'RestError';
  constructor(
    readonly status: number,
    readonly body: { readonly code?: number; readonly status?: string; readonly message?: string; readonly details?: readonly unknown[] },
  ) {
    super(`${status} ${body.status ?? ''}: ${body.message ?? ''}`);
  }
}

/** google.rpc.Status as a stream's last line carries it. */
interface RpcStatusJson {
  readonly code?: number;
  readonly message?: string;
  readonly details?: readonly unknown[];
}

/** The error a stream's `{"error": …}` line reports, with the HTTP status its code maps to. */
function streamError(status: RpcStatusJson): RestError {
  const name = statusCodeName(status.code ?? 2) ?? 'UNKNOWN';
  return new RestError(HTTP_STATUS_BY_CODE[name], {
    code: HTTP_STATUS_BY_CODE[name],
    status: name,
    message: status.message ?? '',
    details: status.details ?? [],
  });
}

/** Options of {@link RestClient}. */
export interface RestClientOptions {
  /** e.g. `http://127.0.0.1:8080` */
  readonly baseUrl: string;
  /** Sent with every request (e.g. `authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class RestClient {
  constructor(private readonly options: RestClientOptions) {}

  /**
   * Calls a method with a wire-JSON request; resolves to the wire-JSON response. Verify, which
   * streams upstream, answers each REST call with one stream line (`{"result": …}`): its result
   * is the response.
   */
  async call(methodName: string, request: WireObject = {}, headers: Readonly<Record<string, string>> = {}): Promise<WireObject> {
    const response = await this.fetch(methodName, request, headers);
    const text = await response.text();
    if (response.ok && response.headers.get('content-type')?.startsWith('application/x-ndjson') === true) {
      const frame = JSON.parse(text.split('\n')[0] ?? '{}') as WireObject;
      if (frame['error'] !== undefined) throw streamError(frame['error'] as RpcStatusJson);
      return (frame['result'] ?? {}) as WireObject;
    }
    const body = text === '' ? {} : (JSON.parse(text) as WireObject);
    if (!response.ok) throw new RestError(response.status, (body['error'] ?? {}));
    return body;
  }

  /**
   * Calls a stream method (`Watch…`) and yields each response. The server frames NDJSON as
   * grpc-gateway does: `{"result": <response>}` per line; a last `{"error": <google.rpc.Status>}`
   * line (e.g. UNAVAILABLE when the server shuts down) throws a {@link RestError} with that status.
   */
  async *stream(methodName: string, request: WireObject = {}, signal?: AbortSignal): AsyncGenerator<WireObject> {
    const response = await this.fetch(methodName, request, {}, signal);
    if (!response.ok || response.body === null) {
      const body = JSON.parse((await response.text()) || '{}') as WireObject;
      throw new RestError(response.status, (body['error'] ?? {}));
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (line.trim() === '') continue;
        const frame = JSON.parse(line) as WireObject;
        if (frame['error'] !== undefined) throw streamError(frame['error'] as RpcStatusJson);
        if (frame['result'] === undefined) throw new Error(`unexpected NDJSON line from ${methodName}: ${line.slice(0, 200)}`);
        yield frame['result'] as WireObject;
      }
    }
  }

  private fetch(methodName: string, request: WireObject, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<Response> {
    const built = routeRequest(methodByName(methodName), request);
    return fetch(`${this.options.baseUrl}${built.path}`, {
      method: built.httpMethod,
      headers: { ...(built.body === undefined ? {} : { 'content-type': 'application/json' }), ...this.options.headers, ...headers },
      ...(built.body === undefined ? {} : { body: JSON.stringify(built.body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  }
}
