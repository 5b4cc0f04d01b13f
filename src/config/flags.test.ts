import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { collectServeFlags, parseServeFlags } from './flags.js';

describe('parseServeFlags', () => {
  it('reads both --flag value and --flag=value', () => {
    expect(
      parseServeFlags(['--config', 'x.json', '--host=0.0.0.0', '--port', '8080', '--data-dir=/srv']),
    ).toEqual({
      config: 'x.json',
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/srv',
    });
    expect(parseServeFlags([])).toEqual({});
    expect(parseServeFlags(['--port=0'])).toEqual({ port: 0 });
  });

  it('lists every problem at once', () => {
    const { issues } = collectServeFlags(['--verbose', '--port', 'abc', 'extra', '--host', '--data-dir=']);
    expect(issues).toEqual([
      { path: '--verbose', message: expect.stringMatching(/^unknown flag/) },
      { path: '--port', message: 'must be an integer 0..65535' },
      { path: 'extra', message: expect.stringMatching(/^unexpected argument/) },
      { path: '--host', message: 'needs a value' },
      { path: '--data-dir', message: 'needs a value' },
    ]);
    expect(() => parseServeFlags(['--port=65536'])).toThrow(ConfigError);
  });
});
