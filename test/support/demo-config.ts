import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEMO_CONFIG_PATH, substituteEnv } from '../../gateway/config/load.js';
import { GatewayError } from '../../gateway/errors.js';

/** The demo configuration as raw YAML data (before validation), for tests that spoil one part. */
export function demoRaw(): Record<string, any> {
  return substituteEnv(parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')), {}) as Record<string, any>;
}

/** Runs `fn`, expects GW_CONFIG_INVALID and returns its findings. */
export function configProblems(fn: () => unknown): Array<{ path?: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal('GW_CONFIG_INVALID');
    return (err as GatewayError).issues;
  }
  throw new Error('configuration was accepted');
}
