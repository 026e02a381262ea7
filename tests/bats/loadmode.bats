#!/usr/bin/env bats
#
# Load mode: rtmppull -N (many players in one process) and rtmppush -N (many
# publishers), {i} in URLs, statistics lines, and relay latency from a send
# log, against rtmpd.

load helpers

setup() {
	T="$BATS_TEST_TMPDIR"
	PULL_PID=
	PUSH_PID=
}

teardown() {
	kill_bg "$PULL_PID" "$PUSH_PID"
	stop_rtmpd || true
}

# wait_for FILE PATTERN [SECONDS]: until a line of FILE matches PATTERN.
wait_for() {
	local deadline=$((SECONDS + ${3:-10}))
	while ((SECONDS < deadline)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no line matching '$2' in $1 after ${3:-10}s:" >&2
	cat "$1" >&2
	return 1
}

# The summary object of a --json load run.
summary() {
	grep '"type":"summary"' "$1" | tail -n 1
}

# sample.flv: 250 video and 432 audio frames.
SAMPLE_FRAMES=682

@test "twenty players in one process all connect and each gets every frame" {
	start_rtmpd
	"$RTMPPULL" -N 20 --json --interval 200ms -d 30 \
		"rtmp://127.0.0.1:$RTMPD_PORT/live/cam" >"$T/pull.jsonl" \
		2>"$T/pull.err" 3>&- &
	PULL_PID=$!
	# Every player waits on the stream before the publisher starts.
	wait_for "$T/pull.jsonl" '"connected":20,'
	run "$RTMPPUSH" -q --speed 4 "$FIXTURES/sample.flv" \
		"rtmp://127.0.0.1:$RTMPD_PORT/live/cam"
	[ "$status" -eq 0 ]
	# The publisher's end ends every player, and the run.
	wait "$PULL_PID"
	PULL_PID=
	s=$(summary "$T/pull.jsonl")
	[ "$(jq .connected <<<"$s")" -eq 20 ]
	[ "$(jq .failed <<<"$s")" -eq 0 ]
	[ "$(jq .frames_min <<<"$s")" -eq "$SAMPLE_FRAMES" ]
	[ "$(jq .frames_max <<<"$s")" -eq "$SAMPLE_FRAMES" ]
	[ "$(jq -r .reason <<<"$s")" = ended ]
}

@test "every statistics line is a JSON object with the documented keys" {
	start_rtmpd
	"$RTMPPUSH" -q --loop 0 "$FIXTURES/sample.flv" \
		"rtmp://127.0.0.1:$RTMPD_PORT/live/cam" 2>"$T/push.err" 3>&- &
	PUSH_PID=$!
	run "$RTMPPULL" -N 5 --json --interval 250ms -d 2 --warmup 500ms \
		--server-pid "$RTMPD_PID" "rtmp://127.0.0.1:$RTMPD_PORT/live/cam"
	[ "$status" -eq 0 ]
	# Each line parses on its own; at least 5 stats lines and one summary.
	[ "$(jq -c . <<<"$output" | wc -l)" -eq "${#lines[@]}" ]
	[ "$(jq -s 'map(select(.type == "stats")) | length' <<<"$output")" -ge 5 ]
	[ "$(jq -s 'map(select(.type == "summary")) | length' <<<"$output")" -eq 1 ]
	jq -se 'map(select(.type == "stats"))[-1] |
		(.t | type) == "number" and .started == 5 and .connected == 5 and
		.failed == 0 and .behind == 0 and .bytes_per_s > 0 and
		.frames_per_s > 0 and .ttfk_p50_ms > 0 and .rss_kib > 0 and
		(.server_cpu_pct | type) == "number"' <<<"$output"
	jq -se 'map(select(.type == "summary"))[0] |
		.players == 5 and .kept_up == 5 and .window_s > 1 and
		.bytes > 0 and .server_cpu_s >= 0 and .server_rss_kib > 0 and
		.reason == "duration"' <<<"$output"
}

@test "publishers and players per stream with {i}: three streams, one player each" {
	start_rtmpd
	"$RTMPPULL" -N 3 --json --interval 200ms -d 30 \
		"rtmp://127.0.0.1:$RTMPD_PORT/live/s{i}" >"$T/pull.jsonl" \
		2>"$T/pull.err" 3>&- &
	PULL_PID=$!
	wait_for "$T/pull.jsonl" '"connected":3,'
	run "$RTMPPUSH" -q -N 3 --speed 4 --send-log "$T/send.log" \
		"$FIXTURES/sample.flv" "rtmp://127.0.0.1:$RTMPD_PORT/live/s{i}"
	[ "$status" -eq 0 ]
	# The summary, and every audio and video message of each stream in the
	# shared send log: 250 + 432 frames, two sequence headers and the AVC
	# end of sequence.
	[[ "$output" == *"summary publishers=3 started=3 failed=0 ended=3 "* ]]
	for i in 0 1 2; do
		[ "$(grep -c " s$i\$" "$T/send.log")" -eq 685 ]
	done
	wait "$PULL_PID"
	PULL_PID=
	s=$(summary "$T/pull.jsonl")
	[ "$(jq .connected <<<"$s")" -eq 3 ]
	[ "$(jq .frames_min <<<"$s")" -eq "$SAMPLE_FRAMES" ]
	[ "$(jq .frames_max <<<"$s")" -eq "$SAMPLE_FRAMES" ]
	# One publisher and one player on each of s0, s1, s2: nothing else.
	for i in 0 1 2; do
		[ "$(grep -cE " publish id=[0-9]+ .*stream=live/s$i( |$)" \
			"$RTMPD_LOG")" -eq 1 ]
		[ "$(grep -cE " play id=[0-9]+ .*stream=live/s$i( |$)" \
			"$RTMPD_LOG")" -eq 1 ]
	done
	! grep -q 'stream=live/s3' "$RTMPD_LOG"
	! grep -q 'stream=live/s{i}' "$RTMPD_LOG"
}

@test "relay latency from the publisher's send log is present and positive" {
	start_rtmpd
	"$RTMPPUSH" -q --loop 0 --send-log "$T/send.log" "$FIXTURES/sample.flv" \
		"rtmp://127.0.0.1:$RTMPD_PORT/live/cam" 2>"$T/push.err" 3>&- &
	PUSH_PID=$!
	run "$RTMPPULL" -N 4 --json --interval 0 -d 3 --warmup 500ms \
		--latency-log "$T/send.log" "rtmp://127.0.0.1:$RTMPD_PORT/live/cam"
	[ "$status" -eq 0 ]
	# The send log: SEND_US CRC32 TYPE SIZE STREAM.
	grep -Eq '^[0-9]+ [0-9a-f]{8} video [0-9]+ cam$' "$T/send.log"
	grep -Eq '^[0-9]+ [0-9a-f]{8} audio [0-9]+ cam$' "$T/send.log"
	s=$(grep '"type":"summary"' <<<"$output")
	echo "$s" >&2
	# 4 players, 25 video frames a second, more than 2 s in the window.
	jq -e '.latency_samples >= 150 and .latency_p50_ms > 0 and
		.latency_p99_ms >= .latency_p50_ms and
		.latency_max_ms >= .latency_p99_ms and
		.latency_p99_ms < 1000 and .unmatched == 0 and
		.kept_up == 4' <<<"$s"
}

@test "load-mode options without -N, and single-mode options with it, are usage errors" {
	run "$RTMPPULL" --ramp 10 rtmp://127.0.0.1:1/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--ramp needs -N"* ]]
	run "$RTMPPULL" -N 2 -o "$T/x.flv" rtmp://127.0.0.1:1/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"-o does not apply to load mode"* ]]
	run "$RTMPPULL" 'rtmp://127.0.0.1:1/live/s{i}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs -N"* ]]
	run "$RTMPPULL" -N 0 rtmp://127.0.0.1:1/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--connections: 0 is out of range"* ]]
}

@test "rtmppush load-mode options are checked like rtmppull's" {
	run "$RTMPPUSH" --ramp 10 "$FIXTURES/short.flv" rtmp://127.0.0.1:1/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--ramp needs -N"* ]]
	run "$RTMPPUSH" -N 2 -r "$FIXTURES/short.flv" rtmp://127.0.0.1:1/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"-r does not apply to load mode"* ]]
	run "$RTMPPUSH" -N 2 - rtmp://127.0.0.1:1/live/x </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"use a file, not stdin"* ]]
	run "$RTMPPUSH" "$FIXTURES/short.flv" 'rtmp://127.0.0.1:1/live/s{i}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs -N"* ]]
}

@test "publishers that cannot connect fail rtmppush -N with exit 3" {
	port=$(free_port)
	run "$RTMPPUSH" -N 4 --interval 0 "$FIXTURES/short.flv" \
		"rtmp://127.0.0.1:$port/live/s{i}"
	[ "$status" -eq 3 ]
	[[ "$output" == *"summary publishers=4 started=4 failed=4 ended=0 "* ]]
}

@test "players that cannot connect fail the run with exit 3 and are counted" {
	port=$(free_port)
	run "$RTMPPULL" -N 5 --json --interval 0 "rtmp://127.0.0.1:$port/live/x"
	[ "$status" -eq 3 ]
	s=$(grep '"type":"summary"' <<<"$output")
	jq -e '.failed == 5 and .connected == 0 and .reason == "ended"' <<<"$s"
}

@test "more players than the hard descriptor limit allows is refused with the reason" {
	run bash -c "ulimit -n 64 && exec '$RTMPPULL' -N 100 rtmp://127.0.0.1:1/live/x"
	[ "$status" -eq 1 ]
	[[ "$output" == *"100 connections need 132 file descriptors"*"hard limit"*"64"* ]]
}
