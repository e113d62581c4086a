import { z } from "zod";
import { DNS1123_SUBDOMAIN } from "../kube/names.js";
import { isPublicKey } from "../stellar/strkey.js";
import { ExternalPeeringSchema } from "./external-peering.js";
import {
  ADMIN_HTTP_PORT,
  DEFAULT_PEER_PORT,
  PEER_ADDRESS,
  parsePeerAddress,
} from "../stellar/peer-address.js";
import {
  DEFAULT_EXPORTER_PORT,
  exporterPortClash,
  MetricsSchema,
  type PodPort,
} from "./metrics-exporter.js";

/** The LiveConnect sidecar's metrics port, in the validator's pod next to stellar-core's. */
export const SIDECAR_METRICS_PORT = 9102;
/** Ports of the validator's pod that the peer port must not take. */
const RESERVED_POD_PORTS = [ADMIN_HTTP_PORT, SIDECAR_METRICS_PORT] as const;

/**
 * A home domain as stellar-core's NODE_HOME_DOMAIN and [[HOME_DOMAINS]] name it: a DNS
 * name of at least two labels (the domain whose stellar.toml lists the organisation's
 * validators).
 */
// No lookahead: the API server checks CRD patterns with Go's RE2.
export const HOME_DOMAIN =
  /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/**
 * The StellarNode spec, declared once. The CRD's openAPIV3Schema and schemas/ are
 * generated from it (hooks/generate/, `npm run generate`); cross-field rules are written twice
 * on purpose: as zod refinements for the hook, and as CEL (`x-kubernetes-validations`)
 * so the API server rejects them at admission.
 */

// k8s.io/apimachinery/pkg/api/resource: the canonical quantity grammar.
const QUANTITY =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

export const NodeTypeSchema = z
  .enum(["Validator", "Horizon", "SorobanRpc"])
  .meta({ description: "What the node runs. Only Validator is managed by stellar-peers today." });

export const NetworkSchema = z
  .enum(["Mainnet", "Testnet", "Futurenet", "Custom"])
  .meta({ description: "Stellar network; Custom needs customNetworkPassphrase." });

const quantity = z
  .union([z.int(), z.string().regex(QUANTITY)])
  .meta({ "x-kubernetes-int-or-string": true });

const StorageSchema = z
  .object({
    storageClass: z
      .string()
      .regex(DNS1123_SUBDOMAIN)
      .optional()
      .meta({ description: "StorageClass of the ledger volume; the cluster default if unset." }),
    size: z
      .string()
      .regex(QUANTITY)
      .default("100Gi")
      .meta({ description: "Size of the ledger volume (a Kubernetes quantity)." }),
  })
  .meta({ description: "The validator's persistent ledger volume." });

const ResourcesSchema = z
  .object({
    limits: z.record(z.string(), quantity).optional().meta({
      description:
        "Most of each resource (cpu, memory, ...) the container may use, as Kubernetes quantities.",
    }),
    requests: z.record(z.string(), quantity).optional().meta({
      description:
        "Resources (cpu, memory, ...) reserved for the container, as Kubernetes quantities.",
    }),
  })
  .meta({ description: "Resources of the stellar-core container." });

/** The port of the published history archive's read-only HTTP server, in the validator's pod. */
export const DEFAULT_HISTORY_PUBLISH_PORT = 8080;

/**
 * Ports of the validator's pod that the archive's HTTP server must not take (besides
 * peerPort). The metrics exporter's port is checked against history.port where the
 * exporter is declared (metrics-exporter.ts), since it is configurable.
 */
const HISTORY_RESERVED_PORTS = [ADMIN_HTTP_PORT, SIDECAR_METRICS_PORT] as const;
/**
 * The archive's HTTP server runs as a non-root user without capabilities: it cannot bind
 * a privileged port. Its Service is headless (readers dial the pod's own port), so the
 * server listens on history.port itself.
 */
const MIN_UNPRIVILEGED_PORT = 1024;

/** An Ingress rule's host: a DNS-1123 subdomain of two labels or more, no wildcard, no port. */
const INGRESS_HOST = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** An annotation's name (k8s.io/apimachinery IsQualifiedName): [prefix/]name. */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Whether a user may set annotation `key` on a child: a qualified name, and not one of
 * Metacontroller's own (its last-applied configuration drives the 3-way merge).
 */
function isUserAnnotationKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!QUALIFIED_NAME.test(name)) return false;
  if (prefix === undefined) return true;
  return (
    prefix.length <= 253 &&
    DNS1123_SUBDOMAIN.test(prefix) &&
    prefix !== "metacontroller.k8s.io" &&
    !prefix.endsWith(".metacontroller.k8s.io")
  );
}

const HistoryIngressSchema = z
  .object({
    host: z
      .string()
      .max(253)
      .regex(INGRESS_HOST, {
        message:
          "must be a DNS name of two labels or more (lower-case letters, digits, '-' and '.'; no wildcard, port or scheme)",
      })
      .meta({ description: "The public DNS name of the archive (e.g. history.example.org)." }),
    className: z.string().max(253).regex(DNS1123_SUBDOMAIN).optional().meta({
      description: "The Ingress's ingressClassName; the cluster's default class if unset.",
    }),
    annotations: z
      .record(z.string(), z.string())
      .refine((annotations) => Object.keys(annotations).every(isUserAnnotationKey), {
        message:
          "keys must be annotation names ([prefix/]name: a DNS subdomain prefix, a name of at most 63 letters, digits, '-', '_' and '.'), not under metacontroller.k8s.io/, whose annotations Metacontroller keeps itself",
      })
      .optional()
      .meta({
        description:
          "Annotations of the Ingress (the ingress controller's settings, cert-manager's issuer, external-dns).",
      }),
    tlsSecretName: z.string().max(253).regex(DNS1123_SUBDOMAIN).optional().meta({
      description:
        "A Secret of type kubernetes.io/tls for host (or the one cert-manager writes): the Ingress serves https, and publicUrl defaults to https://host.",
    }),
  })
  .meta({
    description:
      "An Ingress for the archive, `<name>-history`, to the validator's Service. publicUrl defaults to http(s)://host when not set.",
  });

const HistorySchema = z
  .object({
    publish: z.boolean().default(false).meta({
      description:
        "Publish this validator's own history archive: stellar-core writes it to the ledger volume ([HISTORY.local] with get, put and mkdir), a read-only HTTP server in the pod serves it on the Service, and the automatic quorum names it as the validator's HISTORY.",
    }),
    port: z
      .int()
      .min(1)
      .max(65535)
      .default(DEFAULT_HISTORY_PUBLISH_PORT)
      .refine((port) => port >= MIN_UNPRIVILEGED_PORT, {
        message: `must be ${MIN_UNPRIVILEGED_PORT} or more: the archive's HTTP server runs as a non-root user without capabilities and cannot bind a privileged port`,
      })
      .refine((port) => !(HISTORY_RESERVED_PORTS as readonly number[]).includes(port), {
        message: `must not be ${HISTORY_RESERVED_PORTS.join(", ")}: stellar-core's admin HTTP_PORT and the LiveConnect sidecar's metrics port are in the same pod`,
      })
      .meta({
        description: `Port of the archive's HTTP server, in the pod and on the validator's Service. ${MIN_UNPRIVILEGED_PORT} or more; not peerPort nor ${HISTORY_RESERVED_PORTS.join(", ")}, the pod's other ports.`,
      }),
    publicUrl: z
      .string()
      .regex(/^https?:\/\/\S+$/)
      .optional()
      .meta({
        description:
          "Where the archive is reachable from outside the cluster (an Ingress, a CDN); given to other organisations in the namespace summary. Members in the cluster read it through the Service. Defaults to http(s)://ingress.host with an Ingress.",
      }),
    ingress: HistoryIngressSchema.optional(),
  })
  .meta({
    description: "The validator's own history archive.",
    "x-kubernetes-validations": [
      {
        rule: `!has(self.port) || (self.port >= ${MIN_UNPRIVILEGED_PORT} && ${HISTORY_RESERVED_PORTS.map((port) => `self.port != ${port}`).join(" && ")})`,
        message: `history.port must be ${MIN_UNPRIVILEGED_PORT} or more and not ${HISTORY_RESERVED_PORTS.join(", ")}: the archive's server is non-root, and the admin port and the LiveConnect sidecar's metrics port are in the same pod`,
      },
      {
        rule: "!has(self.ingress) || (has(self.publish) && self.publish)",
        message: "history.ingress needs history.publish: true",
      },
    ],
  });

