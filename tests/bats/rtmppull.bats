#!/usr/bin/env bats
# rtmppull end to end: against nginx-rtmp and rtmpd with ffmpeg publishing,
# and against a small scripted server for refusals, timestamp wrap and
# dropped connections.

load helpers

setup_file() {
	# A scripted RTMP server: answers connect and createStream, then on
	# play either refuses (notfound), or sends video frames whose
	# timestamps start at a chosen value then StreamEOF + UnpublishNotify
	# (frames; restart: the clock goes back to 0 half way; aggregate: all
	# in one aggregate message), or cuts the first connection half way without a word and
	# sends the rest on the next one (drop).
	cat >"$BATS_FILE_TMPDIR/fake_rtmp.py" <<-'PY'
	import os, socket, struct, sys

	mode, port = sys.argv[1], int(sys.argv[2])
	start_ts = int(sys.argv[3]) if len(sys.argv) > 3 else 0
	nframes = int(sys.argv[4]) if len(sys.argv) > 4 else 20

	def amf_str(s):
	    b = s.encode()
	    return b'\x02' + struct.pack('>H', len(b)) + b
	def amf_num(v):
	    return b'\x00' + struct.pack('>d', v)
	def amf_obj(d):
	    out = b'\x03'
	    for k, v in d.items():
	        kb = k.encode()
	        out += struct.pack('>H', len(kb)) + kb
	        out += amf_str(v) if isinstance(v, str) else amf_num(v)
	    return out + b'\x00\x00\x09'

	class Conn:
	    def __init__(self, s):
	        self.s, self.buf, self.in_chunk, self.out_chunk = s, b'', 128, 128
	        self.cs = {}
	    def need(self, n):
	        while len(self.buf) < n:
	            d = self.s.recv(65536)
	            if not d:
	                raise EOFError
	            self.buf += d
	        r, self.buf = self.buf[:n], self.buf[n:]
	        return r
	    def read_msg(self):
	        while True:
	            b0 = self.need(1)[0]
	            fmt, csid = b0 >> 6, b0 & 0x3f
	            if csid == 0:
	                csid = 64 + self.need(1)[0]
	            elif csid == 1:
	                x = self.need(2); csid = 64 + x[0] + x[1] * 256
	            st = self.cs.setdefault(csid, {'len': 0, 'type': 0, 'sid': 0,
	                                           'data': b'', 'ext': False})
	            if fmt <= 2:
	                ts = int.from_bytes(self.need(3), 'big')
	                if fmt <= 1:
	                    st['len'] = int.from_bytes(self.need(3), 'big')
	                    st['type'] = self.need(1)[0]
	                if fmt == 0:
	                    st['sid'] = struct.unpack('<I', self.need(4))[0]
	                st['ext'] = ts == 0xFFFFFF
	                if st['ext']:
	                    self.need(4)
	            elif st['ext']:
	                self.need(4)
	            n = min(self.in_chunk, st['len'] - len(st['data']))
	            st['data'] += self.need(n)
	            if len(st['data']) == st['len']:
	                d, st['data'] = st['data'], b''
	                if st['type'] == 1:
	                    self.in_chunk = struct.unpack('>I', d)[0]
	                    continue
	                return st['type'], st['sid'], d
	    def send(self, csid, typ, sid, ts, payload):
	        ext = ts >= 0xFFFFFF
	        h = bytes([csid]) + (0xFFFFFF if ext else ts).to_bytes(3, 'big')
	        h += len(payload).to_bytes(3, 'big') + bytes([typ])
	        h += struct.pack('<I', sid) + (struct.pack('>I', ts) if ext else b'')
	        out = b''
	        for i in range(0, max(len(payload), 1), self.out_chunk):
	            if i:
	                out += bytes([0xC0 | csid])
	                out += struct.pack('>I', ts) if ext else b''
	            else:
	                out += h
	            out += payload[i:i + self.out_chunk]
	        self.s.sendall(out)
	    def status(self, level, code, desc):
	        body = amf_str('onStatus') + amf_num(0) + b'\x05'
	        body += amf_obj({'level': level, 'code': code, 'description': desc})
	        self.send(5, 20, 1, 0, body)

	def head(d):
	    n = struct.unpack('>H', d[1:3])[0]
	    txid = struct.unpack('>d', d[4 + n:12 + n])[0] if len(d) >= 12 + n else 0
	    return d[3:3 + n].decode(), txid

	ls = socket.socket()
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind(('127.0.0.1', port))
	ls.listen(4)
	plays = 0
	while True:
	    s, _ = ls.accept()
	    c = Conn(s)
	    try:
	        c1 = c.need(1537)
	        s.sendall(b'\x03' + b'\x00' * 8 + os.urandom(1528) + c1[1:])
	        c.need(1536)
	        c.send(2, 1, 0, 0, struct.pack('>I', 4096))
	        c.out_chunk = 4096
	        while True:
	            typ, sid, d = c.read_msg()
	            if typ != 20:
	                continue
	            name, txid = head(d)
	            if name == 'connect':
	                c.send(3, 20, 0, 0, amf_str('_result') + amf_num(txid) +
	                       amf_obj({'fmsVer': 'FMS/3,0,1,123',
	                                'capabilities': 31}) +
	                       amf_obj({'level': 'status',
	                                'code': 'NetConnection.Connect.Success',
	                                'description': 'ok',
	                                'objectEncoding': 0}))
	            elif name == 'createStream':
	                c.send(3, 20, 0, 0, amf_str('_result') + amf_num(txid) +
	                       b'\x05' + amf_num(1))
	            elif name == 'play':
	                if mode == 'notfound':
	                    c.status('error', 'NetStream.Play.StreamNotFound',
	                             'No such stream')
	                    continue
	                c.status('status', 'NetStream.Play.Start', 'Started')
	                first, last = 0, nframes
	                if mode == 'aggregate':
	                    # FMS style: the frames as FLV tags in one message
	                    # (type 22), their own timestamps relative.
	                    agg = b''
	                    for i in range(nframes):
	                        body = bytes([0x17 if i % 10 == 0 else 0x27, 1, 0, 0, 0])
	                        body += struct.pack('>I', i) * 8
	                        tag = bytes([9]) + len(body).to_bytes(3, 'big')
	                        tag += (1000 + i * 40).to_bytes(3, 'big') + b'\0' * 4
	                        agg += tag + body + struct.pack('>I', 11 + len(body))
	                    c.send(6, 22, 1, start_ts, agg)
	                    first = last = nframes
	                if mode == 'drop':
	                    half = nframes // 2
	                    first, last = (0, half) if plays == 0 else (half, nframes)
	                    plays += 1
	                    c.send(6, 9, 1, (start_ts + first * 40) & 0xFFFFFFFF,
	                           bytes([0x17, 0, 0, 0, 0, 1, 0x4d, 0, 0x0d,
	                                  0xff, 0xe0, 0]))
	                for i in range(first, last):
	                    body = bytes([0x17 if i % 10 == 0 else 0x27, 1, 0, 0, 0])
	                    body += struct.pack('>I', i) * 8
	                    ts = start_ts + i * 40
	                    # 'restart': the publisher's clock restarts at 0
	                    # half way, and the server says nothing.
	                    if mode == 'restart' and i >= nframes // 2:
	                        ts = (i - nframes // 2) * 40
	                    c.send(6, 9, 1, ts & 0xFFFFFFFF, body)
	                if last < nframes:
	                    raise EOFError
	                c.send(2, 4, 0, 0, struct.pack('>HI', 1, 1))
	                c.status('status', 'NetStream.Play.UnpublishNotify', 'gone')
	    except (EOFError, ConnectionError):
	        pass
	    s.close()
	PY

	# FLV structure: signature, header, every PreviousTagSize, nothing
	# cut short; prints "type timestamp size" per tag.
	cat >"$BATS_FILE_TMPDIR/flv_tags.py" <<-'PY'
	import sys
	d = open(sys.argv[1], 'rb').read()
	assert d[:4] == b'FLV\x01', 'bad signature'
	off = int.from_bytes(d[5:9], 'big')
	assert int.from_bytes(d[off:off + 4], 'big') == 0, 'PreviousTagSize0'
	o = off + 4
	while o < len(d):
	    assert d[o] in (8, 9, 18), 'tag type %d at offset %d' % (d[o], o)
	    size = int.from_bytes(d[o + 1:o + 4], 'big')
	    ts = int.from_bytes(d[o + 4:o + 7], 'big') | d[o + 7] << 24
	    assert o + 15 + size <= len(d), 'tag cut short at offset %d' % o
	    prev = int.from_bytes(d[o + 11 + size:o + 15 + size], 'big')
	    assert prev == 11 + size, 'PreviousTagSize at offset %d' % o
	    print(d[o], ts, size)
	    o += 15 + size
	PY

	# is_run SUB FULL MIN: SUB's lines appear, in order and contiguous, in
	# FULL, and there are at least MIN of them.
	cat >"$BATS_FILE_TMPDIR/is_run.py" <<-'PY'
	import sys
	sub = open(sys.argv[1]).read().split()
	full = open(sys.argv[2]).read().split()
	if len(sub) < int(sys.argv[3]):
	    sys.exit('only %d lines in %s' % (len(sub), sys.argv[1]))
	for i in range(len(full) - len(sub) + 1):
	    if full[i:i + len(sub)] == sub:
	        sys.exit(0)
	sys.exit('%s is not a contiguous run of %s' % (sys.argv[1], sys.argv[2]))
	PY
}

setup() {
	PUB_PID= PULL_PID= PULL2_PID= FAKE_PID= NGINX_PID= RTMPD_PID=
	T="$BATS_TEST_TMPDIR"
}

teardown() {
	kill_bg "$PUB_PID" "$PULL_PID" "$PULL2_PID" "$FAKE_PID"
	stop_nginx
	stop_rtmpd
}

# publish FILE URL: ffmpeg in real time, in the background.
publish() {
	ffmpeg -nostdin -v error -re -i "$1" -c copy -f flv "$2" \
		>"$T/ffmpeg.log" 2>&1 3>&- &
	PUB_PID=$!
}

# wait_playing ERRFILE: until rtmppull -v logged that play started.
wait_playing() {
	local deadline=$((SECONDS + 10))
	while ((SECONDS < deadline)); do
		grep -qE ' playing |"playing"' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "rtmppull never started playing; stderr:" >&2
	cat "$1" >&2
	return 1
}

# start_fake MODE [START_TS NFRAMES]: the scripted server; sets FAKE_PORT.
start_fake() {
	FAKE_PORT=$(free_port)
	python3 "$BATS_FILE_TMPDIR/fake_rtmp.py" "$1" "$FAKE_PORT" "${@:2}" \
		>"$T/fake.log" 2>&1 3>&- &
	FAKE_PID=$!
	wait_port "$FAKE_PORT" 10
}

# stream_hashes FILE v|a: "size,CRC32:hash" per packet of one kind.
stream_hashes() {
	ffprobe -v error -select_streams "$2" -show_entries packet=size,data_hash \
		-show_data_hash CRC32 -of csv=p=0 "$1"
}

# frame_crcs INFOFILE video|audio: CRC column of the frame lines.
frame_crcs() {
	awk -v t="$2" '$2 == t && ($4 == "key" || $4 == "inter" || $4 == "frame") { print $7 }' "$1"
}

# ---- checks shared by nginx-rtmp and rtmpd ------------------------------

check_pipe_to_ffprobe() {
	local url=$1/pipe
	(set -o pipefail; "$RTMPPULL" -v "$url" 2>"$T/pull.err" 3>&- |
		ffprobe -v error -show_entries stream=codec_name,width,height \
			-of csv=p=0 - >"$T/probe.txt" 2>&1) 3>&- &
	PULL_PID=$!
	wait_playing "$T/pull.err"
	publish "$FIXTURES/short.flv" "$url"
	wait "$PULL_PID"
	PULL_PID=
	cat "$T/probe.txt"
	grep -qx 'h264,320,240' "$T/probe.txt"
	grep -qx 'aac' "$T/probe.txt"
}

check_recording_matches_source() {
	local url=$1/rec
	publish "$FIXTURES/sample.flv" "$url"
	# Join half a second in, so the recording starts mid-stream.
	sleep 0.5
	run "$RTMPPULL" -d 3 -o "$T/rec.flv" "$url"
	[ "$status" -eq 0 ]
	ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
		"$T/rec.flv" >"$T/codecs.txt"
	grep -qx h264 "$T/codecs.txt"
	grep -qx aac "$T/codecs.txt"
	python3 "$BATS_FILE_TMPDIR/flv_tags.py" "$T/rec.flv" >/dev/null
	for k in v a; do
		stream_hashes "$T/rec.flv" $k >"$T/rec.$k"
		stream_hashes "$FIXTURES/sample.flv" $k >"$T/src.$k"
	done
	# 3 s of stream time from the first frame: at most 75 video frames
	# (video may start later than audio, at the next keyframe).
	python3 "$BATS_FILE_TMPDIR/is_run.py" "$T/rec.v" "$T/src.v" 25
	python3 "$BATS_FILE_TMPDIR/is_run.py" "$T/rec.a" "$T/src.a" 100
	[ "$(wc -l <"$T/rec.v")" -le 76 ]
}

check_two_pulls_agree() {
	local url=$1/two
	"$RTMPPULL" -v --info "$url" >"$T/a.txt" 2>"$T/a.err" 3>&- &
	PULL_PID=$!
	"$RTMPPULL" -v --info "$url" >"$T/b.txt" 2>"$T/b.err" 3>&- &
	PULL2_PID=$!
	wait_playing "$T/a.err"
	wait_playing "$T/b.err"
	publish "$FIXTURES/short.flv" "$url"
	wait "$PULL_PID"
	wait "$PULL2_PID"
	PULL_PID= PULL2_PID=
	for k in video audio; do
		frame_crcs "$T/a.txt" $k >"$T/a.$k"
		frame_crcs "$T/b.txt" $k >"$T/b.$k"
		cmp "$T/a.$k" "$T/b.$k"
	done
	# Both saw the whole stream: 50 video and 88 audio frames, whose
	# CRCs are ffprobe's packet hashes of the published file.
	[ "$(wc -l <"$T/a.video")" -eq 50 ]
	[ "$(wc -l <"$T/a.audio")" -eq 88 ]
	stream_hashes "$FIXTURES/short.flv" v | sed 's/.*CRC32://' >"$T/src.video"
	stream_hashes "$FIXTURES/short.flv" a | sed 's/.*CRC32://' >"$T/src.audio"
	cmp "$T/a.video" "$T/src.video"
	cmp "$T/a.audio" "$T/src.audio"
	grep -q '^summary frames=138 video_frames=50 audio_frames=88 ' "$T/a.txt"
}

check_exit_when_publisher_ends() {
	local url=$1/ends
	"$RTMPPULL" -v -o "$T/out.flv" "$url" 2>"$T/pull.err" 3>&- &
	PULL_PID=$!
	wait_playing "$T/pull.err"
	publish "$FIXTURES/short.flv" "$url"
	wait "$PUB_PID"
	PUB_PID=
	local t0 rc=0
	t0=$(date +%s%N)
	wait "$PULL_PID" || rc=$?
	PULL_PID=
	local ms=$((($(date +%s%N) - t0) / 1000000))
	echo "rtmppull exited $rc, ${ms} ms after the publisher"
	[ "$rc" -eq 0 ]
	[ "$ms" -lt 1000 ]
}

# ---- nginx-rtmp ---------------------------------------------------------

@test "rtmppull piped to ffprobe decodes h264 320x240 and aac from nginx-rtmp" {
	start_nginx
	check_pipe_to_ffprobe "rtmp://127.0.0.1:$NGINX_PORT/live"
}

@test "a recording from nginx-rtmp joined mid-stream holds a contiguous run of the published packets" {
	start_nginx
	check_recording_matches_source "rtmp://127.0.0.1:$NGINX_PORT/live"
}

@test "two simultaneous --info pulls from nginx-rtmp see the same frames with the source's CRCs" {
	start_nginx
	check_two_pulls_agree "rtmp://127.0.0.1:$NGINX_PORT/live"
}

@test "rtmppull exits 0 within a second when the publisher ends on nginx-rtmp" {
	start_nginx
	check_exit_when_publisher_ends "rtmp://127.0.0.1:$NGINX_PORT/live"
}

@test "--json lines parse and describe every frame, sequence header and the summary" {
	start_nginx
	local url="rtmp://127.0.0.1:$NGINX_PORT/live/json"
	"$RTMPPULL" -v --json "$url" >"$T/out.json" 2>"$T/pull.err" 3>&- &
	PULL_PID=$!
	wait_playing "$T/pull.err"
	publish "$FIXTURES/short.flv" "$url"
	wait "$PULL_PID"
	PULL_PID=
	python3 - "$T/out.json" <<-'PY'
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1])]
	frames = [o for o in lines if o['type'] in ('video', 'audio')
	          and o['kind'] in ('key', 'inter', 'frame')]
	assert len(frames) == 138, len(frames)
	for o in frames:
	    for k in ('ts', 'codec', 'keyframe', 'size', 'payload_size', 'cts', 'crc32'):
	        assert k in o, (k, o)
	    assert len(o['crc32']) == 8
	vseq = [o for o in lines if o['type'] == 'video' and o['kind'] == 'seq'][0]
	assert (vseq['width'], vseq['height'], vseq['profile'], vseq['level']) == \
	    (320, 240, 'Main', '1.3'), vseq
	aseq = [o for o in lines if o['type'] == 'audio' and o['kind'] == 'seq'][0]
	assert (aseq['sample_rate'], aseq['channels']) == (44100, 2), aseq
	assert any(o['type'] == 'data' and o['name'] == 'onMetaData' for o in lines)
	s = lines[-1]
	assert s['type'] == 'summary' and s['frames'] == 138, s
	assert s['keyframes'] == 1 and s['reason'] == 'unpublished', s
	assert 1900 <= s['duration_ms'] <= 2100 and s['bitrate_kbps'] > 50, s
	PY
	# The logs on stderr are JSON lines too.
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/pull.err"
}

