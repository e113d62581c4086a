import type { HistoryIngress, StellarNodeSpec } from "../spec/stellar-node-spec.js";

type HistorySpec = NonNullable<NonNullable<StellarNodeSpec["validatorConfig"]>["history"]>;

/** Where a validator's own published history archive is read (spec.validatorConfig.history). */
export interface PublishedHistory {
  /** Through the validator's Service, for readers in the cluster: its group's members. */
  internalUrl: string;
  /**
   * history.publicUrl, else http(s)://ingress.host: for readers outside the cluster (other
   * organisations).
   */
  publicUrl: string | undefined;
}

/**
 * The archive a validator publishes, or undefined when it publishes none. The one place
 * its URL is made: the automatic quorum's HISTORY of a member and the namespace summary
 * both read it here, so a member is only ever named with its own archive.
 */
export function publishedHistory(
  name: string,
  namespace: string,
  spec: { validatorConfig?: { history?: HistorySpec | undefined } | undefined },
  clusterDomain: string,
): PublishedHistory | undefined {
  const history = spec.validatorConfig?.history;
  if (history?.publish !== true) return undefined;
  return {
    internalUrl: `http://${name}.${namespace}.svc.${clusterDomain}:${history.port}`,
    publicUrl:
      history.publicUrl ??
      (history.ingress === undefined ? undefined : ingressUrl(history.ingress)),
  };
}

/** The URL of history.ingress's host: https when it has a TLS Secret. */
export function ingressUrl(ingress: HistoryIngress): string {
  return `${ingress.tlsSecretName === undefined ? "http" : "https"}://${ingress.host}`;
}