/**
 * A history archive's base URL, as rendered into stellar-core's get command
 * `curl -sf <url>{0} -o {1}`: stellar-core formats that command with fmt
 * (formatString in src/history/HistoryArchive.cpp, v27.1.0), where a brace of the URL is
 * a replacement field ("{2}" throws "failed to format command string" during catchup,
 * "{0}" turns into a remote path), and ProcessManagerImpl runs it without a shell, so a
 * quote or backslash would reach curl as it is.
 */
const ARCHIVE_BASE_URL = /^https?:\/\/[^\s"'\\{}]+$/;
const ARCHIVE_URL_WHY =
  "stellar-core formats it into its get command (a brace is a replacement field) and runs that without a shell";

/** A public key's form; the StrKey checksum is checked apart (isPublicKey). */
export const PUBLIC_KEY = /^G[A-Z2-7]{55}$/;

/** A Stellar public key (G...): its form for the CRD's pattern, its StrKey checksum for the hook. */
function publicKeySchema() {
  return z
    .string()
    .regex(PUBLIC_KEY)
    .refine(isPublicKey, { message: "must be a Stellar public key (G..., StrKey-checked)" });
}

/** A peer's host[:port], as KNOWN_PEERS, PREFERRED_PEERS and ADDRESS take it. */
function peerAddressSchema() {
  return z
    .string()
    .regex(PEER_ADDRESS)
    .refine((text) => parsePeerAddress(text) !== undefined, {
      message: "must be host[:port] with a port from 1 to 65535",
    });
}

/** stellar-core's quorum forms: a hand-written quorumSet, or one generated from the group. */
export const QuorumModeSchema = z.enum(["Manual", "Automatic"]).meta({
  description:
    "Manual: quorumSet as written. Automatic: stellar-peers generates stellar-core's automatic quorum ([[HOME_DOMAINS]] and [[VALIDATORS]]) from the group's members that declare a publicKey, plus the organisations listed by the user.",
});

/** ValidatorQuality (stellar-core src/main/Config.h): a home domain's QUALITY. */
export const QualitySchema = z.enum(["LOW", "MEDIUM", "HIGH", "CRITICAL"]).meta({
  description:
    "stellar-core's QUALITY of a home domain. HIGH and CRITICAL need every validator of the domain to publish history and at least 3 validators (Config::parseValidators, Config::generateQuorumSetHelper).",
});

/** A NAME of [[VALIDATORS]]: an alias stellar-core also gives the validator's archive. */
const VALIDATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const OrganizationValidatorSchema = z
  .object({
    name: z.string().regex(VALIDATOR_NAME).meta({
      description:
        "NAME: unique among the quorum's validators (letters, digits, '.', '_', '-'; a generated member is named <name>.<namespace>).",
    }),
    publicKey: publicKeySchema().meta({ description: "PUBLIC_KEY (G...)." }),
    address: peerAddressSchema()
      .optional()
      .meta({ description: "ADDRESS: host[:port] stellar-core adds to its known peers." }),
    history: z.string().regex(ARCHIVE_BASE_URL).optional().meta({
      description:
        'The validator\'s published history archive (http or https base URL), rendered as HISTORY = "curl -sf <url>/{0} -o {1}". Required for HIGH and CRITICAL.',
    }),
  })
  .meta({ description: "One validator of another organisation." });

const OrganizationSchema = z
  .object({
    homeDomain: z.string().max(253).regex(HOME_DOMAIN).meta({ description: "Its HOME_DOMAIN." }),
    quality: QualitySchema.default("HIGH"),
    validators: z.array(OrganizationValidatorSchema).min(1).max(64),
  })
  .meta({
    description:
      "Another organisation in the quorum: a [[HOME_DOMAINS]] entry and its [[VALIDATORS]].",
  });

export const AutomaticQuorumSchema = z
  .object({
    quality: QualitySchema.default("HIGH").meta({
      description:
        "QUALITY of this organisation's homeDomain, whose [[VALIDATORS]] are the group's members that declare a publicKey.",
    }),
    organizations: z.array(OrganizationSchema).max(32).optional().meta({
      description:
        "Other organisations in the quorum, as stellar-core's automatic form lists them (their stellar.toml says what to write).",
    }),
    unsafeQuorum: z.boolean().default(false).meta({
      description:
        "UNSAFE_QUORUM = true: lets stellar-core run a quorum it would refuse as unsafe (a group of 1 or 2, exactly two organisations: FAILURE_SAFETY 0). Only for those who mean it: one failure can then halt the quorum.",
    }),
  })
  .meta({ description: "Settings of quorum: Automatic." });

export type AutomaticQuorum = z.output<typeof AutomaticQuorumSchema>;

/** The CEL of automaticQuorumProblems (below), on validatorConfig. */
const AUTOMATIC_QUORUM_RULES = [
  {
    rule: "!has(self.quorum) || self.quorum != 'Automatic' || (!has(self.quorumSet) && has(self.homeDomain))",
    message: "quorum: Automatic generates the quorum: it needs homeDomain and takes no quorumSet",
  },
  {
    rule: "!has(self.automaticQuorum) || (has(self.quorum) && self.quorum == 'Automatic')",
    message: "automaticQuorum is only read with quorum: Automatic",
  },
  {
    rule: "!has(self.automaticQuorum) || !has(self.automaticQuorum.organizations) || !has(self.homeDomain) || self.automaticQuorum.organizations.all(o, o.homeDomain != self.homeDomain)",
    message:
      "automaticQuorum.organizations lists other organisations: not this validator's own homeDomain",
  },
];

/**
 * The largest TARGET_PEER_CONNECTIONS stellar-core never lowers: Config::adjust caps it at
 * MAX_ADDITIONAL_PEER_CONNECTIONS / 3 + 3, and MAX_ADDITIONAL_PEER_CONNECTIONS is at most
 * 65535 (src/main/Config.cpp, v27.1.0).
 */
export const MAX_TARGET_PEER_CONNECTIONS = Math.floor(65535 / 3) + 3;

export const OverlaySchema = z
  .object({
    targetPeerConnections: z
      .int()
      .min(1)
      .max(MAX_TARGET_PEER_CONNECTIONS)
      .optional()
      .meta({
        description: `Outbound connections to peers that are not preferred (stellar-core's TARGET_PEER_CONNECTIONS without the preferred peers; default 8). The rendered TARGET_PEER_CONNECTIONS is this plus one per preferred peer, so the group never takes the slots of the rest of the network. At most ${MAX_TARGET_PEER_CONNECTIONS} (65535 / 3 + 3, Config::adjust).`,
      }),
    maxAdditionalPeerConnections: z.int().min(0).max(65535).optional().meta({
      description:
        "Inbound connections from peers that are not preferred (stellar-core's MAX_ADDITIONAL_PEER_CONNECTIONS without the preferred peers). Unset: stellar-core's default, 8 x the rendered TARGET_PEER_CONNECTIONS. Set: rendered as this plus one per preferred peer, and at least 3 x (TARGET_PEER_CONNECTIONS - 3), the least Config::adjust accepts without lowering the target. Must allow targetPeerConnections: targetPeerConnections <= maxAdditionalPeerConnections / 3 + 3.",
    }),
    preferredPeersOnly: z.boolean().default(false).meta({
      description:
        "PREFERRED_PEERS_ONLY: connect to preferred peers only (the group, preferredPeers, preferredPeerKeys). With none of them the validator connects to no one; condition PeerConnections says so.",
    }),
    preferredPeers: z.array(peerAddressSchema()).optional().meta({
      description:
        "Preferred peers (host[:port]) besides the group's members, which are preferred by themselves: rendered in PREFERRED_PEERS.",
    }),
    preferredPeerKeys: z.array(publicKeySchema()).optional().meta({
      description:
        "PREFERRED_PEER_KEYS: peers preferred by their public key (G...), whatever their address.",
    }),
  })
  .superRefine((overlay, ctx) => {
    const target = overlay.targetPeerConnections ?? 8;
    const additional = overlay.maxAdditionalPeerConnections;
    if (additional !== undefined && target > Math.floor(additional / 3) + 3) {
      ctx.addIssue({
        code: "custom",
        path: ["maxAdditionalPeerConnections"],
        message: `${additional} allows at most ${Math.floor(additional / 3) + 3} outbound connections (MAX_ADDITIONAL_PEER_CONNECTIONS / 3 + 3, Config::adjust), fewer than targetPeerConnections ${target}: stellar-core would lower the target; raise maxAdditionalPeerConnections to at least ${3 * (target - 3)}`,
      });
    }
  })
  .meta({
    description:
      "stellar-core's overlay settings. The group's other members are always preferred peers (PREFERRED_PEERS, or [[VALIDATORS]] with quorum: Automatic); these settings come on top.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.maxAdditionalPeerConnections) || (has(self.targetPeerConnections) ? self.targetPeerConnections : 8) <= self.maxAdditionalPeerConnections / 3 + 3",
        message:
          "targetPeerConnections (default 8) must be at most maxAdditionalPeerConnections / 3 + 3, or stellar-core lowers it (Config::adjust)",
      },
    ],
  });