@test "a stream nobody publishes ends with exit 6 after --timeout 2" {
	start_nginx
	local t0=$SECONDS
	run "$RTMPPULL" --timeout 2 -o "$T/out.flv" "rtmp://127.0.0.1:$NGINX_PORT/live/nobody"
	echo "$output"
	[ "$status" -eq 6 ]
	[[ "$output" == *"no data for 2.0 s"* ]]
	[ $((SECONDS - t0)) -le 4 ]
}

@test "--frames 50 exits 0 after exactly 50 frames" {
	start_nginx
	local url="rtmp://127.0.0.1:$NGINX_PORT/live/fifty"
	"$RTMPPULL" -v --frames 50 -o "$T/f.flv" "$url" 2>"$T/pull.err" 3>&- &
	PULL_PID=$!
	"$RTMPPULL" -v --frames 50 --info "$url" >"$T/f.txt" 2>"$T/pull2.err" 3>&- &
	PULL2_PID=$!
	wait_playing "$T/pull.err"
	wait_playing "$T/pull2.err"
	publish "$FIXTURES/sample.flv" "$url"
	wait "$PULL_PID"
	wait "$PULL2_PID"
	PULL_PID= PULL2_PID=
	local n
	n=$(ffprobe -v error -count_packets -show_entries stream=nb_read_packets \
		-of csv=p=0 "$T/f.flv" | paste -sd+ | bc)
	echo "packets: $n"
	[ "$n" -eq 50 ]
	[ "$(grep -cE '^[0-9]+ (video|audio) [^ ]+ (key|inter|frame) ' "$T/f.txt")" -eq 50 ]
	grep -q '^summary frames=50 .* reason=frames$' "$T/f.txt"
}

