import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArchiveErrors, BudgetErrors, ModerationErrors, NarrationErrors, RoomErrors, RulesErrors, SafetyErrors, SessionErrors, TurnErrors } from '../../actors/index.js';
import { AuditErrors, AuditExportErrors, AuditSetupErrors, EdgeErrors, GatewayErrors, OpsErrors, TokenSecretErrors } from '../../clients/index.js';
import { ProtocolErrors as SdkKnownErrors } from '../../clients/sdk/index.js';
import { CheckpointErrors, ClusterKeyErrors, MEMBERSHIP_UNAVAILABLE, OpsPublisherErrors, PostgresErrors, SharedStoreErrors, TransportErrorCodes } from '../../cluster/index.js';
import { ErrorCodes, ObjectStoreErrors, SearchErrors, ServiceErrors, WorkflowErrors } from '../../runtime/index.js';
import { DevErrors } from '../../bin/commands/dev/dev-errors.js';
import { COMMITTED_ERROR_CODES, LOCAL_TABLES, WIRE_TABLES } from '../fixtures/wire-error-codes.js';

// Each table imported from its own layer's entry, as the server uses it (not through the protocol).
const LIVE: Record<string, Readonly<Record<string, string>>> = {
  ErrorCodes,
  RoomErrors,
  SessionErrors,
  ServiceErrors,
  ModerationErrors,
  TransportErrorCodes,
  OpsPublisherErrors,
  EdgeErrors,
  AuditErrors,
  OpsErrors,
  GatewayErrors,
  TokenSecretErrors,
  Membership: { MEMBERSHIP_UNAVAILABLE },
  ClusterKeyErrors,
  SharedStoreErrors,
  AuditSetupErrors,
  TurnErrors,
  RulesErrors,
  NarrationErrors,
  SafetyErrors,
  WorkflowErrors,
  BudgetErrors,
  SearchErrors,
  ArchiveErrors,
  ObjectStoreErrors,
  PostgresErrors,
  CheckpointErrors,
  AuditExportErrors,
  DevErrors,
};

const DIST = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_DIRS = ['runtime', 'supervisors', 'actors', 'cluster', 'clients', 'bin'];

function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsFiles(path));
    else if (name.endsWith('.js')) out.push(path);
  }
  return out;
}

describe('error codes', () => {
  it('every code a server table can send to a client is known to the SDK', () => {
    const known = new Set<string>(Object.values(SdkKnownErrors));
    const unknown: string[] = [];
    for (const table of WIRE_TABLES) {
      for (const [key, code] of Object.entries(LIVE[table])) if (!known.has(code)) unknown.push(`${table}.${key} (${code})`);
    }
    assert.deepEqual(unknown, [], 'codes the server can send that clients/sdk does not list in ProtocolErrors');
  });

  it('every table is either on the wire or local, and each code string belongs to one meaning', () => {
    assert.deepEqual(Object.keys(LIVE).sort(), [...WIRE_TABLES, ...LOCAL_TABLES].sort());
    // One string, one meaning: two tables share a string only under one name (OpsErrors.FORBIDDEN is EdgeErrors.FORBIDDEN).
    const byString = new Map<string, Set<string>>();
    for (const [table, codes] of Object.entries(LIVE)) for (const [key, code] of Object.entries(codes)) byString.set(code, (byString.get(code) ?? new Set()).add(key));
    const overloaded = [...byString].filter(([, keys]) => keys.size > 1).map(([code, keys]) => `${code}: ${[...keys].join(', ')}`);
    assert.deepEqual(overloaded, []);
  });

  it('matches the committed list: no code string changes unless the list is changed on purpose', () => {
    assert.deepEqual(LIVE, COMMITTED_ERROR_CODES);
  });

  it('every GLASS_ERR_ string in the compiled server is in the committed list', () => {
    const committed = new Set(Object.values(COMMITTED_ERROR_CODES).flatMap((codes) => Object.values(codes)));
    const strays: string[] = [];
    for (const dir of SERVER_DIRS) {
      for (const file of jsFiles(join(DIST, dir))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/['"](GLASS_ERR_[A-Z0-9_]+)['"]/g)) {
          if (!committed.has(match[1])) strays.push(`${file.slice(DIST.length)}: ${match[1]}`);
        }
      }
    }
    assert.deepEqual(strays, [], 'a code typed outside the tables above (add it to a table and to the committed list)');
  });
});

