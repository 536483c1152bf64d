#!/usr/bin/env bash
# Resolves the servers the tests start into .cache/servers/<name>/: their jars from Maven Central and
# the launcher compiled against them. A marker written last (the fingerprint of the pom and launcher)
# says a folder is complete, so an interrupted or outdated one is made again; a lock lets several test
# workers call this at once. Fast when everything is prepared.
#
#   bash test/servers/prepare.sh [kafka-3.9.2] [kafka-4.1.1] [neo4j-5.26.30]   (no names: all three)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$(cd "$here/../.." && pwd)/.cache/servers"
[ $# -gt 0 ] || set -- kafka-3.9.2 kafka-4.1.1 neo4j-5.26.30

millis() { echo $(($(date +%s%N) / 1000000)); }
seconds_since() { local ms=$(($(millis) - $1)); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }
fingerprint() { cat "$here/$1/pom.xml" "$here/$1"/*.java | sha256sum | cut -d' ' -f1; }
ready() { [ "$(cat "$1/READY" 2>/dev/null)" = "$2" ]; }

prepare() {
  local name=$1 kind=${1%%-*} version=${1#*-}
  if [ "$kind" = "$name" ] || [ ! -f "$here/$kind/pom.xml" ] || [ -z "$version" ]; then
    echo "prepare: unknown server '$name' (expected kafka-<version> or neo4j-<version>)" >&2
    return 2
  fi
  local dir="$cache/$name" want started
  want="$(fingerprint "$kind")"
  if ready "$dir" "$want"; then
    echo "prepare: $name is ready"
    return
  fi
  mkdir -p "$cache"
  # One prepare at a time, whatever the server: Maven's local repository is not safe for concurrent writes.
  exec 9>"$cache/.lock"
  flock 9
  if ready "$dir" "$want"; then
    echo "prepare: $name is ready (prepared by another process meanwhile)"
    exec 9>&-
    return
  fi
  started=$(millis)
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "prepare: $name: copying the jars of $kind $version from Maven Central into ${dir#"$PWD/"}/lib"
  mvn -q -B -Dstyle.color=never -f "$here/$kind/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -D"$kind.version=$version" -DoutputDirectory="$dir/lib" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
  echo "prepare: $name: compiling the launcher"
  javac -nowarn -cp "$dir/lib/*" -d "$dir/classes" "$here/$kind"/*.java
  echo "$want" >"$dir/READY"
  exec 9>&-
  echo "prepare: $name prepared in $(seconds_since "$started")"
}

total=$(millis)
for name in "$@"; do prepare "$name"; done
echo "prepare: done in $(seconds_since "$total")"
