import { describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import type { PoolAccountSpec } from '../pool/types.js';
import { modelsFor, servedModelNames } from './models.js';

const config = testConfig({
  dataDir: '/nonexistent',
  models: [
    { name: 'gpt-4o', kinds: ['openai'], plus: true },
    { name: 'auto', kinds: ['chatgpt'], plus: false },
  ],
});
const openai = (name: string, models: string[], plus = false): PoolAccountSpec => ({
  name,
  kind: 'openai',
  plus,
  weight: 1,
  maxConcurrency: 4,
  models,
});

describe('served model names', () => {
  it('match modelsFor for free and plus users', () => {
    const accounts = Object.freeze([openai('o1', ['gpt-4o', 'gpt-4o-mini']), openai('o2', ['o3'], true)]);
    for (const plus of [false, true])
      expect([...servedModelNames(config, accounts, plus)].sort()).toEqual(
        modelsFor(config, accounts, plus)
          .map((m) => m.id)
          .sort(),
      );
    expect(servedModelNames(config, accounts, false).has('gpt-4o')).toBe(false);
    expect(servedModelNames(config, accounts, true).has('gpt-4o')).toBe(true);
    expect(servedModelNames(config, accounts, false).has('o3')).toBe(false);
  });

  it('follow a new accounts list (the pool makes one on every add or remove)', () => {
    const before = Object.freeze([openai('o1', ['gpt-4o-mini'])]);
    expect(servedModelNames(config, before, false).has('gpt-4.1')).toBe(false);
    const after = Object.freeze([...before, openai('o2', ['gpt-4.1'])]);
    expect(servedModelNames(config, after, false).has('gpt-4.1')).toBe(true);
    expect(servedModelNames(config, before, false).has('gpt-4.1')).toBe(false);
  });

  it('follow the config they are asked with, for the same accounts list', () => {
    const accounts = Object.freeze([openai('o1', ['gpt-4o'])]);
    const freeGpt4o = testConfig({
      dataDir: '/nonexistent',
      models: [{ name: 'gpt-4o', kinds: ['openai'], plus: false }],
    });
    expect(servedModelNames(config, accounts, false).has('gpt-4o')).toBe(false);
    expect(servedModelNames(freeGpt4o, accounts, false).has('gpt-4o')).toBe(true);
    expect(servedModelNames(config, accounts, false).has('gpt-4o')).toBe(false);
  });
});
