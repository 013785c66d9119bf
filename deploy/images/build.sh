#!/usr/bin/env bash
# Builds one container image per service, sambat/<service>:<version>, with Debian's podman, from
# the project's own release build (build/run, brought up to date by `deploy/build.sh run`
# first). Runs as root; idempotent.
#
#   deploy/images/build.sh [--rebuild-base] [service ...]    default: all five
#
# 1. Installs podman, runc and mmdebstrap with apt if missing, and writes the containers.conf
#    settings podman needs here (runtime runc, explicit ulimits) as a drop-in file of its own,
#    /etc/containers/containers.conf.d/50-sambat.conf, leaving any other configuration alone.
# 2. Makes the base image localhost/sambat/base:bookworm once: debian:bookworm-slim where a
#    registry is reachable, else the same from Debian's packages (mmdebstrap --variant=minbase
#    with the machine's own Debian sources, then podman import).
# 3. Builds each image FROM that base (deploy/images/Containerfile): the runtime packages of
#    the libraries the binary loads (found with objdump and dpkg -S, installed with apt inside
#    the build, which reaches the host's mirror with --network host), user 65532, the binary
#    as entry point, the gateway's web apps in /usr/share/sambat/web, OCI labels.
# 4. Checks each image: non-root, starts on a read-only root (tmpfs /tmp), `--help` runs (no
#    library missing), and prints the sizes.
#
# The version comes from deploy/images/version.sh: the project's (CMakeLists.txt
# `project(... VERSION x.y.z)`) once it declares one; until then 0.1.0, the tag
# k8s/base/kustomization.yaml expects. SKK_VERSION overrides it. org.opencontainers.image.source is the git remote "origin" (or
# SKK_IMAGE_SOURCE); without either the label is left out, with a warning.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
# shellcheck source=deploy/images/version.sh
. deploy/images/version.sh
ALL=(intake routing sla notification gateway)
BASE=localhost/sambat/base:bookworm
CONF=/etc/containers/containers.conf.d/50-sambat.conf

say() { printf '== %s\n' "$*"; }
die() { printf 'images: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (apt, and podman's rootful storage)"

rebuild_base=no
services=()
for a in "$@"; do
  case "$a" in
    --rebuild-base) rebuild_base=yes ;;
    intake|routing|sla|notification|gateway) services+=("$a") ;;
    *) sed -n '5,6p' "$0" >&2; exit 2 ;;
  esac
done
[ ${#services[@]} -gt 0 ] || services=("${ALL[@]}")

t0=$SECONDS

# --- 1. tools and their configuration ----------------------------------------------------
need=()
for p in podman runc mmdebstrap binutils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  # runc named explicitly: podman would otherwise be satisfied with crun.
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q \
      --no-install-recommends "${need[@]}" >/dev/null
  }
  apt_install || { apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null && apt_install; }
fi
# Podman's default ulimits exceed what a process may set on these machines (nofile above the
# shell's hard limit, 20000, fails in runc): below it, with room for the gateway's connections.
want_conf='# Written by deploy/images/build.sh: podman here needs runc and explicit ulimits.
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]

[engine]
runtime = "runc"'
if [ "$(cat "$CONF" 2>/dev/null)" != "$want_conf" ]; then
  mkdir -p "$(dirname "$CONF")"
  printf '%s\n' "$want_conf" >"$CONF"
  say "wrote $CONF"
fi

