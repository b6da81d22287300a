// No input ends the process (issue 19, finding 1): malformed paths, encodings, prototype names,
// methods, headers and bodies thrown at every route of a real gateway (uWS, with moderation and ops
// mounted), which runs in this very process: an exception escaping a uWS callback would end the
// test run itself. Then the guard alone, on routes that throw on purpose.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import uWS from 'uWebSockets.js';
import { guardedApp } from '../../clients/gateway/guarded-app.js';
import { ProtocolErrors, startGateway, type Gateway } from '../../clients/index.js';
import { MEMORY_STORE, startDefaultNode } from '../../cluster/index.js';
import { createLogger } from '../../runtime/index.js';
import type { GlassNode } from '../../runtime/node/index.js';
import { TEST_KEYS, tokenFor } from './tokens.js';
import { prng } from '../fixtures/prng.js';

interface RawAnswer {
  /** The HTTP status, or null when the server closed without answering. */
  status: number | null;
  body: string;
}

/** Deadline of one raw request: a server that neither answers nor closes has hung. */
const ANSWER_DEADLINE_MS = 5_000;

/** Sends bytes as they are (a client library would refuse most of these) and reads until the server closes. */
function raw(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms to ${JSON.stringify(String(request).slice(0, 80))}`));
    }, ANSWER_DEADLINE_MS);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // One answer is all we ask for: stop at the end of its head and body.
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length:\s*(\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && length !== null && text.length >= head + 4 + Number(length[1])) socket.end();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(deadline);
      const text = Buffer.concat(chunks).toString('utf8');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match === null ? null : Number(match[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(request);
  });
}

function request(method: string, path: string, headers: Record<string, string> = {}, body: string | Buffer = ''): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: fuzz', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body.length > 0 && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}


const ROUTES = [
  '/ws', '/healthz', '/readyz', '/ops', '/ops/assets/ops.js', '/ops/api/view', '/ops/api/actors', '/ops/api/search', '/ops/api/top',
  '/ops/api/drain-preview', '/ops/api/actions', '/ops/ws', '/metrics', '/api/overrides', '/api/overrides/room/lobby', '/api/other', '/app', '/app/', '/app/assets/x.js', '/app/assets/..%2F..%2Fpackage.json', '/nowhere',
];
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];
const BAD_ENCODINGS = ['%', '%E0%A4%A', '%zz', '%00', '%C0%AF', '%ED%A0%80', '%%31', '%F4%90%80%80', '..%2F..%2Fetc%2Fpasswd'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'BREW'];
const QUERIES = ['', '?token=%', '?token=x&limit=-1&sort=__proto__', '?kind=constructor&id=%E0%A4%A', '?limit=1e309', '?node=' + 'n'.repeat(3_000)];

describe('no HTTP request ends the node (a real gateway with moderation and ops, in this process)', () => {
  let node: GlassNode;
  let gateway: Gateway;
  let port: number;
  let bearer: Record<string, string>;

  before(async () => {
    node = await startDefaultNode({ nodeId: 'http-fuzz', workers: 1, logLevel: 'silent', store: MEMORY_STORE });
    gateway = await startGateway({ node, port: 0, host: '127.0.0.1', ...TEST_KEYS, logger: createLogger('fuzz', 'silent') });
    port = gateway.port;
    bearer = { Authorization: `Bearer ${await tokenFor('fuzz-mod', { roles: ['moderator', 'ops'] })}` };
  });

  after(async () => {
    await gateway?.close();
    await node?.close();
  });

  const stillServes = async (): Promise<void> => {
    const health = await raw(port, request('GET', '/healthz'));
    assert.equal(health.status, 200, 'the node still answers /healthz');
  };

  test("the review's two cases: a prototype name as an ops asset, a malformed percent-encoding in an override's id", async () => {
    for (const name of PROTOTYPE_NAMES) {
      const answer = await raw(port, request('GET', `/ops/assets/${name}`));
      assert.equal(answer.status, 404, `/ops/assets/${name}`);
    }
    for (const bad of BAD_ENCODINGS.filter((b) => b.includes('%'))) {
      const answer = await raw(port, request('GET', `/api/overrides/room/${bad}`, bearer));
      assert.ok(answer.status !== null && answer.status < 500, `/api/overrides/room/${bad} answered ${answer.status}`);
    }
    const malformed = await raw(port, request('GET', '/api/overrides/room/%E0%A4%A', bearer));
    assert.equal(malformed.status, 400);
    assert.equal(JSON.parse(malformed.body).code, ProtocolErrors.BAD_REQUEST);
    await stillServes();
  });

  test('every route, every method, prototype names, bad encodings and queries: always an answer, never a crash', async () => {
    let answered = 0;
    for (const route of ROUTES) {
      for (const method of METHODS) {
        for (const query of QUERIES) {
          const answer = await raw(port, request(method, route + query, method === 'GET' ? bearer : {}));
          // A refused upgrade, a 404 or a 405 are all fine; what is not is no answer at all. (uWS's
          // parser closes the connection on a method it does not know, and HEAD has no body to wait for.)
          assert.ok(answer.status !== null || method === 'HEAD' || method === 'BREW', `${method} ${route}${query.slice(0, 40)} got no answer`);
          answered++;
        }
      }
      for (const suffix of [...PROTOTYPE_NAMES, ...BAD_ENCODINGS]) {
        const answer = await raw(port, request('GET', `${route}/${suffix}`, bearer));
        assert.ok(answer.status !== null, `GET ${route}/${suffix} got no answer`);
        answered++;
      }
    }
    assert.ok(answered > ROUTES.length * METHODS.length * QUERIES.length);
    await stillServes();
  });

  test('hostile headers and bodies on the routes that read them (seeded: replay with the same seed)', async () => {
    const rand = prng(19);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const bodies: (string | Buffer)[] = [
      '{', 'null', '[]', '"x"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"command":"mute","target":{"kind":"room","id":"%E0"}}',
      Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'x'.repeat(70_000), JSON.stringify({ action: 'crash-worker', node: '__proto__', thread: 'toString' }),
    ];
    const headerSets: Record<string, string>[] = [
      {}, bearer, { Authorization: 'Bearer ' + 'A'.repeat(6_000) }, { Authorization: 'Basic Zm9vOmJhcg==' }, { Authorization: 'Bearer a.b.c' },
      { 'Content-Type': 'application/json; charset=__proto__' }, { 'Content-Length': '5' }, { 'Content-Length': '999999' },
      { 'Sec-WebSocket-Key': 'x', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' },
    ];
    for (let i = 0; i < 200; i++) {
      const route = pick(['/api/overrides', '/ops/api/actions', '/ws', '/ops/ws', '/metrics', '/ops/api/view']);
      const headers = pick(headerSets);
      const body = pick(bodies);
      // A declared length of 5 gets exactly 5 bytes (a shorter body would leave the server waiting, as it should).
      const sent = headers['Content-Length'] === '5' ? Buffer.concat([Buffer.from(body), Buffer.alloc(5)]).subarray(0, 5) : body;
      const answer = await raw(port, request(pick(['POST', 'GET', 'PUT']), route, headers, sent)).catch((err: Error) => {
        // A declared length longer than the body sent: the server waits for the rest, as it should.
        if (headers['Content-Length'] === '999999') return { status: -1, body: '' };
        throw err;
      });
      assert.ok(answer.status !== null || route.endsWith('ws'), `${route} with ${JSON.stringify(Object.keys(headers))} got no answer`);
    }
    await stillServes();
  });
});

describe('the guard around uWS callbacks (a real uWS app, routes that throw on purpose)', () => {
  const caught: string[] = [];
  let app: uWS.TemplatedApp;
  let listen: uWS.us_listen_socket;
  let port: number;

  before(async () => {
    app = guardedApp(uWS.App(), { log: createLogger('guard', 'silent'), caught: (where) => caught.push(where) });
    app.get('/throws', () => {
      throw new Error('a bug in a route');
    });
    app.get('/rejects', async (res) => {
      res.onAborted(() => {});
      await Promise.resolve();
      throw new Error('a bug after an await');
    });
    app.post('/body-throws', (res) => {
      res.onAborted(() => {});
      res.onData(() => {
        throw new Error('a bug in a body callback');
      });
    });
    app.get('/decodes', (res, req) => {
      res.end(decodeURIComponent(req.getQuery() ?? ''));
    });
    app.get('/fine', (res) => void res.end('ok'));
    await new Promise<void>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (socket) => {
        if (!socket) return reject(new Error('listen failed'));
        listen = socket;
        port = uWS.us_socket_local_port(socket);
        resolve();
      }),
    );
  });

  after(() => {
    if (listen) uWS.us_listen_socket_close(listen);
  });

  test('a route that throws, rejects, or throws in its body callback is answered 500 with a stable code, and the app goes on', async () => {
    for (const [method, path] of [['GET', '/throws'], ['GET', '/rejects'], ['POST', '/body-throws']] as const) {
      const answer = await raw(port, request(method, path, {}, method === 'POST' ? '{"a":1}' : ''));
      assert.equal(answer.status, 500, path);
      assert.equal(JSON.parse(answer.body).code, ProtocolErrors.INTERNAL, path);
    }
    assert.deepEqual(caught, ['GET /throws', 'GET /rejects', 'POST /body-throws']);
    assert.equal((await raw(port, request('GET', '/fine'))).status, 200);
  });

  test('a malformed percent-encoding that reaches decodeURIComponent is the client\'s fault: 400', async () => {
    const answer = await raw(port, request('GET', '/decodes?%E0%A4%A'));
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.body).code, ProtocolErrors.BAD_REQUEST);
    assert.equal((await raw(port, request('GET', '/decodes?caf%C3%A9'))).body, 'café');
  });
});
