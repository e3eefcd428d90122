/**
 * Entry of one ingress worker thread (pool.ts, ADR 0047). Loads the schema sets and mappings
 * of its StepsInit (`workerData`) once, when the thread starts, and then runs one step per
 * task with the same code as the main thread would (LocalSteps). Payloads come and go moved
 * (wire.ts); a step's refusal is part of the reply, so only a failure of the thread itself
 * rejects a task.
 */
import { threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { strictnessOf } from '../../routing/route-match.js';
import { loadValidator } from '../../validation/index.js';
import { FormIngress } from '../form-ingress.js';
import { MappingStep } from '../mapping-step.js';
import { loadRegistry } from '../mappings.js';
import type { StepsInit } from './contract.js';
import { LocalSteps } from './local.js';
import { asBuffer, toWireDelivery, toWirePrepared, type StepReply, type StepTask } from './wire.js';

async function load(init: StepsInit): Promise<LocalSteps> {
  const validator = await loadValidator(init.schemaRoots);
  const registry = await loadRegistry(init.mappingDirs, validator);
  const kennungs = new Map(init.kennungs);
  const mapping = { step: new MappingStep(init, registry), forms: new FormIngress(init.mappings, registry, (id) => kennungs.get(id)) };
  return new LocalSteps(validator, mapping, (h) => strictnessOf(init.routes, h), init.evidence);
}

// Started with the thread, so the first message does not wait for the schemas; a failure is reported by the next task.
const loading = load(workerData as StepsInit);
loading.catch(() => undefined);

/** A reply with the buffers it moves back (piscina's transferable protocol). */
function moving(value: StepReply, transfer: ArrayBuffer[]): StepReply {
  if (transfer.length === 0) return value;
  // piscina moves only what `move` marked: its buffers go with the reply, the reply is `value`
  return move({ get [transferableSymbol]() { return transfer; }, get [valueSymbol]() { return value; } } as never) as unknown as StepReply;
}

export default async function runStep(task: StepTask): Promise<StepReply> {
  const steps = await loading;
  switch (task.kind) {
    case 'ready':
      return { kind: 'ready', threadId };
    case 'check': {
      const { value, transfer } = toWirePrepared(await steps.check(asBuffer(task.xml)));
      return moving({ kind: 'prepared', prepared: value }, transfer);
    }
    case 'form': {
      const { value, transfer } = toWirePrepared(await steps.fromForm(asBuffer(task.body), task.mediaType, task.submitter));
      return moving({ kind: 'prepared', prepared: value }, transfer);
    }
    case 'deliver': {
      const { value, transfer } = toWireDelivery(await steps.deliver(task.name, asBuffer(task.payload), task.header));
      return moving({ kind: 'delivered', outcome: value }, transfer);
    }
  }
}
