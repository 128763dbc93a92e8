#!/usr/bin/env bash
# Runs the release profile into a staging directory and checks what publishing needs for every published module:
# pom, jar (not for the BOM), sources and Javadoc jars, SHA-256/SHA-512/SHA-1/MD5 checksums of each, and a .asc
# signature of each when signing. With --sign it makes a throwaway GnuPG key (in a temporary GNUPGHOME) and signs.
# Usage: scripts/release-check.sh [--sign] [extra Maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
sign=false
if [[ "${1:-}" == "--sign" ]]; then sign=true; shift; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
staging="$work/staging"
args=(-B -q -Prelease deploy -DskipTests "-DaltDeploymentRepository=staging::file://$staging"
  -Daether.checksums.algorithms=SHA-512,SHA-256,SHA-1,MD5)
if $sign; then
  export GNUPGHOME="$work/gnupg"
  mkdir -m 700 "$GNUPGHOME"
  gpg --batch --quiet --passphrase '' --quick-gen-key 'HAKit release check <release-check@hakit.invalid>' \
    ed25519 sign 1d 2>/dev/null
  key="$(gpg --batch --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}')"
  args+=("-Dgpg.keyname=$key")
fi
./mvnw "${args[@]}" "$@" >&2

version="$(./mvnw -B -q help:evaluate -Dexpression=project.version -DforceStdout "$@" 2>/dev/null)"
problems=0
check() { # file
  local f="$1" sum
  if [[ ! -s "$f" ]]; then echo "missing: ${f#"$staging"/}"; problems=$((problems + 1)); return; fi
  for sum in sha256 sha512 sha1 md5; do
    [[ -s "$f.$sum" ]] || { echo "missing: ${f#"$staging"/}.$sum"; problems=$((problems + 1)); }
  done
  if $sign; then
    if ! gpg --batch --quiet --verify "$f.asc" "$f" 2>/dev/null; then
      echo "no valid signature: ${f#"$staging"/}.asc"; problems=$((problems + 1))
    fi
  fi
}
modules=(hakit-parent ha-bom ha-api ha-testkit ha-testkit-junit ha-zookeeper ha-kubernetes ha-flink ha-flink-1.20 ha-keepalive ha-sync ha-micrometer ha-cli)
for m in "${modules[@]}"; do
  dir="$staging/io/hakit/$m/$version"
  # a SNAPSHOT is deployed with a timestamp in place of SNAPSHOT: take the newest
  pom="$(ls -t "$dir"/*.pom 2>/dev/null | head -1 || true)"
  if [[ -z "$pom" ]]; then echo "missing: io/hakit/$m/$version/*.pom"; problems=$((problems + 1)); continue; fi
  check "$pom"
  base="${pom%.pom}"
  case "$m" in
    hakit-parent|ha-bom) ;;
    *) check "$base.jar"; check "$base-sources.jar"; check "$base-javadoc.jar" ;;
  esac
  # Maven Central's metadata: on the parent and the BOM (which has no parent); the modules inherit it
  case "$m" in
    hakit-parent|ha-bom) metas=(name description url licenses developers scm) ;;
    *) metas=(name description) ;;
  esac
  for meta in "${metas[@]}"; do
    grep -qE "<$meta[ >]" "$pom" || { echo "$m's pom has no <$meta>"; problems=$((problems + 1)); }
  done
done
for skipped in hakit-examples ha-benchmarks; do
  [[ ! -e "$staging/io/hakit/$skipped" ]] || { echo "$skipped must not be published"; problems=$((problems + 1)); }
done
if (( problems )); then echo "release check: $problems problem(s)"; exit 1; fi
echo "release check: ${#modules[@]} modules staged with pom, jars, sources, Javadoc, checksums$($sign && echo ', signatures')"
