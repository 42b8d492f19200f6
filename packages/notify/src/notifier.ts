/**
 * The notifier port: how keystream tells a person something by mail (an invitation with its
 * accept code, an address to verify). Callers describe *what* to say (a template and its values);
 * each adapter decides how it travels: the embedded default appends to an outbox file in the data
 * directory (`keystream outbox` prints it), production sends it over SMTP.
 *
 * A notification may carry a secret (an accept code, a verification link): adapters deliver it
 * and never log it.
 */

/** Templates keystream knows how to render (see renderNotification). */
export type NotificationTemplate = 'organization-invitation' | 'project-invitation' | 'email-verification';

/** One message to one recipient. */
export interface Notification {
  /**
   * Unique per message and stable across retries of the request that caused it (derived from
   * the request or event id), so an adapter or a reader can drop a duplicate.
   */
  readonly id: string;
  readonly template: NotificationTemplate;
  /** The recipient's email address. */
  readonly to: string;
  /** IETF/ISO language code of the recipient (`en-us`, `de`, `pl`); unknown codes fall back to English. */
  readonly languageCode?: string | undefined;
  /** Values the template fills in (`code`, `inviter`, `scope`, `scopeTitle`, `expires`, `link`, …). */
  readonly values: Readonly<Record<string, string>>;
  /**
   * Free-form fields agreed between the sender and the template (the invitation's `extras`):
   * rendered as `key: value` lines after the body and passed to adapters as they are.
   */
  readonly extras?: Readonly<Record<string, string>> | undefined;
}

/** Delivers notifications. */
export interface Notifier {
  /** Delivers one notification; rejects when it could not be handed over (the caller decides whether to retry). */
  send(notification: Notification): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
}
