#!/usr/bin/env node
// The `ruvector` command: runs the compiled CLI (dist/src/cli/main.js, made by `npm run build`).
import('../dist/src/cli/main.js').catch((error) => {
  const notBuilt = error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli/main.js');
  console.error(notBuilt ? 'ruvector: the CLI is not built yet; run `npm run build` first' : (error instanceof Error ? error.stack ?? error.message : String(error)));
  process.exit(1);
});
