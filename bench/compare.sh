#!/usr/bin/env bash
# The runtime beside aws-local-stepfunctions (a Node.js interpreter of the same ASL), back to
# back on the same definitions, and one table: workload, peer's time, runtime's time, the
# ratio (runtime / peer: under 1 is faster than the peer), and each process's peak RSS.
#
#   bench/compare.sh                 # 5 timed rounds a workload, after one warm-up round
#   ROUNDS=9 bench/compare.sh
#   WORKLOADS="pass-chain counter-loop" bench/compare.sh
#   EXPAND=1 bench/compare.sh        # also bench/expand.sh (workflow! expansion time)
#
# Installs, cached under target/bench-peer: Node 22 from the npm package `node` (the peer
# needs Node 22 or later), and the peer, both pinned. The runtime's side is the bench target
# benches/compare_driver.rs, built with the release (bench) profile; each workload runs in
# its own process under /usr/bin/time -v, whose "Maximum resident set size" is the peak RSS.
# The runtime keeps its full AWS-shaped history; the workloads stay under its 25,000-event
# limit (AWS's; the peer enforces none). Both run on one thread: Node's event loop, and a
# current-thread tokio runtime.
set -euo pipefail

NODE_VERSION=22.23.3
PEER_VERSION=3.0.0
ROUNDS=${ROUNDS:-5}
WORKLOADS=${WORKLOADS:-onboarding-sequential onboarding-concurrent onboarding-typed pass-chain counter-loop waiting validate-1000 validate-10000}

root=$(cd "$(dirname "$0")/.." && pwd)
peer=$root/target/bench-peer
out=$root/target/bench-compare
mkdir -p "$peer" "$out"

# --- installs (cached) ----------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (for peak RSS)" >&2
  apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi
stamp=$peer/.installed-node$NODE_VERSION-peer$PEER_VERSION
if [ ! -f "$stamp" ]; then
  echo "installing node@$NODE_VERSION and aws-local-stepfunctions@$PEER_VERSION into $peer" >&2
  echo '{ "name": "bench-peer", "private": true, "version": "0.0.0" }' >"$peer/package.json"
  (cd "$peer" && npm install --no-audit --no-fund --save-exact \
    "node@$NODE_VERSION" "aws-local-stepfunctions@$PEER_VERSION" >&2)
  touch "$stamp"
fi
node=$peer/node_modules/node/bin/node
[ "$("$node" --version)" = "v$NODE_VERSION" ] || { echo "node is $("$node" --version), not v$NODE_VERSION" >&2; exit 1; }
export PEER_MODULE=$peer/node_modules/aws-local-stepfunctions/build/main.node.esm.js

echo "building benches/compare_driver.rs (release)" >&2
driver=$(cd "$root" && cargo bench --bench compare_driver --no-run --message-format=json 2>/dev/null |
  "$node" -e '
    let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
      for (const line of text.split("\n")) {
        try { const m = JSON.parse(line); if (m.executable && m.target?.name === "compare_driver") console.log(m.executable); } catch {}
      }
    });' | tail -1)
[ -x "$driver" ] || { echo "could not build the driver: run cargo bench --bench compare_driver --no-run" >&2; exit 1; }

# --- runs -----------------------------------------------------------------------------------
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" "$2"; }
peak_mib() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }

rows=()
for w in $WORKLOADS; do
  echo "running $w" >&2
  "$driver" asl "$w" >"$out/$w.asl.json"
  /usr/bin/time -v -o "$out/$w.peer.time" "$node" --expose-gc "$root/bench/peer-driver.mjs" "$w" "$out/$w.asl.json" "$ROUNDS" >"$out/$w.peer.out"
  /usr/bin/time -v -o "$out/$w.runtime.time" "$driver" run "$w" "$ROUNDS" >"$out/$w.runtime.out"
  p=$(field median_ms "$out/$w.peer.out")
  r=$(field median_ms "$out/$w.runtime.out")
  pmin=$(field min_ms "$out/$w.peer.out")
  rmin=$(field min_ms "$out/$w.runtime.out")
  prss=$(peak_mib "$out/$w.peer.time")
  rrss=$(peak_mib "$out/$w.runtime.time")
  if [ "$w" = waiting ]; then
    pb=$(field bytes_per_execution "$out/$w.peer.out")
    rb=$(field bytes_per_execution "$out/$w.runtime.out")
    ratio=$(awk -v p="$prss" -v r="$rrss" 'BEGIN { printf "%.2fx", r / p }')
    rows+=("| waiting: 100,000 executions in a Wait, memory | $pb B/execution | $rb B/execution | $ratio (peak RSS) | $prss | $rrss | started in ${p} ms (peer), ${r} ms (runtime) |")
  else
    ratio=$(awk -v p="$p" -v r="$r" -v pm="$pmin" -v rm="$rmin" 'BEGIN { printf "%.2fx (%.2fx)", r / p, rm / pm }')
    events=$(field events "$out/$w.runtime.out")
    note=""
    [ "${events:-0}" != 0 ] && note="$events events an execution"
    [ "$w" = onboarding-typed ] && note="$note; the peer runs the same ASL (no typed API)"
    rows+=("| $w | $p ms ($pmin) | $r ms ($rmin) | $ratio | $prss | $rrss | $note |")
  fi
done

echo
echo "Median (and fastest) of $ROUNDS rounds after a warm-up; ratio = runtime / peer of the medians (of the fastest);"
echo "under 1: the runtime is faster. Peak RSS is each process's, from /usr/bin/time -v."
echo "aws-local-stepfunctions $PEER_VERSION on Node $NODE_VERSION; runtime $(git -C "$root" rev-parse --short HEAD)."
echo
echo "| workload | peer | runtime | ratio | peer peak RSS MiB | runtime peak RSS MiB | note |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"

if [ "${EXPAND:-0}" = 1 ]; then
  echo
  echo "workflow! expansion (cargo check of generated crates):"
  echo
  "$root/bench/expand.sh"
fi
