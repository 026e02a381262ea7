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

@test "raw H.264 with B-frames gets the presentation times ffmpeg gave the same stream" {
	start_rtmpd
	"$RTMPDUMPFLV" -q --extract-video "$BATS_TEST_TMPDIR/v.h264" "$FIXTURES/sample.flv"
	pull_then_push rawv "$BATS_TEST_TMPDIR/out.flv" "$BATS_TEST_TMPDIR/v.h264"
	# ffmpeg wrote sample.flv from x264's own timestamps: every video
	# tag's timestamp (dts) and timestamp + composition time (pts) must
	# come out the same, key frames at the same places.
	local p="ffprobe -v error -select_streams v -show_entries packet=dts,pts,flags -of csv=p=0"
	$p "$FIXTURES/sample.flv" >"$BATS_TEST_TMPDIR/src.p"
	$p "$BATS_TEST_TMPDIR/out.flv" >"$BATS_TEST_TMPDIR/out.p"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/src.p")" -eq 250 ]
	diff "$BATS_TEST_TMPDIR/src.p" "$BATS_TEST_TMPDIR/out.p"
	# The check has teeth: the first key frame is presented 80 ms (the
	# reorder delay of two frames) after it is decoded, and so is every
	# frame at least 40 ms after.
	head -1 "$BATS_TEST_TMPDIR/out.p" | grep -qx '80,0,K_*'
	awk -F, '$1 != $2 {n++} END {exit !(n == 250)}' "$BATS_TEST_TMPDIR/out.p"
	# The same from our own reader, tag by tag: timestamp and cts.
	"$RTMPDUMPFLV" "$FIXTURES/sample.flv" | awk '$2 == "video" && /packet=nalu/ {print $3, $NF}' >"$BATS_TEST_TMPDIR/src.t"
	"$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/out.flv" | awk '$2 == "video" && /packet=nalu/ {print $3, $NF}' >"$BATS_TEST_TMPDIR/out.t"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/src.t")" -eq 250 ]
	diff "$BATS_TEST_TMPDIR/src.t" "$BATS_TEST_TMPDIR/out.t"
}

@test "raw H.264 at 24000/1001 fps with a B-pyramid gets ffmpeg's timestamps to the millisecond" {
	# 1001/24 ms frames put some timestamps on exact half milliseconds,
	# which ffmpeg rounds up from the shifted decoding times.
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120:rate=24000/1001 \
		-frames:v 96 -c:v libx264 -threads 1 -bf 3 -x264-params b-pyramid=normal \
		"$BATS_TEST_TMPDIR/in.flv"
	"$RTMPDUMPFLV" -q --extract-video "$BATS_TEST_TMPDIR/v.h264" "$BATS_TEST_TMPDIR/in.flv"
	start_rtmpd
	pull_then_push pyr "$BATS_TEST_TMPDIR/out.flv" "$BATS_TEST_TMPDIR/v.h264"
	local p="ffprobe -v error -select_streams v -show_entries packet=dts,pts,flags -of csv=p=0"
	$p "$BATS_TEST_TMPDIR/in.flv" >"$BATS_TEST_TMPDIR/in.p"
	$p "$BATS_TEST_TMPDIR/out.flv" >"$BATS_TEST_TMPDIR/out.p"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/in.p")" -eq 96 ]
	diff "$BATS_TEST_TMPDIR/in.p" "$BATS_TEST_TMPDIR/out.p"
	# 12 frames of 1001/24 ms: 500.5 ms, rounded up, after the first
	# key frame's 2-frame delay; and frames really reordered (several
	# composition times).
	head -1 "$BATS_TEST_TMPDIR/out.p" | grep -qx '83,0,K_*'
	grep -q ',584,' "$BATS_TEST_TMPDIR/out.p"
	[ "$(awk -F, '{print $1 - $2}' "$BATS_TEST_TMPDIR/out.p" | sort -u | wc -l)" -ge 4 ]
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
