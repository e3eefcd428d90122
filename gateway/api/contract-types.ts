import type { Response } from 'express';
import type { components, operations } from './openapi.js';

/**
 * The types generated from the contract (gateway/api/openapi.d.ts, `npm run api:types`),
 * named for use by handlers and clients (ADR 0026). A handler answers through `reply`, so
 * the body it builds is checked by the compiler against the operation's documented answer.
 * Clients may import this file: it depends on nothing of the gateway but the generated types.
 */
export type Schemas = components['schemas'];
export type OperationId = keyof operations;

type Responses<Op extends OperationId> = operations[Op]['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The statuses of `Op` that answer JSON. */
export type JsonStatus<Op extends OperationId> = { [S in keyof Responses<Op>]: JsonOf<Responses<Op>[S]> extends never ? never : S }[keyof Responses<Op>] & number;

/** The JSON body `Op` answers with `S` (default 200). */
export type Answer<Op extends OperationId, S extends number = 200> = S extends keyof Responses<Op> ? JsonOf<Responses<Op>[S]> : never;

/** Checks an answer against the contract at run time; throws when it is outside. */
export type AnswerCheck = (op: OperationId, status: number, body: unknown) => void;
let answerCheck: AnswerCheck | undefined;

/**
 * Test aid (test/support/gateway.ts turns it on for every in-process gateway): from now on
 * `reply` checks each answer against the contract before sending it, and an answer outside
 * it throws — a 500 GW_INTERNAL, logged — so any test that provokes it fails.
 */
export function checkAnswers(check: AnswerCheck | undefined): void {
  answerCheck = check;
}

/** Answers `status` with `body`, typed by the contract's operation `op`. */
export function reply<Op extends OperationId, S extends JsonStatus<Op>>(res: Response, op: Op, status: S, body: Answer<Op, S>): void {
  answerCheck?.(op, status, body);
  res.status(status).json(body);
}
