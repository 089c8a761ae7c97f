// express and fastify set up and driven in unusual ways (test/fixtures/odd-calls/express-odd.cjs,
// fastify-odd.cjs), in every supported version folder: the app sees what it sees without the
// agent (the order its middleware and hooks run in, what they are called with, errors, the
// responses), and the SERVER spans are still named from the routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FRAMEWORKS, variantVersion } from '../helpers/frameworks.mjs';
import { agentLines, oddFixtureIn, runBothWays, transcript } from '../helpers/odd-calls.mjs';

const nodeMajor = Number(process.versions.node.split('.')[0]);

/**
 * The fixture run bare and traced (runBothWays: same exit code and transcript), no agent line,
 * the transcript complete, and the spans once every response has its SERVER span.
 */
async function runFrameworkBothWays(t, folder, fixture) {
  const { bare, traced, receiver } = await runBothWays(t, oddFixtureIn(folder, fixture));
  assert.deepEqual(agentLines(traced.stderr), []);
  const lines = transcript(bare);
  assert.deepEqual(lines.at(-1), ['done']);
  const responses = lines.filter(([label]) => label.startsWith('response ')).length;
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === 'SERVER').length >= responses);
  return { spans, servers: spans.filter((s) => s.kind === 'SERVER') };
}

for (const variant of ['express4-lowest', 'express4', 'express5']) {
  const version = variantVersion(variant, 'express');
  // express 4.6.0 answers every res.send with a 500 on Node.js 24 by itself (see express.test.mjs).
  const skip = variant === 'express4-lowest' && nodeMajor >= 24 ? `express ${version} itself fails on Node.js ${process.version}` : false;

  test(`${variant} (express ${version}): odd use(), routes, params, next() and errors, the same transcript bare and traced`, { skip }, async (t) => {
    const { servers } = await runFrameworkBothWays(t, join(FRAMEWORKS, variant), 'express-odd.cjs');
    const names = Object.fromEntries(servers.map((s) => [s.attributes['url.path'], s.name]));
    // The SERVER spans named from the routes, as express.test.mjs names them: a path array by
    // the alternative that matched, a RegExp by its source, mounts joined, no route for a 404.
    // express 4.6 knows no next('router'): 'router' is an error there, answered by the error
    // middleware, with no route matched.
    assert.deepEqual(names, {
      '/': 'GET',
      '/things/3': 'GET /things/:id',
      '/chain': 'GET /chain',
      '/alpha/1': 'GET /alpha/:x',
      '/beta/2': 'GET /beta/:y',
      '/re/42': 'GET ^\\/re\\/(\\d+)$',
      '/skip': 'GET /skip',
      '/api/items/7': 'GET /api/items/:id',
      '/leave/out': version === '4.6.0' ? 'GET' : 'GET /leave/out',
      '/sub/hello': 'GET /sub/hello',
      '/next-error': 'GET /next-error',
      '/throw': 'GET /throw',
      '/send-twice': 'GET /send-twice',
      // The route answered, then next() came again: still the route that answered.
      '/next-twice': 'GET /next-twice',
      '/nowhere': 'GET',
      ...(version.startsWith('5.') ? { '/reject': 'GET /reject' } : {}),
    });
  });
}

for (const variant of ['fastify4-lowest', 'fastify4', 'fastify5']) {
  const version = variantVersion(variant, 'fastify');

  test(`${variant} (fastify ${version}): hooks in both styles, failing and answering hooks, plugins, error handlers, the same transcript bare and traced`, async (t) => {
    const { spans, servers } = await runFrameworkBothWays(t, join(FRAMEWORKS, variant), 'fastify-odd.cjs');
    // The SERVER spans named from the routes, plugin prefixes included; none for a 404.
    const names = Object.fromEntries(servers.map((s) => [s.attributes['url.path'], s.name]));
    const routes = ['/plain', '/reply-send', '/route-hooks', '/hook-throws', '/hook-done-error', '/hook-rejects', '/hook-replies', '/hook-replies-async', '/handler-throws', '/plugin/fails', '/plugin/child/deeper'];
    assert.deepEqual(names, { ...Object.fromEntries(routes.map((r) => [r, `GET ${r}`])), '/plugin/inside/5': 'GET /plugin/inside/:id', '/nowhere': 'GET' });
    // A span for every request hook, callback and async style alike, and for the handler:
    // GET /plain (SERVER)
    // ├─ hook - onRequest - cb-onRequest, hook - onRequest - async-onRequest, … preValidation, preHandler
    // ├─ handler - /plain
    // └─ hook - onSend - cbOnSend, hook - onSend - asyncOnSend
    const plain = servers.find((s) => s.attributes['url.path'] === '/plain');
    const children = spans.filter((s) => s.parentSpanId === plain.spanId).map((s) => s.name).sort();
    const hooks = ['onRequest', 'preValidation', 'preHandler'].flatMap((h) => [`hook - ${h} - cb-${h}`, `hook - ${h} - async-${h}`]);
    assert.deepEqual(children, [...hooks, 'handler - /plain', 'hook - onSend - cbOnSend', 'hook - onSend - asyncOnSend'].sort());
    // A hook that throws, calls done(err) or rejects: its span is the one in ERROR.
    for (const name of ['hook - preHandler - throws', 'hook - preHandler - doneError', 'hook - onRequest - rejects']) {
      assert.equal(spans.find((s) => s.name === name)?.status.code, 'ERROR', name);
    }
  });
}
