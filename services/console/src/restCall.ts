/**
 * REST calls of the page, with the signed-in token in `Authorization` (never in the URL). A call
 * answered `UNAUTHENTICATED` tells the session: the token is refused, and the page signs out.
 */

/** The signed-in token, and what to do when the server refuses it. */
export interface Session {
  readonly token: string;
  readonly refused: (reason: string) => void;
}

/** What a call answered: its body when it succeeded, the canonical status and message when not. */
export type RestAnswer =
  /** `position`: the write's `x-keystream-min-position`; a read sending it back sees the write. */
  | { readonly ok: true; readonly body: Readonly<Record<string, unknown>>; readonly position: string | undefined }
  | { readonly ok: false; readonly status: string; readonly message: string };

/** The header a write answers with and a read may send back (read-your-writes, docs/architecture.md). */
export const MIN_POSITION_HEADER = 'x-keystream-min-position';

/** Calls `route` (a path of this origin) with the session's token; `minPosition` makes a read wait for a write. */
export async function restCall(session: Session, method: string, route: string, body?: unknown, minPosition?: string): Promise<RestAnswer> {
  let response: Response;
  const headers: Record<string, string> = { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' };
  if (minPosition !== undefined) headers[MIN_POSITION_HEADER] = minPosition;
  try {
    response = await fetch(route, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch {
    return { ok: false, status: 'UNAVAILABLE', message: 'the server cannot be reached; try again' };
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown> & { error?: { status?: string; message?: string } };
  if (response.ok) return { ok: true, body: answer, position: response.headers.get(MIN_POSITION_HEADER) ?? undefined };
  const status = answer.error?.status ?? String(response.status);
  const message = answer.error?.message ?? '';
  if (status === 'UNAUTHENTICATED') session.refused(`${status}: ${message}`);
  return { ok: false, status, message };
}

/** The error line of an answer, or undefined when it succeeded. */
export function errorOf(answer: RestAnswer): string | undefined {
  return answer.ok ? undefined : `${answer.status}: ${answer.message}`;
}
