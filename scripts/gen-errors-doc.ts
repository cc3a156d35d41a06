// Regenerates the code table of docs/errors.md from src/errors.ts (run: npx tsx scripts/gen-errors-doc.ts).
import { writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors.js';

const rows = Object.entries(ERROR_CODES).map(([code, { kind, meaning }]) => `| \`${code}\` | ${kind} | ${meaning} |`);
const text = `# Error codes

Every RuVector error carries a stable \`code\` (never reused), a \`kind\`, and \`retryable\`
(true for kinds \`rate_limited\`, \`unavailable\`, \`timeout\`). Over HTTP the body is
\`{"status": {"error": "<message>"}, "time": <s>, "code": "RV_…", "retryable": <bool>}\`; every 429
and 503 carries \`Retry-After\` (seconds; the error's own figure, else 1). What a client should do
with each retryable code (and why a timed-out write may still commit): docs/operations/reliability.md.
The HTTP status is chosen from the kind, in one table in \`src/server/\`:

| kind | HTTP | CLI exit |
|---|---|---|
| invalid_argument | 400 (422 for JSON-schema validation) | 2 |
| not_found | 404 | 3 |
| already_exists | 409 | 4 |
| conflict | 409 | 4 |
| unauthenticated | 401 | 5 |
| forbidden | 403 | 5 |
| rate_limited | 429 (with Retry-After) | 6 |
| unavailable | 503 (with Retry-After where known) | 6 |
| timeout | 504 | 6 |
| corrupted | 500 | 7 |
| internal | 500 | 1 |

## Codes

| code | kind | meaning |
|---|---|---|
${rows.join('\n')}
`;
writeFileSync(new URL('../docs/errors.md', import.meta.url), text);
console.log(`docs/errors.md: ${rows.length} codes`);
