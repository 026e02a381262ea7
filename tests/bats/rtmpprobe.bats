#!/usr/bin/env bats
# rtmpprobe end to end: against nginx-rtmp and rtmpd (with ffmpeg
# publishing), as a server for ffmpeg, and against small hostile servers
# written in Python for each exit status.

load helpers

teardown() {
	kill_bg ${BG_PIDS:-}
	stop_rtmpd
	stop_nginx
}

# ffmpeg_publish URL: ffmpeg publishes sample.flv in real time in the
# background.
ffmpeg_publish() {
	ffmpeg -nostdin -hide_banner -loglevel error -re -i "$FIXTURES/sample.flv" \
		-c copy -f flv "$1" >"$BATS_TEST_TMPDIR/ffmpeg-pub.log" 2>&1 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
}

# wait_listen PORT: until a socket listens on PORT, without connecting to
# it (a connection would be the one client of --once or ffmpeg -listen).
wait_listen() {
	local hex i
	hex=$(printf ':%04X ' "$1")
	for i in $(seq 200); do
		grep -q "$hex[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
		sleep 0.05
	done
	echo "nothing listens on port $1" >&2
	return 1
}

# py_server NAME: runs the Python server tests/bats would otherwise repeat
# (NAME is garbage, silent or http), prints nothing; sets PY_PORT.
py_server() {
	local kind=$1
	cat >"$BATS_TEST_TMPDIR/srv.py" <<-'PY'
	import os, socket, sys, time
	kind = sys.argv[1]
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	s.listen(4)
	with open(sys.argv[2] + ".tmp", "w") as f:
	    f.write(str(s.getsockname()[1]))
	os.rename(sys.argv[2] + ".tmp", sys.argv[2])
	c, _ = s.accept()
	def readn(n):
	    b = b""
	    while len(b) < n:
	        d = c.recv(n - len(b))
	        if not d:
	            sys.exit(0)
	        b += d
	    return b
	if kind == "silent":
	    time.sleep(30)
	elif kind == "http":
	    readn(1)
	    c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
	    time.sleep(2)
	else:
	    # A correct S0+S1+S2, then random bytes where chunks should be.
	    c0c1 = readn(1537)
	    c.sendall(b"\x03" + bytes(1536) + c0c1[1:])
	    readn(1536)
	    c.sendall(os.urandom(4096))
	    time.sleep(2)
	PY
	rm -f "$BATS_TEST_TMPDIR/port"
	python3 "$BATS_TEST_TMPDIR/srv.py" "$kind" "$BATS_TEST_TMPDIR/port" 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
	local i
	for i in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/port" ] && break
		sleep 0.05
	done
	PY_PORT=$(cat "$BATS_TEST_TMPDIR/port")
}

@test "rtmpprobe --help and --version succeed and bad usage exits 2 with a clear message" {
	run "$RTMPPROBE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--listen"* && "$output" == *"--publish-file"* ]]
	run "$RTMPPROBE" --version
	[ "$status" -eq 0 ]
	[[ "$output" == rtmpprobe* ]]
	run "$RTMPPROBE" --frames lots rtmp://127.0.0.1/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--frames"*"lots"* ]]
	run "$RTMPPROBE" --play rtmp://127.0.0.1/live
	[ "$status" -eq 2 ]
	[[ "$output" == *"names no stream"* ]]
	run "$RTMPPROBE" --once rtmp://127.0.0.1/live/x
	[ "$status" -eq 2 ]
	run "$RTMPPROBE" --connect-prop novalue rtmp://127.0.0.1/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--connect-prop"*"NAME=VALUE"* ]]
	run "$RTMPPROBE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"missing URL"* ]]
}

