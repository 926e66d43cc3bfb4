// Prepared statements cached per connection (Signal Desktop's ts/sql/Server.node.ts does the same):
// preparing parses and plans the SQL, which costs more than running most of the small queries here, and
// a statement stays valid for its connection's lifetime. Keyed by the SQL text, in a WeakMap so a
// dropped connection takes its statements with it. Never cache a statement that is iterated, plucked
// or switched to raw mode: those change its state for every other caller.
import type { Db, Statement } from './database.ts';

const cache = new WeakMap<Db, Map<string, Statement>>();

/**
 * The prepared statement for `sql` on `db`. `Params` and `Row` state the statement's placeholders and
 * columns, as better-sqlite3's own `prepare<Params, Row>()` does: the tables are STRICT and CHECK their
 * enumerations, so the row type is the table's definition (migrations/), stated once per query here.
 */
export function statement<Params extends unknown[] = unknown[], Row = unknown>(db: Db, sql: string): Statement<Params, Row> {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let prepared = statements.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared as unknown as Statement<Params, Row>;
}
