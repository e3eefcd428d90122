import { expect } from 'chai';
import { template } from '../../gateway/store/sqlite/template.js';

describe('SQLite store: compiled query templates', () => {
  it('compiles once and binds each call\'s values into the right slots, keeping constants', () => {
    const t = template('t1', (qb, p: { id: string; state: string }) =>
      qb.updateTable('messages').set({ state: p.state, attempts: 0 }).where('id', '=', p.id),
    );
    const a = t.bind({ id: 'm1', state: 'delivered' });
    const b = t.bind({ id: 'm2', state: 'dead' });
    expect(a.sql).to.equal(b.sql);
    expect(a.parameters).to.deep.equal(['delivered', 0, 'm1']);
    expect(b.parameters).to.deep.equal(['dead', 0, 'm2']);
  });

  it('refuses a parameter that is not a plain value (a list for `in`)', () => {
    const t = template('t2', (qb, p: { ids: string[] }) => qb.selectFrom('messages').select('id').where('id', 'in', p.ids));
    expect(() => t.bind({ ids: ['a', 'b'] })).to.throw(/not a plain value|not plain values|SQL text/);
  });

  it('refuses a parameter that ends up in the SQL text', () => {
    const t = template('t3', (qb, p: { column: string }) => qb.selectFrom('messages').select(p.column as 'id'));
    expect(() => t.bind({ column: 'id' })).to.throw(/SQL text|not plain values/);
  });
});
