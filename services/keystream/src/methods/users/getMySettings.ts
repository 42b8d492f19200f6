/** GetMySettings: the calling user's settings, all of them or the keys asked for. */
import type { MessageOf } from '@keystream/api';
import { callingUserEmail } from '../callContext.js';
import type { CustomMethod } from '../customMethod.js';
import { callingUser } from './userDirectory.js';

export const getMySettings: CustomMethod = {
  name: 'GetMySettings',
  async handle(call, deps) {
    const request = call.request as MessageOf<'GetMySettingsRequest'>;
    const user = await callingUser(deps, callingUserEmail(call, 'GetMySettings'));
    const stored = (user?.['settings'] ?? {}) as Record<string, string>;
    const keys = request.keys ?? [];
    const settings = keys.length === 0 ? { ...stored } : Object.fromEntries(keys.filter((key) => Object.hasOwn(stored, key)).map((key) => [key, stored[key] as string]));
    return { response: { settings } };
  },
};