@test "against nginx-rtmp the log shows Window Ack Size 5000000, Set Peer Bandwidth, Set Chunk Size 4096 and Connect.Success" {
	start_nginx
	run "$RTMPPROBE" "rtmp://127.0.0.1:$NGINX_PORT/live/x"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"< window_ack_size window=5000000"* ]]
	[[ "$output" == *"< set_peer_bandwidth window=5000000 limit=dynamic"* ]]
	[[ "$output" == *"< set_chunk_size size=4096"* ]]
	[[ "$output" == *"< command _result txid=1 "*"NetConnection.Connect.Success"* ]]
	[[ "$output" == *"* tcp_connect local=127.0.0.1:"*" peer=127.0.0.1:$NGINX_PORT ms="* ]]
	[[ "$output" == *"< handshake S0+S1 version=3 "*"digest=false"* ]]
	[[ "$output" == *"< handshake S2 "*"echo_ok=true"* ]]
	[[ "$output" == *"> command createStream txid=2"* ]]
	[[ "$output" == *"* end exit_code=0 status=ok step=ready"* ]]
}

@test "--play on a stream ffmpeg publishes to nginx-rtmp shows Play.Start, metadata and a keyframe" {
	start_nginx
	ffmpeg_publish "rtmp://127.0.0.1:$NGINX_PORT/live/cam"
	sleep 1
	run "$RTMPPROBE" --play -t 8 "rtmp://127.0.0.1:$NGINX_PORT/live/cam"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"< command onStatus "*"NetStream.Play.Start"* ]]
	[[ "$output" == *"< data onMetaData "*"width: 320, height: 240"* ]]
	[[ "$output" == *"< video seq_header frame=key codec=avc1 "*"profile_name=Main level=1.3 width=320 height=240"* ]]
	[[ "$output" == *"< audio seq_header codec=mp4a "*"sample_rate=44100 channels=2"* ]]
	[[ "$output" == *"< video frame frame=key codec=avc1 "* ]]
	[[ "$output" == *"< first_keyframe timestamp="*" since_ms="* ]]
	[[ "$output" == *"* end exit_code=0 status=ok step=media"* ]]
}

@test "against rtmpd the log shows the connect answers, and --play shows Play.Start, metadata and a keyframe" {
	start_rtmpd
	run "$RTMPPROBE" "rtmp://127.0.0.1:$RTMPD_PORT/live/x"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"< window_ack_size window=5000000"* ]]
	[[ "$output" == *"< set_peer_bandwidth window="* ]]
	[[ "$output" == *"< set_chunk_size size="* ]]
	[[ "$output" == *"NetConnection.Connect.Success"* ]]
	ffmpeg_publish "rtmp://127.0.0.1:$RTMPD_PORT/live/cam"
	sleep 1
	run "$RTMPPROBE" --play -n 20 "rtmp://127.0.0.1:$RTMPD_PORT/live/cam"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"< user_control StreamBegin stream_id=1"* ]]
	[[ "$output" == *"NetStream.Play.Start"* ]]
	[[ "$output" == *"< data onMetaData "* ]]
	[[ "$output" == *"< video frame frame=key codec=avc1 "* ]]
	[[ "$output" == *"< first_keyframe "* ]]
	# 20 frames shown, the rest only counted.
	[ "$(grep -c ' frame codec=\| frame frame=' <<<"$output")" -eq 20 ]
	[[ "$output" == *"< summary video_frames="*"width=320 height=240"*"audio_codec=mp4a"* ]]
}

