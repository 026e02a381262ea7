#!/usr/bin/env bats
# rtmpd end to end, against the real peers: ffmpeg and ffprobe (publish and
# play), librtmp's rtmpdump (play), and an independent Python client
# (tests/tools/evilclient.py) for counting frames and for hostile traffic.

load helpers

EVIL="$REPO_ROOT/tests/tools/evilclient.py"
CMP="$REPO_ROOT/tests/tools/cmp_packets.py"

teardown() {
	kill_bg ${BG_PIDS:-}
	stop_rtmpd
}

# publish FILE NAME [ffmpeg input options...]: ffmpeg publishes in real
# time in the background; adds its PID to BG_PIDS and sets PUB_PID.
publish() {
	local file=$1 name=$2
	shift 2
	ffmpeg -nostdin -hide_banner -loglevel error -re "$@" -i "$file" -c copy \
		-f flv "rtmp://127.0.0.1:$RTMPD_PORT/live/$name" \
		>"$BATS_TEST_TMPDIR/pub-$name.log" 2>&1 3>&- &
	PUB_PID=$!
	BG_PIDS="${BG_PIDS:-} $PUB_PID"
}

url() { echo "rtmp://127.0.0.1:$RTMPD_PORT/live/$1"; }

# packet_counts FILE: sets V and A to its video and audio packet counts.
packet_counts() {
	local out
	out=$(ffprobe -v error -count_packets -show_entries stream=codec_type,nb_read_packets \
		-of csv=p=0 "$1")
	V=$(sed -n 's/^video,//p' <<<"$out")
	A=$(sed -n 's/^audio,//p' <<<"$out")
}

source_md5() {
	ffmpeg -nostdin -v error -i "$1" -c copy -f framemd5 "$2"
}

@test "rtmpd --help and --version succeed and a bad option exits 2" {
	run "$RTMPD" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--gop-max-bytes"* ]]
	run "$RTMPD" --version
	[ "$status" -eq 0 ]
	[[ "$output" == rtmpd* ]]
	run "$RTMPD" --chunk-size 5
	[ "$status" -eq 2 ]
	[[ "$output" == *"--chunk-size"*"out of range"* ]]
	run "$RTMPD" --send-timeout soon
	[ "$status" -eq 2 ]
	[[ "$($RTMPD --help)" == *"--write-delay T|auto"*"(default auto)"* ]]
	run "$RTMPD" --write-delay soon
	[ "$status" -eq 2 ]
	[[ "$output" == *"--write-delay: 'soon' is neither a time (200ms) nor 'auto'"* ]]
	run "$RTMPD" --write-delay 2s
	[ "$status" -eq 2 ]
	[[ "$output" == *"--write-delay"* ]]
	run "$RTMPD" -l 127.0.0.1:99999
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad port"* ]]
}

@test "ffmpeg, ffprobe and rtmpdump receive the published packets byte for byte" {
	start_rtmpd
	source_md5 "$FIXTURES/sample.flv" "$BATS_TEST_TMPDIR/src.md5"
	publish "$FIXTURES/sample.flv" cam
	sleep 1.5
	ffmpeg -nostdin -v error -i "$(url cam)" -c copy -t 5 -f framemd5 \
		"$BATS_TEST_TMPDIR/ffmpeg.md5" 3>&- &
	local p1=$!
	rtmpdump -q -r "$(url cam)" --live -o "$BATS_TEST_TMPDIR/rtmpdump.flv" 3>&- &
	local p2=$!
	ffprobe -v error -read_intervals %+5 -show_entries packet=stream_index,size,data_hash \
		-show_data_hash MD5 -of csv=p=0 "$(url cam)" >"$BATS_TEST_TMPDIR/ffprobe.csv" 3>&- &
	local p3=$!
	BG_PIDS="$BG_PIDS $p1 $p2 $p3"
	wait "$p1"
	wait "$p3"
	wait "$p2" # ends with the stream
	source_md5 "$BATS_TEST_TMPDIR/rtmpdump.flv" "$BATS_TEST_TMPDIR/rtmpdump.md5"
	run python3 "$CMP" "$BATS_TEST_TMPDIR/src.md5" "$BATS_TEST_TMPDIR/ffmpeg.md5" 100
	echo "ffmpeg: $output"
	[ "$status" -eq 0 ]
	run python3 "$CMP" "$BATS_TEST_TMPDIR/src.md5" "$BATS_TEST_TMPDIR/ffprobe.csv" 100
	echo "ffprobe: $output"
	[ "$status" -eq 0 ]
	run python3 "$CMP" "$BATS_TEST_TMPDIR/src.md5" "$BATS_TEST_TMPDIR/rtmpdump.md5" 150
	echo "rtmpdump: $output"
	[ "$status" -eq 0 ]
}

