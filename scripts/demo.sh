#!/usr/bin/env bash
# Quick start command (1): install what is missing, build, and run the main
# job: rtmpd on 127.0.0.1, a demo stream published from the bundled sample
# (looped), and a player printing per-frame info for a few seconds. When run
# from a terminal it then keeps the stream up for ffplay until Ctrl-C.
#
# Environment: PORT (default 1935, or a free one when taken), SECONDS_SHOWN
# (how long the frame info runs, default 6).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup.sh
source "$ROOT/scripts/setup.sh"
install_missing
build release "$ROOT/build-release"
BIN="$ROOT/build-release/bin"

port=${PORT:-1935}
if (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	log "port ${PORT:-1935} is taken; using $port"
fi
url="rtmp://127.0.0.1:$port/live/demo"
pids=()
cleanup() {
	local i
	# Publisher first, then the relay, so nothing reports a lost link.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT INT TERM

log "starting rtmpd on 127.0.0.1:$port"
"$BIN/rtmpd" -l "127.0.0.1:$port" -q &
pids+=($!)
for _ in $(seq 100); do
	(exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.05
done

log "publishing tests/fixtures/sample.flv to $url (looped)"
"$BIN/rtmppush" -q --loop 0 "$ROOT/tests/fixtures/sample.flv" "$url" &
pids+=($!)

log "playing $url: one line per frame for ${SECONDS_SHOWN:-6}s"
"$BIN/rtmppull" --info --duration "${SECONDS_SHOWN:-6}" "$url"

echo
echo "The demo stream is live. Watch it with:"
echo "    ffplay $url"
echo "or record it with:"
echo "    $BIN/rtmppull -o demo.flv $url"
if [ -t 0 ]; then
	echo "Press Ctrl-C to stop."
	wait "${pids[0]}"
fi
