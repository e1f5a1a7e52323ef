// Automations, as the executor (npm run executor) runs them: the API asks the executor over HTTP,
// checks its answers against the one schema both share (sdk/automations.ts), and on cancellation
// prepares the owner's revocation of the automation's session, since only the owner can end it on
// chain.
import type { Address } from "viem";
import { z } from "zod";
import { type AutomationSummary, automationListSchema, automationSummarySchema } from "../sdk/automations.js";
import { ApiError, describeError } from "./errors.js";
import type { RevocationView } from "./responses.js";
import type { Chains } from "./chains.js";

export class Automations {
  constructor(
    private readonly executorUrl: string,
    private readonly timeoutMs: number,
    private readonly chains: Chains,
  ) {}

  private async ask<T>(what: string, path: string, schema: z.ZodType<T>, method: "GET" | "POST" = "GET"): Promise<{ status: number; body: T | { error?: { code?: string; message?: string } } }> {
    let response: Response;
    let json: unknown;
    try {
      response = await fetch(`${this.executorUrl}${path}`, { method, signal: AbortSignal.timeout(this.timeoutMs) });
      json = await response.json();
    } catch (error) {
      throw new ApiError("executor_unavailable", `the executor at ${this.executorUrl} is unavailable (${what}): ${describeError(error)}`, [], { "retry-after": "2" });
    }
    if (!response.ok) return { status: response.status, body: json as { error?: { code?: string; message?: string } } };
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError("executor_unavailable", `the executor at ${this.executorUrl} answered ${what} in an unexpected shape: ${parsed.error.issues[0]?.message}`);
    return { status: response.status, body: parsed.data };
  }

  /** The account's automations, newest first. */
  async list(account: Address): Promise<AutomationSummary[]> {
    const { status, body } = await this.ask("the account's automations", `/v1/accounts/${account}/automations`, automationListSchema);
    if (status !== 200) throw new ApiError("executor_unavailable", `the executor answered ${status}: ${(body as { error?: { message?: string } }).error?.message ?? "no reason given"}`);
    return (body as { items: AutomationSummary[] }).items;
  }

  /**
   * Stops the automation (the executor deletes its session key) and prepares the owner's
   * revocation of its session, when it has one that can still act: cancelling stops the executor,
   * only the owner's signature stops the key on chain.
   */
  async cancel(account: Address, id: string): Promise<{ automation: AutomationSummary; revocation: RevocationView | null; text: string }> {
    const found = (await this.list(account)).find((a) => a.id === id);
    if (!found) throw new ApiError("automation_not_found", `account ${account} has no automation ${id}`, [{ field: "params.id", message: "unknown automation" }]);
    const { status, body } = await this.ask("the cancellation", `/v1/automations/${id}/cancel`, z.unknown(), "POST");
    if (status === 409) {
      throw new ApiError("automation_already_final", `automation ${id} is ${found.status} already${found.stopReason ? `: ${found.stopReason}` : ""}`, [
        { field: "params.id", message: `automation ${found.status}` },
      ]);
    }
    if (status !== 200) throw new ApiError("executor_unavailable", `the executor answered ${status}: ${(body as { error?: { message?: string } }).error?.message ?? "no reason given"}`);
    const automation = automationSummarySchema.parse((await this.list(account)).find((a) => a.id === id));
    let revocation: RevocationView | null = null;
    if (automation.permissionId) {
      const { revocations } = this.chains.get(automation.chainId, "params.id");
      revocation = await revocations.prepare(account, automation.permissionId as `0x${string}`).catch((error: unknown) => {
        // Revoked, replaced or expired unused already: nothing left for the owner to sign.
        if (error instanceof ApiError && (error.code === "session_already_revoked" || error.code === "session_not_found")) return null;
        throw error;
      });
    }
    const text = revocation
      ? `Automation ${id} is cancelled: the executor will not act again and has deleted its session key. To end session ${automation.permissionId} on chain too, the owner signs the revocation: ${revocation.text}`
      : `Automation ${id} is cancelled: the executor will not act again and has deleted its session key.${automation.permissionId ? ` Its session ${automation.permissionId} cannot act any more.` : ""}`;
    return { automation, revocation, text };
  }
}
