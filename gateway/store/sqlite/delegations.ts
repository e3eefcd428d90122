import type { DelegationChange, DelegationMode } from '../types.js';
import type { SqliteContext } from './connection.js';
import { toDelegationChange } from './rows.js';

/** The latest recorded mode of (ags, service), or undefined when it was never switched at runtime. */
function currentOverride(ctx: SqliteContext, ags: string, service: string): DelegationMode | undefined {
  return ctx.sql.first(
    ctx.qb
      .selectFrom('delegation_changes')
      .select('mode')
      .where('ags', '=', ags)
      .where('service', '=', service)
      .orderBy('seq', 'desc')
      .limit(1),
  )?.mode;
}

/**
 * Records a runtime switch. `previous` is the mode in force before it: the last runtime
 * switch of the same (ags, service), else the configured mode passed by the caller.
 */
export function setDelegation(
  ctx: SqliteContext,
  change: Omit<DelegationChange, 'seq' | 'at' | 'previous'>,
  configured: DelegationMode | null,
): DelegationChange {
  const previous = currentOverride(ctx, change.ags, change.service) ?? configured;
  const row = ctx.sql.first(
    ctx.qb
      .insertInto('delegation_changes')
      .values({
        ags: change.ags,
        service: change.service,
        mode: change.mode,
        previous,
        actor: change.actor,
        reason: change.reason,
        at: ctx.now(),
      })
      .returningAll(),
  );
  if (row === undefined) throw new Error('INSERT … RETURNING returned no row');
  return toDelegationChange(row);
}

/** The latest switch per (ags, service), keyed `${ags}/${service}`. */
export function delegationOverrides(ctx: SqliteContext): Record<string, DelegationMode> {
  const rows = ctx.sql.all(
    ctx.qb
      .selectFrom('delegation_changes')
      .select(['ags', 'service', 'mode'])
      .where('seq', 'in', (eb) =>
        eb.selectFrom('delegation_changes').select((e) => e.fn.max('seq').as('seq')).groupBy(['ags', 'service']),
      ),
  );
  return Object.fromEntries(rows.map((r) => [`${r.ags}/${r.service}`, r.mode]));
}

/** Every switch (of one municipality, when given), oldest first. */
export function delegationHistory(ctx: SqliteContext, ags?: string): DelegationChange[] {
  let q = ctx.qb.selectFrom('delegation_changes').selectAll();
  if (ags !== undefined) q = q.where('ags', '=', ags);
  return ctx.sql.all(q.orderBy('seq')).map(toDelegationChange);
}
