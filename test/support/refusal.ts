// A contract call that must fail: resolves to its plain-data error (and fails the test if it succeeded).
import { expect } from 'vitest';
import { EngineCallError } from '../../src-main/contract/client.ts';

export async function refusal(promise: Promise<unknown>): Promise<EngineCallError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(EngineCallError);
  return error as EngineCallError;
}