# --- 2. the base image -------------------------------------------------------------------
# The host's Debian sources (never third-party ones): debian.sources if there is one, else the
# Debian lines of sources.list, else deb.debian.org.
debian_sources() {  # -> a file mmdebstrap takes as its mirror list
  local out=$1
  if [ -s /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$out.sources"; echo "$out.sources"
  elif grep -Eqs '^deb .*/debian(-security)?/? ' /etc/apt/sources.list; then
    grep -E '^deb .*/debian(-security)?/? ' /etc/apt/sources.list >"$out.list"; echo "$out.list"
  else
    printf '%s\n' "deb http://deb.debian.org/debian bookworm main" \
      "deb http://deb.debian.org/debian bookworm-updates main" \
      "deb http://deb.debian.org/debian-security bookworm-security main" >"$out.list"
    echo "$out.list"
  fi
}
make_base() {
  local tb=$SECONDS
  if timeout 30 podman pull -q docker.io/library/debian:bookworm-slim >/dev/null 2>&1; then
    podman tag docker.io/library/debian:bookworm-slim "$BASE"
    say "base $BASE: docker.io/library/debian:bookworm-slim ($((SECONDS - tb)) s)"
    return
  fi
  say "no registry reachable: making $BASE with mmdebstrap --variant=minbase (about 2 minutes)"
  local work; work=$(mktemp -d /var/tmp/skk-base.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  local sources; sources=$(debian_sources "$work/debian")
  # As slim as debian:bookworm-slim: no manuals, docs (but copyrights) or translations, and no
  # recommended packages in later installs either (the options stay in the image); /usr merged
  # by mmdebstrap's hook rather than by the usrmerge package, which would bring perl.
  mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --aptopt='APT::Install-Recommends "false"' \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    bookworm "$work/base.tar" "$sources" >"$work/mmdebstrap.log" 2>&1 ||
    { tail -20 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
  podman import -q --change 'CMD ["/bin/bash"]' \
    --message "Debian bookworm minbase, mmdebstrap from $(basename "$sources")" \
    "$work/base.tar" "$BASE" >/dev/null
  say "base $BASE: mmdebstrap minbase + podman import ($((SECONDS - tb)) s)"
}
if [ "$rebuild_base" = yes ] || ! podman image exists "$BASE"; then
  make_base
else
  say "base $BASE present (--rebuild-base remakes it)"
fi

# --- 3. the service images ---------------------------------------------------------------
version=$(skk_image_version "$ROOT")
grep -q "newTag: $version\$" k8s/base/kustomization.yaml ||
  echo "images: warning: k8s/base/kustomization.yaml does not tag the images $version" >&2
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- services proto web cmake CMakeLists.txt 2>/dev/null ||
  echo "images: warning: the work tree differs from $revision; the label names the commit" >&2
source_url=${SKK_IMAGE_SOURCE:-$(git remote get-url origin 2>/dev/null || true)}
labels=()
[ -n "$source_url" ] && labels+=(--label "org.opencontainers.image.source=$source_url") ||
  echo "images: warning: no git remote 'origin' and no SKK_IMAGE_SOURCE: no source label" >&2
# The project has no licence file yet; SKK_IMAGE_LICENSES (an SPDX expression) sets the label.
if [ -n "${SKK_IMAGE_LICENSES:-}" ]; then
  labels+=(--label "org.opencontainers.image.licenses=$SKK_IMAGE_LICENSES")
elif compgen -G 'LICENSE*' >/dev/null || compgen -G 'COPYING*' >/dev/null; then
  echo "images: warning: a licence file is here: set SKK_IMAGE_LICENSES to its SPDX id" >&2
fi

# The release build, brought up to date: an image never carries a binary older than the
# sources (ninja does nothing when nothing changed; a first build takes minutes).
say "bringing the release build up to date: bash deploy/build.sh run"
bash deploy/build.sh run

# The Debian package of each library a binary names (DT_NEEDED); apt brings what those need.
# dpkg is asked once, by file name (the real file, not the soname link), wherever /usr-merging
# put it. Fills PKGS[service] with package names, one a line.
declare -A PKGS
runtime_packages() {  # services...
  local s lib path found
  declare -A libs
  for s in "$@"; do
    local bin=build/run/bin/skk-$s resolved
    resolved=$(ldd "$bin")
    for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}'); do
      path=$(awk -v l="$lib" '$1 == l && $3 ~ /^\// {print $3}' <<<"$resolved")
      [ -n "$path" ] || die "$bin: $lib is not found on this machine"
      path=$(readlink -f "$path")
      libs[$s]+="$(basename "$(dirname "$path")")/$(basename "$path") "   # x86_64-linux-gnu/libz.so.1.2.13
    done
  done
  local patterns
  # shellcheck disable=SC2048,SC2086  # one word per library
  mapfile -t patterns < <(printf '*/%s\n' ${libs[*]} | sort -u)
  found=$(dpkg -S "${patterns[@]}" 2>/dev/null || true)
  for s in "$@"; do
    PKGS[$s]=$(for lib in ${libs[$s]}; do
      grep "/$lib\$" <<<"$found" | head -1 | sed 's/:[a-z0-9]*: .*//; s/: .*//' | grep . ||
        die "skk-$s: $lib belongs to no Debian package (built by hand?)"
    done | sort -u)
  done
}

ctx=$(mktemp -d /var/tmp/skk-images.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/bin"
cp -r build/run/web "$ctx/web"
runtime_packages "${ALL[@]}"
for s in "${services[@]}"; do
  # The release build keeps debug information (RelWithDebInfo); the image does without it.
  strip --strip-debug -o "$ctx/bin/skk-$s" "build/run/bin/skk-$s"
done
# The packages every service needs go in one layer the images share (all five, whichever are
# built now, so the layer is the same); the rest in each service's own layer.
common=""
for s in "${ALL[@]}"; do
  if [ -z "$common" ]; then common=${PKGS[$s]}
  else common=$(comm -12 <(echo "$common") <(echo "${PKGS[$s]}")); fi
done

for s in "${services[@]}"; do
  own=$(comm -23 <(echo "${PKGS[$s]}") <(echo "$common") | tr '\n' ' ')
  tb=$SECONDS
  say "sambat/$s:$version  (own packages: ${own:-none})"
  podman build -q --network host --target "$s" -f deploy/images/Containerfile \
    --build-arg BASE="$BASE" \
    --build-arg COMMON_PACKAGES="$(echo "$common" | tr '\n' ' ')" \
    --build-arg SERVICE="$s" --build-arg SERVICE_PACKAGES="$own" \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" \
    "${labels[@]}" -t "sambat/$s:$version" "$ctx" >/dev/null
  echo "   built in $((SECONDS - tb)) s"
done
say "common packages (one shared layer): $(echo "$common" | tr '\n' ' ')"

# --- 4. checks ---------------------------------------------------------------------------
say "checks: user, read-only root, --help"
fail=0
for s in "${services[@]}"; do
  image=sambat/$s:$version
  user=$(podman image inspect -f '{{.Config.User}}' "$image")
  # The image's own user (no --user), its root read-only, /tmp a tmpfs: as in Kubernetes.
  # (--read-only-tmpfs=false: podman would otherwise also make /run and /var/tmp writable.)
  out=$(podman run --rm --read-only --read-only-tmpfs=false --tmpfs /tmp --network none \
        --entrypoint /bin/sh "$image" \
        -c 'id -u; for d in / /run /var/tmp /etc; do touch $d/.probe 2>/dev/null && { echo "writable $d"; exit 0; }; done
            echo read-only' 2>&1) || true
  help=$(podman run --rm --read-only --read-only-tmpfs=false --tmpfs /tmp --network none \
         "$image" --help 2>&1 | head -3) || true
  uid=$(echo "$out" | sed -n 1p); root=$(echo "$out" | sed -n 2p)
  ok=yes
  [ "$uid" = 65532 ] && [ "$root" = read-only ] || ok=no
  echo "$help" | grep -q "skk-$s" || ok=no
  if echo "$help" | grep -q "error while loading shared libraries"; then ok=no; fi
  printf '   %-13s user %-11s uid %-6s root %-9s --help %s\n' "$s" "$user" "$uid" "$root" \
    "$([ "$ok" = yes ] && echo ok || echo "FAILED: $help")"
  [ "$ok" = yes ] || fail=1
done
if printf '%s\n' "${services[@]}" | grep -qx gateway; then
  n=$(podman run --rm --read-only --network none --entrypoint /bin/sh "sambat/gateway:$version" \
      -c 'ls /usr/share/sambat/web/index.html /usr/share/sambat/web/console/index.html | wc -l')
  if [ "$n" = 2 ]; then echo "   gateway: web apps in /usr/share/sambat/web"
  else echo "   gateway: web apps missing in /usr/share/sambat/web"; fail=1; fi
fi

say "sizes"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E "^(localhost/)?sambat/(base|intake|routing|sla|notification|gateway):" | sort |
  awk '{printf "   %-42s %s %s\n", $1, $2, $3}'
say "done in $((SECONDS - t0)) s"
exit "$fail"