@test "SIGTERM in the middle of a recording leaves a valid FLV and exits 0" {
	start_nginx
	local url="rtmp://127.0.0.1:$NGINX_PORT/live/term"
	publish "$FIXTURES/sample.flv" "$url"
	"$RTMPPULL" -v -o "$T/term.flv" "$url" 2>"$T/pull.err" 3>&- &
	PULL_PID=$!
	wait_playing "$T/pull.err"
	sleep 2
	kill -TERM "$PULL_PID"
	local rc=0
	wait "$PULL_PID" || rc=$?
	PULL_PID=
	[ "$rc" -eq 0 ]
	python3 "$BATS_FILE_TMPDIR/flv_tags.py" "$T/term.flv" >"$T/tags.txt"
	[ "$(grep -c '^9 ' "$T/tags.txt")" -ge 10 ]
	ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T/term.flv" |
		grep -qx h264
	if [ -x "$RTMPDUMPFLV" ]; then
		"$RTMPDUMPFLV" --check "$T/term.flv"
	fi
}

@test "--wait keeps one continuous FLV across a republish" {
	start_nginx
	local url="rtmp://127.0.0.1:$NGINX_PORT/live/again"
	"$RTMPPULL" -v --wait --frames 200 -o "$T/w.flv" "$url" 2>"$T/pull.err" 3>&- &
	PULL_PID=$!
	wait_playing "$T/pull.err"
	publish "$FIXTURES/short.flv" "$url"
	wait "$PUB_PID"
	publish "$FIXTURES/short.flv" "$url"
	local rc=0
	wait "$PULL_PID" || rc=$?
	PULL_PID=
	[ "$rc" -eq 0 ]
	grep -q 'unpublished.*waiting' "$T/pull.err"
	python3 "$BATS_FILE_TMPDIR/flv_tags.py" "$T/w.flv" >"$T/tags.txt"
	# One header; the unchanged sequence headers and onMetaData are not
	# repeated; video timestamps never go back.
	[ "$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(b"FLV\x01"))' "$T/w.flv")" -eq 1 ]
	[ "$(grep -c '^18 ' "$T/tags.txt")" -eq 1 ]
	awk '$1 == 9 { if ($2 < last) exit 1; last = $2 }' "$T/tags.txt"
	n=$(ffprobe -v error -count_packets -show_entries stream=nb_read_packets \
		-of csv=p=0 "$T/w.flv" | paste -sd+ | bc)
	[ "$n" -eq 200 ]
}

