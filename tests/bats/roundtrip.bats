#!/usr/bin/env bats
# Round trips across the tools: what goes in with rtmppush comes out of
# rtmppull (through rtmpd) unchanged, including Enhanced RTMP codecs and raw
# streams extracted by rtmpdump-flv.

load helpers

FLVTAGS="$REPO_ROOT/tests/tools/flvtags.py"

teardown() {
	kill_bg ${BG_PIDS:-}
	stop_rtmpd
}

url() { echo "rtmp://127.0.0.1:$RTMPD_PORT/live/$1"; }

# pull_then_push NAME OUT.flv PUSH_ARGS...: a player attached first records
# everything; rtmppush publishes as fast as the relay reads.
pull_then_push() {
	local name=$1 out=$2
	shift 2
	"$RTMPPULL" -q -o "$out" --timeout 20 "$(url "$name")" 3>&- &
	local pull=$!
	BG_PIDS="$pull"
	sleep 0.5
	"$RTMPPUSH" -q --speed max "$@" "$(url "$name")"
	wait "$pull"
}

# decoded_md5 FILE STREAM: MD5 of every decoded frame of one stream.
decoded_md5() {
	ffmpeg -nostdin -v error -i "$1" -map "0:$2" -f framemd5 - | grep -v '^#' | awk -F, '{print $6}'
}

@test "an Enhanced RTMP FLV (AV1, HEVC, Opus, ModEx, multitrack) comes out of rtmpd and rtmppull byte-identical per tag" {
	start_rtmpd
	pull_then_push enh "$BATS_TEST_TMPDIR/out.flv" "$FIXTURES/enhanced.flv"
	python3 "$FLVTAGS" "$FIXTURES/enhanced.flv" media >"$BATS_TEST_TMPDIR/in.tags"
	python3 "$FLVTAGS" "$BATS_TEST_TMPDIR/out.flv" media >"$BATS_TEST_TMPDIR/out.tags"
	diff "$BATS_TEST_TMPDIR/in.tags" "$BATS_TEST_TMPDIR/out.tags"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/in.tags")" -gt 20 ]
	# ... and the recording is a valid FLV that names the same FourCCs.
	"$RTMPDUMPFLV" --check "$BATS_TEST_TMPDIR/out.flv"
	for cc in av01 hvc1 Opus; do
		"$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/out.flv" | grep -q "$cc"
	done
}

@test "H.264 and AAC extracted by rtmpdump-flv survive rtmppush, rtmpd and rtmppull frame for frame" {
	start_rtmpd
	"$RTMPDUMPFLV" -q --extract-video "$BATS_TEST_TMPDIR/v.h264" \
		--extract-audio "$BATS_TEST_TMPDIR/a.aac" "$FIXTURES/sample.flv"
	pull_then_push raw "$BATS_TEST_TMPDIR/out.flv" "$BATS_TEST_TMPDIR/v.h264" "$BATS_TEST_TMPDIR/a.aac"
	decoded_md5 "$FIXTURES/sample.flv" v >"$BATS_TEST_TMPDIR/src.v"
	decoded_md5 "$BATS_TEST_TMPDIR/out.flv" v >"$BATS_TEST_TMPDIR/out.v"
	decoded_md5 "$FIXTURES/sample.flv" a >"$BATS_TEST_TMPDIR/src.a"
	decoded_md5 "$BATS_TEST_TMPDIR/out.flv" a >"$BATS_TEST_TMPDIR/out.a"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/src.v")" -eq 250 ]
	diff "$BATS_TEST_TMPDIR/src.v" "$BATS_TEST_TMPDIR/out.v"
	diff "$BATS_TEST_TMPDIR/src.a" "$BATS_TEST_TMPDIR/out.a"
}

@test "an FLV pushed with rtmppush is recorded by rtmppull tag for tag" {
	start_rtmpd
	pull_then_push flv "$BATS_TEST_TMPDIR/out.flv" "$FIXTURES/sample.flv"
	python3 "$FLVTAGS" "$FIXTURES/sample.flv" media >"$BATS_TEST_TMPDIR/in.tags"
	python3 "$FLVTAGS" "$BATS_TEST_TMPDIR/out.flv" media >"$BATS_TEST_TMPDIR/out.tags"
	diff "$BATS_TEST_TMPDIR/in.tags" "$BATS_TEST_TMPDIR/out.tags"
	"$RTMPDUMPFLV" --check "$BATS_TEST_TMPDIR/out.flv"
}

@test "rtmppush --start-ts 16777000 crosses 2^24 through rtmpd and the recording is continuous" {
	start_rtmpd
	"$RTMPPULL" -q -o "$BATS_TEST_TMPDIR/out.flv" --timeout 20 "$(url late)" 3>&- &
	local pull=$!
	BG_PIDS="$pull"
	sleep 0.5
	"$RTMPPUSH" -q --speed 4 --start-ts 16777000 "$FIXTURES/short.flv" "$(url late)"
	wait "$pull"
	python3 "$FLVTAGS" "$FIXTURES/short.flv" media >"$BATS_TEST_TMPDIR/in.tags"
	python3 "$FLVTAGS" "$BATS_TEST_TMPDIR/out.flv" media >"$BATS_TEST_TMPDIR/out.tags"
	diff "$BATS_TEST_TMPDIR/in.tags" "$BATS_TEST_TMPDIR/out.tags"
	run "$RTMPDUMPFLV" --check --strict "$BATS_TEST_TMPDIR/out.flv"
	echo "$output"
	[ "$status" -eq 0 ]
	# Video decode times step by one frame (40 ms), never back or jumping.
	ffprobe -v error -show_entries packet=dts -select_streams v -of csv=p=0 "$BATS_TEST_TMPDIR/out.flv" |
		awk 'NR > 1 && $1 - prev != 40 {bad++} {prev = $1} END {exit bad > 0}'
}
