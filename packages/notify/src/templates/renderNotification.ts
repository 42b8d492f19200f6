/**
 * Renders a notification into a mail (subject and plain-text body) in the recipient's language.
 * One template per notification kind and language; `language_code` picks the language by its
 * primary subtag (`de-AT` → `de`), and anything unknown falls back to English.
 */
import type { Notification, NotificationTemplate } from '../notifier.js';

/** A rendered mail. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  /** The language actually used (after fallback). */
  readonly language: string;
}

type Texts = { readonly subject: string; readonly body: string };

/** `{name}` placeholders are filled from the notification's values; missing ones stay empty. */
const TEMPLATES: Readonly<Record<NotificationTemplate, Readonly<Record<string, Texts>>>> = {
  'project-invitation': {
    en: {
      subject: '{inviter} invited you to the project {scopeTitle}',
      body: '{inviter} invited you to join the project {scopeTitle} ({scope}).\n\nYour invitation code: {code}\n\nAccept it by signing in and sending the code (POST /v1/invitations:acceptCode), or decline it. The code works once and expires at {expires}.',
    },
    de: {
      subject: '{inviter} hat Sie zum Projekt {scopeTitle} eingeladen',
      body: '{inviter} hat Sie eingeladen, dem Projekt {scopeTitle} ({scope}) beizutreten.\n\nIhr Einladungscode: {code}\n\nMelden Sie sich an und senden Sie den Code (POST /v1/invitations:acceptCode), um anzunehmen. Der Code gilt einmal und läuft am {expires} ab.',
    },
    pl: {
      subject: '{inviter} zaprasza Cię do projektu {scopeTitle}',
      body: '{inviter} zaprasza Cię do projektu {scopeTitle} ({scope}).\n\nTwój kod zaproszenia: {code}\n\nZaloguj się i wyślij kod (POST /v1/invitations:acceptCode), aby przyjąć zaproszenie. Kod działa jeden raz i wygasa {expires}.',
    },
  },
  'organization-invitation': {
    en: {
      subject: '{inviter} invited you to the organization {scopeTitle}',
      body: '{inviter} invited you to join the organization {scopeTitle} ({scope}).\n\nYour invitation code: {code}\n\nAccept it by signing in and sending the code (POST /v1/invitations:acceptCode), or decline it. The code works once and expires at {expires}.',
    },
    de: {
      subject: '{inviter} hat Sie zur Organisation {scopeTitle} eingeladen',
      body: '{inviter} hat Sie eingeladen, der Organisation {scopeTitle} ({scope}) beizutreten.\n\nIhr Einladungscode: {code}\n\nMelden Sie sich an und senden Sie den Code (POST /v1/invitations:acceptCode), um anzunehmen. Der Code gilt einmal und läuft am {expires} ab.',
    },
    pl: {
      subject: '{inviter} zaprasza Cię do organizacji {scopeTitle}',
      body: '{inviter} zaprasza Cię do organizacji {scopeTitle} ({scope}).\n\nTwój kod zaproszenia: {code}\n\nZaloguj się i wyślij kod (POST /v1/invitations:acceptCode), aby przyjąć zaproszenie. Kod działa jeden raz i wygasa {expires}.',
    },
  },
  'email-verification': {
    en: { subject: 'Verify your email address', body: 'Confirm that {to} is your address: {link}\n\nIf you did not ask for this, ignore this mail.' },
    de: { subject: 'Bestätigen Sie Ihre E-Mail-Adresse', body: 'Bestätigen Sie, dass {to} Ihre Adresse ist: {link}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht.' },
    pl: { subject: 'Potwierdź swój adres e-mail', body: 'Potwierdź, że {to} to Twój adres: {link}\n\nJeśli to nie Ty, zignoruj tę wiadomość.' },
  },
};

/** The languages each template is written in. */
export function templateLanguages(template: NotificationTemplate): string[] {
  return Object.keys(TEMPLATES[template]);
}

function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{([a-zA-Z]+)\}/g, (_match, key: string) => values[key] ?? '');
}

/** Renders a notification in its language (falling back to English). */
export function renderNotification(notification: Notification): RenderedMail {
  const templates = TEMPLATES[notification.template];
  const wanted = (notification.languageCode ?? 'en-us').toLowerCase().split(/[-_]/)[0] ?? 'en';
  const language = templates[wanted] === undefined ? 'en' : wanted;
  const texts = templates[language] as Texts;
  const values = { to: notification.to, ...notification.values };
  const extras = Object.entries(notification.extras ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const text = fill(texts.body, values) + (extras.length === 0 ? '' : `\n\n${extras.map(([key, value]) => `${key}: ${value}`).join('\n')}`);
  return { subject: fill(texts.subject, values), text: `${text}\n`, language };
}
