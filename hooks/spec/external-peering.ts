import { isIP } from "node:net";
import { z } from "zod";

/**
 * spec.externalPeering: a second Service per validator, `<name>-external`, that makes its
 * peer port reachable from outside the cluster (stellar-core's validator guide: "A Stellar
 * Core node needs to allow all IPs to connect to its PEER_PORT"; a node without inbound
 * connections keeps only MIN_INBOUND_FACTOR outbound ones,
 * OverlayManagerImpl::availableOutboundAuthenticatedSlots). Its rules are Kubernetes' own for a Service (k8s.io/kubernetes
 * pkg/apis/core/validation ValidateService), checked here so that a spec the API server
 * would refuse on apply becomes Valid=False instead of a sync error on every resync.
 */

/** external-dns publishes this annotation's name for the Service's address. */
export const EXTERNAL_DNS_HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname";
/** The annotation form of spec.loadBalancerSourceRanges (k8s.io/api core/v1). */
const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";
/** Annotation keys the user may not set: stellar-peers and Metacontroller write them. */
const OWNED_ANNOTATIONS = [EXTERNAL_DNS_HOSTNAME_ANNOTATION, SOURCE_RANGES_ANNOTATION] as const;
const OWNED_ANNOTATION_PREFIXES = ["metacontroller.k8s.io/", "stellar.org/"] as const;

/** The API server's default --service-node-port-range. */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;
const MAX_ANNOTATIONS = 64;
const MAX_SOURCE_RANGES = 64;

/**
 * A public DNS name of at least two labels, as external-dns and stellar-core's
 * KNOWN_PEERS (src/overlay/PeerBareAddress.cpp) both take it: lower case, no trailing dot,
 * no wildcard. RE2-compatible (the CRD's pattern).
 */
const DNS_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** An annotation key: [DNS-1123 subdomain "/"] name (k8s.io/apimachinery IsQualifiedName). */
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Why `key` cannot be a user annotation of the external Service, or undefined. */
export function annotationKeyProblem(key: string): string | undefined {
  if ((OWNED_ANNOTATIONS as readonly string[]).includes(key)) {
    return key === EXTERNAL_DNS_HOSTNAME_ANNOTATION
      ? `${key} is rendered from externalPeering.hostname: set hostname instead`
      : `${key} is rendered from externalPeering.loadBalancerSourceRanges: set those instead`;
  }
  const prefix = OWNED_ANNOTATION_PREFIXES.find((owned) => key.startsWith(owned));
  if (prefix !== undefined) return `${key}: the prefix ${prefix} belongs to stellar-peers`;
  const slash = key.indexOf("/");
  const [keyPrefix, keyName] = slash < 0 ? ["", key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (!QUALIFIED_NAME.test(key) || keyPrefix.length > 253 || keyName.length > 63) {
    return `${JSON.stringify(key.slice(0, 80))} is not an annotation key ([prefix/]name, a name of at most 63 characters)`;
  }
  return undefined;
}

/** Whether `text` is an IPv4 or IPv6 CIDR as a Service's loadBalancerSourceRanges takes it. */
export function isCidr(text: string): boolean {
  const match = /^([0-9a-fA-F:.]+)\/([0-9]{1,3})$/.exec(text);
  if (match === null) return false;
  const family = isIP(match[1] ?? "");
  const bits = Number(match[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

const annotationRule = `self.all(k, ${[
  ...OWNED_ANNOTATIONS.map((key) => `k != '${key}'`),
  ...OWNED_ANNOTATION_PREFIXES.map((prefix) => `!k.startsWith('${prefix}')`),
].join(" && ")})`;

export const ExternalPeeringSchema = z
  .object({
    type: z.enum(["LoadBalancer", "NodePort"]).meta({
      description:
        "LoadBalancer: the cloud's load balancer in front of the peer port. NodePort: the peer port on every node's address, at nodePort.",
    }),
    hostname: z.string().max(253).regex(DNS_NAME).optional().meta({
      description:
        "Public DNS name of this validator (e.g. core-1.example.org), rendered as external-dns' external-dns.alpha.kubernetes.io/hostname annotation and given to other clusters as publicAddress in the namespace summary's peers.json.",
    }),
    annotations: z
      .record(z.string(), z.string())
      .superRefine((annotations, ctx) => {
        const keys = Object.keys(annotations);
        if (keys.length > MAX_ANNOTATIONS) {
          ctx.addIssue({ code: "custom", message: `at most ${MAX_ANNOTATIONS} annotations` });
        }
        for (const key of keys) {
          const problem = annotationKeyProblem(key);
          if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
        }
      })
      .optional()
      .meta({
        description:
          "Annotations of the external Service, e.g. the cloud load balancer's settings. Not external-dns' hostname (set hostname), nor the load-balancer-source-ranges annotation (set loadBalancerSourceRanges), nor keys under metacontroller.k8s.io/ or stellar.org/.",
        maxProperties: MAX_ANNOTATIONS,
        "x-kubernetes-validations": [
          {
            rule: annotationRule,
            message: `annotations must not set ${OWNED_ANNOTATIONS.join(" or ")} (set hostname or loadBalancerSourceRanges instead) nor keys under ${OWNED_ANNOTATION_PREFIXES.join(" or ")}`,
          },
        ],
      }),
    loadBalancerSourceRanges: z
      .array(
        z
          .string()
          .max(49)
          .refine(isCidr, { message: "must be an IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24" }),
      )
      .max(MAX_SOURCE_RANGES)
      .optional()
      .meta({
        description:
          "Type LoadBalancer only: the client CIDRs the load balancer admits. stellar-core peers connect from anywhere, so restrict only on purpose.",
      }),
    externalTrafficPolicy: z.enum(["Cluster", "Local"]).default("Cluster").meta({
      description:
        "Cluster: any node forwards to the pod (the client's address is lost). Local: only the pod's node answers, the client's address is kept.",
    }),
    nodePort: z
      .int()
      .min(NODE_PORT_MIN)
      .max(NODE_PORT_MAX)
      .optional()
      .meta({
        description: `The node port (${NODE_PORT_MIN}-${NODE_PORT_MAX}) of the peer port, for either type; the API server allocates one when unset.`,
      }),
  })
  .superRefine((external, ctx) => {
    if (external.type !== "LoadBalancer" && external.loadBalancerSourceRanges !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["loadBalancerSourceRanges"],
        message: `is only for type LoadBalancer, not ${external.type} (Kubernetes refuses it on any other Service)`,
      });
    }
  })
  .meta({
    description:
      "Expose the validator's peer port outside the cluster through a second Service, <name>-external (the peer port only, never stellar-core's admin port).",
    "x-kubernetes-validations": [
      {
        rule: "self.type == 'LoadBalancer' || !has(self.loadBalancerSourceRanges)",
        message: "loadBalancerSourceRanges is only for type LoadBalancer",
      },
    ],
  });

export type ExternalPeering = z.output<typeof ExternalPeeringSchema>;
