/**
 * Top-level keys stellar-core accepts (src/main/Config.cpp at stellar/stellar-core a9b86132,
 * as listed in shared/stellar/stellar-core-config-keys.txt). An unknown key makes it refuse
 * to start ("Unknown configuration entry"), so the renderer only ever writes these, and
 * test/unit/core-config.test.ts checks every rendered key against the upstream list.
 */
export const RENDERED_CORE_KEYS = [
  "HTTP_PORT",
  "PUBLIC_HTTP_PORT",
  "PEER_PORT",
  "NETWORK_PASSPHRASE",
  "NODE_IS_VALIDATOR",
  "NODE_HOME_DOMAIN",
  "DATABASE",
  "BUCKET_DIR_PATH",
  "LOG_FILE_PATH",
  "HISTORY",
  "KNOWN_PEERS",
  // peers.toml (stellar/peers-toml.ts), from discovery and spec.validatorConfig.overlay.
  "PREFERRED_PEERS",
  "PREFERRED_PEER_KEYS",
  "PREFERRED_PEERS_ONLY",
  "TARGET_PEER_CONNECTIONS",
  "MAX_ADDITIONAL_PEER_CONNECTIONS",
  "NODE_SEED",
] as const;

/** Keys a user's quorumSet may not set because stellar-peers writes them, with the rest. */
export const CORE_CONFIG_KEYS: ReadonlySet<string> = new Set<string>([
  ...RENDERED_CORE_KEYS,
  "PREFERRED_PEERS",
  "PREFERRED_PEER_KEYS",
  "PREFERRED_PEERS_ONLY",
  "TARGET_PEER_CONNECTIONS",
  "MAX_ADDITIONAL_PEER_CONNECTIONS",
  "HTTP_QUERY_PORT",
  "HTTP_MAX_CLIENT",
  "NODE_HOME_DOMAIN",
  "RUN_STANDALONE",
  "CATCHUP_COMPLETE",
  "CATCHUP_RECENT",
  "LOG_COLOR",
]);
