/**
 * CreateServiceAccountKey: generates an RSA pair (or takes the supplied public key), or an API key.
 * The private key and the API key are answered in this response only: the stored key (and its
 * events) carry the public key, and API keys only as their hash stream.
 */
import type { JsonObject } from '@keystream/domain';
import type { MethodHandler } from '../methodHandler.js';
import { mintServiceAccountKey } from '../serviceAccounts/mintServiceAccountKey.js';

export const createServiceAccountKey: MethodHandler<'CreateServiceAccountKey'> = async (request, { app, envelope }) => {
  const minted = await mintServiceAccountKey(app, request.parent, { ...((request.serviceAccountKey ?? {}) as JsonObject) }, envelope);
  const secrets: JsonObject = {};
  if (minted.apiKey !== undefined) secrets['apiKey'] = minted.apiKey;
  if (minted.credentials !== undefined) secrets['privateKeyData'] = JSON.stringify(minted.credentials);
  return { response: { ...minted.key, ...secrets }, position: minted.position };
};
