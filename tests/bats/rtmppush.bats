#!/usr/bin/env bats
# rtmppush end to end: publishing FLV, .flv.gz, FLV on stdin and raw
# H.264 + AAC to nginx-rtmp and rtmpd, with an ffmpeg player attached
# before the push starts; pacing, timestamps, loops, refusals, signals,
# stalls, reconnects and bad input.

load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# What a player must receive, packet for packet.
	ffmpeg -nostdin -v error -i "$FIXTURES/sample.flv" -c copy \
		-f framemd5 "$d/sample.md5"
	ffmpeg -nostdin -v error -i "$FIXTURES/short.flv" -c copy \
		-f framemd5 "$d/short.md5"
	# Raw input: the Annex B access units as ffmpeg's demuxer cuts them,
	# and the ADTS frames without their headers (aac_adtstoasc).
	ffmpeg -nostdin -v error -i "$FIXTURES/sample.h264" -c copy \
		-f framemd5 "$d/raw_v.md5"
	ffmpeg -nostdin -v error -i "$FIXTURES/sample.aac" -c copy \
		-bsf:a aac_adtstoasc -f framemd5 "$d/raw_a.md5"
	{
		grep -v '^#' "$d/raw_v.md5"
		grep -v '^#' "$d/raw_a.md5" | sed 's/^0,/1,/'
	} >"$d/raw.md5"

	# Timestamp steps of a framemd5 file (ms time base): fails on a step
	# back, or one larger than MAX_STEP; prints per-stream counts and the
	# first and last dts.
	cat >"$d/steps.py" <<-'PY'
	import sys
	path, max_step = sys.argv[1], int(sys.argv[2])
	last, first, n, bad = {}, {}, {}, 0
	for line in open(path):
	    if line.startswith("#"):
	        continue
	    f = [x.strip() for x in line.split(",")]
	    s, dts = f[0], int(f[1])
	    n[s] = n.get(s, 0) + 1
	    first.setdefault(s, dts)
	    if s in last and not 0 < dts - last[s] <= max_step:
	        print("stream %s: dts %d after %d" % (s, dts, last[s]))
	        bad = 1
	    last[s] = dts
	for s in sorted(n):
	    print("stream %s: %d packets, dts %d..%d" % (s, n[s], first[s], last[s]))
	sys.exit(bad)
	PY

	# sample.h264 with every SPS rewritten without VUI (so no timing
	# information): the bits up to vui_parameters_present_flag, then 0
	# and the RBSP stop bit.
	cat >"$d/novui.py" <<-'PY'
	import re, sys
	def unescape(b):
	    o, z = bytearray(), 0
	    for x in b:
	        if z >= 2 and x == 3:
	            z = 0
	            continue
	        o.append(x)
	        z = z + 1 if x == 0 else 0
	    return o
	def escape(b):
	    o, z = bytearray(), 0
	    for x in b:
	        if z >= 2 and x <= 3:
	            o.append(3)
	            z = 0
	        o.append(x)
	        z = z + 1 if x == 0 else 0
	    return o
	class Bits:
	    def __init__(self, b):
	        self.b, self.p = b, 0
	    def u(self, n):
	        v = 0
	        for _ in range(n):
	            v = v << 1 | (self.b[self.p >> 3] >> (7 - (self.p & 7))) & 1
	            self.p += 1
	        return v
	    def ue(self):
	        z = 0
	        while self.u(1) == 0:
	            z += 1
	        return (1 << z) - 1 + self.u(z)
	def sps_without_vui(nal):
	    rb = unescape(nal[1:])
	    r = Bits(rb)
	    assert r.u(8) in (66, 77, 88)    # profiles without chroma fields
	    r.u(16); r.ue(); r.ue()
	    poc = r.ue()
	    assert poc != 1
	    if poc == 0:
	        r.ue()
	    r.ue(); r.u(1); r.ue(); r.ue()
	    if r.u(1) == 0:
	        r.u(1)
	    r.u(1)
	    if r.u(1):
	        r.ue(); r.ue(); r.ue(); r.ue()
	    bits = [rb[i >> 3] >> (7 - (i & 7)) & 1 for i in range(r.p)] + [0, 1]
	    bits += [0] * (-len(bits) % 8)
	    out = bytes(int("".join(map(str, bits[i:i + 8])), 2)
	                for i in range(0, len(bits), 8))
	    return nal[:1] + escape(out)
	d = open(sys.argv[1], "rb").read()
	starts = [m.start() for m in re.finditer(b"\x00\x00\x01", d)]
	out = bytearray()
	for i, s in enumerate(starts):
	    nal = d[s + 3:starts[i + 1] if i + 1 < len(starts) else len(d)]
	    tail = len(nal) - len(nal.rstrip(b"\x00"))
	    nal, zeros = nal[:len(nal) - tail], b"\x00" * tail
	    if nal[0] & 0x1F == 7:
	        nal = sps_without_vui(nal)
	    out += b"\x00\x00\x01" + nal + zeros
	open(sys.argv[2], "wb").write(out)
	PY
}

