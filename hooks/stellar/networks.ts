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
};

export function networkPassphrase(network: Network, customPassphrase: string | undefined): string {
  if (network === "Custom") return customPassphrase ?? "";
  return NETWORK_PASSPHRASES[network];
}
