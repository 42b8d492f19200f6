/**
 * The authenticator's view of keys, on the write model: a key deleted or expired a moment ago is
 * refused on the next request because nothing here is cached.
 */
import type { CredentialStore } from '@keystream/authz';
import { apiKeyHashStreamOf, keyNameOfRegistration } from '@keystream/domain';
import type { EventStore } from '@keystream/eventstore';
import type { ResourceRepository } from '@keystream/service-api';

/** A CredentialStore reading streams of the event store. */
export function eventStoreCredentials(eventStore: EventStore, repository: ResourceRepository): CredentialStore {
  return {
    serviceAccountKey: (name) => repository.liveResource('ServiceAccountKey', name),
    serviceAccount: (name) => repository.liveResource('ServiceAccount', name),
    async apiKeyOwner(hash) {
      const [registration] = await eventStore.readStream(apiKeyHashStreamOf(hash), { limit: 1 });
      return registration === undefined ? undefined : keyNameOfRegistration(registration);
    },
  };
}
