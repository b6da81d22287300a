// The embedded PostgreSQL (cluster/postgres): PGlite behind its loopback front, reached with `pg`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import pg from 'pg';
import { ENDPOINT_FILE, EmbeddedPostgres, PostgresErrors, readEndpoint, startNodePostgres } from '../../cluster/index.js';

describe('embedded PostgreSQL (PGlite over pglite-socket, behind a password front)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-embedded-pg-'));
  let db: EmbeddedPostgres;
  const pools: pg.Pool[] = [];
  const pool = (url = db.url, max = 4) => {
    const p = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 30_000 });
    p.on('error', () => {});
    pools.push(p);
    return p;
  };

  before(async () => {
    db = await EmbeddedPostgres.start({ dataDir: join(dir, 'a'), maxConnections: 12 });
    await db.ready;
  });

  afterEach(async () => {
    for (const p of pools.splice(0)) await p.end().catch(() => {});
  });

  after(async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('listens on loopback, with pg_trgm; its URL carries a password and safeUrl does not', async () => {
    assert.match(db.url, /^postgresql:\/\/glass:[A-Za-z0-9_-]+@127\.0\.0\.1:\d+\/postgres$/);
    assert.equal(db.safeUrl.includes(new URL(db.url).password), false);
    const { rows } = await pool().query<{ s: number }>("SELECT similarity('lighthouse', 'lighthuose') AS s");
    assert.ok(rows[0].s > 0.3);
  });

  test('a wrong password, another user, or no password is refused (28P01)', async () => {
    for (const url of [db.url.replace(/:[^:@/]+@/, ':wrong@'), db.url.replace('glass:', 'postgres:'), db.url.replace(/:[^:@/]+@/, '@')]) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      await assert.rejects(client.connect(), (err: { code?: string }) => err.code === '28P01');
      await client.end().catch(() => {});
    }
  });

  test('garbage instead of a startup packet is refused and does not stop the server', async () => {
    const reply = await new Promise<Buffer>((resolve) => {
      const s = connect(db.port, '127.0.0.1', () => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4])));
      const chunks: Buffer[] = [];
      s.on('data', (c) => chunks.push(c));
      s.on('error', () => {});
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });
    assert.equal(String.fromCharCode(reply[0]), 'E');
    assert.match(reply.toString('utf8'), /08P01/);
    assert.equal((await pool().query('SELECT 1 AS one')).rows[0].one, 1);
  });

  test('parameterised queries from several pools at once each get their own answer', async () => {
    const pools4 = [1, 2, 3].map(() => pool());
    const wrong: string[] = [];
    await Promise.all(
      pools4.flatMap((p, i) =>
        Array.from({ length: 40 }, async (_, k) => {
          const { rows } = await p.query<{ s: number; who: string }>('SELECT $1::int + $2::int AS s, $3::text AS who', [k, i, `p${i}`]);
          if (rows[0].s !== k + i || rows[0].who !== `p${i}`) wrong.push(`${i}/${k}`);
        }),
      ),
    );
    assert.deepEqual(wrong, []);
  });

  test('a transaction keeps the backend: others wait, and see nothing until it commits', async () => {
    const p = pool();
    await p.query('CREATE TABLE tx_t (id int)');
    const a = await p.connect();
    await a.query('BEGIN');
    await a.query('INSERT INTO tx_t VALUES (1)');
    let seen: number | null = null;
    const other = p.query<{ n: string }>('SELECT count(*) AS n FROM tx_t').then((r) => (seen = Number(r.rows[0].n)));
    await a.query('INSERT INTO tx_t VALUES (2)');
    assert.equal(seen, null);
    await a.query('COMMIT');
    a.release();
    await other;
    assert.equal(seen, 2);
  });

  test('a client that disconnects inside a transaction leaves nothing behind, and others go on', async () => {
    const p = pool();
    await p.query('CREATE TABLE cut_t (id int)');
    const c = new pg.Client({ connectionString: db.url });
    c.on('error', () => {});
    await c.connect();
    await c.query('BEGIN');
    await c.query('INSERT INTO cut_t VALUES (1)');
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    assert.equal((await p.query<{ n: string }>('SELECT count(*) AS n FROM cut_t')).rows[0].n, '0');
  });

  test('past maxConnections a client is refused with 53300, and served again once one leaves', async () => {
    // The pools of the tests before have ended; their closes reach the front a turn later.
    while (db.connections > 0) await new Promise((resolve) => setImmediate(resolve));
    const held: pg.Client[] = [];
    try {
      while (db.connections < 12) {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        held.push(c);
      }
      const extra = new pg.Client({ connectionString: db.url });
      extra.on('error', () => {});
      await assert.rejects(extra.connect(), (err: { code?: string }) => err.code === '53300');
    } finally {
      for (const c of held) await c.end();
    }
    assert.equal((await pool().query('SELECT 2 AS two')).rows[0].two, 2);
  });

  test('options: a host off loopback, a bad port', async () => {
    await assert.rejects(EmbeddedPostgres.start({ dataDir: join(dir, 'x'), host: '0.0.0.0' }), { code: 'GLASS_ERR_INVALID_OPTION' });
    await assert.rejects(EmbeddedPostgres.start({ dataDir: join(dir, 'x'), port: 70_000 }), { code: 'GLASS_ERR_INVALID_OPTION' });
  });

  test('one process per data directory: a second start is refused, startNodePostgres shares the running one', async () => {
    await assert.rejects(EmbeddedPostgres.start({ dataDir: join(dir, 'a') }), { code: PostgresErrors.EMBEDDED_BUSY });
    const shared = await startNodePostgres({ GLASS_PG_DATA_DIR: join(dir, 'a') }, { shareRunning: true });
    assert.equal(shared.embedded, null);
    assert.equal(shared.url, db.url);
    assert.deepEqual(readEndpoint(join(dir, 'a'))?.port, db.port);
  });

  test('an endpoint file not written by an owner is refused; a dead owner\'s is taken over', async () => {
    const b = join(dir, 'b');
    rmSync(b, { recursive: true, force: true });
    const first = await EmbeddedPostgres.start({ dataDir: b });
    await first.ready;
    const p = pool(first.url, 1);
    await p.query('CREATE TABLE kept (v text)');
    await p.query("INSERT INTO kept VALUES ('still here')");
    await p.end();
    await first.stop();
    writeFileSync(join(b, ENDPOINT_FILE), '{"pid": "1; rm -rf /"}');
    assert.throws(() => readEndpoint(b), { code: PostgresErrors.BAD_ENDPOINT });
    writeFileSync(join(b, ENDPOINT_FILE), JSON.stringify({ pid: 2 ** 22 + 12_345, host: '127.0.0.1', port: 5, user: 'glass', password: 'x'.repeat(32), database: 'postgres' }));
    const second = await EmbeddedPostgres.start({ dataDir: b });
    try {
      await second.ready;
      const { rows } = await pool(second.url, 1).query<{ v: string }>('SELECT v FROM kept');
      assert.deepEqual(rows, [{ v: 'still here' }]);
    } finally {
      await second.stop();
    }
  });
});
