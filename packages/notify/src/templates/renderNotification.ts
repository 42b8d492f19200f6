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
      body: '{inviter} invited you to join the project {scopeTitle} ({scope}).\n\nSee it, accept or decline it in the console: {link}\n\nYour invitation code: {code} (or accept it by signing in and sending the code: POST /v1/invitations:acceptCode). The code works once and expires at {expires}.',
    },
    de: {
      subject: '{inviter} hat Sie zum Projekt {scopeTitle} eingeladen',
      body: '{inviter} hat Sie eingeladen, dem Projekt {scopeTitle} ({scope}) beizutreten.\n\nEinladung ansehen, annehmen oder ablehnen in der Konsole: {link}\n\nIhr Einladungscode: {code} (oder melden Sie sich an und senden Sie den Code: POST /v1/invitations:acceptCode). Der Code gilt einmal und läuft am {expires} ab.',
    },
    ja: {
      subject: '{inviter} さんからプロジェクト {scopeTitle} への招待が届きました',
      body: '{inviter} さんがあなたをプロジェクト {scopeTitle} ({scope}) に招待しました。\n\nコンソールで招待を確認し、承諾または辞退できます: {link}\n\n招待コード: {code} (サインインしてコードを送信して承諾することもできます: POST /v1/invitations:acceptCode)。コードは一度だけ使え、{expires} に失効します。',
    },
    pl: {
      subject: '{inviter} zaprasza Cię do projektu {scopeTitle}',
      body: '{inviter} zaprasza Cię do projektu {scopeTitle} ({scope}).\n\nZobacz, przyjmij lub odrzuć zaproszenie w konsoli: {link}\n\nTwój kod zaproszenia: {code} (możesz też zalogować się i wysłać kod: POST /v1/invitations:acceptCode). Kod działa jeden raz i wygasa {expires}.',
    },
  },
  'organization-invitation': {
    en: {
      subject: '{inviter} invited you to the organization {scopeTitle}',
      body: '{inviter} invited you to join the organization {scopeTitle} ({scope}).\n\nSee it, accept or decline it in the console: {link}\n\nYour invitation code: {code} (or accept it by signing in and sending the code: POST /v1/invitations:acceptCode). The code works once and expires at {expires}.',
    },
    de: {
      subject: '{inviter} hat Sie zur Organisation {scopeTitle} eingeladen',
      body: '{inviter} hat Sie eingeladen, der Organisation {scopeTitle} ({scope}) beizutreten.\n\nEinladung ansehen, annehmen oder ablehnen in der Konsole: {link}\n\nIhr Einladungscode: {code} (oder melden Sie sich an und senden Sie den Code: POST /v1/invitations:acceptCode). Der Code gilt einmal und läuft am {expires} ab.',
    },
    ja: {
      subject: '{inviter} さんから組織 {scopeTitle} への招待が届きました',
      body: '{inviter} さんがあなたを組織 {scopeTitle} ({scope}) に招待しました。\n\nコンソールで招待を確認し、承諾または辞退できます: {link}\n\n招待コード: {code} (サインインしてコードを送信して承諾することもできます: POST /v1/invitations:acceptCode)。コードは一度だけ使え、{expires} に失効します。',
    },
    pl: {
      subject: '{inviter} zaprasza Cię do organizacji {scopeTitle}',
      body: '{inviter} zaprasza Cię do organizacji {scopeTitle} ({scope}).\n\nZobacz, przyjmij lub odrzuć zaproszenie w konsoli: {link}\n\nTwój kod zaproszenia: {code} (możesz też zalogować się i wysłać kod: POST /v1/invitations:acceptCode). Kod działa jeden raz i wygasa {expires}.',
    },
  },
  'email-verification': {
    en: { subject: 'Verify your email address', body: 'Confirm that {to} is your address: {link}\n\nIf you did not ask for this, ignore this mail.' },
    de: { subject: 'Bestätigen Sie Ihre E-Mail-Adresse', body: 'Bestätigen Sie, dass {to} Ihre Adresse ist: {link}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht.' },
    ja: { subject: 'メールアドレスの確認', body: '{to} があなたのアドレスであることを確認してください: {link}\n\nお心当たりがない場合は、このメールを無視してください。' },
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