setup() {
	T="$BATS_TEST_TMPDIR"
	PUSH_PID= PLAYER_PID= FAKE_PID= NGINX_PID= RTMPD_PID= STOPPED_PID=
}

teardown() {
	[ -z "$STOPPED_PID" ] || kill -CONT "$STOPPED_PID" 2>/dev/null || true
	kill_bg "$PUSH_PID" "$PLAYER_PID" "$FAKE_PID"
	stop_nginx
	stop_rtmpd
}

# server rtmpd|nginx: start one; sets BASE (rtmp://.../live), SERVER_LOG
# and PLAY_RE (what the server logs when a player starts).
server() {
	case $1 in
	rtmpd)
		start_rtmpd
		BASE="rtmp://127.0.0.1:$RTMPD_PORT/live"
		SERVER_LOG=$RTMPD_LOG
		PLAY_RE=' play id='
		;;
	nginx)
		start_nginx_notify
		BASE="rtmp://127.0.0.1:$NGINX_PORT/live"
		SERVER_LOG="$NGINX_DIR/logs/error.log"
		PLAY_RE=' play: name='
		;;
	esac
}

# wait_log FILE REGEX [SECONDS]
wait_log() {
	local deadline=$((SECONDS + ${3:-10}))
	while ((SECONDS < deadline)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no '$2' in $1 after ${3:-10}s:" >&2
	cat "$1" >&2
	return 1
}

# player NAME [COPY OPTIONS...]: ffmpeg plays $BASE/NAME, writing the
# framemd5 of the copied packets to $T/got.md5 and decoding everything
# into a null sink (-xerror: the first decode error fails it); returns
# once the server has seen the play command. $DECODE_OPTS apply to the
# decoded side; DECODE=0 copies only (a player that may join mid-GOP).
player() {
	local name=$1
	shift
	# shellcheck disable=SC2086
	if [ "${DECODE:-1}" = 1 ]; then
		ffmpeg -nostdin -v error -xerror -i "$BASE/$name" \
			-map 0 -c copy "$@" -f framemd5 "$T/got.md5" \
			-map 0 ${DECODE_OPTS:-} -f null - \
			>"$T/player.err" 2>&1 3>&- &
	else
		ffmpeg -nostdin -v error -i "$BASE/$name" \
			-map 0 -c copy "$@" -f framemd5 "$T/got.md5" \
			>"$T/player.err" 2>&1 3>&- &
	fi
	PLAYER_PID=$!
	wait_log "$SERVER_LOG" "$PLAY_RE"
}

# player_done: the player ends by itself when the publisher leaves; it must
# exit 0 having printed nothing (no decode error).
player_done() {
	local deadline=$((SECONDS + 15)) rc=0
	while kill -0 "$PLAYER_PID" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.05
	done
	if kill -0 "$PLAYER_PID" 2>/dev/null; then
		echo "the player did not end" >&2
		return 1
	fi
	wait "$PLAYER_PID" || rc=$?
	PLAYER_PID=
	cat "$T/player.err"
	[ "$rc" -eq 0 ]
	[ ! -s "$T/player.err" ]
}

# count_of FILE video|audio: packets of that media type in a framemd5 file.
count_of() {
	local idx
	idx=$(sed -n "s/^#media_type \([0-9]*\): $2\$/\1/p" "$1")
	[ -n "$idx" ] || return 1
	grep -c "^$idx," "$1"
}

# check_got SOURCE.md5 VIDEO AUDIO: the player decoded h264 320x240 and
# aac 44100 stereo, got exactly VIDEO and AUDIO packets, each identical
# to the source's.
check_got() {
	grep -qE '^#codec_id [0-9]+: h264$' "$T/got.md5"
	grep -qE '^#dimensions [0-9]+: 320x240$' "$T/got.md5"
	grep -qE '^#codec_id [0-9]+: aac$' "$T/got.md5"
	grep -qE '^#sample_rate [0-9]+: 44100$' "$T/got.md5"
	grep -qE '^#channel_layout_name [0-9]+: stereo$' "$T/got.md5"
	echo "video $(count_of "$T/got.md5" video) audio $(count_of "$T/got.md5" audio)"
	[ "$(count_of "$T/got.md5" video)" -eq "$2" ]
	[ "$(count_of "$T/got.md5" audio)" -eq "$3" ]
	python3 "$REPO_ROOT/tests/tools/cmp_packets.py" "$1" "$T/got.md5"
}

# ---- publishing to both servers -------------------------------------------

check_flv() {
	server "$1"
	player flv
	run "$RTMPPUSH" --speed max "$FIXTURES/sample.flv" "$BASE/flv"
	echo "$output"
	[ "$status" -eq 0 ]
	player_done
	check_got "$BATS_FILE_TMPDIR/sample.md5" 250 432
}

check_raw() {
	server "$1"
	# Raw input carries no composition times: B-frames go out with
	# decode-order timestamps (rtmppush(1), CAVEATS), so the decoded
	# side is renumbered for the null sink's timestamp checks.
	DECODE_OPTS='-vf setpts=N/(25*TB)'
	player raw -bsf:v h264_mp4toannexb
	run "$RTMPPUSH" --speed max "$FIXTURES/sample.h264" \
		"$FIXTURES/sample.aac" "$BASE/raw"
	echo "$output"
	[ "$status" -eq 0 ]
	player_done
	check_got "$BATS_FILE_TMPDIR/raw.md5" 250 432
}

check_gz() {
	server "$1"
	player gz
	run "$RTMPPUSH" --speed max "$FIXTURES/sample.flv.gz" "$BASE/gz"
	echo "$output"
	[ "$status" -eq 0 ]
	player_done
	check_got "$BATS_FILE_TMPDIR/short.md5" 50 88
}

check_stdin() {
	server "$1"
	player stdin
	run bash -c 'set -o pipefail
		ffmpeg -nostdin -v error -i "$1" -c copy -f flv - |
			"$2" --speed max - "$3"' _ \
		"$FIXTURES/short.flv" "$RTMPPUSH" "$BASE/stdin"
	echo "$output"
	[ "$status" -eq 0 ]
	player_done
	check_got "$BATS_FILE_TMPDIR/short.md5" 50 88
}

@test "FLV to rtmpd: a player attached first gets every packet byte for byte and decodes h264 320x240 and aac 44100 stereo" {
	check_flv rtmpd
}

@test "raw .h264 + .aac to rtmpd: the player gets the access units and the ADTS payloads unchanged and decodes them" {
	check_raw rtmpd
}

@test ".flv.gz to rtmpd: the player gets the compressed file's packets" {
	check_gz rtmpd
}

@test "FLV on stdin from ffmpeg to rtmpd: the player gets every packet" {
	check_stdin rtmpd
}

@test "FLV to nginx-rtmp: a player attached first gets every packet byte for byte and decodes h264 320x240 and aac 44100 stereo" {
	check_flv nginx
}

@test "raw .h264 + .aac to nginx-rtmp: the player gets the access units and the ADTS payloads unchanged and decodes them" {
	check_raw nginx
}

@test ".flv.gz to nginx-rtmp: the player gets the compressed file's packets" {
	check_gz nginx
}

@test "FLV on stdin from ffmpeg to nginx-rtmp: the player gets every packet" {
	check_stdin nginx
}

# ---- pacing, timestamps, loops ---------------------------------------------

@test "a 10 s file takes 10 s to push in real time (within 5%), and under 2 s with --speed max" {
	server rtmpd
	local t0 ms
	t0=$(date +%s%N)
	run "$RTMPPUSH" "$FIXTURES/sample.flv" "$BASE/paced"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "real time: $ms ms"
	[ "$status" -eq 0 ]
	[ "$ms" -ge 9500 ] && [ "$ms" -le 10500 ]
	t0=$(date +%s%N)
	run "$RTMPPUSH" --speed max "$FIXTURES/sample.flv" "$BASE/max"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "--speed max: $ms ms"
	[ "$status" -eq 0 ]
	[ "$ms" -lt 2000 ]
}

@test "--start-ts 16777000 crosses 2^24 and nginx-rtmp's player sees continuous timestamps past 16777216" {
	server nginx
	player wrap -copyts
	run "$RTMPPUSH" --speed max --start-ts 16777000 "$FIXTURES/short.flv" \
		"$BASE/wrap"
	[ "$status" -eq 0 ]
	player_done
	run python3 "$BATS_FILE_TMPDIR/steps.py" "$T/got.md5" 100
	echo "$output"
	[ "$status" -eq 0 ]
	# nginx-rtmp passes timestamps through: from 16777000 to past 2^24.
	grep -v '^#' "$T/got.md5" | awk -F, '
		{ d = $2 + 0; if (min == "" || d < min) min = d; if (d > max) max = d }
		END { print min, max; exit !(min >= 16777000 && max > 16777216 + 1500) }'
	check_got "$BATS_FILE_TMPDIR/short.md5" 50 88
}

@test "--start-ts 16777000 through rtmpd: the player sees every frame with continuous timestamps" {
	server rtmpd
	player wrap
	run "$RTMPPUSH" --speed max --start-ts 16777000 "$FIXTURES/short.flv" \
		"$BASE/wrap"
	[ "$status" -eq 0 ]
	player_done
	run python3 "$BATS_FILE_TMPDIR/steps.py" "$T/got.md5" 100
	echo "$output"
	[ "$status" -eq 0 ]
	check_got "$BATS_FILE_TMPDIR/short.md5" 50 88
}

@test "--loop 2 sends twice the frames with timestamps that never step back" {
	server nginx
	player loop -copyts
	run "$RTMPPUSH" --speed max --loop 2 --json "$FIXTURES/short.flv" \
		"$BASE/loop"
	echo "$output"
	[ "$status" -eq 0 ]
	player_done
	# The second pass starts one audio frame after the first pass's last
	# audio frame: the video gap is the audio's lead plus one frame.
	run python3 "$BATS_FILE_TMPDIR/steps.py" "$T/got.md5" 200
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(count_of "$T/got.md5" video)" -eq 100 ]
	[ "$(count_of "$T/got.md5" audio)" -eq 176 ]
	python3 "$REPO_ROOT/tests/tools/cmp_packets.py" --loop \
		"$BATS_FILE_TMPDIR/short.md5" "$T/got.md5"
	grep -v '^#' "$T/got.md5" | awk -F, '{ if ($2 + 0 > max) max = $2 + 0 }
		END { print max; exit !(max >= 4000 && max < 4300) }'
}

@test "--duration 1 stops after one second of stream time" {
	server rtmpd
	run "$RTMPPUSH" --speed max --duration 1 --json "$FIXTURES/sample.flv" \
		"$BASE/dur"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read().splitlines()[-1])
assert s["reason"] == "duration", s
assert s["duration_ms"] < 1000 and s["video_frames"] == 25, s'
}

