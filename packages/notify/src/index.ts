/**
 * @keystream/notify — the Notifier port (mail to people), the outbox-file adapter (embedded
 * default) and the SMTP adapter.
 */
export type { Notification, NotificationTemplate, Notifier } from './notifier.js';
export { renderNotification, templateLanguages } from './templates/renderNotification.js';
export type { RenderedMail } from './templates/renderNotification.js';
export { OutboxNotifier, outboxPathOf, readOutbox } from './outbox/outboxNotifier.js';
export type { OutboxEntry } from './outbox/outboxNotifier.js';
export { SmtpNotifier } from './smtp/smtpNotifier.js';
export type { SmtpNotifierOptions } from './smtp/smtpNotifier.js';
