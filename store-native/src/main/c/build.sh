#!/usr/bin/env bash
# Builds libsnapstore.so into linux-x86-64/ on the classpath, where SnapEngine finds it.
# Called by Maven (store-native, compile phase) with the JDK's home for jni.h (jni.c).
# gcc is the only other requirement: libzstd and liblz4 are opened at run time with dlopen,
# so no -dev headers are needed.
set -euo pipefail
out="${1:?usage: build.sh OUTPUT_DIR JAVA_HOME}"
java_home="${2:?usage: build.sh OUTPUT_DIR JAVA_HOME}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
if [[ "$(uname -s)" != Linux ]]; then
  echo "store-native: not Linux, skipping the native engine" >&2
  exit 0
fi
[[ -f "$java_home/include/jni.h" ]] || { echo "store-native: no $java_home/include/jni.h (build with a JDK)" >&2; exit 1; }
exec gcc -std=gnu11 -O2 -g -fPIC -shared -pthread -fvisibility=hidden \
  -Wall -Wextra -Werror=implicit-function-declaration \
  -I"$java_home/include" -I"$java_home/include/linux" \
  -o "$out/libsnapstore.so" "$here"/*.c -ldl
