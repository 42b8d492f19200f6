/**
 * SetMySettings: merges the given settings into the calling user's; an empty value unsets its key.
 * The merge is a compare-and-swap on `settings`, retried when another write got in between, so
 * two concurrent calls setting different keys both land.
 */
import { isKeystreamError, KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { stepEnvelope } from '../commandEnvelope.js';
import type { MethodHandler } from '../methodHandler.js';
import { callingUser, callingUserEmail } from '../users/userDirectory.js';
import { userNameOf } from '../userNames.js';

const MAX_ATTEMPTS = 5;
/** Bounds a user's settings: they travel with every read of the User. */
const MAX_KEYS = 200;
const MAX_KEY_LENGTH = 256;
const MAX_VALUE_LENGTH = 16 * 1024;

function validate(settings: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(settings)) {
    if (key === '' || key.length > MAX_KEY_LENGTH) throw KeystreamError.invalidArgument([{ field: 'settings', description: `keys must have 1–${MAX_KEY_LENGTH} characters, got ${JSON.stringify(key.slice(0, 40))}` }]);
    if (value.length > MAX_VALUE_LENGTH) throw KeystreamError.invalidArgument([{ field: `settings.${key}`, description: `at most ${MAX_VALUE_LENGTH} characters` }]);
  }
}

export const setMySettings: MethodHandler<'SetMySettings'> = async (request, { app, principal, envelope }) => {
  const email = callingUserEmail(principal, 'SetMySettings');
  const given = request.settings ?? {};
  validate(given);
  for (let attempt = 1; ; attempt += 1) {
    const user = await callingUser(app, email);
    const before = (user?.['settings'] ?? {}) as Record<string, string>;
    const merged = new Map(Object.entries(before));
    for (const [key, value] of Object.entries(given)) {
      if (value === '') merged.delete(key);
      else merged.set(key, value);
    }
    const after = Object.fromEntries(merged);
    if (merged.size > MAX_KEYS) throw KeystreamError.invalidArgument([{ field: 'settings', description: `a user holds at most ${MAX_KEYS} settings; this would make ${merged.size}` }]);
    const name = (user?.['name'] as string | undefined) ?? userNameOf(email);
    const resource: JsonObject = user === undefined ? { name, email, settings: after } : { name, settings: after };
    try {
      const result = await app.commands.execute(
        // First settings of a user who never refreshed from a token: the User is created (a
        // concurrent first call finds it created and retries as an update).
        user === undefined
          ? { type: 'create', kind: 'User', resource }
          : { type: 'update', kind: 'User', resource, updateMask: ['settings'], cas: { conditionalState: { settings: before }, fieldMask: ['settings'] } },
        stepEnvelope(envelope, `:settings:${attempt}`),
      );
      return { response: {}, position: result.position };
    } catch (error) {
      const raced = isKeystreamError(error) && (error.code === 'ABORTED' || error.code === 'ALREADY_EXISTS');
      if (!raced || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
};
