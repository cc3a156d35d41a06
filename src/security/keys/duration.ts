/** Human durations for key expiry and rotation overlap: `90d`, `12h`, `30m`, `45s`, `2w`. */
import { RvError } from '../../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Ten years: longer is a mistake, not a policy. */
export const MAX_DURATION_MS = 3650 * UNIT_MS.d;

/** Milliseconds in `text`; RV_INVALID_ARGUMENT naming `field` when malformed or out of range. */
export function parseDuration(text: unknown, field: string): number {
  const match = typeof text === 'string' ? /^(\d{1,6})([smhdw])$/.exec(text.trim()) : null;
  if (match === null) throw new RvError('RV_INVALID_ARGUMENT', `${field} must be a duration like 90d, 12h, 30m, 45s or 2w, got ${JSON.stringify(text)}`, { details: { field } });
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (ms <= 0 || ms > MAX_DURATION_MS) throw new RvError('RV_INVALID_ARGUMENT', `${field} must be between 1s and 3650d`, { details: { field } });
  return ms;
}
