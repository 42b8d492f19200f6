/**
 * A uWebSockets.js request as a {@link RestExchange}. uWS reuses its request object once the
 * handler returns, so everything is copied first, and body chunks are copied as they arrive.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { readRequestHead, statusLine, type AnswerHead, type RestExchange } from './restHandler.js';

/** uWS's getQuery() returns undefined when the URL has no query, whatever its declared type says. */
function orEmpty(value: string | undefined): string {
  return value ?? '';
}

/**
 * The peer a bridged connection came from: the node:http edge forwards WebSocket upgrades over
 * loopback and names the client's address in a header signed with this process's secret.
 */
export type PeerOf = (headers: Record<string, string>, socketAddress: string) => string;

function writeHead(response: HttpResponse, head: AnswerHead): void {
  response.writeStatus(statusLine(head.status));
  for (const [name, value] of Object.entries(head.headers)) response.writeHeader(name, value);
}

export function uwsExchange(response: HttpResponse, request: HttpRequest, peerOf: PeerOf): RestExchange {
  const path = request.getUrl();
  const query = orEmpty(request.getQuery());
  const { headers, problem } = readRequestHead((visit) => { request.forEach(visit); }, path.length + query.length + 1);
  const abortListeners: (() => void)[] = [];
  response.onAborted(() => {
    for (const listener of abortListeners) listener();
  });
  return {
    httpMethod: request.getMethod().toUpperCase(),
    path,
    query,
    headers,
    remoteAddress: peerOf(headers, Buffer.from(response.getRemoteAddressAsText()).toString()),
    headProblem: problem,
    onAborted(listener) {
      abortListeners.push(listener);
    },
    readBody(maxBytes, done) {
      const chunks: Buffer[] = [];
      let received = 0;
      let finished = false;
      response.onData((chunk, isLast) => {
        if (finished) return;
        received += chunk.byteLength;
        if (received > maxBytes) {
          finished = true;
          done(undefined);
          return;
        }
        // uWS reuses the chunk's memory once this callback returns, so it is copied.
        chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
        if (!isLast) return;
        finished = true;
        done(Buffer.concat(chunks));
      });
    },
    answer(head, body, withoutBody) {
      response.cork(() => {
        writeHead(response, head);
        if (withoutBody) response.endWithoutBody(Buffer.byteLength(body));
        else response.end(body);
      });
    },
    writePart(head, part) {
      let ok = true;
      response.cork(() => {
        if (head !== undefined) writeHead(response, head);
        ok = response.write(part);
      });
      return ok;
    },
    endParts(head, last) {
      response.cork(() => {
        if (head !== undefined) writeHead(response, head);
        response.end(last);
      });
    },
    onWritable(listener) {
      response.onWritable(() => {
        listener();
        return true;
      });
    },
  };
}
