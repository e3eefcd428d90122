import type { Response } from 'express';
import type { components, operations } from './openapi.js';

/**
 * The types generated from the contract (gateway/api/openapi.d.ts, `npm run api:types`),
 * named for use by handlers and clients (ADR 0026). A handler answers through `reply`, so
 * the body it builds is checked by the compiler against the operation's documented answer.
 */
export type Schemas = components['schemas'];
export type OperationId = keyof operations;

type Responses<Op extends OperationId> = operations[Op]['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The statuses of `Op` that answer JSON. */
export type JsonStatus<Op extends OperationId> = { [S in keyof Responses<Op>]: JsonOf<Responses<Op>[S]> extends never ? never : S }[keyof Responses<Op>] & number;

/** The JSON body `Op` answers with `S` (default 200). */
export type Answer<Op extends OperationId, S extends number = 200> = S extends keyof Responses<Op> ? JsonOf<Responses<Op>[S]> : never;

/** Answers `status` with `body`, typed by the contract's operation `op`. */
export function reply<Op extends OperationId, S extends JsonStatus<Op>>(res: Response, _op: Op, status: S, body: Answer<Op, S>): void {
  res.status(status).json(body);
}