# ---- bad input -------------------------------------------------------------

@test "a truncated FLV publishes its valid part, then exits 7 naming the file and the offset" {
	server rtmpd
	head -c 10000 "$FIXTURES/short.flv" >"$T/cut.flv"
	run "$RTMPPUSH" --speed max --json "$T/cut.flv" "$BASE/cut"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"cut.flv: offset 9963: truncated FLV"* ]]
	[[ "$output" == *'"video_frames":18,'* ]]
	wait_log "$RTMPD_LOG" ' unpublish id=.* messages=48'
}

@test "garbage .h264, a bad ADTS header and an unknown format exit 7 naming the file and offset, without connecting" {
	local url="rtmp://127.0.0.1:$(free_port)/live/x"
	head -c 4096 /dev/urandom >"$T/garbage.h264"
	printf '\001\002' | dd of="$T/garbage.h264" conv=notrunc 2>/dev/null
	run "$RTMPPUSH" "$T/garbage.h264" "$url"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"garbage.h264: offset 0: not an H.264 Annex B stream"* ]]

	# The sync word of the tenth ADTS frame broken.
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
off = 0
for _ in range(10):
    off += (d[off + 3] & 3) << 11 | d[off + 4] << 3 | d[off + 5] >> 5
d[off] = 0x12
open(sys.argv[2], "wb").write(d)
print(off)' "$FIXTURES/sample.aac" "$T/bad.aac" >"$T/off"
	run "$RTMPPUSH" "$T/bad.aac" "$url"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"bad.aac: offset $(cat "$T/off"): bad ADTS header"* ]]

	head -c 3000 "$FIXTURES/sample.aac" >"$T/cut.aac"
	run "$RTMPPUSH" "$T/cut.aac" "$url"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"cut.aac: offset 2982: truncated ADTS frame"* ]]

	echo "just text" >"$T/notes.bin"
	run "$RTMPPUSH" "$T/notes.bin" "$url"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"notes.bin: unknown input format"* ]]

	run "$RTMPPUSH" --format flv "$FIXTURES/sample.h264" "$url"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"sample.h264: offset 0: not an FLV file"* ]]
}

