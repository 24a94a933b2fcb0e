#!/usr/bin/env bash
# Offline token verification, side by side (benches/verify/): this SDK's `Verifier`, the
# `jsonwebtoken` crate (12.x with aws-lc-rs, 12.x with RustCrypto, 9.x with ring) and AIStore
# v1.5.0's own Go validation, on real AuthN tokens.
#
#   bash benches/verify/run.sh     # about 3 minutes; writes benches/verify/{RESULTS.md,results.json}
#                                  # and puts that section into benches/RESULTS.md
#
# Separate from benches/run.sh (which it leaves alone): this is its own Cargo project, so
# that `jsonwebtoken` never enters the SDK's workspace or dependency tree. Needs Rust, Go >=
# 1.26, valgrind (for the instruction counts; VERIFY_CALLGRIND=0 skips them), the Go module
# proxy and crates.io. Settings: VERIFY_ROUNDS, VERIFY_BUDGET, VERIFY_CALLGRIND_ITERS (see
# benches/verify/src/main.rs) and BENCH_LOAD_NOTE, as for benches/run.sh. `bash
# benches/verify/run.sh --splice` only rewrites the section of benches/RESULTS.md (after an
# edit of benches/ANALYSIS.md), measuring nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/target/bench
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*" >&2; }

log "Go peer: github.com/NVIDIA/aistore/cmd/authn/tok v1.5.0"
# As benches/run.sh: a local file proxy answers the aistore version list that some module
# proxies refuse.
SHIM=$OUT/goproxy-shim
mkdir -p "$SHIM/github.com/!n!v!i!d!i!a/aistore/@v"
echo v1.5.0 >"$SHIM/github.com/!n!v!i!d!i!a/aistore/@v/list"
UPSTREAM=$(go env GOPROXY)
UPSTREAM=${UPSTREAM:-https://proxy.golang.org,direct}
(cd benches/verify/go && GOPROXY="file://$SHIM,$UPSTREAM" GOFLAGS=-mod=readonly go build -o "$OUT/verify-go" .)

log "harness: benches/verify (release)"
export CARGO_TARGET_DIR=$ROOT/target/verify-bench
cargo build --release --locked --manifest-path benches/verify/Cargo.toml
VERIFY_GO=$OUT/verify-go "$CARGO_TARGET_DIR/release/aistore-authn-verify-bench" "$@"
