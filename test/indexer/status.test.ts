// The status derivation (indexer/lib/status.ts): SessionPolicy.getStatus's rules, and the SQL form
// giving the same answer as the TypeScript one for every combination, on PGlite.
import { expect } from "chai";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "ponder";
import { PgDialect } from "drizzle-orm/pg-core";
import { STORED_SESSION_STATUSES, sessionStatusAt, sessionStatusSql, type StatusInputs } from "../../indexer/lib/status.js";

describe("indexer session status derivation", function () {
  const session = (status: StatusInputs["status"], validAfter: number, validUntil: number): StatusInputs => ({
    status,
    validAfter: BigInt(validAfter),
    validUntil: BigInt(validUntil),
  });

  it("follows SessionPolicy.getStatus: revoked > expired > exhausted > pending > active, bounds inclusive", function () {
    expect(sessionStatusAt(session("active", 100, 200), 99)).to.equal("pending");
    expect(sessionStatusAt(session("active", 100, 200), 100)).to.equal("active");
    expect(sessionStatusAt(session("active", 100, 200), 200)).to.equal("active");
    expect(sessionStatusAt(session("active", 100, 200), 201)).to.equal("expired");
    expect(sessionStatusAt(session("active", 100, 0), 10n ** 12n)).to.equal("active");
    expect(sessionStatusAt(session("exhausted", 100, 200), 150)).to.equal("exhausted");
    expect(sessionStatusAt(session("exhausted", 100, 200), 50)).to.equal("exhausted");
    expect(sessionStatusAt(session("exhausted", 100, 200), 201)).to.equal("expired");
    expect(sessionStatusAt(session("revoked", 100, 200), 201)).to.equal("revoked");
    expect(sessionStatusAt(session("replaced", 100, 200), 150)).to.equal("replaced");
  });

  it("gives the same status in SQL as in TypeScript", async function () {
    const db = new PGlite();
    try {
      await db.exec("create table s (status text, valid_after numeric(78,0), valid_until numeric(78,0))");
      const inputs: StatusInputs[] = [];
      for (const status of STORED_SESSION_STATUSES) {
        for (const [after, until] of [[0, 0], [100, 200], [100, 0], [0, 150]] as const) inputs.push(session(status, after, until));
      }
      for (const s of inputs) await db.query("insert into s values ($1, $2, $3)", [s.status, s.validAfter.toString(), s.validUntil.toString()]);
      const columns = { status: sql.raw("status"), validAfter: sql.raw("valid_after"), validUntil: sql.raw("valid_until") };
      for (const now of [0, 99, 100, 150, 200, 201, 10 ** 10]) {
        const query = new PgDialect().sqlToQuery(sql`select status, valid_after, valid_until, ${sessionStatusSql(columns, now)} as derived from s`);
        const rows = (await db.query<{ status: string; valid_after: string; valid_until: string; derived: string }>(query.sql, query.params)).rows;
        expect(rows).to.have.length(inputs.length);
        for (const row of rows) {
          const expected = sessionStatusAt(session(row.status as StatusInputs["status"], Number(row.valid_after), Number(row.valid_until)), now);
          expect(row.derived, `${row.status} [${row.valid_after}, ${row.valid_until}] at ${now}`).to.equal(expected);
        }
      }
    } finally {
      await db.close();
    }
  });
});