@test "a player joining mid-GOP starts at once on a cached keyframe after metadata and sequence headers" {
	start_rtmpd
	publish "$FIXTURES/sample.flv" cam
	sleep 3.2 # the GOP is 2 s: this is 1.2 s past the last keyframe
	run python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame cam
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"keyframe=1 metadata_first=1 avc_header_first=1 aac_header_first=1 ts=0"* ]]
	ms=$(sed -n 's/.*first_video_ms=\([0-9]*\).*/\1/p' <<<"$output")
	# Well under one GOP (2000 ms); without the cache it would be ~800 ms.
	[ "$ms" -lt 300 ]
}

@test "with --no-gop-cache a joining player waits for the next keyframe" {
	start_rtmpd --no-gop-cache
	publish "$FIXTURES/sample.flv" cam
	sleep 2.6
	run python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame cam
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"keyframe=1"* ]]
	ms=$(sed -n 's/.*first_video_ms=\([0-9]*\).*/\1/p' <<<"$output")
	[ "$ms" -gt 600 ]
}

@test "100 simultaneous players all receive every frame" {
	start_rtmpd
	WATCH_SECONDS=40 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" players 100:many \
		>"$BATS_TEST_TMPDIR/players.out" 3>&- &
	local pp=$!
	BG_PIDS="$pp"
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/players.out" && break; sleep 0.1; done
	ffmpeg -nostdin -v error -re -i "$FIXTURES/short.flv" -c copy -f flv "$(url many)"
	wait "$pp"
	packet_counts "$FIXTURES/short.flv"
	local v=$V a=$A
	# Every frame, plus the two sequence headers and ffmpeg's end of sequence.
	run grep -c "video=$((v + 2)) audio=$((a + 1)) " "$BATS_TEST_TMPDIR/players.out"
	echo "source: video=$v audio=$a"; head -3 "$BATS_TEST_TMPDIR/players.out"
	[ "$output" -eq 100 ]
	# ... and the same bytes.
	run sh -c "grep '^player' '$BATS_TEST_TMPDIR/players.out' | awk '{print \$4}' | sort -u | wc -l"
	[ "$output" -eq 1 ]
}

# run_players_syscw ARGS...: 20 players of short.flv on rtmpd started with
# ARGS; checks every player got every frame; sets SYSCW to rtmpd's write
# syscalls during the stream.
run_players_syscw() {
	start_rtmpd "$@"
	WATCH_SECONDS=30 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" players 20:batch \
		>"$BATS_TEST_TMPDIR/players.out" 3>&- &
	local pp=$!
	BG_PIDS="$pp"
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/players.out" && break; sleep 0.1; done
	local w0
	w0=$(awk '/^syscw/ {print $2}' "/proc/$RTMPD_PID/io")
	ffmpeg -nostdin -v error -re -i "$FIXTURES/short.flv" -c copy -f flv "$(url batch)"
	wait "$pp"
	SYSCW=$(($(awk '/^syscw/ {print $2}' "/proc/$RTMPD_PID/io") - w0))
	packet_counts "$FIXTURES/short.flv"
	[ "$(grep -c "video=$((V + 2)) audio=$((A + 1)) " "$BATS_TEST_TMPDIR/players.out")" -eq 20 ]
	[ "$(grep '^player' "$BATS_TEST_TMPDIR/players.out" | awk '{print $4}' | sort -u | wc -l)" -eq 1 ]
	stop_rtmpd
}