# ---- rtmpd --------------------------------------------------------------

@test "rtmppull piped to ffprobe decodes h264 320x240 and aac from rtmpd" {
	start_rtmpd
	check_pipe_to_ffprobe "rtmp://127.0.0.1:$RTMPD_PORT/live"
}

@test "a recording from rtmpd joined mid-stream holds a contiguous run of the published packets" {
	start_rtmpd
	check_recording_matches_source "rtmp://127.0.0.1:$RTMPD_PORT/live"
}

@test "two simultaneous --info pulls from rtmpd see the same frames with the source's CRCs" {
	start_rtmpd
	check_two_pulls_agree "rtmp://127.0.0.1:$RTMPD_PORT/live"
}

@test "rtmppull exits 0 within a second when the publisher ends on rtmpd" {
	start_rtmpd
	check_exit_when_publisher_ends "rtmp://127.0.0.1:$RTMPD_PORT/live"
}

@test "a play refused by rtmpd --play-not-found exits 5 with StreamNotFound" {
	start_rtmpd --play-not-found
	run "$RTMPPULL" -o "$T/out.flv" "rtmp://127.0.0.1:$RTMPD_PORT/live/missing"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"play refused: NetStream.Play.StreamNotFound"* ]]
}

# ---- scripted server ----------------------------------------------------