@test "raw H.264 without VUI timing exits 7 naming the file, and publishes with --fps 25" {
	python3 "$BATS_FILE_TMPDIR/novui.py" "$FIXTURES/sample.h264" "$T/novui.h264"
	run "$RTMPPUSH" "$T/novui.h264" "rtmp://127.0.0.1:$(free_port)/live/x"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"novui.h264: the SPS has no usable frame rate"*"--fps"* ]]
	server rtmpd
	DECODE_OPTS='-vf setpts=N/(25*TB)'
	player novui
	run "$RTMPPUSH" --speed max --fps 25 "$T/novui.h264" "$BASE/novui"
	echo "$output"
	[ "$status" -eq 0 ]
	player_done
	[ "$(count_of "$T/got.md5" video)" -eq 250 ]
	grep -qE '^#dimensions [0-9]+: 320x240$' "$T/got.md5"
}

# ---- refusals, failures, signals -------------------------------------------

check_busy() {
	server "$1"
	"$RTMPPUSH" "$FIXTURES/short.flv" "$BASE/busy" 2>"$T/first.err" 3>&- &
	PUSH_PID=$!
	if [ "$1" = rtmpd ]; then
		wait_log "$SERVER_LOG" ' publish id='
	else
		wait_log "$SERVER_LOG" ' publish: name='
	fi
	run "$RTMPPUSH" --speed max "$FIXTURES/short.flv" "$BASE/busy"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"publish refused: NetStream.Publish.BadName"* ]]
	# The first publisher is unaffected.
	wait "$PUSH_PID"
	PUSH_PID=
}