@test "--write-delay batches several messages per write and every player still gets every frame" {
	run_players_syscw --write-delay 0
	local plain=$SYSCW
	run_players_syscw --write-delay 200ms
	local delayed=$SYSCW
	# The default (auto) waits as long as the last round of writes took:
	# with 20 players, well under a millisecond, so it does not wait.
	run_players_syscw
	echo "write syscalls: $plain without delay, $delayed with 200 ms, $SYSCW with auto"
	[ "$delayed" -lt $((plain / 2)) ]
	[ "$SYSCW" -gt $((plain * 8 / 10)) ]
}

# load_syscw N ARGS...: N players (rtmppull -N) of sample.flv published
# once by rtmppush, on rtmpd started with ARGS; sets SYSCW to rtmpd's write
# syscalls meanwhile and SUMMARY to rtmppull's JSON summary.
load_syscw() {
	local n=$1 w0 pp
	shift
	start_rtmpd "$@"
	"$RTMPPULL" -N "$n" --ramp 5000 -d 60 -q --json "$(url load)" \
		>"$BATS_TEST_TMPDIR/pull.json" 2>"$BATS_TEST_TMPDIR/pull.err" 3>&- &
	pp=$!
	BG_PIDS="$pp"
	for _ in $(seq 100); do
		[ "$(grep -c ' play id=' "$RTMPD_LOG")" -ge "$n" ] && break
		sleep 0.1
	done
	w0=$(awk '/^syscw/ {print $2}' "/proc/$RTMPD_PID/io")
	"$RTMPPUSH" -q "$FIXTURES/sample.flv" "$(url load)"
	SYSCW=$(($(awk '/^syscw/ {print $2}' "/proc/$RTMPD_PID/io") - w0))
	wait "$pp" # the publisher's end ends the players
	BG_PIDS=
	SUMMARY=$(grep '"type":"summary"' "$BATS_TEST_TMPDIR/pull.json")
	stop_rtmpd
}

@test "--write-delay auto batches writes once a round of writes takes a millisecond, and loses nothing" {
	# 1000 players: one round of writes takes milliseconds, so the default
	# waits that long and messages that come meanwhile share a write.
	load_syscw 1000 --write-delay 0
	local plain=$SYSCW
	echo "$SUMMARY"
	[ "$(jq .frames_min <<<"$SUMMARY")" -eq 682 ]
	load_syscw 1000
	echo "write syscalls for 1000 players: $plain with 0, $SYSCW with auto"
	echo "$SUMMARY"
	# sample.flv: 250 video and 432 audio frames, to every player.
	[ "$(jq .failed <<<"$SUMMARY")" -eq 0 ]
	[ "$(jq .frames_min <<<"$SUMMARY")" -eq 682 ]
	[ "$(jq .frames_max <<<"$SUMMARY")" -eq 682 ]
	[ "$SYSCW" -lt $((plain * 85 / 100)) ]
}

@test "a second publisher gets BadName and the first keeps streaming" {
	start_rtmpd
	publish "$FIXTURES/sample.flv" cam
	sleep 1
	run ffmpeg -nostdin -v error -re -i "$FIXTURES/short.flv" -c copy -f flv "$(url cam)"
	[ "$status" -ne 0 ]
	grep -q 'refuse.*NetStream.Publish.BadName' "$RTMPD_LOG"
	run python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame cam
	[ "$status" -eq 0 ]
	kill -0 "$PUB_PID"
}

@test "--takeover lets a new publisher replace the current one" {
	start_rtmpd --takeover
	publish "$FIXTURES/sample.flv" cam
	local first=$PUB_PID
	sleep 1
	publish "$FIXTURES/sample.flv" cam
	sleep 1.5
	grep -q 'takeover' "$RTMPD_LOG"
	# The first ffmpeg was disconnected; the second still publishes.
	! kill -0 "$first" 2>/dev/null
	kill -0 "$PUB_PID"
	run python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame cam
	[ "$status" -eq 0 ]
}

