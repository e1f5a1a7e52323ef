// A requested session in plain words, before the owner approves it: what the session key can and
// cannot do, what to worry about, and the one thing the owner signs. Nothing secret passes here: the
// request names the session key by its address; its private key stays with whoever made it.
import { getActionSelector, getKernelV3Nonce, getPluginsEnableTypedData } from "@zerodev/sdk";
import { type Address, type Hex, erc20Abi, getTypesForEIP712Domain, zeroAddress } from "viem";
import { ENTRY_POINT, KERNEL_VERSION } from "../sdk/constants.js";
import { NATIVE_TOKEN } from "../sdk/rules.js";
import type { Deployments } from "../sdk/deployments.js";
import { type PreparedSession, prepareSession, type LeashChain } from "../sdk/session.js";
import { currentMaxFeePerGas, defaultFeeCap, type TokenInfo } from "../sdk/request.js";
import { ApiError } from "./errors.js";
import { type TokenMeta, amount } from "../sdk/describe.js";
import { formatAmount, formatDuration, formatTime, perDuration, shortAddress } from "../sdk/format.js";
import type { SessionService } from "./sessions/service.js";
import type { ChainClient } from "./upstream.js";
import type { Explanation, Warning } from "./responses.js";


/** Durations above this earn a warning. */
const LONG_DURATION = 30 * 86_400;
/** A fee cap this many times the default at today's fee earns a warning. */
const HIGH_FEE_CAP = 10n;
const APPROVE_SELECTORS = new Set(["0x095ea7b3", "0x39509351"]);


export class RequestExplainer {
  constructor(
    private readonly chain: ChainClient,
    private readonly deployments: Deployments,
    private readonly sessions: SessionService,
  ) {}

  async explain(body: unknown): Promise<Explanation> {
    const leash: LeashChain = { client: this.chain.client as unknown as LeashChain["client"], deployments: this.deployments };
    const prepared = await prepareSession(leash, body);
    const [typedData, warnings] = await Promise.all([this.typedData(prepared), this.warnings(prepared)]);
    const { config } = prepared;
    return {
      summary: await this.summary(prepared),
      warnings,
      toSign: {
        account: prepared.account,
        chainId: this.deployments.chainId,
        sessionKey: prepared.sessionKeyAddress,
        permissionId: prepared.permissionId,
        validationId: typedData.message.validationId as Hex,
        policy: prepared.policy,
        enableData: prepared.permissionData,
        // viem's TypedDataDefinition, which the schema documents as its four objects.
        typedData: typedData as Explanation["toSign"]["typedData"],
      },
      session: {
        validAfter: { unix: config.validAfter, iso: new Date(config.validAfter * 1000).toISOString() },
        expiresAt: { unix: config.validUntil, iso: new Date(config.validUntil * 1000).toISOString() },
        durationSeconds: config.validUntil - config.validAfter,
        tokens: prepared.tokens,
        functions: prepared.functions.map((f) => ({ target: f.target, signature: f.signature, selector: f.selector })),
        gas: {
          perOperation: amount(config.maxFeePerOperation || null, this.sessions.nativeMeta()),
          total: amount(config.maxFeeTotal || null, this.sessions.nativeMeta()),
          paymaster: config.paymaster === zeroAddress ? null : config.paymaster,
          defaultCap: prepared.feeCap.source === "default",
        },
        signatureSenders: config.signatureSenders,
        calls: {
          max: config.maxCalls || null,
          rate: config.callsPerWindow ? { count: config.callsPerWindow, seconds: config.window } : null,
          atMost: lifetimeCalls(config) ?? null,
        },
      },
    };
  }

