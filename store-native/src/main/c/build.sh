#!/usr/bin/env bash
# Builds libsnapstore.so into the directory JNA searches on the classpath (linux-x86-64/).
# Called by Maven (store-native, compile phase). gcc is the only requirement: libzstd and
# liblz4 are opened at run time with dlopen, so no -dev headers are needed.
set -euo pipefail
out="${1:?usage: build.sh OUTPUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
if [[ "$(uname -s)" != Linux ]]; then
  echo "store-native: not Linux, skipping the native engine" >&2
  exit 0
fi
exec gcc -std=gnu11 -O2 -g -fPIC -shared -pthread -fvisibility=hidden \
  -Wall -Wextra -Werror=implicit-function-declaration \
  -o "$out/libsnapstore.so" "$here"/*.c -ldl