@test "a play refused with StreamNotFound exits 5 with the server's code and description" {
	start_fake notfound
	run "$RTMPPULL" -o "$T/out.flv" "rtmp://127.0.0.1:$FAKE_PORT/live/missing"
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *"NetStream.Play.StreamNotFound: No such stream"* ]]
}

@test "timestamps stay continuous when the server's wrap at 2^32" {
	start_fake frames $((4294967296 - 200)) 20
	run "$RTMPPULL" --info "rtmp://127.0.0.1:$FAKE_PORT/live/wrap"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '$2 == "video" { print $1 }' | paste -sd' ')" = \
		"$(seq -s' ' 0 40 760)" ]
	run "$RTMPPULL" --info --keep-timestamps "rtmp://127.0.0.1:$FAKE_PORT/live/wrap"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '$2 == "video" { print $1 }' | tail -1)" = \
		$((4294967296 - 200 + 760)) ]
}

@test "timestamps stay continuous when the server's cross 2^24 into the extended field" {
	start_fake frames $((16777216 - 200)) 20
	run "$RTMPPULL" -o "$T/x.flv" "rtmp://127.0.0.1:$FAKE_PORT/live/ext"
	[ "$status" -eq 0 ]
	python3 "$BATS_FILE_TMPDIR/flv_tags.py" "$T/x.flv" >"$T/tags.txt"
	[ "$(awk '{ print $2 }' "$T/tags.txt" | paste -sd' ')" = "$(seq -s' ' 0 40 760)" ]
}

