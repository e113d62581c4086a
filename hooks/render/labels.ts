export const LABEL_NAME = "app.kubernetes.io/name";
const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
const LABEL_NETWORK = "stellar.org/network";

export const ANNOTATION_PEERS_HASH = "stellar.org/peers-hash";
export const ANNOTATION_CONFIG_HASH = "stellar.org/config-hash";

/** Labels that select the validator's pod; they never change after creation. */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABEL_NAME]: "stellar-node", [LABEL_INSTANCE]: name };
}

export function validatorLabels(name: string, network: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    [LABEL_COMPONENT]: "validator",
    [LABEL_MANAGED_BY]: "stellar-peers",
    [LABEL_NETWORK]: network.toLowerCase(),
  };
}