export type Overlay = z.output<typeof OverlaySchema>;

const ValidatorConfigSchema = z
  .object({
    seedSecretRef: z.string().regex(DNS1123_SUBDOMAIN).max(253).optional().meta({
      description:
        "Name of a Secret in the node's namespace whose key STELLAR_CORE_SEED holds the node's secret seed (S...). Required for a Validator. One seed, one validator: of two validators of a group and network that name one Secret, the one created later is refused (DuplicateNodeIdentity).",
    }),
    quorumSet: z.string().optional().meta({
      description:
        "Quorum configuration as TOML: NODE_NAMES, [QUORUM_SET] tables, [[HOME_DOMAINS]], [[VALIDATORS]], UNSAFE_QUORUM, FAILURE_SAFETY. Nothing else.",
    }),
    homeDomain: z.string().max(253).regex(HOME_DOMAIN).optional().meta({
      description:
        "The organisation's home domain (e.g. example.org), rendered as NODE_HOME_DOMAIN. Required with the automatic quorum form ([[VALIDATORS]] in quorumSet), where stellar-core adds the node itself to its home domain's validators.",
    }),
    publicKey: publicKeySchema().optional().meta({
      description:
        "The validator's public key (G...), the one its seed belongs to. The init container refuses to start when the seed in seedSecretRef is of another key; the automatic quorum lists members by it. Of two validators of a group and network that declare one key, the one created later is refused (DuplicateNodeIdentity).",
    }),
    quorum: QuorumModeSchema.optional(),
    automaticQuorum: AutomaticQuorumSchema.optional(),
    history: HistorySchema.optional(),
    overlay: OverlaySchema.optional(),
    forceScp: z.boolean().default(false).meta({
      description:
        "Custom networks only: start consensus from this node's own ledger instead of waiting to hear the network (stellar-core run without --wait-for-consensus). For the first node of a new network; a node that joins a running network must leave it false.",
    }),
    enableHistoryArchive: z.boolean().default(true).meta({
      description:
        "Read history from archives: historyArchiveUrls, or SDF's archives of Mainnet, Testnet and Futurenet when none are given. stellar-core refuses to run a validator without one, so false is only valid with [[VALIDATORS]] entries that carry HISTORY.",
    }),
    historyArchiveUrls: z
      .array(
        z.string().regex(ARCHIVE_BASE_URL, {
          message: `must be an http or https base URL without whitespace, quotes, backslashes or braces: ${ARCHIVE_URL_WHY}`,
        }),
      )
      .optional()
      .meta({
        description:
          "History archives (http or https base URLs) to read from. Not SDF's archives of another network: their History Archive State names that network, and stellar-core's catchup refuses it.",
      }),
    peerPort: z
      .int()
      .min(1)
      .max(65535)
      .default(DEFAULT_PEER_PORT)
      .refine((port) => !(RESERVED_POD_PORTS as readonly number[]).includes(port), {
        message: `must not be ${RESERVED_POD_PORTS.join(" or ")}: stellar-core's admin HTTP_PORT and the LiveConnect sidecar's metrics port are in the same pod`,
      })
      .meta({
        description: `stellar-core PEER_PORT, published on the headless Service. Not ${RESERVED_POD_PORTS.join(" or ")}, the pod's other ports.`,
      }),
    knownPeers: z
      .array(peerAddressSchema())
      .optional()
      .meta({ description: "Static peers (host[:port]) merged into the discovered ones." }),
  })
  .meta({
    description: "Validator settings.",
    "x-kubernetes-validations": [
      {
        rule: `!has(self.peerPort) || (${RESERVED_POD_PORTS.map((port) => `self.peerPort != ${port}`).join(" && ")})`,
        message: `peerPort must not be ${RESERVED_POD_PORTS.join(" or ")}: stellar-core's admin HTTP_PORT and the LiveConnect sidecar's metrics port are in the same pod`,
      },
      {
        rule: `!has(self.history) || !has(self.history.publish) || !self.history.publish || (has(self.history.port) ? self.history.port : ${DEFAULT_HISTORY_PUBLISH_PORT}) != (has(self.peerPort) ? self.peerPort : ${DEFAULT_PEER_PORT})`,
        message: "history.port must differ from peerPort: both listen in the validator's pod",
      },
      ...AUTOMATIC_QUORUM_RULES,
    ],
  });

