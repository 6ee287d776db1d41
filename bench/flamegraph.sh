#!/usr/bin/env bash
# A flame graph of the onboarding workload (1,000 executions one after another, 100 rounds)
# through the runtime: perf (Debian's linux-perf) samples benches/compare_driver.rs with DWARF
# call graphs, inferno folds and draws them.
#
#   bench/flamegraph.sh after      # writes docs/flamegraph-onboarding-after.svg
#
# Installs linux-perf with apt-get and inferno with cargo install when missing.
set -euo pipefail

label=${1:?usage: bench/flamegraph.sh before|after}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/target/bench-compare
mkdir -p "$out"

command -v perf >/dev/null || { apt-get update >/dev/null && apt-get install -y linux-perf >/dev/null; }
command -v inferno-flamegraph >/dev/null || cargo install inferno --locked

driver=$(cd "$root" && cargo bench --bench compare_driver --no-run 2>&1 |
  sed -n 's/.*Executable .*(\(.*compare_driver-[0-9a-f]*\)).*/\1/p' | tail -1)
[ -n "$driver" ] || { echo "could not build benches/compare_driver.rs" >&2; exit 1; }

perf record -F 999 --call-graph dwarf,32768 -o "$out/perf-onboarding.data" -- \
  "$root/$driver" run onboarding-sequential 100 >/dev/null
perf script -i "$out/perf-onboarding.data" 2>/dev/null | inferno-collapse-perf >"$out/onboarding-$label.folded"
inferno-flamegraph --width 1600 \
  --title "onboarding, 1,000 executions one after another (runtime $(git -C "$root" rev-parse --short HEAD), $label)" \
  <"$out/onboarding-$label.folded" >"$root/docs/flamegraph-onboarding-$label.svg"
echo "wrote docs/flamegraph-onboarding-$label.svg"
