#!/usr/bin/env bash
# How long `workflow!` takes to expand and type-check for 10, 100 and 1,000 states: a proc
# macro cannot be linked into a bench, so this times `cargo check` of generated crates, each
# a chain of N-1 Pass states and a Succeed, against the same crate with a 1-state workflow
# (what is left is the macro and the checking of what it generated). Prints one table row a
# size: CPU seconds (user+sys) and wall seconds of the check, minus the 1-state crate's.
#
#   bench/expand.sh            # the sizes 10 100 1000
#   SIZES="10 100" bench/expand.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/target/bench-expand
sizes=${SIZES:-10 100 1000}
export CARGO_TARGET_DIR=$work/target
mkdir -p "$work"

generate() { # N: a crate whose workflow has N states
  local n=$1 dir=$work/wf$1
  mkdir -p "$dir/src"
  cat >"$dir/Cargo.toml" <<EOF
[package]
name = "wf$n"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
workflow-runtime = { path = "$root/workflow-runtime" }

[workspace]
EOF
  # The workspace's lock file, so that the generated crates build the same versions.
  [ -f "$dir/Cargo.lock" ] || cp "$root/Cargo.lock" "$dir/Cargo.lock"
  {
    echo "use workflow_runtime::workflow;"
    echo "workflow! {"
    echo "    pub Chain {"
    echo "        start_at: S0,"
    echo "        states: {"
    for ((i = 0; i < n - 1; i++)); do
      echo "            S$i: Pass { result: { \"step\": $i }, result_path: \"\$.s$i\", next: S$((i + 1)) },"
    done
    echo "            S$((n - 1)): Succeed,"
    echo "        }"
    echo "    }"
    echo "}"
    echo "fn main() { println!(\"{}\", Chain::ASL.len()); }"
  } >"$dir/src/main.rs.new"
  # Rewrite only when the text changed, so that the warm-up check below stays valid.
  if cmp -s "$dir/src/main.rs.new" "$dir/src/main.rs"; then rm "$dir/src/main.rs.new"; else mv "$dir/src/main.rs.new" "$dir/src/main.rs"; fi
}

check() { # N: prints "cpu_seconds wall_seconds" of one `cargo check` of the crate alone
  local dir=$work/wf$1
  (cd "$dir" && cargo check -q >/dev/null 2>&1) # dependencies, once
  touch "$dir/src/main.rs"
  (cd "$dir" && /usr/bin/time -o "$work/time.txt" -f "%U %S %e" cargo check -q >/dev/null 2>&1)
  tail -1 "$work/time.txt" | awk '{ printf "%.2f %.2f\n", $1 + $2, $3 }'
}

best_of() { # N RUNS: the fastest of RUNS checks (the machine is shared)
  local n=$1 runs=$2 best="" line
  for ((r = 0; r < runs; r++)); do
    line=$(check "$n")
    if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; then best=$line; fi
  done
  echo "$best"
}

generate 1
base=$(best_of 1 3)
echo "| states | cargo check CPU s | wall s | CPU s minus the 1-state crate's | per state, ms |"
echo "|---|---|---|---|---|"
echo "| 1 | ${base% *} | ${base#* } | 0 | - |"
for n in $sizes; do
  generate "$n"
  line=$(best_of "$n" 3)
  awk -v n="$n" -v l="$line" -v b="$base" 'BEGIN {
    split(l, x, " "); split(b, y, " "); d = x[1] - y[1]; if (d < 0) d = 0;
    printf "| %d | %.2f | %.2f | %.2f | %.2f |\n", n, x[1], x[2], d, d * 1000 / n }'
done
