#!/usr/bin/env bash
# Builds the project twice from clean and checks that every jar and tarball is byte-identical (reproducible builds:
# project.build.outputTimestamp in the parent POM). Exit 1 naming each artifact that differs.
# Usage: scripts/check-reproducible.sh [extra Maven arguments, e.g. -o]
set -euo pipefail
cd "$(dirname "$0")/.."
first="$(mktemp -d)"
trap 'rm -rf "$first"' EXIT

build() {
  ./mvnw -B -q "$@" clean package -DskipTests -pl '!benchmarks' >&2
}
sums() {
  find . -path ./benchmarks -prune -o -path '*/target/*' \( -name '*.jar' -o -name '*.tar.gz' \) -print \
    | grep -v '/target/[^/]*/' | sort | xargs sha256sum
}

echo "== build 1" >&2
build "$@"
sums > "$first/sums"
echo "== build 2" >&2
build "$@"
if sums | diff "$first/sums" - >&2; then
  echo "reproducible: $(wc -l < "$first/sums") artifacts byte-identical in two builds"
else
  echo "NOT reproducible: the artifacts above differ between two builds of the same tree" >&2
  exit 1
fi
