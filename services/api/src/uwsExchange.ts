/**
 * A uWebSockets.js request as a {@link RestExchange}. uWS reuses its request object once the
 * handler returns, so everything is copied first, and body chunks are copied as they arrive.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { headProblemOf, statusLine, type AnswerHead, type RestExchange } from './restHandler.js';

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
  const headers: Record<string, string> = {};
  const duplicated = new Set<string>();
  let headerBytes = 0;
  let headerCount = 0;
  request.forEach((name, value) => {
    if (Object.hasOwn(headers, name)) duplicated.add(name);
    headers[name] = value;
    headerBytes += name.length + value.length + 4;
    headerCount += 1;
  });
  const path = request.getUrl();
  const query = orEmpty(request.getQuery());
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
    headProblem: headProblemOf({ urlBytes: path.length + query.length + 1, headerBytes, headerCount, duplicated, headers }),
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