/** The zod side of AUTOMATIC_QUORUM_RULES, with each problem's field. */
function automaticQuorumProblems(
  config: z.output<typeof ValidatorConfigSchema>,
): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  if (config.quorum === "Automatic") {
    if (config.quorumSet !== undefined) {
      problems.push({
        path: ["quorumSet"],
        message:
          "must not be set with quorum: Automatic, which generates the quorum (set quorum: Manual to write it by hand)",
      });
    }
    if (config.homeDomain === undefined) {
      problems.push({
        path: ["homeDomain"],
        message:
          "is required with quorum: Automatic: the generated [[HOME_DOMAINS]] and [[VALIDATORS]] are of this domain",
      });
    }
  } else if (config.automaticQuorum !== undefined) {
    problems.push({
      path: ["automaticQuorum"],
      message: "is only read with quorum: Automatic; set quorum: Automatic or remove it",
    });
  }
  const seen = new Set<string>();
  for (const [index, organization] of (config.automaticQuorum?.organizations ?? []).entries()) {
    if (organization.homeDomain === config.homeDomain || seen.has(organization.homeDomain)) {
      problems.push({
        path: ["automaticQuorum", "organizations", String(index), "homeDomain"],
        message: `${organization.homeDomain} is ${
          organization.homeDomain === config.homeDomain
            ? "this validator's own homeDomain, whose validators are generated"
            : "listed twice"
        }`,
      });
    }
    seen.add(organization.homeDomain);
  }
  return problems;
}