  /**
   * Kernel's Enable typed data for this permission, with the account's current validation nonce, as
   * a wallet's eth_signTypedData_v4 takes it: with the EIP712Domain type listed (wallets built on
   * eth-sig-util hash the domain by the types given, and an unlisted domain as empty).
   */
  private async typedData(prepared: PreparedSession) {
    const client = this.chain.client;
    const validatorNonce = await this.chain.call("the account's validation nonce", () =>
      getKernelV3Nonce(client as Parameters<typeof getKernelV3Nonce>[0], prepared.account),
    );
    const typed = await getPluginsEnableTypedData({
      accountAddress: prepared.account,
      chainId: this.deployments.chainId,
      kernelVersion: KERNEL_VERSION,
      action: { selector: getActionSelector(ENTRY_POINT.version), address: zeroAddress },
      validator: {
        validatorType: "PERMISSION",
        getIdentifier: () => prepared.permissionId,
        getEnableData: async () => prepared.permissionData,
      } as unknown as Parameters<typeof getPluginsEnableTypedData>[0]["validator"],
      validatorNonce,
    });
    return { ...typed, types: { EIP712Domain: getTypesForEIP712Domain({ domain: typed.domain }), ...typed.types } };
  }

  private meta(token: TokenInfo): TokenMeta {
    return { address: token.address, symbol: token.symbol, decimals: token.decimals };
  }

  private async summary(prepared: PreparedSession): Promise<Explanation["summary"]> {
    const { config } = prepared;
    const can: string[] = [];
    const cannot: string[] = [];
    const byTarget = new Map<Address, string[]>();
    for (const f of prepared.functions) byTarget.set(f.target, [...(byTarget.get(f.target) ?? []), f.signature.slice(0, f.signature.indexOf("("))]);
    for (const [target, names] of byTarget) {
      can.push(`call ${joinWords(names)} on ${await this.sessions.label(target)}`);
    }
    for (const limit of config.tokens) {
      const token = prepared.tokens.find((t) => t.address === limit.token);
      const meta = token ? this.meta(token) : { address: limit.token, symbol: null, decimals: null };
      const parts: string[] = [];
      if (limit.perTransaction) parts.push(`at most ${formatAmount(limit.perTransaction, meta)} per transaction`);
      if (limit.perPeriod) parts.push(`${formatAmount(limit.perPeriod, meta)} ${perDuration(limit.period)}`);
      if (limit.total) parts.push(`${formatAmount(limit.total, meta)} in total`);
      can.push(`spend ${meta.symbol ?? shortAddress(limit.token)}: ${parts.length ? joinWords(parts) : "with no limit on amounts"}`);
    }
    if (config.callsPerWindow) can.push(`make at most ${config.callsPerWindow} call${config.callsPerWindow === 1 ? "" : "s"} ${perDuration(config.window)}`);
    if (config.maxCalls) can.push(`make at most ${config.maxCalls} call${config.maxCalls === 1 ? "" : "s"} in all`);
    const native = this.sessions.nativeMeta();
    const fee = (v: bigint) => formatAmount(v, native);
    const paymaster = config.paymaster === zeroAddress ? undefined : await this.sessions.label(config.paymaster);
    if (config.maxFeePerOperation || config.maxFeeTotal) {
      const bounds = config.maxFeePerOperation
        ? `at most ${fee(config.maxFeePerOperation)} of gas per operation${config.maxFeeTotal ? `, ${fee(config.maxFeeTotal)} in total` : ""}`
        : `at most ${fee(config.maxFeeTotal)} of gas in total`;
      can.push(`pay ${bounds}${paymaster ? `, or have ${paymaster} pay it` : ""}`);
    } else if (paymaster) {
      can.push(`have its gas paid by ${paymaster}`);
    }
    const signers = await Promise.all(config.signatureSenders.map((a) => this.sessions.label(a)));
    if (signers.length) can.push(`sign messages in your account's name that ${joinWords(signers, ", ", " or ")} will check`);
    const duration = config.validUntil - config.validAfter;
    can.push(`act for ${formatDuration(duration)}, until ${formatTime(config.validUntil)}`);

    cannot.push("call any other contract or function");
    const recipients = prepared.functions.filter((f) => f.recipientArg);
    if (recipients.length) {
      cannot.push(`send what ${joinWords(recipients.map((f) => f.signature.slice(0, f.signature.indexOf("("))))} returns to any address but your account`);
    }
    if (config.tokens.length) cannot.push("spend more than these limits");
    const gasLimits = [
      ...(config.maxFeePerOperation ? [`${fee(config.maxFeePerOperation)} of gas for one operation`] : []),
      ...(config.maxFeeTotal ? [`${fee(config.maxFeeTotal)}${config.maxFeePerOperation ? "" : " of gas"} in all`] : []),
    ];
    if (gasLimits.length) cannot.push(`pay more than ${joinWords(gasLimits, ", ", " or ")}`);
    if (!config.maxFeePerOperation && !config.maxFeeTotal && paymaster) cannot.push(`use your account's ${native.symbol} for gas`);
    if (!signers.length) cannot.push("sign messages or permits in your account's name");
    cannot.push(`act after ${formatTime(config.validUntil)}`);
    cannot.push("change your account, install modules or use delegatecall");

    const text =
      `To run this automation I need your approval for a session key. It can ${joinWords(can, "; ")}. ` +
      `It cannot ${joinWords(cannot, ", ", " or ")}. You can revoke it at any time. Approve?`;
    return { can, cannot, text };
  }

