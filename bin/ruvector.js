#!/usr/bin/env node
// The `ruvector` command: runs the compiled CLI (npm run build first).
import('../dist/src/cli/main.js').catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