@test "--listen logs ffmpeg's connect properties, releaseStream, FCPublish, createStream, publish and its media" {
	local port
	port=$(free_port)
	"$RTMPPROBE" --listen "127.0.0.1:$port" --once -t 20 \
		>"$BATS_TEST_TMPDIR/listen.log" 2>&1 3>&- &
	local probe=$!
	BG_PIDS="$probe"
	wait_listen "$port"
	ffmpeg -nostdin -hide_banner -loglevel error -re -t 2 -i "$FIXTURES/sample.flv" \
		-c copy -f flv "rtmp://127.0.0.1:$port/live/x"
	local rc=0
	wait "$probe" || rc=$?
	BG_PIDS=
	cat "$BATS_TEST_TMPDIR/listen.log"
	[ "$rc" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/listen.log"
	[[ "$output" == *"#1 < handshake C0+C1 version=3 "*"flash_version=9.0.124.2 digest=true"* ]]
	[[ "$output" == *"#1 < command connect txid=1 {app: \"live\""*"flashVer: \"FMLE/3.0 (compatible; Lavf"*"tcUrl: \"rtmp://127.0.0.1:$port/live\""* ]]
	[[ "$output" == *"#1 > command _result txid=1 "*"NetConnection.Connect.Success"* ]]
	[[ "$output" == *"#1 < command releaseStream txid=2 null \"x\""* ]]
	[[ "$output" == *"#1 < command FCPublish txid=3 null \"x\""* ]]
	[[ "$output" == *"#1 < command createStream txid=4 null"* ]]
	[[ "$output" == *"#1 > command _result txid=4 null 1"* ]]
	[[ "$output" == *"#1 < command publish txid=5 msid=1 null \"x\" \"live\""* ]]
	[[ "$output" == *"#1 > command onStatus "*"NetStream.Publish.Start"* ]]
	[[ "$output" == *"#1 < video seq_header frame=key codec=avc1 "*"width=320 height=240"* ]]
	[[ "$output" == *"#1 < summary video_frames="*"video_codec=avc1 width=320 height=240"*"audio_codec=mp4a sample_rate=44100 channels=2"* ]]
	[[ "$output" == *"#1 * close "*"exit_code=0"* ]]
	# Two seconds of a 25 fps stream.
	local frames
	frames=$(sed -n 's/.*summary video_frames=\([0-9]*\).*/\1/p' <<<"$output")
	[ "$frames" -ge 45 ] && [ "$frames" -le 55 ]
}

@test "--listen decodes the Enhanced RTMP FourCCs rtmpprobe --publish-file sends" {
	local port
	port=$(free_port)
	"$RTMPPROBE" --listen "127.0.0.1:$port" --once -t 10 \
		>"$BATS_TEST_TMPDIR/listen.log" 2>&1 3>&- &
	local probe=$!
	BG_PIDS="$probe"
	wait_listen "$port"
	run "$RTMPPROBE" --publish-file "$FIXTURES/enhanced.flv" "rtmp://127.0.0.1:$port/live/e"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"> video seq_header frame=key codec=av01 "*"enhanced=true"* ]]
	[[ "$output" == *"> video metadata frame=command codec=av01 "* ]]
	local rc=0
	wait "$probe" || rc=$?
	BG_PIDS=
	cat "$BATS_TEST_TMPDIR/listen.log"
	[ "$rc" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/listen.log"
	[[ "$output" == *"#1 < video seq_header frame=key codec=av01 "*"enhanced=true"* ]]
	[[ "$output" == *"#1 < audio seq_header codec=Opus "*"enhanced=true"* ]]
	[[ "$output" == *"#1 < summary "*"video_codec=av01"*"audio_codec=Opus"* ]]
}

@test "--listen --once exits 6 naming the handshake when a client connects and says nothing" {
	local port
	port=$(free_port)
	"$RTMPPROBE" --listen "127.0.0.1:$port" --once --step-timeout 1 \
		>"$BATS_TEST_TMPDIR/listen.log" 2>&1 3>&- &
	local probe=$!
	BG_PIDS="$probe"
	wait_listen "$port"
	python3 -c 'import socket,time; s=socket.create_connection(("127.0.0.1",'"$port"')); time.sleep(3)' 3>&- &
	BG_PIDS="$probe $!"
	local rc=0
	wait "$probe" || rc=$?
	cat "$BATS_TEST_TMPDIR/listen.log"
	[ "$rc" -eq 6 ]
	grep -q "timed out in step handshake" "$BATS_TEST_TMPDIR/listen.log"
}

@test "nothing listening exits 3" {
	local port
	port=$(free_port)
	run "$RTMPPROBE" "rtmp://127.0.0.1:$port/live/x"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"status=connection_error step=tcp_connect"* ]]
	[[ "$output" == *"cannot connect to 127.0.0.1:$port"* ]]
}

