#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo afl, instrumentation on stable Rust) of every parser and decoder
# that takes outside input: fuzz/targets/*.rs, whose property checks are in fuzz/src/.
#
#   bash .ci/fuzz.sh                 # CI: each target for FUZZ_SECONDS (default 20) seconds
#   bash .ci/fuzz.sh --long SECONDS  # on demand: each target for SECONDS
#   bash .ci/fuzz.sh --long SECONDS hex stream   # only these targets
#   bash .ci/fuzz.sh --execs 10000000 [targets]  # on demand: each target until that many inputs
#
# The long runs build with the `long` profile (dependencies fully optimized too: a slower
# build, several times more inputs a second) and keep each target's summary line in
# fuzz/runs.txt.
#
# One afl-fuzz at a time (the machine has 2 cores, shared with whatever else runs). Fails if any
# target has a crash (a property that failed, or a panic): each is in fuzz/out/TARGET/crashes/,
# to replay with `cargo run --release --bin replay -- TARGET FILE` in fuzz/. Prints, per target,
# the inputs run and the rate, from afl-fuzz's fuzzer_stats.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-20}"
execs=""
profile="release"
case "${1:-}" in
--long)
    seconds="${2:?--long needs a number of seconds}"
    profile="long"
    shift 2
    ;;
--execs)
    execs="${2:?--execs needs a number of inputs}"
    # A guard only: the slowest target runs some 2,000 inputs a second.
    seconds=$((execs / 500))
    profile="long"
    shift 2
    ;;
esac
limit=(-V "$seconds")
if [[ -n "$execs" ]]; then
    limit=(-E "$execs")
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(hex escape checksum framing stream layout filter quick_import rules_import settings template
        auto_reply replay_read replay_roundtrip script)
fi

# cargo-afl builds AFL++ from its vendored source when it installs (make and a C compiler).
if ! cargo afl --version >/dev/null 2>&1; then
    cargo install --locked cargo-afl --version "^0.18"
fi
# The AFL++ runtime for this rustc; `config --build` refuses when it is there already.
if ! compgen -G "$HOME/.local/share/afl.rs/rustc-$(rustc --version | awk '{print $2}')*" >/dev/null; then
    cargo afl config --build
fi

# cargo-afl on stable instruments every basic block (prune-blocks=0). Pruning the blocks whose
# coverage another block already implies, LLVM's and libFuzzer's default, leaves AFL the same
# edges to steer by: the settings target ran 1.5 times as many inputs a second, and its edge
# callback had been 61% of its time (perf). Appended: cargo-afl puts RUSTFLAGS after its own.
export RUSTFLAGS="${RUSTFLAGS:-} -C llvm-args=-sanitizer-coverage-prune-blocks=1"
# Not --locked: a dependency the app adds must not fail this before fuzz/Cargo.lock is updated.
cargo afl build --profile "$profile" --bins
binaries="${CARGO_TARGET_DIR:-target}/$profile"

out="out"
mkdir -p "$out"
failed=()
printf '%-18s %12s %10s %8s %8s\n' target execs execs/s seconds crashes > "$out/summary.txt"
for target in "${targets[@]}"; do
    rm -rf "${out:?}/$target"
    # -V (-E) stops after that many seconds of fuzzing (inputs); the timeout is a guard on top.
    # -m none: the targets bound their own memory (a fixed 8 MB buffer is the largest).
    # AFL_INPUT_LEN_MAX: havoc grew stream inputs to 50 KB, whose checks (every encoding's
    # reference decode, pieces, cuts) slowed the run from thousands of inputs a second to tens.
    # The largest seed is 3.3 KB.
    AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        AFL_NO_AFFINITY=1 AFL_QUIET=1 AFL_INPUT_LEN_MAX=8192 \
        timeout --kill-after=10 $((seconds + 120)) \
        cargo afl fuzz "${limit[@]}" -m none -t 2000 -i "corpus/$target" -o "$out/$target" \
        "$binaries/$target" >"$out/$target.log" 2>&1 || {
        echo "afl-fuzz failed for $target; its log:" >&2
        tail -n 30 "$out/$target.log" >&2
        failed+=("$target")
        continue
    }
    stats="$out/$target/default/fuzzer_stats"
    inputs=$(awk -F' *: *' '$1=="execs_done"{print $2}' "$stats")
    rate=$(awk -F' *: *' '$1=="execs_per_sec"{print $2}' "$stats")
    run=$(awk -F' *: *' '$1=="run_time"{print $2}' "$stats")
    crashes=$(find "$out/$target/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
    line=$(printf '%-18s %12s %10s %8s %8s' "$target" "$inputs" "$rate" "$run" "$crashes")
    echo "$line" | tee -a "$out/summary.txt"
    if [[ "$profile" == "long" ]]; then
        echo "$(date -u +%F) $line" >>runs.txt
    fi
    if [[ "$crashes" -gt 0 ]]; then
        failed+=("$target")
    fi
done

echo
cat "$out/summary.txt"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzzing found failures in: ${failed[*]} (see fuzz/out/TARGET/default/crashes)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crashes"