@test "when the publisher is killed ffmpeg players get UnpublishNotify and exit 0" {
	start_rtmpd
	publish "$FIXTURES/sample.flv" cam
	sleep 1
	ffmpeg -nostdin -v error -i "$(url cam)" -c copy -f flv "$BATS_TEST_TMPDIR/p.flv" 3>&- &
	local player=$!
	BG_PIDS="$BG_PIDS $player"
	sleep 2
	kill -KILL "$PUB_PID"
	local t0=$SECONDS rc=0
	wait "$player" || rc=$?
	[ "$rc" -eq 0 ]
	[ $((SECONDS - t0)) -le 3 ]
	ffprobe -v error "$BATS_TEST_TMPDIR/p.flv"
}

@test "players stay attached and resume when the stream is published again" {
	start_rtmpd
	KEEP_ON_UNPUBLISH=1 WATCH_SECONDS=12 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" players 3:again \
		>"$BATS_TEST_TMPDIR/players.out" 3>&- &
	local pp=$!
	BG_PIDS="$pp"
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/players.out" && break; sleep 0.1; done
	ffmpeg -nostdin -v error -re -i "$FIXTURES/short.flv" -c copy -f flv "$(url again)"
	ffmpeg -nostdin -v error -re -i "$FIXTURES/short.flv" -c copy -f flv "$(url again)"
	wait "$pp"
	packet_counts "$FIXTURES/short.flv"
	local v=$V a=$A
	cat "$BATS_TEST_TMPDIR/players.out"
	run grep -c "video=$((2 * (v + 2))) audio=$((2 * (a + 1))) " "$BATS_TEST_TMPDIR/players.out"
	[ "$output" -eq 3 ]
}

@test "a player that stops reading stays within its queue bound, is dropped at the send timeout, and others are unaffected" {
	# ASan keeps freed memory in quarantine, which would look like growth.
	ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0" start_rtmpd --send-timeout 3s --queue-bytes 256k
	# 40 times real time, looped: fills the stalled player's socket buffers.
	ffmpeg -nostdin -v error -readrate 40 -stream_loop -1 -i "$FIXTURES/sample.flv" -c copy \
		-t 1200 -f flv "$(url flood)" >/dev/null 2>&1 3>&- &
	BG_PIDS="$!"
	sleep 1
	local rss0
	rss0=$(awk '/VmRSS/ {print $2}' "/proc/$RTMPD_PID/status")
	NOREAD_SECONDS=20 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" play-noread flood \
		>"$BATS_TEST_TMPDIR/noread.out" 3>&- &
	BG_PIDS="$BG_PIDS $!"
	ffmpeg -nostdin -v error -i "$(url flood)" -c copy -t 200 -f framemd5 "$BATS_TEST_TMPDIR/good.md5" 3>&- &
	local good=$!
	BG_PIDS="$BG_PIDS $good"
	local peak=0 r
	for _ in $(seq 60); do
		r=$(awk '/VmRSS/ {print $2}' "/proc/$RTMPD_PID/status")
		[ "$r" -gt "$peak" ] && peak=$r
		grep -q 'reason="send timeout"' "$RTMPD_LOG" && break
		sleep 0.25
	done
	grep 'reason="send timeout".*dropped=[1-9]' "$RTMPD_LOG"
	echo "rss before=$rss0 kB peak=$peak kB"
	# The stalled player costs at most its queue bound plus slack.
	[ $((peak - rss0)) -lt 8192 ]
	# Meanwhile the reading player got every packet, unchanged.
	wait "$good"
	source_md5 "$FIXTURES/sample.flv" "$BATS_TEST_TMPDIR/src.md5"
	python3 "$CMP" --loop "$BATS_TEST_TMPDIR/src.md5" "$BATS_TEST_TMPDIR/good.md5" 1000
	[ "$(grep -c '^0,' "$BATS_TEST_TMPDIR/good.md5")" -gt 1000 ]
}