const LabelSelectorSchema = z
  .object({
    matchLabels: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: "Labels a StellarNode must carry, each with this value." }),
    matchExpressions: z
      .array(
        z.object({
          key: z.string().min(1).meta({ description: "The label's key." }),
          operator: z
            .enum(["In", "NotIn", "Exists", "DoesNotExist"])
            .meta({ description: "How the label's value is compared with values." }),
          values: z.array(z.string()).optional().meta({
            description: "For In and NotIn: the values; empty for Exists and DoesNotExist.",
          }),
        }),
      )
      .optional()
      .meta({ description: "Label requirements, all of which must hold." }),
  })
  .meta({ description: "A Kubernetes label selector." });

export const PeerDiscoverySchema = z
  .object({
    updateStrategy: z.enum(["QuorumSafe", "LiveConnect"]).default("QuorumSafe").meta({
      description:
        "QuorumSafe: a new peer list restarts validators one group member at a time, after it has settled, like every other pod-template change. LiveConnect: a new peer list restarts nothing; a sidecar connects new peers at runtime (other changes are still paced).",
    }),
    maxUnavailable: z.int().min(1).default(1).meta({
      description:
        "At most this many validators of the group may be down at once for pod-template changes (peers, config, image, anything else), and for voluntary evictions (the group's PodDisruptionBudget). Members that ask for different values get the smallest.",
    }),
    settleSeconds: z.int().min(0).max(3600).default(15).meta({
      description:
        "A new pod template (peers, config, image, anything else) is applied only after it has been stable this long.",
    }),
    stuckAfterSeconds: z.int().min(0).default(3600).meta({
      description:
        "A group member unready this long stops blocking the others' restarts. Ready means in consensus, so a restarted validator is unready while it catches up: keep this above the longest catch-up you expect, or the next member may restart while the previous one still catches up.",
    }),
    scope: z.enum(["Namespace", "Cluster"]).default("Namespace").meta({
      description: "Where peers are found: this namespace, or every namespace.",
    }),
    groupSelector: LabelSelectorSchema.optional().meta({
      description: "Only StellarNodes with matching labels are peers.",
    }),
    addressing: z.enum(["DNS", "PodIP"]).default("DNS").meta({
      description:
        "DNS: each peer's stable pod DNS name. PodIP: the IP of each peer's running pod, for networks where pod DNS does not resolve.",
    }),
  })
  .meta({ description: "How peers are found and how a new peer list is applied." });