@test "a server that sends garbage after the handshake exits 4" {
	py_server garbage
	run "$RTMPPROBE" "rtmp://127.0.0.1:$PY_PORT/live/x"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"< handshake S2 "* ]]
	[[ "$output" == *"status=protocol_error step=connect"* ]]
}

@test "a server that answers in HTTP exits 4 and is named as not speaking RTMP" {
	py_server http
	run "$RTMPPROBE" "rtmp://127.0.0.1:$PY_PORT/live/x"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"not speaking RTMP (first byte 0x48 'H'"* ]]
}

@test "a busy stream name with --publish exits 5 with BadName" {
	start_rtmpd
	ffmpeg_publish "rtmp://127.0.0.1:$RTMPD_PORT/live/busy"
	sleep 1
	run "$RTMPPROBE" --publish "rtmp://127.0.0.1:$RTMPD_PORT/live/busy"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"< command onStatus "*"level: \"error\", code: \"NetStream.Publish.BadName\""* ]]
	[[ "$output" == *"status=refused step=publish"*"code=NetStream.Publish.BadName"* ]]
}

@test "--play of a stream rtmpd does not have exits 5 with StreamNotFound" {
	start_rtmpd --play-not-found
	run "$RTMPPROBE" --play "rtmp://127.0.0.1:$RTMPD_PORT/live/nobody"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"code=NetStream.Play.StreamNotFound"* ]]
}

@test "a server that accepts TCP and never answers exits 6 within the timeout" {
	py_server silent
	local t0 t1
	t0=$(date +%s%N)
	run "$RTMPPROBE" -t 1.5 "rtmp://127.0.0.1:$PY_PORT/live/x"
	t1=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 6 ]
	[[ "$output" == *"timed out after 1.5 s in step handshake"* ]]
	local ms=$(((t1 - t0) / 1000000))
	echo "took $ms ms"
	[ "$ms" -ge 1400 ] && [ "$ms" -lt 3000 ]
	# The per-step limit alone does the same.
	run "$RTMPPROBE" --step-timeout 0.5 "rtmp://127.0.0.1:$PY_PORT/live/x"
	[ "$status" -eq 6 ]
}

@test "the built-in stream --publish sends is decoded by ffmpeg without an error" {
	local port
	port=$(free_port)
	ffmpeg -nostdin -hide_banner -loglevel error -listen 1 -timeout 10 \
		-i "rtmp://127.0.0.1:$port/live/x" -c copy -y "$BATS_TEST_TMPDIR/got.flv" \
		>"$BATS_TEST_TMPDIR/ffmpeg-listen.log" 2>&1 3>&- &
	local ff=$!
	BG_PIDS="$ff"
	wait_listen "$port"
	run "$RTMPPROBE" --publish -n 60 "rtmp://127.0.0.1:$port/live/x"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"> video seq_header frame=key codec=avc1 "*"profile=66 "*"width=64 height=64 fps=25"* ]]
	[[ "$output" == *"> audio seq_header codec=mp4a "*"sample_rate=44100 channels=1"* ]]
	[[ "$output" == *"> summary video_frames=22 audio_frames=38 keyframes=1"* ]]
	wait "$ff" || true
	BG_PIDS=
	run ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames \
		-of csv=p=0 "$BATS_TEST_TMPDIR/got.flv"
	echo "$output"
	[[ "$output" == *"h264,64,64,22"* ]]
	[[ "$output" == *"aac,38"* ]]
	run ffmpeg -nostdin -v warning -i "$BATS_TEST_TMPDIR/got.flv" -f null -
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--publish-file with a file that is not FLV exits 7 before connecting" {
	local port
	port=$(free_port)
	printf 'not a video\n' >"$BATS_TEST_TMPDIR/x.flv"
	run "$RTMPPROBE" --publish-file "$BATS_TEST_TMPDIR/x.flv" "rtmp://127.0.0.1:$port/live/x"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"not an FLV file"* ]]
	[[ "$output" != *"connecting"* ]]
}