  private async gasWarnings(prepared: PreparedSession): Promise<Warning[]> {
    const { config } = prepared;
    const warnings: Warning[] = [];
    const meta = this.sessions.nativeMeta();
    if (!config.maxFeePerOperation && !config.maxFeeTotal) return warnings; // a paymaster pays
    const bound = lifetimeFeeBound(config);
    if (bound === undefined) {
      warnings.push({
        code: "gas_unbounded",
        message: `nothing limits how many operations the key makes, so over its life it can spend any amount of the account's ${meta.symbol} on gas (${formatAmount(config.maxFeePerOperation, meta)} at a time): set a gas budget (maxFeeTotal), a call limit or a rate limit`,
      });
    }
    if (prepared.feeCap.source === "request" && config.maxFeePerOperation) {
      const fee = await this.chain.call("the chain's fees", () => currentMaxFeePerGas(this.chain.client as never));
      const usual = defaultFeeCap(fee);
      if (config.maxFeePerOperation > usual * HIGH_FEE_CAP) {
        warnings.push({
          code: "high_fee_cap",
          message: `the gas cap of ${formatAmount(config.maxFeePerOperation, meta)} per operation is over ${HIGH_FEE_CAP} times what an operation may cost at today's fees (${formatAmount(usual, meta)}); a leaked key could burn that much per operation`,
        });
      }
    }
    return warnings;
  }

