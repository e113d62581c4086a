import { LOCAL_ARCHIVE_SUBPATH } from "../stellar/local-history-archive.js";
import { DATA_VOLUME_CLAIM } from "./names.js";

/**
 * The image of the archive's HTTP server: NGINX's own unprivileged build of nginx, pinned.
 * Why this one:
 * - a static file server is all an archive needs (readers GET files; stellar-core's `get`
 *   is `curl -sf URL/{0} -o {1}`), and nginx is what SDF's helm chart runs for its
 *   history proxy (charts/core/templates/history-proxy.yaml), so operators know it;
 * - the `nginxinc/nginx-unprivileged` build runs as uid 101 and listens on a port of our
 *   choosing without root or capabilities; the Alpine variant is small (tens of MB), and NGINX
 *   publishes a new tag with each nginx release (watch it as any pinned image);
 * - serving from the hook server's own image would put a second, home-made file server
 *   (path handling, range requests, caching headers) into every validator pod and tie
 *   publishing to SIDECAR_IMAGE being set.
 * A platform that mirrors images rewrites it with a transform (docs/publishing-history.md).
 */
export const HISTORY_SERVER_IMAGE = "nginxinc/nginx-unprivileged:1.28.0-alpine";

/** The name of the container, of its port and of the Service's port. */
export const HISTORY_PORT_NAME = "history";

/** Where the server sees the archive: the ledger volume's archive directory only (subPath). */
const SERVED_DIR = "/srv/history";
/** nginx's pid file and temporary files: the root filesystem is read-only. */
const TMP_DIR = "/tmp";
/** The tmp volume's name in the pod. */
export const HISTORY_SERVER_TMP_VOLUME = "history-server-tmp";

/**
 * nginx's whole configuration: one server on `port` giving the archive's files to GET and
 * HEAD, nothing else. No directory listing (autoindex is off; readers only fetch the paths
 * stellar-history.json names), no symlinks out of the archive, no version in headers, logs
 * on the container's stdout/stderr, temporary files in /tmp.
 */
export function historyServerConfig(port: number): string {
  return [
    "worker_processes 1;",
    `pid ${TMP_DIR}/nginx.pid;`,
    "error_log /dev/stderr warn;",
    "events { worker_connections 512; }",
    "http {",
    "  include /etc/nginx/mime.types;",
    "  default_type application/octet-stream;",
    "  access_log /dev/stdout;",
    "  server_tokens off;",
    "  sendfile on;",
    `  client_body_temp_path ${TMP_DIR}/client_temp;`,
    `  proxy_temp_path ${TMP_DIR}/proxy_temp;`,
    `  fastcgi_temp_path ${TMP_DIR}/fastcgi_temp;`,
    `  uwsgi_temp_path ${TMP_DIR}/uwsgi_temp;`,
    `  scgi_temp_path ${TMP_DIR}/scgi_temp;`,
    "  server {",
    `    listen ${port};`,
    `    root ${SERVED_DIR};`,
    "    disable_symlinks on;",
    "    autoindex off;",
    "    location / {",
    "      limit_except GET { deny all; }",
    "      try_files $uri =404;",
    "    }",
    "    # Publishing overwrites the archive's state: readers must not be served an old copy.",
    "    location = /.well-known/stellar-history.json {",
    "      limit_except GET { deny all; }",
    '      add_header Cache-Control "no-cache";',
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * The archive's read-only HTTP server, a container of the validator's pod. Its config is
 * an environment variable the container writes to /tmp before it starts nginx: no extra
 * ConfigMap, and a changed config is a changed pod template, paced like any other. The
 * ledger volume is mounted read-only and only its archive directory (subPath, which the
 * init container's `new-hist` has created before this container starts).
 */
export function historyServerContainer(port: number): Record<string, unknown> {
  return {
    name: "history-server",
    image: HISTORY_SERVER_IMAGE,
    command: [
      "/bin/sh",
      "-c",
      `printf '%s' "$NGINX_CONF" > ${TMP_DIR}/nginx.conf && exec nginx -c ${TMP_DIR}/nginx.conf -g 'daemon off;'`,
    ],
    env: [{ name: "NGINX_CONF", value: historyServerConfig(port) }],
    ports: [{ name: HISTORY_PORT_NAME, containerPort: port, protocol: "TCP" }],
    // Not a readiness probe: the pod's readiness means "stellar-core is in consensus", which
    // the rollout waits for; a slow archive server must not hold the group's restarts.
    livenessProbe: {
      tcpSocket: { port: HISTORY_PORT_NAME },
      periodSeconds: 20,
      failureThreshold: 3,
    },
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 101,
      runAsGroup: 101,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [
      {
        name: DATA_VOLUME_CLAIM,
        mountPath: SERVED_DIR,
        subPath: LOCAL_ARCHIVE_SUBPATH,
        readOnly: true,
      },
      { name: HISTORY_SERVER_TMP_VOLUME, mountPath: TMP_DIR },
    ],
  };
}

/** The server's /tmp: memory, small. */
export function historyServerVolume(): Record<string, unknown> {
  return { name: HISTORY_SERVER_TMP_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "16Mi" } };
}
