import { describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.js';
import type { PoolAccountSpec } from '../pool/types.js';
import { AppError } from '../errors.js';
import { chooseModel, modelsFor, servedModelNames } from './models.js';

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
        modelsFor(config, accounts, { plus, limits: {} })
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

describe('a list of allowed models (limits.models)', () => {
  const accounts = Object.freeze([openai('o1', ['gpt-4o', 'gpt-4o-mini', 'o3'], true)]);
  const access = { plus: true, limits: { models: ['o3', 'gpt-4o-mini'] } };
  const choose = (requested: string | undefined) =>
    chooseModel({ config, accounts, requested, tier: 'any', access });
  const refusal = (requested: string | undefined): unknown => {
    try {
      choose(requested);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('narrows the models a user sees to the listed ones that are served', () => {
    expect(modelsFor(config, accounts, { plus: true, limits: {} }).map((m) => m.id)).toEqual([
      'gpt-4o',
      'gpt-4o-mini',
      'o3',
    ]);
    expect(modelsFor(config, accounts, access).map((m) => m.id)).toEqual(['gpt-4o-mini', 'o3']);
  });

  it('refuses a model outside the list with 403, even a served one', () => {
    expect(refusal('gpt-4o')).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(refusal('gpt-4o')).toBeInstanceOf(AppError);
    expect(choose('gpt-4o-mini')).toMatchObject({ name: 'gpt-4o-mini', kinds: ['openai'] });
  });

  it('gives a turn that names no model the first listed one', () => {
    expect(choose(undefined)).toMatchObject({ name: 'o3' });
    expect(choose('')).toMatchObject({ name: 'o3' });
    const everything = { plus: true, limits: {} };
    expect(chooseModel({ config, accounts, requested: undefined, tier: 'any', access: everything })).toEqual({
      tier: 'any',
    });
  });

  it('allows nothing with an empty list', () => {
    const none = { plus: true, limits: { models: [] } };
    for (const requested of [undefined, 'gpt-4o-mini'])
      expect(() => chooseModel({ config, accounts, requested, tier: 'any', access: none })).toThrow(AppError);
    expect(modelsFor(config, accounts, none)).toEqual([]);
  });

  it('still needs plus for a plus model on the list', () => {
    const freeUser = { plus: false, limits: { models: ['gpt-4o'] } };
    expect(() =>
      chooseModel({ config, accounts, requested: 'gpt-4o', tier: 'free', access: freeUser }),
    ).toThrow('needs plus access');
    expect(modelsFor(config, accounts, freeUser)).toEqual([]);
  });
});
