// `ruvector collections …` against a data directory, and the exit codes of failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { runCli, runInProcess, tempDir } from './cli-runner.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('create, list, info and delete a collection', async (t) => {
  const dir = tempDir(t);
  const created = await runCli(['collections', 'create', 'docs', '--size', '4', '--distance', 'cosine', '--data-dir', dir]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'created collection docs\n');
  assert.equal((await runCli(['collections', 'create', 'alpha', '--size', '2', '--distance', 'Euclid', '--data-dir', dir])).code, 0);

  assert.equal((await runCli(['collections', 'list', '--data-dir', dir])).stdout, 'alpha\ndocs\n');

  const info = await runCli(['collections', 'info', 'docs', '--data-dir', dir]);
  assert.equal(info.code, 0, info.stderr);
  const parsed = JSON.parse(info.stdout) as { points_count: number; config: { params: { vectors: { size: number; distance: string } } } };
  assert.equal(parsed.points_count, 0);
  assert.deepEqual([parsed.config.params.vectors.size, parsed.config.params.vectors.distance], [4, 'Cosine']);

  const deleted = await runCli(['collections', 'delete', 'docs', '--data-dir', dir]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await runCli(['collections', 'list', '--data-dir', dir])).stdout, 'alpha\n');
});

test('exit codes follow the error kind: 2 invalid, 3 not found, 4 exists, 6 unavailable', async (t) => {
  const dir = tempDir(t);
  const port = await closedPort();
  assert.equal((await runCli(['collections', 'create', 'docs', '--size', '4', '--distance', 'Dot', '--data-dir', dir])).code, 0);
  // In child processes: one of each exit code, through the real entry point.
  const spawned: [string[], number, RegExp][] = [
    [['collections', 'info', 'nope', '--data-dir', dir], 3, /Collection `nope` doesn't exist! \[RV_COLLECTION_NOT_FOUND\]/],
    [['collections', 'create', 'docs', '--size', '4', '--distance', 'Dot', '--data-dir', dir], 4, /already exists! \[RV_COLLECTION_EXISTS\]/],
    [['search', '--collection', 'docs', '--vector', '[1, 2]', '--data-dir', dir], 2, /\[RV_POINT_DIMENSION\]/],
    [['collections', 'list', '--url', `http://127.0.0.1:${port}`], 6, new RegExp(`cannot reach the RuVector server at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*\\[unavailable\\]`)],
  ];
  // One after another: a data directory is open in one process at a time (RV_DATA_DIR_LOCKED).
  const results = [];
  for (const [args] of spawned) results.push(await runCli(args));
  results.forEach((result, i) => {
    const [args, code, message] = spawned[i];
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  });
  // In this process: argument errors, all exit 2 before anything is opened.
  const inProcess: [string[], number, RegExp][] = [
    [['collections', 'delete', 'nope', '--data-dir', dir], 3, /\[RV_COLLECTION_NOT_FOUND\]/],
    [['collections', 'create', 'x', '--size', '4', '--distance', 'Hamming', '--data-dir', dir], 2, /--distance must be one of Cosine, Euclid, Dot, Manhattan, got "Hamming"/],
    [['collections', 'create', 'x', '--distance', 'Dot', '--data-dir', dir], 2, /--size is required/],
    [['collections', 'create', 'bad/name', '--size', '4', '--distance', 'Dot', '--data-dir', dir], 2, /\[RV_COLLECTION_NAME\]/],
    [['collections', 'list', '--colour', 'red'], 2, /Unknown option '--colour'.*see: ruvector collections --help/],
    [['collections', 'rename', 'a'], 2, /expected list, create, info or delete, got "rename"/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['search', '--collection', 'docs', '--vector', '[1, 2', '--data-dir', dir], 2, /--vector is not valid JSON/],
    [['collections', 'list', '--url', 'ftp://x'], 2, /--url must be an http\(s\) URL/],
  ];
  for (const [args, code, message] of inProcess) {
    const result = await runInProcess(args);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }
});

test('--help prints usage and exits 0; no command prints usage and exits 2', async () => {
  const [top, command, none] = await Promise.all([runCli(['--help']), runInProcess(['import', '--help']), runInProcess([])]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Usage: ruvector <command>[\s\S]*serve[\s\S]*collections[\s\S]*import[\s\S]*export[\s\S]*search/);
  assert.equal(command.code, 0);
  assert.match(command.stdout, /ruvector import --collection C FILE/);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: ruvector/);
});
