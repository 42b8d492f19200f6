/**
 * Resume tokens: the change-log position a stateless watch's client is consistent with. Opaque to
 * clients; today the position itself (hex), so a token is valid on every gateway of one store.
 */
import { KeystreamError } from '@keystream/api';
import { isPositionText, type Position } from '@keystream/kernel';


/** The token a client passes back to resume after `position`. */
export function encodeResumeToken(position: Position): string {
  return position;
}

/** The position a token resumes after; INVALID_ARGUMENT naming `resume_token` when it is not one. */
export function decodeResumeToken(token: string): Position {
  if (!isPositionText(token)) {
    throw KeystreamError.invalidArgument([{ field: 'resume_token', description: 'expected a resume_token as returned by this watch (a change-log position); pass it back unchanged' }]);
  }
  return token;
}
