// Reads of the stored session requests, shared by the requests' routes and the session views (an
// approved session is shown from its request until its first operation reaches the chain). A
// database that cannot answer is a 503 naming the API's store.
import { type SQL, and, asc, desc, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { ApiError, describeError } from "../errors.js";
import type { Store } from "./db.js";
import { sessionRequest } from "./schema.js";

export type RequestRow = typeof sessionRequest.$inferSelect;

export class RequestReads {
  /** `chainId`: only that chain's requests (the session views of one chain read these). */
  constructor(
    private readonly store: () => Promise<Store>,
    readonly chainId?: number,
  ) {}

  /** The same store, reading one chain's requests only. */
  forChain(chainId: number): RequestReads {
    return new RequestReads(this.store, chainId);
  }

  private onChain(): SQL | undefined {
    return this.chainId === undefined ? undefined : eq(sessionRequest.chainId, this.chainId);
  }

  /** Runs `run` on the store; any failure but an ApiError is a 503 saying what could not be done. */
  async query<T>(what: string, run: (db: Store["db"]) => Promise<T>): Promise<T> {
    try {
      return await run((await this.store()).db);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError("store_unavailable", `the API's database could not ${what}: ${describeError(error)}`, [], { "retry-after": "2" });
    }
  }

  /** The account's approved requests, latest approval first. */
  approvedOf(account: Address): Promise<RequestRow[]> {
    return this.query("read the account's approvals", (db) =>
      db
        .select()
        .from(sessionRequest)
        .where(and(eq(sessionRequest.account, account.toLowerCase()), eq(sessionRequest.status, "approved"), this.onChain()))
        .orderBy(desc(sessionRequest.approvedAt), desc(sessionRequest.id)),
    );
  }

  /** The latest approved request for a permission id of the account. */
  async approvedFor(account: Address, permissionId: Hex): Promise<RequestRow | undefined> {
    const rows = await this.query("read the session's approval", (db) =>
      db
        .select()
        .from(sessionRequest)
        .where(
          and(
            eq(sessionRequest.account, account.toLowerCase()),
            eq(sessionRequest.permissionId, permissionId.toLowerCase()),
            eq(sessionRequest.status, "approved"),
            this.onChain(),
          ),
        )
        .orderBy(desc(sessionRequest.approvedAt))
        .limit(1),
    );
    return rows[0];
  }

  /** Every request of the account (of one permission id), oldest first: their history off chain. */
  historyOf(account: Address, permissionId?: Hex): Promise<RequestRow[]> {
    return this.query("read the account's requests", (db) =>
      db
        .select()
        .from(sessionRequest)
        .where(
          and(
            eq(sessionRequest.account, account.toLowerCase()),
            permissionId ? eq(sessionRequest.permissionId, permissionId.toLowerCase()) : undefined,
            this.onChain(),
          ),
        )
        .orderBy(asc(sessionRequest.createdAt), asc(sessionRequest.id)),
    );
  }
}
