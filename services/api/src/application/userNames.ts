/** User names are derived from emails by the domain (`users/u<hash>`); re-exported for the auth wiring. */
export { userNameOf } from '@keystream/domain';