@test "publishing to a busy name on rtmpd exits 5 with NetStream.Publish.BadName and rtmpd's reason" {
	check_busy rtmpd
	[[ "$output" == *"BadName: Stream live/busy is already being published."* ]]
}

@test "publishing to a busy name on nginx-rtmp exits 5 with NetStream.Publish.BadName and nginx's reason" {
	check_busy nginx
	[[ "$output" == *"BadName: Already publishing"* ]]
}

@test "connection refused (nothing listening) exits 3 naming the address" {
	local port
	port=$(free_port)
	run "$RTMPPUSH" "$FIXTURES/short.flv" "rtmp://127.0.0.1:$port/live/x"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot connect to 127.0.0.1:$port: Connection refused"* ]]
}

@test "a server that accepts and never answers gives exit 6 naming the handshake step within --timeout" {
	local port
	port=$(free_port)
	python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
c, _ = s.accept()
time.sleep(30)' "$port" 3>&- &
	FAKE_PID=$!
	wait_port "$port"
	local t0=$SECONDS
	run "$RTMPPUSH" --timeout 1 "$FIXTURES/short.flv" \
		"rtmp://127.0.0.1:$port/live/x"
	echo "$output"
	[ "$status" -eq 6 ]
	[[ "$output" == *"timed out in step handshake"* ]]
	[ $((SECONDS - t0)) -le 3 ]
}