/**
 * The ports the validator's pod listens on besides the exporter's, each with what takes it.
 * The published history's server listens only when history.publish is true.
 */
function validatorPodPorts(spec: {
  validatorConfig?: { peerPort: number; history?: { publish: boolean; port: number } };
}): PodPort[] {
  const validator = spec.validatorConfig;
  return [
    {
      port: validator?.peerPort ?? DEFAULT_PEER_PORT,
      what: "stellar-core's peer port (spec.validatorConfig.peerPort)",
    },
    { port: ADMIN_HTTP_PORT, what: "stellar-core's admin HTTP_PORT" },
    { port: SIDECAR_METRICS_PORT, what: "the LiveConnect sidecar's metrics port" },
    ...(validator?.history?.publish === true
      ? [
          {
            port: validator.history.port,
            what: "the published history's HTTP server (spec.validatorConfig.history.port)",
          },
        ]
      : []),
  ];
}

/** validatorPodPorts as CEL: defaults written out, as a spec stored before they existed lacks them. */
const EXPORTER_PORT = `(has(self.metrics.exporter.port) ? self.metrics.exporter.port : ${DEFAULT_EXPORTER_PORT})`;
const EXPORTER_PORT_RULE = [
  "!has(self.metrics) || !has(self.metrics.exporter) || !has(self.metrics.exporter.enabled) || !self.metrics.exporter.enabled || (",
  `${EXPORTER_PORT} != (has(self.validatorConfig) && has(self.validatorConfig.peerPort) ? self.validatorConfig.peerPort : ${DEFAULT_PEER_PORT})`,
  ` && ${EXPORTER_PORT} != ${ADMIN_HTTP_PORT} && ${EXPORTER_PORT} != ${SIDECAR_METRICS_PORT}`,
  " && !(has(self.validatorConfig) && has(self.validatorConfig.history) && has(self.validatorConfig.history.publish) && self.validatorConfig.history.publish",
  ` && ${EXPORTER_PORT} == (has(self.validatorConfig.history.port) ? self.validatorConfig.history.port : ${DEFAULT_HISTORY_PUBLISH_PORT})))`,
].join("");

