/**
 * Datetime parsing for `DatetimeRange` and the `datetime` payload index, compatible with
 * Qdrant's `DateTimePayloadType::from_str`: RFC 3339 (`2024-03-01T12:00:00.5+02:00`), the
 * offset written `+0200` or `+02`, a space instead of `T`, and, read as UTC, forms without
 * an offset (`2024-03-01T12:00:00`, `2024-03-01 12:00`, `2024-03-01`).
 *
 * Values are compared as instants, so `12:00+02:00` equals `10:00Z`. The instant is returned
 * in epoch microseconds (Qdrant's resolution) as a double: exact within ±285 years of 1970,
 * and still monotone (so ranges stay correct up to a few microseconds) beyond that.
 * Written by hand rather than with `Date.parse`, whose accepted formats are
 * implementation-defined and which maps years 0–99 to 1900–1999.
 */

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The value of `count` decimal digits at `start`, or -1 when they are not all there. */
function digitsAt(text: string, start: number, count: number): number {
  if (start + count > text.length) return -1;
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const DASH = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const SPACE = 32;
const UPPER_T = 84;
const LOWER_T = 116;
const UPPER_Z = 90;
const LOWER_Z = 122;
/** 10^(6 - digits): scales a fraction of 1–5 digits to microseconds. */
const FRACTION_SCALE = [1, 100_000, 10_000, 1_000, 100, 10, 1];

/**
 * Parses a datetime string into epoch microseconds, or `undefined` when it is not one of
 * the accepted forms (or names an impossible date such as February 30). Grammar:
 * `YYYY-MM-DD[(T|t| )hh:mm[:ss[.f{1,9}]][Z|z|(+|-)hh[[:]mm]]]`.
 * A scanner rather than a regular expression: the evaluator parses payload datetimes on
 * every check, and this is about ten times faster.
 * @example parseDatetime('2024-01-01T02:00:00+02:00') === parseDatetime('2024-01-01T00:00:00Z') // true
 */
export function parseDatetime(text: string): number | undefined {
  const length = text.length;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 0 || day < 0 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  let hour = 0;
  let minute = 0;
  // RFC 3339 allows a leap second (:60); like chrono, it lands on the next second's instant.
  let second = 0;
  let micros = 0;
  let offsetSeconds = 0;
  let at = 10;
  if (at < length) {
    const separator = text.charCodeAt(at);
    if (separator !== UPPER_T && separator !== LOWER_T && separator !== SPACE) return undefined;
    hour = digitsAt(text, at + 1, 2);
    minute = digitsAt(text, at + 4, 2);
    if (hour < 0 || minute < 0 || text.charCodeAt(at + 3) !== COLON) return undefined;
    at += 6;
    if (at < length && text.charCodeAt(at) === COLON) {
      second = digitsAt(text, at + 1, 2);
      if (second < 0) return undefined;
      at += 3;
      if (at < length && text.charCodeAt(at) === DOT) {
        const start = ++at;
        let fraction = 0;
        for (; at < length; at++) {
          const digit = text.charCodeAt(at) - 48;
          if (digit < 0 || digit > 9) break;
          if (at - start < 6) fraction = fraction * 10 + digit; // beyond microseconds: dropped
        }
        const digits = at - start;
        if (digits === 0 || digits > 9) return undefined;
        micros = digits < 6 ? fraction * FRACTION_SCALE[digits] : fraction;
      }
    }
    if (at < length) {
      const zone = text.charCodeAt(at);
      if (zone === UPPER_Z || zone === LOWER_Z) {
        at++;
      } else if (zone === PLUS || zone === DASH) {
        const offsetHours = digitsAt(text, at + 1, 2);
        if (offsetHours < 0) return undefined;
        at += 3;
        let offsetMinutes = 0;
        if (at < length) {
          if (text.charCodeAt(at) === COLON) at++;
          offsetMinutes = digitsAt(text, at, 2);
          if (offsetMinutes < 0) return undefined;
          at += 2;
        }
        if (offsetHours > 23 || offsetMinutes > 59) return undefined;
        offsetSeconds = (zone === DASH ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
      } else {
        return undefined;
      }
    }
    if (at !== length || hour > 23 || minute > 59 || second > 60) return undefined;
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return seconds * 1_000_000 + micros;
}