@test "SIGTERM mid-push exits 0 after FCUnpublish and deleteStream: nginx-rtmp logs deleteStream before the disconnect" {
	server nginx
	"$RTMPPUSH" "$FIXTURES/sample.flv" "$BASE/term" 2>"$T/push.err" 3>&- &
	PUSH_PID=$!
	wait_log "$SERVER_LOG" ' publish: name='
	sleep 1
	kill -TERM "$PUSH_PID"
	local rc=0
	wait "$PUSH_PID" || rc=$?
	PUSH_PID=
	cat "$T/push.err"
	[ "$rc" -eq 0 ]
	wait_log "$SERVER_LOG" ' disconnect'
	# The publisher's connection number, then the order of its lines.
	local id first
	id=$(grep -o '\*[0-9]* publish: ' "$SERVER_LOG" | cut -d' ' -f1)
	first=$(grep -F "$id " "$SERVER_LOG" | grep -oE 'deleteStream|disconnect' | head -1)
	echo "$id: first $first"
	[ "$first" = deleteStream ]
}

@test "SIGTERM mid-push to rtmpd exits 0 and rtmpd logs the unpublish" {
	server rtmpd
	"$RTMPPUSH" -v "$FIXTURES/sample.flv" "$BASE/term" 2>"$T/push.err" 3>&- &
	PUSH_PID=$!
	wait_log "$SERVER_LOG" ' publish id='
	sleep 1
	kill -TERM "$PUSH_PID"
	local rc=0
	wait "$PUSH_PID" || rc=$?
	PUSH_PID=
	cat "$T/push.err"
	[ "$rc" -eq 0 ]
	grep -q 'end reason="terminated (SIGTERM)"' "$T/push.err"
	wait_log "$SERVER_LOG" ' unpublish id=.* stream=live/term'
	grep -q 'close id=1 .*reason="connection closed by peer"' "$SERVER_LOG"
}

@test "a server that stops reading gives exit 6 within the --timeout, with no more queued than --max-queue" {
	server rtmpd
	"$RTMPPUSH" --speed max --loop 0 --timeout 1 --max-queue 256k \
		"$FIXTURES/sample.flv" "$BASE/stall" 2>"$T/push.err" 3>&- &
	PUSH_PID=$!
	wait_log "$SERVER_LOG" ' publish id='
	kill -STOP "$RTMPD_PID"
	STOPPED_PID=$RTMPD_PID
	local t0=$SECONDS rc=0
	while kill -0 "$PUSH_PID" 2>/dev/null && ((SECONDS - t0 < 15)); do
		sleep 0.1
	done
	kill -CONT "$RTMPD_PID"
	STOPPED_PID=
	wait "$PUSH_PID" || rc=$?
	PUSH_PID=
	cat "$T/push.err"
	[ "$rc" -eq 6 ]
	grep -q 'output stalled: the server read nothing for 1.0 s' "$T/push.err"
	# The queue bound plus at most one message (a keyframe of sample.flv
	# is under 16 KiB).
	local q
	q=$(sed -n 's/.*(\([0-9]*\) bytes queued).*/\1/p' "$T/push.err")
	echo "queued $q"
	[ "$q" -le $((256 * 1024 + 16384)) ]
}

@test "--reconnect survives a server restart: publishing resumes on the same name with timestamps continuing" {
	server nginx
	local port=$NGINX_PORT worker
	"$RTMPPUSH" -v --json --reconnect --speed 2 "$FIXTURES/sample.flv" \
		"$BASE/re" >"$T/sum.json" 2>"$T/push.err" 3>&- &
	PUSH_PID=$!
	wait_log "$SERVER_LOG" ' publish: name='
	sleep 1.5
	# Kill nginx outright (worker, then master) and start it again on
	# the same port.
	worker=$(pgrep -P "$NGINX_PID")
	kill -9 $worker "$NGINX_PID"
	wait "$NGINX_PID" 2>/dev/null || true
	NGINX_PID=
	rm -f "$SERVER_LOG"
	start_nginx_notify "$port"
	# It may join after the publisher is back, in the middle of a GOP:
	# copy only, no decoding.
	DECODE=0 player re -copyts
	local rc=0
	wait "$PUSH_PID" || rc=$?
	PUSH_PID=
	cat "$T/push.err" "$T/sum.json"
	[ "$rc" -eq 0 ]
	player_done
	grep -q '"event":"reconnect"' "$T/push.err"
	grep -q '"reconnects":1,' "$T/sum.json"
	# The new publication goes on from where the first stopped (about
	# 3 s in), not from 0, and to the end of the file.
	run python3 "$BATS_FILE_TMPDIR/steps.py" "$T/got.md5" 2100
	echo "$output"
	[ "$status" -eq 0 ]
	grep -v '^#' "$T/got.md5" | awk -F, '
		{ d = $2 + 0; if (min == "" || d < min) min = d; if (d > max) max = d }
		END { print min, max; exit !(min >= 2000 && max >= 9900) }'
}