@test "timestamps starting at 16,777,000 ms cross 2^24 and are relayed continuously" {
	start_rtmpd
	source_md5 "$FIXTURES/short.flv" "$BATS_TEST_TMPDIR/src.md5"
	ffmpeg -nostdin -v error -i "$FIXTURES/short.flv" -c copy -output_ts_offset 16777 \
		-f flv "$BATS_TEST_TMPDIR/late.flv"
	# The file really starts just below 2^24 ms.
	run ffprobe -v error -show_entries packet=pts -of csv=p=0 -read_intervals %+#1 "$BATS_TEST_TMPDIR/late.flv"
	[ "${lines[0]}" -ge 16777000 ]
	[ "${lines[0]}" -lt 16777216 ]
	KEEP_ON_UNPUBLISH= WATCH_SECONDS=10 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" players 1:late \
		>"$BATS_TEST_TMPDIR/players.out" 3>&- &
	BG_PIDS="$!"
	ffmpeg -nostdin -v error -i "$(url late)" -c copy -f framemd5 "$BATS_TEST_TMPDIR/got.md5" 3>&- &
	local player=$!
	BG_PIDS="$BG_PIDS $player"
	sleep 1
	ffmpeg -nostdin -v error -re -i "$BATS_TEST_TMPDIR/late.flv" -c copy -f flv "$(url late)"
	wait "$player"
	python3 "$CMP" "$BATS_TEST_TMPDIR/src.md5" "$BATS_TEST_TMPDIR/got.md5" 40
	# Player timestamps start at 0 and never jump: video steps are 40 ms.
	run awk -F, '$1 == 0 { d = $2 - prev; if (NR > 1 && seen && (d < 0 || d > 200)) bad++; prev = $2; seen = 1 } END { print bad + 0 }' \
		"$BATS_TEST_TMPDIR/got.md5"
	[ "$output" -eq 0 ]
}

@test "aggregate messages from a publisher reach players as separate messages" {
	start_rtmpd
	WATCH_SECONDS=5 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame agg \
		>"$BATS_TEST_TMPDIR/player.out" 3>&- &
	local player=$!
	BG_PIDS="$player"
	sleep 0.5
	python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" publish-aggregate agg
	wait "$player"
	cat "$BATS_TEST_TMPDIR/player.out"
	grep -q "keyframe=1 metadata_first=0 avc_header_first=1" "$BATS_TEST_TMPDIR/player.out"
}

@test "a player out of step past 2^24 ms gets a multi-chunk keyframe chunked for it, intact" {
	# Without the GOP cache a player that joins after the first keyframe
	# waits for the next one and gets it out of step: its own type 0
	# header, at its own time, here past 2^24 ms (an extended timestamp),
	# while the shared copy's continuation chunks carry the 100 ms delta
	# without one. rtmpd regathers the body from the shared chunks and
	# chunks it again for this player alone.
	start_rtmpd --no-gop-cache
	python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" publish-ts-jump jump \
		>"$BATS_TEST_TMPDIR/pub.out" 3>&- &
	local pub=$!
	BG_PIDS="$pub"
	sleep 1
	"$RTMPPULL" -q -d 4 -o "$BATS_TEST_TMPDIR/out.flv" "$(url jump)" 3>&-
	wait "$pub"
	local key
	key=$(awk '/^key/ {print $2}' "$BATS_TEST_TMPDIR/pub.out")
	python3 "$REPO_ROOT/tests/tools/flvtags.py" "$BATS_TEST_TMPDIR/out.flv" media \
		>"$BATS_TEST_TMPDIR/tags"
	cat "$BATS_TEST_TMPDIR/tags"
	# The sequence header, the keyframe whole (the frame before it was
	# dropped: the player waited for a keyframe), then the next frame.
	[ "$(sed -n 2p "$BATS_TEST_TMPDIR/tags")" = "9 9000 $key" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/tags")" -eq 3 ]
	"$RTMPDUMPFLV" --json "$BATS_TEST_TMPDIR/out.flv" |
		jq -e -s '[.[] | select(.event == "tag") | .timestamp] == [0, 16777316, 16777356]'
}

