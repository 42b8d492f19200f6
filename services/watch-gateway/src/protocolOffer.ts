/**
 * Browser credentials on the watch WebSocket (docs/watch.md, "Authenticating from a browser").
 * Browsers cannot set `Authorization` on a WebSocket, so the bearer token may travel as one entry
 * of the `Sec-WebSocket-Protocol` offer, `keystream.bearer.<token>`, next to the real subprotocol.
 * This module only reads the offer: the token becomes an ordinary `authorization` header and is
 * authenticated by the request pipeline like any other.
 */
import { KeystreamError } from '@keystream/api';

/** The subprotocol of the watch frames (docs/watch.md); what the server answers with. */
export const WATCH_SUBPROTOCOL = 'keystream.watch.v1';
/** Prefix of the offer entry carrying a bearer token. */
export const BEARER_PROTOCOL_PREFIX = 'keystream.bearer.';

/** What an upgrade's offer asks for. */
export interface ProtocolOffer {
  /** The subprotocol to answer with ('' = none offered); never a bearer entry. */
  readonly protocol: string;
  /** The `authorization` header value to authenticate with, when the offer carried a token. */
  readonly authorization: string | undefined;
}

/**
 * Reads a `Sec-WebSocket-Protocol` offer. Refuses (INVALID_ARGUMENT, answered as HTTP 400 before
 * the upgrade) an offer with two tokens, an empty token, a token and an `Authorization` header at
 * once (which would win is ambiguous), or a token without a real subprotocol (a browser fails a
 * handshake whose answer is not one of its offers, and the token must never be echoed).
 */
export function readProtocolOffer(offer: string, authorizationHeader: string | undefined): ProtocolOffer {
  const entries = offer.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const bearers = entries.filter((entry) => entry.startsWith(BEARER_PROTOCOL_PREFIX));
  const real = entries.filter((entry) => !entry.startsWith(BEARER_PROTOCOL_PREFIX));
  const protocol = real.includes(WATCH_SUBPROTOCOL) ? WATCH_SUBPROTOCOL : (real[0] ?? '');
  if (bearers.length === 0) return { protocol, authorization: undefined };
  const field = (description: string): KeystreamError => KeystreamError.invalidArgument([{ field: 'Sec-WebSocket-Protocol', description }]);
  if (bearers.length > 1) throw field(`offer one ${BEARER_PROTOCOL_PREFIX}<token> entry, not ${bearers.length}`);
  const token = (bearers[0] as string).slice(BEARER_PROTOCOL_PREFIX.length);
  if (token === '') throw field(`${BEARER_PROTOCOL_PREFIX} carries no token`);
  if (authorizationHeader !== undefined && authorizationHeader !== '') throw field('a bearer token in the offer and an Authorization header at once; send one');
  if (protocol === '') throw field(`a bearer token needs the real subprotocol next to it, e.g. "${WATCH_SUBPROTOCOL}, ${BEARER_PROTOCOL_PREFIX}<token>"`);
  return { protocol, authorization: `Bearer ${token}` };
}
