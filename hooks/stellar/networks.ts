import type { Network } from "../spec/stellar-node-spec.js";

/** Passphrases of the public networks (stellar-core docs; see ../shared/REFERENCE.md). */
export const NETWORK_PASSPHRASES: Record<Exclude<Network, "Custom">, string> = {
  Mainnet: "Public Global Stellar Network ; September 2015",
  Testnet: "Test SDF Network ; September 2015",
  Futurenet: "Test SDF Future Network ; October 2022",
};

/** SDF's public history archives, used when a validator names none of its own. */
export const DEFAULT_HISTORY_ARCHIVES: Partial<Record<Network, readonly string[]>> = {
  Mainnet: [
    "http://history.stellar.org/prd/core-live/core_live_001/",
    "http://history.stellar.org/prd/core-live/core_live_002/",
    "http://history.stellar.org/prd/core-live/core_live_003/",
  ],
  Testnet: [
    "http://history.stellar.org/prd/core-testnet/core_testnet_001/",
    "http://history.stellar.org/prd/core-testnet/core_testnet_002/",
    "http://history.stellar.org/prd/core-testnet/core_testnet_003/",
  ],
  // SDF's Futurenet validators' archives: stellar/quickstart futurenet/core/etc/stellar-core.cfg
  // at 40709d95351fd517d5ffc67a1ce4e98904cccd06 (HISTORY of sdf_futurenet_1..3); the same in
  // stellar/helm-charts charts/core/futurenet-values.yaml at
  // 721a73cf0cc2dec6a55e3b9df3301e1862550035 and stellar/stellar-docs docs/networks/README.mdx
  // at 6fc5ae43ef90b7a4550a662fb579b6b29318c303.
  Futurenet: [
    "http://history.stellar.org/dev/core-futurenet/core_futurenet_001/",
    "http://history.stellar.org/dev/core-futurenet/core_futurenet_002/",
    "http://history.stellar.org/dev/core-futurenet/core_futurenet_003/",
  ],
};

export function networkPassphrase(network: Network, customPassphrase: string | undefined): string {
  if (network === "Custom") return customPassphrase ?? "";
  return NETWORK_PASSPHRASES[network];
}
