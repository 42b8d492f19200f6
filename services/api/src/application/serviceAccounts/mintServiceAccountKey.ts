/**
 * Creates a ServiceAccountKey with its secret: an RSA pair generated here (the private key
 * answered once, as the credentials file), a public key the caller supplied (no private key
 * exists on the server), or an API key (the secret answered once, only its hash stored as the
 * stream `ApiKeyHash-<hex>`). The stored key and its events hold the public key only. Used by
 * CreateServiceAccountKey and by the methods that create admin accounts for services.
 */
import { randomUUID } from 'node:crypto';
import { KeystreamError } from '@keystream/api';
import { generateApiKey, generateRsaKeyPair, readPublicKey, type ServiceAccountCredentials } from '@keystream/authz';
import { API_KEY_HASH_REGISTERED, apiKeyHashRegisteredData, apiKeyHashStreamOf, serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import type { CommandEnvelope } from '../commandEnvelope.js';
import type { ApplicationServices } from '../handlerContext.js';

const RSA_ALGORITHMS = new Set(['RSA_1024', 'RSA_2048', 'RSA_4096']);

/** A created key and the secrets shown this once. */
export interface MintedKey {
  /** The stored key (no secret). */
  readonly key: JsonObject;
  readonly position: string;
  /** A retry of a request that already created the key: no secret is shown again. */
  readonly replayed: boolean;
  /** The credentials file of a generated RSA key. */
  readonly credentials?: ServiceAccountCredentials;
  /** The credentials file of a key whose public half the caller supplied (`private_key` empty: the caller fills it in). */
  readonly publicCredentials?: ServiceAccountCredentials;
  /** The secret of an API key. */
  readonly apiKey?: string;
}

/** The key to store (public half only) and the secrets to answer once; `field` prefixes field names in errors. */
async function keyMaterial(input: JsonObject, field: string): Promise<{ stored: JsonObject; privateKeyPem?: string; apiKey?: { secret: string; hash: string } }> {
  const stored: JsonObject = { ...input };
  delete stored['privateKeyData'];
  delete stored['apiKey'];
  const requested = typeof stored['algorithm'] === 'string' ? stored['algorithm'] : 'KEY_ALGORITHM_UNSPECIFIED';
  const supplied = typeof stored['publicKeyData'] === 'string' && stored['publicKeyData'] !== '' ? stored['publicKeyData'] : undefined;
  if (supplied !== undefined) {
    if (requested === 'API_KEY') throw KeystreamError.invalidArgument([{ field: `${field}.public_key_data`, description: 'an API_KEY key has no public key' }]);
    let read: ReturnType<typeof readPublicKey>;
    try {
      read = readPublicKey(supplied);
    } catch (error) {
      throw KeystreamError.invalidArgument([{ field: `${field}.public_key_data`, description: error instanceof Error ? error.message : String(error) }]);
    }
    if (requested !== 'KEY_ALGORITHM_UNSPECIFIED' && requested !== read.algorithm) {
      throw KeystreamError.invalidArgument([{ field: `${field}.algorithm`, description: `${requested} does not match the supplied ${read.algorithm} key` }]);
    }
    return { stored: { ...stored, publicKeyData: read.publicKeyPem, algorithm: read.algorithm } };
  }
  if (requested === 'API_KEY') {
    delete stored['publicKeyData'];
    return { stored, apiKey: generateApiKey() };
  }
  const algorithm = RSA_ALGORITHMS.has(requested) ? (requested as 'RSA_1024' | 'RSA_2048' | 'RSA_4096') : 'RSA_2048';
  const pair = await generateRsaKeyPair(algorithm);
  return { stored: { ...stored, publicKeyData: pair.publicKeyPem, algorithm }, privateKeyPem: pair.privateKeyPem };
}

/** Creates the key `input` describes under `parent`, with `envelope`. */
export async function mintServiceAccountKey(
  app: Pick<ApplicationServices, 'commands' | 'eventStore'>,
  parent: string | undefined,
  input: JsonObject,
  envelope: CommandEnvelope,
  field = 'service_account_key',
): Promise<MintedKey> {
  const material = await keyMaterial(input, field);
  const result = await app.commands.create({ kind: 'ServiceAccountKey', parent, resource: material.stored }, envelope);
  const key = result.resource ?? {};
  // A retried request answers with the key it created; the secret was shown once, with the first answer.
  if (result.replayed) return { key, position: result.position, replayed: true };
  const keyName = key['name'] as string;
  if (material.apiKey !== undefined) {
    await app.eventStore.append(
      apiKeyHashStreamOf(material.apiKey.hash),
      [
        {
          id: randomUUID(),
          type: API_KEY_HASH_REGISTERED,
          data: apiKeyHashRegisteredData(keyName),
          metadata: {
            actor: envelope.actor,
            requestId: envelope.requestId,
            correlationId: envelope.correlationId,
            // The key's creation is what this registration follows from.
            causationId: result.eventId ?? envelope.causationId,
            occurredAt: envelope.occurredAt,
            schema: 1,
          },
        },
      ],
      'no_stream',
    );
    return { key, position: result.position, replayed: false, apiKey: material.apiKey.secret };
  }
  const accountName = keyName.slice(0, keyName.lastIndexOf('/serviceAccountKeys/'));
  const file = (privateKey: string): ServiceAccountCredentials => ({ type: 'service_account', client_email: serviceAccountEmailOf(accountName), private_key_id: keyName, private_key: privateKey });
  return material.privateKeyPem === undefined
    ? { key, position: result.position, replayed: false, publicCredentials: file('') }
    : { key, position: result.position, replayed: false, credentials: file(material.privateKeyPem) };
}
