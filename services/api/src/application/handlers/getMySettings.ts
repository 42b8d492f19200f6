/** GetMySettings: the calling user's settings, all of them or the keys asked for. */
import type { MethodHandler } from '../methodHandler.js';
import { callingUser, callingUserEmail } from '../users/userDirectory.js';

export const getMySettings: MethodHandler<'GetMySettings'> = async (request, { app, principal }) => {
  const user = await callingUser(app, callingUserEmail(principal, 'GetMySettings'));
  const stored = (user?.['settings'] ?? {}) as Record<string, string>;
  const keys = request.keys ?? [];
  const settings = keys.length === 0 ? { ...stored } : Object.fromEntries(keys.filter((key) => Object.hasOwn(stored, key)).map((key) => [key, stored[key] as string]));
  return { response: { settings } };
};
