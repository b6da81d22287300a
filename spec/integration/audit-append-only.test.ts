// infra/postgres/append-only-role.sql against the real PostgreSQL: a node connected as the role it
// creates appends and verifies, and may not UPDATE, DELETE or TRUNCATE the log. Skipped on the
// embedded PostgreSQL: PGlite has one user (whatever a client's startup names, it is `postgres`),
// so there is no role to connect as; its front admits one user with this start's password instead.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { AuditLog } from '../../clients/index.js';
import { createLogger } from '../../runtime/index.js';
import { PG_BACKENDS, dropSchema, sql, testPgUrl, uniqueSchema } from './audit-harness.js';

const SCRIPT = fileURLToPath(new URL('../../../infra/postgres/append-only-role.sql', import.meta.url));
const silent = createLogger('test', 'silent');

/** The script as psql would run it with -v glass_role=… -v glass_schema=…. */
function script(role: string, schema: string): string {
  return readFileSync(SCRIPT, 'utf8').replaceAll(':"glass_role"', `"${role}"`).replaceAll(':"glass_schema"', `"${schema}"`);
}

for (const backend of PG_BACKENDS) describe(`the append-only role (infra/postgres/append-only-role.sql, ${backend.name})`, { skip: backend.roles ? false : 'PGlite has no login roles: one user, whatever the startup names' }, () => {
  const key = randomBytes(32).toString('base64');
  const schema = uniqueSchema('role');
  const role = `glass_node_${process.pid}_${Date.now().toString(36)}`;
  let adminUrl: string;
  let roleUrl: string;
  const logs: AuditLog[] = [];

  before(async () => {
    adminUrl = await testPgUrl();
    const u = new URL(adminUrl);
    u.username = role;
    u.password = '';
    roleUrl = u.toString();
  });

  after(async () => {
    for (const log of logs) await log.close();
    await dropSchema(schema);
    await sql(`DROP OWNED BY "${role}"`).catch(() => {});
    await sql(`DROP ROLE IF EXISTS "${role}"`);
  });

  test('the node appends and verifies as the role; UPDATE, DELETE and TRUNCATE are refused', async () => {
    // The owner creates the schema (a node's first start) and writes a row.
    const owner = AuditLog.open({ url: adminUrl, schema, key, anchor: null, logger: silent });
    logs.push(owner);
    await owner.whenReady();
    await owner.append({ node: 'n1', moderator: 'm', roles: ['moderator'], source: 'api', outcome: 'accepted', code: null, targetKind: 'room', targetId: 'r', command: 'mute', args: { player: 'p' } });
    await owner.close();

    await sql(script(role, schema));

    const node = AuditLog.open({ url: roleUrl, schema, key, anchor: null, logger: silent });
    logs.push(node);
    await node.whenReady();
    const receipts = await Promise.all([2, 3, 4].map((n) => node.append({ node: 'n2', moderator: `m${n}`, roles: ['moderator'], source: 'ws', outcome: 'refused', code: 'GLASS_ERR_FORBIDDEN', targetKind: null, targetId: null, command: null, args: {} })));
    assert.deepEqual(receipts.map((r) => r.id).sort(), [2, 3, 4]);
    const verdict = await node.verify();
    assert.equal(verdict.ok, true);
    assert.equal(verdict.rows, 4);

    const client = new pg.Client({ connectionString: roleUrl });
    await client.connect();
    try {
      const t = node.tables;
      for (const statement of [`UPDATE ${t.log} SET moderator = 'someone-else' WHERE id = 1`, `DELETE FROM ${t.log} WHERE id = 4`, `TRUNCATE ${t.log}`, `UPDATE ${t.head} SET id = 0`, `DELETE FROM ${t.migrations}`]) {
        await assert.rejects(client.query(statement), (err: { code?: string }) => err.code === '42501', statement);
      }
      // Reading and appending are what it may do.
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.log}`);
      assert.equal(rows[0].n, '4');
    } finally {
      await client.end();
    }
    assert.equal((await node.verify()).ok, true);
  });
});
