#!/usr/bin/env bash
# Installs what rtmpkit needs on Debian (only what is missing), then
# configures and builds. Sourced by scripts/demo.sh and scripts/test.sh;
# can also be run alone:  scripts/setup.sh [release|sanitize|fuzz]...
#
# Needs root for apt-get: run as root, or have sudo (it is used when
# available). Nothing is downloaded from anywhere but Debian's archive.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Packages for building, testing (the real interop peers) and fuzzing.
RTMPKIT_PACKAGES=(
	build-essential cmake pkg-config libevent-dev zlib1g-dev libssl-dev openssl
	bats python3 ffmpeg rtmpdump nginx libnginx-mod-rtmp mandoc
	clang
)

log() { printf '==> %s\n' "$*" >&2; }

# libFuzzer ships in libclang-rt-N-dev, N being clang's major version.
fuzzer_runtime_package() {
	local v
	v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$v" ] || return 0
	if ! compgen -G "/usr/lib/llvm-$v/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null; then
		echo "libclang-rt-$v-dev"
	fi
}

missing_packages() {
	local p
	for p in "${RTMPKIT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"
	done
	fuzzer_runtime_package
}

install_missing() {
	local missing
	missing=$(missing_packages | tr '\n' ' ')
	if [ -n "${missing// /}" ]; then
		local sudo=""
		if [ "$(id -u)" -ne 0 ]; then
			if command -v sudo >/dev/null 2>&1; then
				sudo="sudo"
			else
				log "missing packages: $missing"
				log "run as root, or install them: apt-get install $missing"
				exit 1
			fi
		fi
		log "installing: $missing"
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		# shellcheck disable=SC2086
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
		# The fuzzer runtime's name is known only once clang is in.
		missing=$(missing_packages | tr '\n' ' ')
		if [ -n "${missing// /}" ]; then
			# shellcheck disable=SC2086
			$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
		fi
	fi
}

# build KIND DIR: configure and build one flavour.
build() {
	local kind=$1 dir=$2
	local args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWERROR=ON)
	local cc=cc target=all
	case "$kind" in
	release) ;;
	sanitize) args+=(-DSANITIZE=ON) ;;
	fuzz) args+=(-DFUZZ=ON -DBUILD_TESTING=OFF); cc=clang; target=fuzzers ;;
	*) log "unknown build kind $kind"; exit 2 ;;
	esac
	log "building ($kind) in $dir"
	CC=$cc cmake -S "$ROOT" -B "$dir" "${args[@]}" >"$dir.configure.log" 2>&1 || {
		cat "$dir.configure.log" >&2; exit 1; }
	cmake --build "$dir" --target "$target" -j"$(nproc)" >"$dir.build.log" 2>&1 || {
		grep -E "error|warning" "$dir.build.log" >&2 || tail -n 40 "$dir.build.log" >&2
		exit 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	install_missing
	[ $# -gt 0 ] || set -- release
	for k in "$@"; do build "$k" "$ROOT/build-$k"; done
fi
