#!/usr/bin/env bash
# Gets CIFAR-10 (binary version) into data/cifar-10-batches-bin/.
#
#   tools/get_cifar10.sh [ARCHIVE]
#
# ARCHIVE (or $CIFAR10_ARCHIVE) is a local cifar-10-binary.tar.gz; without one it uses
# ../shared/data/cifar-10-binary.tar.gz when present, and otherwise downloads the official
# archive. Checks the archive's layout (six batch files of 10 000 3073-byte records) and
# leaves nothing half-unpacked. Does nothing when the data is already there and whole.
set -euo pipefail
cd "$(dirname "$0")/.."

url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
official_md5="c32a1d4ab5d03f1284b67883e8d87530"
dest="${GRAPHRUN_DATA_ROOT:-data}"
target="$dest/cifar-10-batches-bin"
files=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin)

whole() {  # $1: a cifar-10-batches-bin directory
  for f in "${files[@]}"; do
    [[ -f "$1/$f" && $(stat -c %s "$1/$f") -eq 30730000 ]] || return 1
  done
}

if whole "$target"; then
  echo "get_cifar10: $target is already complete"
  exit 0
fi

archive="${1:-${CIFAR10_ARCHIVE:-}}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cifar10.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [[ -z "$archive" && -f ../shared/data/cifar-10-binary.tar.gz ]]; then
  archive=../shared/data/cifar-10-binary.tar.gz
fi
if [[ -z "$archive" ]]; then
  echo "get_cifar10: downloading $url"
  if command -v curl >/dev/null; then
    curl -fL --retry 3 -o "$tmp/cifar-10-binary.tar.gz" "$url"
  elif command -v wget >/dev/null; then
    wget -O "$tmp/cifar-10-binary.tar.gz" "$url"
  else
    echo "get_cifar10: neither curl nor wget is installed; give a local archive path" >&2
    exit 1
  fi
  archive="$tmp/cifar-10-binary.tar.gz"
  md5=$(md5sum "$archive" | cut -d' ' -f1)
  if [[ "$md5" != "$official_md5" ]]; then
    echo "get_cifar10: the download's md5 is $md5, not the official $official_md5" >&2
    exit 1
  fi
fi
if [[ ! -f "$archive" ]]; then
  echo "get_cifar10: $archive: no such file" >&2
  exit 1
fi
echo "get_cifar10: unpacking $archive"
if ! tar -xzf "$archive" -C "$tmp"; then
  echo "get_cifar10: $archive is not a readable .tar.gz" >&2
  exit 1
fi
if ! whole "$tmp/cifar-10-batches-bin"; then
  echo "get_cifar10: $archive does not hold cifar-10-batches-bin/ with six batches of 10000 records" >&2
  exit 1
fi
mkdir -p "$dest"
rm -rf "$target"
mv "$tmp/cifar-10-batches-bin" "$target"
echo "get_cifar10: CIFAR-10 is in $target"
