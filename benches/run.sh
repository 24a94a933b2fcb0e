#!/usr/bin/env bash
# Reproduces benches/RESULTS.md and benches/results.json from a clean checkout:
#
#   bash benches/run.sh
#
# Needs Rust, Go >= 1.26 and Python >= 3.9 with venv, and the Go module proxy, PyPI and
# crates.io. It builds the Go peer (benches/go) into target/bench/go-peer, makes a throwaway
# venv with aistore==2.0.0 in target/bench/venv, measures the build cost (cold builds in
# fresh target directories under /tmp, crate counts, the stripped quickstart binary), then
# runs the harness: `cargo bench --bench authn_peers` (benches/authn_peers/), which starts
# one AuthN server and measures every peer against it, then a fresh one for the provisioning
# rows (1,000 users, bcrypt-bound: about 4 of the minutes). About 10-12 minutes on 2 cores.
#
# Run it on a quiet machine (see benches/README.md) and say how quiet in BENCH_LOAD_NOTE.
# BENCH_SKIP_BUILD_COST=1 reuses target/bench/build.json; BENCH_SCALE_ONLY=1 runs only the
# scale rows (1,000 and 10,000 users; bcrypt-bound, see benches/README.md); the harness's own knobs
# (BENCH_BUDGET, BENCH_ROUNDS, BENCH_PROV_USERS, ...) are described at the top of
# benches/authn_peers/main.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/bench
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*" >&2; }

log "Go peer: github.com/NVIDIA/aistore/api/authn v1.5.0"
# Some module proxies refuse the aistore version list while serving v1.5.0 itself; a local
# file proxy in front answers only that list (as testkit/src/lib.rs does for the server install).
SHIM=$OUT/goproxy-shim
mkdir -p "$SHIM/github.com/!n!v!i!d!i!a/aistore/@v"
echo v1.5.0 >"$SHIM/github.com/!n!v!i!d!i!a/aistore/@v/list"
UPSTREAM=$(go env GOPROXY)
UPSTREAM=${UPSTREAM:-https://proxy.golang.org,direct}
(cd benches/go && GOPROXY="file://$SHIM,$UPSTREAM" GOFLAGS=-mod=readonly go build -o "$OUT/go-peer" .)

log "Python peer: aistore==2.0.0 in $OUT/venv"
if [ ! -x "$OUT/venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$OUT/venv"
fi
"$OUT/venv/bin/pip" install --quiet --disable-pip-version-check aistore==2.0.0

if [ "${BENCH_SCALE_ONLY:-0}" = 1 ]; then
  log "scale rows only: cargo bench --features provision --bench authn_peers -- --scale"
  exec cargo bench --features provision --bench authn_peers -- --scale
fi

if [ "${BENCH_SKIP_BUILD_COST:-0}" != 1 ] || [ ! -f "$OUT/build.json" ]; then
  log "build cost"
  cargo fetch --quiet
  cold_build() { # $1 = key, rest = cargo flags
    local key=$1 dir start end compiled crates
    shift
    dir=$(mktemp -d /tmp/authn-cold-build.XXXXXX)
    start=$(date +%s.%N)
    CARGO_TARGET_DIR=$dir cargo build --offline "$@" 2>"$dir.log"
    end=$(date +%s.%N)
    compiled=$(grep -c '^ *Compiling ' "$dir.log" || true)
    crates=$(cargo tree --offline -e normal,build --prefix none "$@" | sed 's/ (\*)$//' | sort -u | wc -l)
    rm -rf "$dir" "$dir.log"
    printf '"%s": {"cold_build_s": %.1f, "crates": %d, "crates_compiled": %d, "flags": "%s"}' \
      "$key" "$(awk "BEGIN{print $end - $start}")" "$crates" "$compiled" "$*"
  }
  DEFAULT=$(cold_build default)
  NO_DEFAULT=$(cold_build no_default --no-default-features)
  cargo build --release --example quickstart --quiet
  cp target/release/examples/quickstart "$OUT/quickstart-stripped"
  strip "$OUT/quickstart-stripped"
  UNSTRIPPED=$(stat -c %s target/release/examples/quickstart)
  STRIPPED=$(stat -c %s "$OUT/quickstart-stripped")
  cat >"$OUT/build.json" <<EOF
{
  $DEFAULT,
  $NO_DEFAULT,
  "crate_count_command": "cargo tree -e normal,build --prefix none [flags] | sed 's/ (\\\\*)\$//' | sort -u | wc -l",
  "quickstart_unstripped_bytes": $UNSTRIPPED,
  "quickstart_stripped_bytes": $STRIPPED
}
EOF
  cat "$OUT/build.json" >&2
fi

log "harness: cargo bench --features provision --bench authn_peers"
BENCH_COMMAND=${BENCH_COMMAND:-bash benches/run.sh} BENCH_BUILD_JSON=$OUT/build.json \
  cargo bench --features provision --bench authn_peers