@test "--send-log has a line per audio and video message with the body's CRC-32, in order, for rtmppull --latency-log" {
	server rtmpd
	local t0
	t0=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)')
	run "$RTMPPUSH" --speed max --send-log "$T/send.log" \
		"$FIXTURES/short.flv" "$BASE/cam?key=1"
	[ "$status" -eq 0 ]
	python3 - "$FIXTURES/short.flv" "$T/send.log" "$t0" <<-'PY'
	import re, sys, time, zlib
	flv = open(sys.argv[1], "rb").read()
	want, off = [], 13
	while off + 11 <= len(flv):
	    typ, size = flv[off] & 0x1F, int.from_bytes(flv[off + 1:off + 4], "big")
	    body = flv[off + 11:off + 11 + size]
	    if typ in (8, 9) and size:
	        want.append("%08x %s %d cam" % (zlib.crc32(body),
	                                        "video" if typ == 9 else "audio", size))
	    off += 11 + size + 4
	lines = open(sys.argv[2]).read().splitlines()
	got = [l.split(" ", 1)[1] for l in lines]
	assert got == want, (len(got), len(want), got[:3], want[:3])
	t = [int(l.split()[0]) for l in lines]
	now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
	assert t == sorted(t) and int(sys.argv[3]) <= t[0] and t[-1] <= now, t[:3]
	assert all(re.fullmatch(r"\d+ [0-9a-f]{8} (audio|video) \d+ cam", l) for l in lines)
	print(len(lines), "lines")
	PY
}

# ---- command line ----------------------------------------------------------

@test "--help prints the synopsis and exits 0; --version names rtmpkit" {
	run "$RTMPPUSH" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: rtmppush [options] INPUT... URL" ]]
	[[ "$output" == *"--reconnect-max N"* ]]
	run "$RTMPPUSH" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "rtmppush (rtmpkit) "* ]]
}

@test "bad options and argument combinations exit 2 naming the option and the value" {
	local f=$FIXTURES/short.flv url=rtmp://127.0.0.1/live/x
	run "$RTMPPUSH" --speed fast "$f" "$url"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--speed"*"fast"* ]]
	run "$RTMPPUSH" --chunk-size 64 "$f" "$url"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--chunk-size"*"64"* ]]
	run "$RTMPPUSH" --format mp4 "$f" "$url"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--format"*"mp4"* ]]
	run "$RTMPPUSH" --loop -1 "$f" "$url"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--loop"*"-1"* ]]
	run "$RTMPPUSH" "$f"
	[ "$status" -eq 2 ]
	run "$RTMPPUSH" "$f" "$FIXTURES/sample.aac" "$url"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"an FLV input cannot be combined"* ]]
	run "$RTMPPUSH" "$FIXTURES/sample.aac" "$FIXTURES/sample.aac" "$url"
	[ "$status" -eq 2 ]
	run "$RTMPPUSH" --fps 30 "$f" "$url"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--fps applies to raw H.264"* ]]
	run bash -c 'cat "$1" | "$2" --loop 2 - "$3"' _ "$f" "$RTMPPUSH" "$url"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--loop 2 needs regular files"* ]]
}

@test "--json prints one summary object on stdout with the documented keys" {
	server rtmpd
	run bash -c '"$@" 2>/dev/null' _ "$RTMPPUSH" --speed max --json \
		"$FIXTURES/short.flv" "$BASE/json"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, lines
s = json.loads(lines[0])
keys = ["event", "url", "exit_code", "reason", "elapsed_ms", "video_frames",
        "audio_frames", "data_messages", "bytes", "duration_ms",
        "bitrate_kbps", "dropped", "loops", "reconnects", "first_timestamp",
        "last_timestamp"]
assert list(s) == keys, list(s)
assert s["event"] == "summary" and s["exit_code"] == 0, s
assert s["reason"] == "end_of_input", s
assert s["video_frames"] == 50 and s["audio_frames"] == 88, s
assert s["data_messages"] == 1 and s["loops"] == 1, s'
}
