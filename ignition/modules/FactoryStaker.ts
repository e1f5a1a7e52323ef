// The staked factory that new accounts' initCode names: FactoryStaker, owned by the deployer, with
// KernelFactory approved on it and its stake in the EntryPoint. Bundlers refuse a first operation
// that deploys an account through an unstaked factory (ERC-7562 STO-022: Kernel's initialize writes
// the new account's entry in OwnerValidator). With the create2 strategy and the same deployer it lands
// at the same address on every chain. Parameters (all required): kernelFactory, entryPoint, stake
// (wei), unstakeDelay (seconds); scripts/deploy-leash.ts passes them.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("FactoryStaker", (m) => {
  const factoryStaker = m.contract("FactoryStaker", [m.getAccount(0)]);
  const kernelFactory = m.getParameter<string>("kernelFactory");
  const entryPoint = m.getParameter<string>("entryPoint");
  const stake = m.getParameter<bigint>("stake");
  const unstakeDelay = m.getParameter<number>("unstakeDelay");
  m.call(factoryStaker, "approveFactory", [kernelFactory, true]);
  m.call(factoryStaker, "stake", [entryPoint, unstakeDelay], { value: stake });
  return { factoryStaker };
});