@test "a publisher clock that restarts at 0 without notice keeps the output timeline continuous" {
	start_fake restart 100000 20
	run "$RTMPPULL" --info "rtmp://127.0.0.1:$FAKE_PORT/live/restart"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '$2 == "video" { print $1 }' | paste -sd' ')" = \
		"$(seq -s' ' 0 40 760)" ]
}

@test "frames inside an aggregate message are unpacked with their own timestamps" {
	start_fake aggregate 7000 20
	run "$RTMPPULL" --info "rtmp://127.0.0.1:$FAKE_PORT/live/agg"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '$2 == "video" { print $1 }' | paste -sd' ')" = \
		"$(seq -s' ' 0 40 760)" ]
	[ "$(echo "$output" | grep -c ' video AVC key 37 0 ')" -eq 2 ]
}

@test "--reconnect writes one continuous FLV across a dropped connection" {
	start_fake drop 5000 20
	run "$RTMPPULL" -v --reconnect -o "$T/r.flv" "rtmp://127.0.0.1:$FAKE_PORT/live/drop"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reconnect"* ]]
	python3 "$BATS_FILE_TMPDIR/flv_tags.py" "$T/r.flv" >"$T/tags.txt"
	cat "$T/tags.txt"
	# The sequence header once, then 20 frames 40 ms apart.
	[ "$(wc -l <"$T/tags.txt")" -eq 21 ]
	[ "$(awk 'NR > 1 { print $2 }' "$T/tags.txt" | paste -sd' ')" = "$(seq -s' ' 0 40 760)" ]
}

