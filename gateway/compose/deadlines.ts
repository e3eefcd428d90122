import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { DeadlineWatcher, type DeadlineWatcherDeps } from '../deadlines/watcher.js';
import type { Router } from '../routing/router.js';
import type { MessageValidator } from '../validation/types.js';
import type { Part } from './parts.js';

/** The deadline watcher (ADR 0023): its start runs a pass every `deadlines.intervalMs`; its close waits for a running pass. */
export function buildDeadlines(
  o: { cfg: GatewayConfig; log: Logger; store: DeadlineWatcherDeps['store']; router: Router; validator: MessageValidator; wake: () => void },
  own: (p: Part) => void,
): { deadlines: DeadlineWatcher; part: Part } {
  const deadlines = new DeadlineWatcher({ cfg: o.cfg, store: o.store, router: o.router, validator: o.validator, log: o.log.child({ component: 'deadlines' }), onAccepted: o.wake });
  const part: Part = { name: 'deadline watcher', start: () => deadlines.start(), close: () => deadlines.stop() };
  own(part);
  return { deadlines, part };
}
