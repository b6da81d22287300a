import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { costOf, createNarratorService, DEFAULT_PRICE_TABLE, narratorConfig, narratorConfigFromEnv, priceOf, Secret } from '../../cluster/narrators/index.js';

const KEY = 'sk-secret-abcdef0123456789';

describe('narrator configuration', () => {
  it('defaults to the offline narrator at the npm start pace', async () => {
    const c = narratorConfigFromEnv({});
    assert.equal(c.narrator, 'offline');
    assert.deepEqual(c.fallback, []);
    assert.deepEqual(c.pace, { firstChunkMs: 300, chunksPerSec: 30 });
    assert.equal((await createNarratorService({ options: c })).name, 'offline');
  });

  it('reads the chain, the URLs, the limits and the pace', async () => {
    const c = narratorConfigFromEnv({ GLASS_NARRATOR: 'anthropic', GLASS_NARRATOR_FALLBACK: 'openai, offline, anthropic', GLASS_OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1', GLASS_OPENAI_MODEL: 'llama3', ANTHROPIC_API_KEY: KEY, GLASS_NARRATOR_TIMEOUT_MS: '9000', GLASS_NARRATOR_FIRST_TOKEN_MS: '0', GLASS_NARRATOR_PACE: '0,0' });
    assert.equal(c.narrator, 'anthropic');
    assert.deepEqual(c.fallback, ['openai']);
    assert.equal(c.openai.baseURL, 'http://127.0.0.1:8080/v1');
    assert.equal(c.openai.apiKey, undefined, 'a local server needs no key');
    assert.deepEqual([c.timeoutMs, c.firstTokenMs, c.pace.firstChunkMs, c.pace.chunksPerSec], [9000, 0, 0, 0]);
    assert.equal((await createNarratorService({ options: c })).name, 'anthropic:claude-3-5-haiku-latest>openai:llama3>offline');
  });

  it('refuses bad values with GLASS_ERR_INVALID_OPTION naming the variable, never printing a key', () => {
    const cases: [Record<string, string>, string][] = [
      [{ GLASS_NARRATOR: 'gpt' }, 'GLASS_NARRATOR'],
      [{ GLASS_NARRATOR_FALLBACK: 'openai,bard' }, 'GLASS_NARRATOR_FALLBACK'],
      [{ GLASS_NARRATOR: 'openai' }, 'OPENAI_API_KEY'],
      [{ GLASS_NARRATOR: 'openai', OPENAI_API_KEY: KEY, GLASS_OPENAI_BASE_URL: 'ftp://x' }, 'GLASS_OPENAI_BASE_URL'],
      [{ GLASS_NARRATOR: 'openai', OPENAI_API_KEY: KEY, GLASS_OPENAI_BASE_URL: `https://u:${KEY}@h` }, 'GLASS_OPENAI_BASE_URL'],
      [{ GLASS_NARRATOR: 'openai', OPENAI_API_KEY: `${KEY} x` }, 'OPENAI_API_KEY'],
      [{ GLASS_OPENAI_MODEL: 'a b' }, 'GLASS_OPENAI_MODEL'],
      [{ GLASS_NARRATOR_TIMEOUT_MS: '0' }, 'GLASS_NARRATOR_TIMEOUT_MS'],
      [{ GLASS_NARRATOR_FIRST_TOKEN_MS: '-5' }, 'GLASS_NARRATOR_FIRST_TOKEN_MS'],
      [{ GLASS_NARRATOR_PACE: '300' }, 'GLASS_NARRATOR_PACE'],
      [{ GLASS_NARRATOR_PACE: '300,5000' }, 'GLASS_NARRATOR_PACE'],
      [{ GLASS_NARRATOR_PRICES_FILE: '/nonexistent/prices.json' }, 'GLASS_NARRATOR_PRICES_FILE'],
      [{ GLASS_OPENAI_API_KEY_FILE: '/nonexistent/key' }, 'GLASS_OPENAI_API_KEY_FILE'],
      [{ GLASS_NARRATOR_OFFLINE_FALLBACK: 'maybe' }, 'GLASS_NARRATOR_OFFLINE_FALLBACK'],
    ];
    for (const [env, variable] of cases) {
      assert.throws(() => narratorConfigFromEnv(env), (err: any) => {
        assert.equal(err.code, 'GLASS_ERR_INVALID_OPTION', variable);
        assert.match(err.message, new RegExp(`^${variable} `));
        assert.ok(!err.message.includes(KEY) && !JSON.stringify(err).includes(KEY));
        return true;
      });
    }
  });

  it('leaves the offline narrator off the chain when told (an outage then has no fallback left), and keeps it for the budget gate', async () => {
    const c = narratorConfigFromEnv({ GLASS_NARRATOR: 'openai', GLASS_OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1', GLASS_NARRATOR_OFFLINE_FALLBACK: 'off' });
    assert.equal(c.offlineFallback, false);
    const n = await createNarratorService({ options: structuredClone(c) });
    assert.equal(n.name, 'openai:gpt-4o-mini');
    assert.equal((n as { offline?: { name: string } }).offline?.name, 'offline');
    assert.equal(narratorConfigFromEnv({}).offlineFallback, true);
  });

  it('keeps keys out of JSON, String and inspect, and takes them back after a structured clone', () => {
    const c = narratorConfigFromEnv({ GLASS_NARRATOR: 'openai', OPENAI_API_KEY: KEY });
    for (const shown of [JSON.stringify(c), String(c.openai.apiKey), inspect(c, { depth: 10 }), `${c.openai.apiKey}`]) assert.ok(!shown.includes(KEY), shown);
    const cloned = structuredClone(c);
    const again = narratorConfig(cloned);
    assert.ok(again.openai.apiKey instanceof Secret);
    assert.equal(again.openai.apiKey.reveal(), KEY);
  });

  it('reads a key file only its owner can read, and a prices file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'narrator-config-'));
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    assert.equal(narratorConfigFromEnv({ GLASS_NARRATOR: 'openai', GLASS_OPENAI_API_KEY_FILE: keyFile }).openai.apiKey?.reveal(), KEY);
    chmodSync(keyFile, 0o644);
    assert.throws(() => narratorConfigFromEnv({ GLASS_OPENAI_API_KEY_FILE: keyFile }), { code: 'GLASS_ERR_INVALID_OPTION', message: /^GLASS_OPENAI_API_KEY_FILE .*chmod 600/ });
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'openai:llama3': { inputPerMTok: 0, outputPerMTok: 0 }, 'openai:gpt-4o-mini*': { inputPerMTok: 1, outputPerMTok: 2 } }));
    const c = narratorConfigFromEnv({ GLASS_NARRATOR_PRICES_FILE: prices });
    assert.deepEqual(priceOf(c.prices, 'openai', 'gpt-4o-mini-2024-07-18'), { inputPerMTok: 1, outputPerMTok: 2 });
    assert.ok(priceOf(c.prices, 'anthropic', 'claude-sonnet-4-20250514'), 'the defaults stay');
    writeFileSync(prices, JSON.stringify({ 'openai:x': { inputPerMTok: -1, outputPerMTok: 0 } }));
    assert.throws(() => narratorConfigFromEnv({ GLASS_NARRATOR_PRICES_FILE: prices }), { code: 'GLASS_ERR_INVALID_OPTION', message: /^GLASS_NARRATOR_PRICES_FILE / });
  });
});

describe('the price table', () => {
  it('prices per 1M tokens, prefers the exact key and the longest prefix, and flags an unknown model', () => {
    assert.deepEqual(costOf({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 1_000_000, outputTokens: 1_000_000 }), { costUsd: 0.75, priced: true });
    assert.deepEqual(costOf({ provider: 'openai', model: 'gpt-4o-2024-08-06', inputTokens: 1_000_000, outputTokens: 0 }), { costUsd: 2.5, priced: true });
    assert.deepEqual(costOf({ provider: 'openai', model: 'mystery', inputTokens: 10, outputTokens: 10 }), { costUsd: 0, priced: false });
    const table = { ...DEFAULT_PRICE_TABLE, 'openai:gpt-4o-mini': { inputPerMTok: 9, outputPerMTok: 9 } };
    assert.equal(costOf({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 1_000_000, outputTokens: 0 }, table).costUsd, 9);
  });
});
