/**
 * Who is calling. Every request has exactly one principal: an anonymous caller, a user (from an
 * OIDC or development-issuer token) or a service account (from one of its keys).
 */

/** A caller without credentials: matched by `allUsers` bindings only. */
export interface AnonymousPrincipal {
  readonly kind: 'anonymous';
}

/**
 * A person: identified by the (lower-cased) email of a token whose `email_verified` is true, else
 * by issuer and subject (`<hash>@unverified.invalid`, see tokenChecks.ts).
 */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly email: string;
  /** The token's `sub`. */
  readonly subject?: string | undefined;
  /** An email the token claimed without verifying it: shown, never used to match bindings. */
  readonly claimedEmail?: string | undefined;
  readonly fullName?: string | undefined;
  readonly emailVerified?: boolean | undefined;
  /** The issuer that vouched for the user (OIDC issuer URL or the development issuer). */
  readonly issuer: string;
}

/** A service account, authenticated with one of its keys. */
export interface ServiceAccountPrincipal {
  readonly kind: 'serviceAccount';
  readonly email: string;
  /** `projects/p/regions/r/serviceAccounts/sa` */
  readonly name: string;
  /** The key the request was authenticated with. */
  readonly keyName: string;
}

/** The caller of one request. */
export type Principal = AnonymousPrincipal | UserPrincipal | ServiceAccountPrincipal;

/** The anonymous principal (one shared value: it has no attributes). */
export const ANONYMOUS: AnonymousPrincipal = { kind: 'anonymous' };

/** How the principal is written in event metadata and RoleBinding members. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return `user:${principal.email}`;
    case 'serviceAccount':
      return `serviceAccount:${principal.email}`;
    default: {
      const unreachable: never = principal;
      throw new Error(`unknown principal ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * The members a principal is, before group expansion: `allUsers` for everyone, then
 * `allAuthenticatedUsers`, its own member string and, for users, `domain:<email domain>`.
 */
export function directMembersOf(principal: Principal): string[] {
  switch (principal.kind) {
    case 'anonymous':
      return ['allUsers'];
    case 'user': {
      // A domain is only vouched for by a verified email.
      if (principal.emailVerified === false) return ['allUsers', 'allAuthenticatedUsers', actorOf(principal)];
      const domain = principal.email.slice(principal.email.lastIndexOf('@') + 1);
      return ['allUsers', 'allAuthenticatedUsers', actorOf(principal), `domain:${domain}`];
    }
    case 'serviceAccount':
      return ['allUsers', 'allAuthenticatedUsers', actorOf(principal)];
    default: {
      const unreachable: never = principal;
      throw new Error(`unknown principal ${JSON.stringify(unreachable)}`);
    }
  }
}
