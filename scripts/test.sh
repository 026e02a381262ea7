#!/usr/bin/env bash
# Quick start command (2): install what is missing, build, and run every
# test: unit tests and end-to-end/interop tests under ASan+UBSan, a fuzz
# smoke run of every fuzz target, and the man page lint. Ends with a line
# "total: N passed, M failed"; exits non-zero when anything failed or was
# skipped.
#
# Environment: FUZZ_SECONDS (per fuzz target, default 5), BATS_FILTER (a
# regular expression on test names), RTMPKIT_SKIP_FUZZ=1 to leave out the
# fuzz build while iterating (CI never sets it).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"
# setup.sh runs with -e; here a failing suite must not end the script
# before the summary.
set +e
cd "$ROOT"

install_missing
build sanitize "$ROOT/build-sanitize"
if [ "${RTMPKIT_SKIP_FUZZ:-0}" != 1 ]; then
	build fuzz "$ROOT/build-fuzz"
fi

passed=0
failed=0
failures=()
pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + $1)); failures+=("$2"); }

# 1. Unit tests (ctest), ASan+UBSan.
log "unit tests"
ctest_out=$(cd build-sanitize && ctest --output-on-failure -j"$(nproc)" 2>&1)
echo "$ctest_out" | grep -E "tests passed|tests failed|Failed|\*\*\*" >&2
total=$(echo "$ctest_out" | sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p')
nfail=$(echo "$ctest_out" | sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p')
if [ -z "$total" ]; then
	fail 1 "ctest did not run"
	echo "$ctest_out" | tail -n 20 >&2
else
	pass $((total - nfail))
	[ "$nfail" -eq 0 ] || fail "$nfail" "unit tests"
fi

# 2. End-to-end and interop tests (bats), against the sanitizer build.
log "end-to-end tests"
export RTMPKIT_BIN="$ROOT/build-sanitize/bin"
bats_args=(--tap)
[ -n "${BATS_FILTER:-}" ] && bats_args+=(--filter "$BATS_FILTER")
bats_out=$(bats "${bats_args[@]}" tests/bats 2>&1)
# Each failure with the lines bats printed for it.
echo "$bats_out" | awk '/^(not ok|ok .*# skip)/ {show = 1; print; next} /^ok / {show = 0} show' >&2
nok=$(echo "$bats_out" | grep -Ec '^ok ' || true)
nskip=$(echo "$bats_out" | grep -Eci '^ok .*# skip' || true)
nnot=$(echo "$bats_out" | grep -Ec '^not ok ' || true)
pass $((nok - nskip))
[ "$nnot" -eq 0 ] || fail "$nnot" "end-to-end tests"
# A skipped test is a failure here: CI must run everything.
[ "$nskip" -eq 0 ] || fail "$nskip" "skipped end-to-end tests"
if [ "$nok" -eq 0 ] && [ "$nnot" -eq 0 ]; then
	fail 1 "bats ran no test"
	echo "$bats_out" | tail -n 20 >&2
fi

# 3. Fuzz smoke: each target for a few seconds on a scratch copy of its
# seed corpus (libFuzzer adds to the first directory it is given).
if [ "${RTMPKIT_SKIP_FUZZ:-0}" != 1 ]; then
	log "fuzz smoke (${FUZZ_SECONDS:-5}s per target)"
	scratch=$(mktemp -d)
	for bin in build-fuzz/tests/fuzz/fuzz_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		seeds="tests/fuzz/corpus/${name#fuzz_}"
		mkdir -p "$scratch/$name"
		if "$bin" -max_total_time="${FUZZ_SECONDS:-5}" -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix="$scratch/$name-" \
			"$scratch/$name" $([ -d "$seeds" ] && echo "$seeds") \
			>"$scratch/$name.log" 2>&1; then
			pass 1
			printf '  %-16s %s\n' "$name" "$(grep -o 'Done [0-9]* runs' "$scratch/$name.log")" >&2
		else
			fail 1 "$name"
			tail -n 30 "$scratch/$name.log" >&2
		fi
	done
	rm -rf "$scratch"
fi

# 4. Man pages: mdoc lint must be silent.
log "man pages"
for page in man/*.[18]; do
	[ -f "$page" ] || continue
	lint=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -z "$lint" ]; then
		pass 1
	else
		fail 1 "$page"
		echo "$lint" >&2
	fi
done

echo
if [ "$failed" -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
