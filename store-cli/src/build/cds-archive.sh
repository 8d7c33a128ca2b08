#!/usr/bin/env bash
# Dumps target/snapstore.jsa, an AppCDS archive of the classes a restore loads, for the ./snapstore
# launcher (called by Maven at package, after the shaded jar is built):
#   cds-archive.sh TARGET_DIR JAVA_HOME
# It packs a small input and restores it once with -XX:ArchiveClassesAtExit (JDK 17 has no
# -XX:+AutoCreateSharedArchive), and records the JDK that dumped it in snapstore.jsa.jdk: the
# launcher uses the archive only with that JDK. The library never needs it. Best effort: when the
# dump fails, there is no archive and the launcher runs as before.
set -euo pipefail
target="${1:?usage: cds-archive.sh TARGET_DIR JAVA_HOME}"
java_home="${2:?usage: cds-archive.sh TARGET_DIR JAVA_HOME}"
java="$java_home/bin/java"
jar="$target/snapstore.jar"
rm -f "$target/snapstore.jsa" "$target/snapstore.jsa.jdk"
if [[ "$(uname -s)" != Linux || ! -x "$java" || ! -f "$jar" ]]; then
  exit 0
fi
version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$java_home/release" 2>/dev/null || true)"
read -r -a flags < "$target/jvm.flags"
if [[ "$version" =~ ^[0-9]+$ ]] && (( version >= 23 )); then
  read -r -a flags23 < "$target/jvm.flags.jdk23"
  flags+=(${flags23[@]+"${flags23[@]}"})
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
head -c $((8 << 20)) "$jar" > "$work/input"  # any bytes: the jar's own, compressible in part
if "$java" "${flags[@]}" -jar "$jar" pack --chunk-size 64K "$work/input" "$work/train.snap" > "$work/log" 2>&1 \
    && "$java" -XX:ArchiveClassesAtExit="$work/snapstore.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off "${flags[@]}" \
         -Dsnapstore.progress=false -jar "$jar" restore --cold --json "$work/train.snap" >> "$work/log" 2>&1 \
    && [[ -s "$work/snapstore.jsa" ]]; then
  mv "$work/snapstore.jsa" "$target/snapstore.jsa"
  printf '%s\n' "$(cd "$java_home" && pwd -P)" > "$target/snapstore.jsa.jdk"
else
  echo "store-cli: no class-data archive for the launcher (the dump failed; it runs without one):" >&2
  tail -n 5 "$work/log" >&2 || true
fi