@test "hostile handshakes, chunks and AMF are refused while another stream keeps flowing" {
	start_rtmpd --handshake-timeout 2s
	WATCH_SECONDS=30 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" players 1:control \
		>"$BATS_TEST_TMPDIR/control.out" 3>&- &
	local ctl=$!
	BG_PIDS="$ctl"
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/control.out" && break; sleep 0.1; done
	publish "$FIXTURES/sample.flv" control
	local c
	for c in "bad-version 0x00" "bad-version 0x06" "bad-version 0xff" "garbage" \
		"first-chunk-type 1" "first-chunk-type 2" "first-chunk-type 3" \
		"length-change" "type0-mid-message" "set-chunk-size 0" \
		"set-chunk-size 0x7FFFFFFF" "set-chunk-size 0x80000000" "huge-length" \
		"many-csids 5000" "deep-amf 100000" "zero-length"; do
		run env WATCH_SECONDS=3 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" $c
		echo "$c: $output"
		[[ "$output" == "closed after 0."* ]]
	done
	# Refused without a close, or ignored: the connection may stay.
	for c in "amf-counts" "wrong-types" "before-connect" "media-bad-stream" \
		"bad-names" "aggregate" "publish-reset victim"; do
		run env WATCH_SECONDS=1 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" $c
		echo "$c: $output"
		[ "$status" -eq 0 ]
	done
	run env WATCH_SECONDS=4 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" truncated-c1
	[[ "$output" == "closed after 2."* ]]
	wait "$PUB_PID"
	wait "$ctl"
	packet_counts "$FIXTURES/sample.flv"
	local v=$V a=$A
	cat "$BATS_TEST_TMPDIR/control.out"
	grep -q "video=$((v + 2)) audio=$((a + 1)) " "$BATS_TEST_TMPDIR/control.out"
}

@test "slowloris connections are closed at the handshake deadline and a publisher still gets in" {
	start_rtmpd --handshake-timeout 2s
	local pids="" i
	for i in $(seq 50); do
		WATCH_SECONDS=1 python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" slow 0.5 \
			>"$BATS_TEST_TMPDIR/slow.$i" 2>&1 3>&- &
		pids="$pids $!"
	done
	BG_PIDS="$pids"
	sleep 0.5
	run python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame nothing-yet
	publish "$FIXTURES/short.flv" in
	sleep 1
	run python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame in
	[ "$status" -eq 0 ]
	for i in $pids; do wait "$i" || true; done
	# Every slow socket was cut by the 2 s handshake deadline.
	[ "$(grep -c 'reason="handshake timeout"' "$RTMPD_LOG")" -eq 50 ]
	run sh -c "cat '$BATS_TEST_TMPDIR'/slow.* | grep -c '^closed after'"
	[ "$output" -eq 50 ]
}

@test "running out of file descriptors pauses accept, and it resumes" {
	RTMPD_PORT=$(free_port)
	RTMPD_LOG="$BATS_TEST_TMPDIR/rtmpd.log"
	(ulimit -n 40; exec "$RTMPD" -l "127.0.0.1:$RTMPD_PORT" >"$RTMPD_LOG" 2>&1 3>&-) &
	RTMPD_PID=$!
	wait_port "$RTMPD_PORT"
	# Hold 60 idle sockets: more than the daemon can accept.
	python3 -c '
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(60)]
time.sleep(2)
' "$RTMPD_PORT" 3>&-
	grep -q accept_paused "$RTMPD_LOG"
	sleep 0.5
	publish "$FIXTURES/short.flv" fd
	sleep 1
	run python3 "$EVIL" 127.0.0.1 "$RTMPD_PORT" first-frame fd
	[ "$status" -eq 0 ]
	grep -q accept_resumed "$RTMPD_LOG"
}

@test "SIGTERM with players attached tells them and exits 0" {
	start_rtmpd
	publish "$FIXTURES/sample.flv" cam
	sleep 1
	ffmpeg -nostdin -v error -i "$(url cam)" -c copy -f null - 3>&- &
	local p1=$!
	ffmpeg -nostdin -v error -i "$(url cam)" -c copy -f null - 3>&- &
	local p2=$!
	BG_PIDS="$BG_PIDS $p1 $p2"
	sleep 2
	stop_rtmpd # fails unless rtmpd exits 0 (and ASan found no leak)
	grep -q shutdown "$RTMPD_LOG"
	wait "$p1"
	wait "$p2"
}