@test "--reconnect gives up after --reconnect-max attempts with the last failure's code" {
	local port
	port=$(free_port)
	run "$RTMPPULL" --reconnect --reconnect-max 2 -o "$T/r.flv" "rtmp://127.0.0.1:$port/live/x"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"giving up after 2 attempts"* ]]
}

# ---- usage --------------------------------------------------------------

@test "nothing listening exits 3 naming the address" {
	local port
	port=$(free_port)
	run "$RTMPPULL" -o "$T/out.flv" "rtmp://127.0.0.1:$port/live/x"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot connect to 127.0.0.1:$port"* ]]
	# With --json the error is a JSON log line carrying the exit code.
	run "$RTMPPULL" --json "rtmp://127.0.0.1:$port/live/x"
	[ "$status" -eq 3 ]
	echo "$output" | python3 -c 'import json,sys; o = json.loads(sys.stdin.read()); assert o["event"] == "error" and o["exit_code"] == 3, o'
}

@test "FLV is not written to a terminal (exit 2), --info is" {
	run script -qec "$RTMPPULL rtmp://127.0.0.1:1/live/x" /dev/null
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"refusing to write binary FLV to a terminal"* ]]
	# --info to a terminal is allowed: it goes on to connect (and fails).
	run script -qec "$RTMPPULL --info rtmp://127.0.0.1:1/live/x" /dev/null
	[ "$status" -eq 3 ]
}

@test "--help and --version exit 0; bad options exit 2 naming the option" {
	run "$RTMPPULL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: rtmppull [options] URL"* ]]
	run "$RTMPPULL" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"rtmppull (rtmpkit)"* ]]
	run "$RTMPPULL" --frames 0 rtmp://h/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--frames"* ]]
	run "$RTMPPULL" --timeout soon rtmp://h/live/x
	[ "$status" -eq 2 ]
	[[ "$output" == *"--timeout: 'soon'"* ]]
	run "$RTMPPULL" -o "$T/x.flv" rtmp://h/live
	[ "$status" -eq 2 ]
	[[ "$output" == *"names no stream"* ]]
	run "$RTMPPULL"
	[ "$status" -eq 2 ]
	[[ "$output" == *"missing URL"* ]]
}
