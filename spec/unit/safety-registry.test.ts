import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SAFETY_REGISTRY, SAFETY_LIMITS, SafetyRegistry, defaultSafetyRegistry, loadSafetyRegistry } from '../../actors/session/safety-registry.js';
import { createSafetyService } from '../../cluster/rules/safety-service.js';
import { MemoryStateStore, NO_SERVICES } from '../../runtime/index.js';

describe('safety registry', () => {
  test('the default registry refuses its phrases case-insensitively across whitespace, and passes ordinary narration', () => {
    const r = defaultSafetyRegistry();
    assert.deepEqual(r.check('The wizard explains HOW TO\n  make a bomb.'), { ok: false, category: 'weapons-instructions', pattern: 'how to make a bomb' });
    assert.deepEqual(r.check('Someone posts the home address of the mayor'), { ok: false, category: 'real-world-doxxing', pattern: 'home address of' });
    assert.deepEqual(r.check('The dragon sleeps on its gold; the bombardier waits.'), { ok: true });
    assert.deepEqual(Object.keys(DEFAULT_SAFETY_REGISTRY.categories).sort(), r.categories.map((c) => c.name));
  });

  test('\\b is a word boundary: "dox" matches the word, not "paradox"', () => {
    const r = defaultSafetyRegistry();
    assert.equal(r.check('a paradox of time').ok, true);
    assert.deepEqual(r.check('they will dox him'), { ok: false, category: 'real-world-doxxing', pattern: '\\bdox\\b' });
  });

  test('version: a hash of the canonical content (order and duplicates do not change it; content does)', () => {
    const a = loadSafetyRegistry({ categories: { b: { patterns: ['y', 'x'] }, a: { patterns: ['z'] } } });
    const b = loadSafetyRegistry(JSON.stringify({ categories: { a: { patterns: ['z', 'z'] }, b: { patterns: ['x', 'y'] } } }));
    assert.equal(a.version, b.version);
    assert.match(a.version, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(loadSafetyRegistry({ categories: { a: { patterns: ['z'] }, b: { patterns: ['x'] } } }).version, a.version);
    assert.deepEqual(loadSafetyRegistry(a.toJSON()).version, a.version);
  });

  test('a bad registry is GLASS_ERR_INVALID_OPTION naming the field', () => {
    const cases: [unknown, string][] = [
      ['{not json', 'safetyRegistry'],
      [{}, 'safetyRegistry.categories'],
      [{ categories: {}, extra: 1 }, 'safetyRegistry.extra'],
      [{ categories: { 'Bad Name': { patterns: ['x'] } } }, 'safetyRegistry.categories.Bad Name'],
      [{ categories: { a: { patterns: [] } } }, 'safetyRegistry.categories.a.patterns'],
      [{ categories: { a: { patterns: ['ok', '(a+)+$'] } } }, 'safetyRegistry.categories.a.patterns[1]'],
      [{ categories: { a: { patterns: ['\\d+'] } } }, 'safetyRegistry.categories.a.patterns[0]'],
      [{ categories: { a: { patterns: ['\\b\\b'] } } }, 'safetyRegistry.categories.a.patterns[0]'],
      [{ categories: { a: { patterns: ['x'.repeat(SAFETY_LIMITS.maxPatternLength + 1)] } } }, 'safetyRegistry.categories.a.patterns[0]'],
      [{ categories: { a: { patterns: ['x'], colour: 'red' } } }, 'safetyRegistry.categories.a.colour'],
      [{ categories: Object.fromEntries(Array.from({ length: SAFETY_LIMITS.maxCategories + 1 }, (_, i) => [`c${i}`, { patterns: ['x'] }])) }, 'safetyRegistry.categories'],
      ['x'.repeat(SAFETY_LIMITS.maxSourceBytes + 1), 'safetyRegistry'],
    ];
    for (const [source, option] of cases) {
      assert.throws(() => loadSafetyRegistry(source as object), { code: 'GLASS_ERR_INVALID_OPTION', details: { option } }, option);
    }
  });

  test('checking is linear: a long hostile text against the largest registry completes and finds the last pattern', () => {
    const patterns = Array.from({ length: SAFETY_LIMITS.maxPatternsPerCategory }, (_, i) => `\\b${'a'.repeat(150)}${i}\\b`);
    const r = SafetyRegistry.from({ categories: { big: { patterns } } });
    const text = 'a'.repeat(20_000);
    assert.deepEqual(r.check(text), { ok: true });
    assert.deepEqual(r.check(text + ' ' + 'a'.repeat(150) + '255'), { ok: false, category: 'big', pattern: patterns[255] });
  });

  test('the worker service builds the default, or the registry from its options', () => {
    const init = { port: null, store: new MemoryStateStore(), nodeId: 'n', thread: 1, services: NO_SERVICES };
    assert.equal(createSafetyService({ ...init, options: undefined }).version, defaultSafetyRegistry().version);
    const custom = createSafetyService({ ...init, options: { categories: { spoilers: { patterns: ['the butler did it'] } } } });
    assert.deepEqual(custom.check('The Butler did it!'), { ok: false, category: 'spoilers', pattern: 'the butler did it' });
    assert.throws(() => createSafetyService({ ...init, options: { categories: 3 } }), { code: 'GLASS_ERR_INVALID_OPTION' });
  });
});
