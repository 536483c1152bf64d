import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig();
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', dataDir: path.resolve('./data') });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes flags over environment over defaults', () => {
    const config = loadConfig({ port: '5001' }, { TRIBUTARY_PORT: '5000', TRIBUTARY_DATA_DIR: '/tmp/x' });
    expect(config.port).toBe(5001);
    expect(config.dataDir).toBe('/tmp/x');
  });

  it('names the setting and where it came from when a value is wrong', () => {
    expect(() => loadConfig({}, { TRIBUTARY_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { TRIBUTARY_PORT: 'eighty' })).toThrow(/TRIBUTARY_PORT/);
    expect(() => loadConfig({ port: '70000' })).toThrow(/--port/);
  });
});