export const StellarNodeSpecSchema = z
  .object({
    nodeType: NodeTypeSchema,
    network: NetworkSchema,
    customNetworkPassphrase: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Network passphrase; required if and only if network is Custom." }),
    version: z
      .string()
      .regex(/^v?[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
      .optional()
      .meta({
        description:
          "stellar-core release (e.g. 27.0.0); stellar-peers maps it to a published stellar/stellar-core image through its image table (STELLAR_CORE_IMAGES). Required unless image is set.",
      }),
    image: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Full image reference; overrides version." }),
    suspended: z.boolean().default(false).meta({
      description:
        "Scale the validator to 0 and drop it from its peers' lists; its volume is kept.",
    }),
    storage: StorageSchema.optional(),
    resources: ResourcesSchema.optional(),
    validatorConfig: ValidatorConfigSchema.optional(),
    peerDiscovery: PeerDiscoverySchema.optional(),
    metrics: MetricsSchema.optional(),
    externalPeering: ExternalPeeringSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.network === "Custom" && spec.customNetworkPassphrase === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["customNetworkPassphrase"],
        message: "is required when network is Custom",
      });
    }
    if (spec.network !== "Custom" && spec.customNetworkPassphrase !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["customNetworkPassphrase"],
        message: `must not be set when network is ${spec.network}: its passphrase is fixed`,
      });
    }
    if (spec.version === undefined && spec.image === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["version"],
        message: "is required unless spec.image is set",
      });
    }
    if (spec.network !== "Custom" && spec.validatorConfig?.forceScp === true) {
      ctx.addIssue({
        code: "custom",
        path: ["validatorConfig", "forceScp"],
        message: `must not be true on ${spec.network}: a validator joining a running network waits to hear it (--wait-for-consensus)`,
      });
    }
    const history = spec.validatorConfig?.history;
    const peerPort = spec.validatorConfig?.peerPort ?? DEFAULT_PEER_PORT;
    if (history?.publish === true && history.port === peerPort) {
      ctx.addIssue({
        code: "custom",
        path: ["validatorConfig", "history", "port"],
        message: `must differ from peerPort (${peerPort}): both listen in the validator's pod`,
      });
    }
    if (history?.ingress !== undefined && history.publish !== true) {
      ctx.addIssue({
        code: "custom",
        path: ["validatorConfig", "history", "ingress"],
        message: "needs history.publish: true (there is no archive to serve)",
      });
    }
    if (spec.validatorConfig !== undefined) {
      for (const problem of automaticQuorumProblems(spec.validatorConfig)) {
        ctx.addIssue({
          code: "custom",
          path: ["validatorConfig", ...problem.path],
          message: problem.message,
        });
      }
    }
    if (spec.nodeType === "Validator" && spec.validatorConfig?.seedSecretRef === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["validatorConfig", "seedSecretRef"],
        message: "is required for a Validator: name the Secret holding STELLAR_CORE_SEED",
      });
    }
    const exporter = spec.metrics?.exporter;
    const clash =
      exporter?.enabled === true
        ? exporterPortClash(exporter.port, validatorPodPorts(spec))
        : undefined;
    if (exporter !== undefined && clash !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["metrics", "exporter", "port"],
        message: `${exporter.port} is already ${clash.what} in the validator's pod: give the exporter another port`,
      });
    }
  })
  .meta({
    description: "Desired state of a Stellar node.",
    "x-kubernetes-validations": [
      {
        rule: "self.network == 'Custom' ? has(self.customNetworkPassphrase) : !has(self.customNetworkPassphrase)",
        message: "customNetworkPassphrase is required if and only if network is Custom",
      },
      {
        rule: "has(self.version) || has(self.image)",
        message: "set spec.version or spec.image",
      },
      {
        rule: "self.network == 'Custom' || !has(self.validatorConfig) || !has(self.validatorConfig.forceScp) || !self.validatorConfig.forceScp",
        message: "validatorConfig.forceScp is only for Custom networks",
      },
      {
        rule: "self.nodeType != 'Validator' || (has(self.validatorConfig) && has(self.validatorConfig.seedSecretRef))",
        message: "a Validator needs spec.validatorConfig.seedSecretRef",
      },
      {
        rule: EXPORTER_PORT_RULE,
        message: `metrics.exporter.port must differ from the pod's other ports: peerPort, ${ADMIN_HTTP_PORT} (stellar-core's admin port), ${SIDECAR_METRICS_PORT} (the LiveConnect sidecar's metrics) and, when history.publish is true, history.port`,
      },
    ],
  });

export type StellarNodeSpecInput = z.input<typeof StellarNodeSpecSchema>;
export type StellarNodeSpec = z.output<typeof StellarNodeSpecSchema>;
export type Network = z.output<typeof NetworkSchema>;
export type PeerDiscovery = z.output<typeof PeerDiscoverySchema>;
export type HistoryIngress = z.output<typeof HistoryIngressSchema>;
export const DEFAULT_PEER_DISCOVERY: PeerDiscovery = PeerDiscoverySchema.parse({});

/** Parses a spec; on failure, one message per problem, each naming its field. */
export function parseStellarNodeSpec(
  raw: unknown,
): { ok: true; spec: StellarNodeSpec } | { ok: false; problems: string[] } {
  const result = StellarNodeSpecSchema.safeParse(raw);
  if (result.success) return { ok: true, spec: result.data };
  const problems = result.error.issues.map((issue) => {
    const path = ["spec", ...issue.path.map(String)].join(".");
    return `${path}: ${issue.message}`;
  });
  return { ok: false, problems };
}