  private async warnings(prepared: PreparedSession): Promise<Warning[]> {
    const { config, account } = prepared;
    const warnings: Warning[] = [];
    const client = this.chain.client;

    const duplicate = await this.sessions.liveWithSameCalls(account, config.calls).catch((error) => {
      // An account never seen has no sessions; anything else is an outage and must not be hidden.
      if (error instanceof ApiError && error.code === "account_not_found") return [];
      throw error;
    });
    for (const d of duplicate) {
      warnings.push({
        code: "duplicate_session",
        message: `${d.status === "approved" ? "an approved session not used yet" : d.status === "pending" ? "a session not started yet" : "an active session"} (${d.permissionId}) already allows the same functions on the same contracts; approving adds a second one`,
      });
    }

    const balances = await this.chain.call("balances", () =>
      Promise.all(
        config.tokens.map((t) =>
          t.token === NATIVE_TOKEN
            ? client.getBalance({ address: account })
            : client.readContract({ address: t.token, abi: erc20Abi, functionName: "balanceOf", args: [account] }),
        ),
      ),
    );
    config.tokens.forEach((limit, i) => {
      const token = prepared.tokens.find((t) => t.address === limit.token)!;
      const meta = this.meta(token);
      const balance = balances[i]!;
      if (!limit.total && !limit.perPeriod) {
        warnings.push({
          code: "unlimited_spend",
          message: `no total or per-period limit on ${token.symbol}: over its life the session can spend the account's whole ${token.symbol} balance (${formatAmount(balance, meta)} now), ${limit.perTransaction ? `${formatAmount(limit.perTransaction, meta)} at a time` : "in one transaction"}`,
        });
      } else if (limit.total && balance > 0n && limit.total >= balance) {
        warnings.push({
          code: "drains_balance",
          message: `the total limit (${formatAmount(limit.total, meta)}) is at least the account's whole ${token.symbol} balance (${formatAmount(balance, meta)}): a leaked session key could empty it`,
        });
      }
      if (limit.total && balance < limit.total) {
        warnings.push({
          code: "balance_too_low",
          message: `the account holds ${formatAmount(balance, meta)}, less than the ${formatAmount(limit.total, meta)} this automation may spend; it stops early unless funded`,
        });
      }
    });

    if (config.paymaster === zeroAddress) {
      const native = await this.chain.call("balance", () => client.getBalance({ address: account }));
      const meta = this.sessions.nativeMeta();
      const bound = lifetimeFeeBound(config);
      if (native === 0n) {
        warnings.push({ code: "no_gas_funds", message: `the account holds no ${meta.symbol} to pay gas, and no paymaster pays it` });
      } else if (bound !== undefined && native < bound) {
        warnings.push({
          code: "no_gas_funds",
          message: `its operations may cost up to ${formatAmount(bound, meta)} in gas, more than the ${formatAmount(native, meta)} the account holds`,
        });
      }
    }

    const duration = config.validUntil - config.validAfter;
    if (duration > LONG_DURATION) {
      warnings.push({ code: "long_duration", message: `the session lasts ${formatDuration(duration)}; automations rarely need more than ${formatDuration(LONG_DURATION)}` });
    }
    if (!config.callsPerWindow && !config.maxCalls) {
      warnings.push({ code: "no_call_limit", message: "no rate limit or call limit: within its spending limits the key can act as often as it likes" });
    }
    warnings.push(...(await this.gasWarnings(prepared)));
    for (const sender of config.signatureSenders) {
      warnings.push({
        code: "signature_sender",
        message: `the key can sign, in your account's name, any message ${await this.sessions.label(sender)} checks with your account (ERC-1271), as many as it likes, and what such a message does is not counted against these limits`,
      });
    }
    if (config.calls.some((c) => APPROVE_SELECTORS.has(c.selector.toLowerCase()))) {
      warnings.push({
        code: "allowance_outlives_session",
        message: "the session may approve spenders; an allowance it grants stays after the session ends or is revoked, until you reset it",
      });
    }
    return warnings;
  }
}

/** The most the session's operations may cost in gas together, when anything bounds it. */
function lifetimeFeeBound(config: PreparedSession["config"]): bigint | undefined {
  if (config.maxFeeTotal) return config.maxFeeTotal;
  if (!config.maxFeePerOperation) return undefined;
  // Every operation makes at least one call.
  const operations = lifetimeCalls(config);
  return operations === undefined ? undefined : BigInt(operations) * config.maxFeePerOperation;
}

/** The most calls the key can make over the session's life (its call limit, or its rate limit over its windows), when anything bounds them. */
function lifetimeCalls(config: PreparedSession["config"]): number | undefined {
  let calls = config.maxCalls || undefined;
  if (config.window && config.validUntil) {
    const windows = Math.ceil((config.validUntil - config.validAfter + 1) / config.window);
    const byRate = windows * config.callsPerWindow;
    if (calls === undefined || byRate < calls) calls = byRate;
  }
  return calls;
}

function joinWords(items: string[], separator = ", ", last = " and "): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(separator)}${last}${items[items.length - 1]}`;
}
