/**
 * The one stored form of a timestamp: UTC, nine fractional digits, `Z`
 * (`2024-01-31T12:00:00.000000000Z`). Fixed width makes lexical order equal to time order, so the
 * read store (MongoDB or mingo) can compare and sort timestamps as plain strings.
 */
import { KeystreamError } from '@keystream/api';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Normalises an RFC 3339 timestamp to the stored form. Throws INVALID_ARGUMENT (attributed to
 * `field`) for text that is not a valid RFC 3339 date-time in years 0001–9999.
 */
export function normalizeTimestamp(text: string, field = 'timestamp'): string {
  // Most timestamps arrive in the stored form already (the service wrote them): checked, kept.
  if (isStoredForm(text)) return text;
  const match = RFC3339.exec(text);
  const invalid = (): KeystreamError =>
    KeystreamError.invalidArgument([{ field, description: `expected an RFC 3339 timestamp such as 2024-01-31T12:00:00Z, got ${JSON.stringify(text)}` }]);
  if (!match) throw invalid();
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) throw invalid();
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  if (utc.getUTCDate() !== day) throw invalid(); // e.g. 31 February
  if (match[9] !== undefined) {
    const offsetMinutes = Number(match[10]) * 60 + Number(match[11]);
    utc.setTime(utc.getTime() - (match[9] === '-' ? -offsetMinutes : offsetMinutes) * 60_000);
  }
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) throw invalid();
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const nanos = (match[7] ?? '').padEnd(9, '0');
  return `${pad(utcYear, 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}.${nanos}Z`;
}

const STORED_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Whether `text` is a valid timestamp in the stored form already (what normalizeTimestamp would return unchanged). */
function isStoredForm(text: string): boolean {
  if (text.length !== 30 || !STORED_FORM.test(text)) return false;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= days && Number(text.slice(11, 13)) <= 23 && Number(text.slice(14, 16)) <= 59 && Number(text.slice(17, 19)) <= 59;
}

/**
 * The canonical form of a moment (what normalizeTimestamp makes of its ISO text), without parsing
 * it back: a request stamps one on every write, and Date's own ISO form of a year from 0 to 9999
 * differs from the canonical one only in its three fraction digits.
 */
export function timestampOfDate(date: Date): string {
  const iso = date.toISOString();
  return /^(?!0000)\d{4}-/.test(iso) && iso.length === 24 ? `${iso.slice(0, 23)}000000Z` : normalizeTimestamp(iso);
}