@test "--json lines parse and carry the fields the man page documents" {
	start_rtmpd
	ffmpeg_publish "rtmp://127.0.0.1:$RTMPD_PORT/live/cam"
	sleep 1
	"$RTMPPROBE" --json -v --play -n 4 "rtmp://127.0.0.1:$RTMPD_PORT/live/cam" \
		>"$BATS_TEST_TMPDIR/probe.json"
	"$RTMPPROBE" --json --publish -n 4 "rtmp://127.0.0.1:$RTMPD_PORT/live/other" \
		>>"$BATS_TEST_TMPDIR/probe.json"
	run python3 - "$BATS_TEST_TMPDIR/probe.json" "$REPO_ROOT/man/rtmpprobe.1" <<-'PY'
	import json, re, sys
	lines = open(sys.argv[1]).read().splitlines()
	man = open(sys.argv[2]).read()
	documented = set(re.findall(r"^\.It Ic ([a-z_]+)", man, re.M))
	need = {
	    "connecting": ["url", "host", "port", "mode"],
	    "tcp_connect": ["local", "peer", "ms"],
	    "step": ["step", "prev", "prev_ms"],
	    "handshake": ["part", "bytes"],
	    "handshake_done": ["ms"],
	    "window_ack_size": ["window"],
	    "set_peer_bandwidth": ["window", "limit", "limit_type"],
	    "set_chunk_size": ["size"],
	    "user_control": ["name", "uc_type"],
	    "command": ["name", "txid", "object", "args"],
	    "data": ["name", "values", "metadata"],
	    "video": ["packet", "frame", "codec", "enhanced"],
	    "audio": ["packet", "codec", "enhanced"],
	    "first_keyframe": ["timestamp", "since_ms", "since"],
	    "raw": ["offset", "bytes", "hex", "truncated"],
	    "summary": ["video_frames", "audio_frames", "keyframes", "metadata"],
	    "end": ["exit_code", "status", "step", "reason", "ms"],
	}
	message = {"window_ack_size", "set_peer_bandwidth", "set_chunk_size",
	           "user_control", "command", "data", "video", "audio", "ack"}
	seen, raw_next = set(), {"<": 0, ">": 0}
	for n, line in enumerate(lines, 1):
	    o = json.loads(line)
	    for k in ("t_ms", "dir", "event"):
	        assert k in o, (n, k, line)
	    assert o["dir"] in ("<", ">", "*"), line
	    ev = o["event"]
	    assert ev in documented, ("undocumented event", ev)
	    seen.add(ev)
	    for k in need.get(ev, []):
	        assert k in o, (ev, k, line)
	    if ev in message:
	        for k in ("csid", "msid", "timestamp", "length"):
	            assert k in o, (ev, k, line)
	    if ev == "handshake" and o["part"] in ("C0+C1", "S0+S1"):
	        for k in ("version", "time", "flash_version", "digest"):
	            assert k in o, (k, line)
	    if ev == "handshake" and o["part"] == "S2":
	        assert o["echo_ok"] is True, line
	    if ev == "command" and o["name"] == "onStatus":
	        for k in ("level", "code", "description"):
	            assert k in o, (k, line)
	    if ev == "video" and o["packet"] == "seq_header":
	        for k in ("profile", "profile_name", "level", "width", "height"):
	            assert k in o, (k, line)
	    if ev == "audio" and o["packet"] == "seq_header":
	        for k in ("object_type", "sample_rate", "channels"):
	            assert k in o, (k, line)
	    if ev == "connecting":
	        raw_next = {"<": 0, ">": 0}
	    if ev == "raw":
	        # Every byte dumped once, in order, in each direction.
	        assert o["offset"] == raw_next[o["dir"]], (raw_next, line)
	        raw_next[o["dir"]] += o["bytes"]
	missing = set(need) - seen
	assert not missing, ("events never seen", missing)
	assert sum(1 for l in lines if json.loads(l)["event"] == "end") == 2
	print("ok", len(lines), "lines,", len(seen), "event types")
	PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == ok* ]]
}
