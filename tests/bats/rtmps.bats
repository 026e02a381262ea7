#!/usr/bin/env bats
# RTMPS end to end: rtmpd's --tls-listen next to a plain listener, with a
# CA and a "localhost" certificate made per test; ffmpeg, rtmppush,
# rtmppull and rtmpprobe as TLS clients; certificate verification
# (--ca-file, the system store, --insecure) and what each side reports when
# it fails.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	make_certs
}

teardown() {
	kill_bg ${BG_PIDS:-}
	stop_rtmpd
}

# make_certs: in $T, ca.pem (a self-signed CA), srv.pem/srv.key (signed by
# it for localhost and 127.0.0.1) and other.pem/other.key (another
# self-signed CA, which signed nothing we serve). EC keys: quick to make.
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
make_certs() {
	openssl req -x509 "${EC[@]}" -keyout "$T/ca.key" -out "$T/ca.pem" \
		-days 2 -subj "/CN=rtmpkit test CA" 2>/dev/null
	openssl req -x509 "${EC[@]}" -keyout "$T/other.key" -out "$T/other.pem" \
		-days 2 -subj "/CN=other test CA" 2>/dev/null
	issue_cert ca srv
	[ -s "$T/srv.pem" ] && [ -s "$T/other.pem" ]
}

# issue_cert CA NAME [SAN]: $T/NAME.pem and $T/NAME.key signed by
# $T/CA.pem, for localhost and 127.0.0.1 unless SAN says otherwise.
issue_cert() {
	openssl req "${EC[@]}" -keyout "$T/$2.key" -out "$T/$2.csr" \
		-subj "/CN=localhost" 2>/dev/null
	printf 'subjectAltName=%s\n' "${3:-DNS:localhost,IP:127.0.0.1}" >"$T/san.cnf"
	openssl x509 -req -in "$T/$2.csr" -CA "$T/$1.pem" -CAkey "$T/$1.key" \
		-set_serial 1 -days 2 -extfile "$T/san.cnf" -out "$T/$2.pem" \
		2>/dev/null
}

# start_rtmpd_tls [ARGS...]: rtmpd with its plain listener (RTMPD_PORT) and
# a TLS one (TLS_PORT) serving srv.pem.
start_rtmpd_tls() {
	TLS_PORT=$(free_port)
	start_rtmpd --tls-listen "127.0.0.1:$TLS_PORT" --tls-cert "$T/srv.pem" \
		--tls-key "$T/srv.key" "$@"
	wait_port "$TLS_PORT" 10
}

# wait_log PATTERN [FILE]: until PATTERN (grep -E) is in the file, 5 s.
wait_log() {
	local i
	for i in $(seq 100); do
		grep -Eq -- "$1" "${2:-$RTMPD_LOG}" && return 0
		sleep 0.05
	done
	echo "'$1' not in ${2:-$RTMPD_LOG}:" >&2
	cat "${2:-$RTMPD_LOG}" >&2
	return 1
}

# pull_bg NAME URL [ARGS...]: rtmppull -v --info in the background, into
# $T/NAME.txt (frames) and $T/NAME.err; returns once it plays.
pull_bg() {
	local name=$1 url=$2
	shift 2
	"$RTMPPULL" -v --info -t 10 "$@" "$url" >"$T/$name.txt" \
		2>"$T/$name.err" 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
	eval "PID_$name=$!"
	wait_log ' playing |"playing"' "$T/$name.err"
}

# frame_crcs INFOFILE video|audio: CRC column of the frame lines.
frame_crcs() {
	awk -v t="$2" '$2 == t && ($4 == "key" || $4 == "inter" || $4 == "frame") { print $7 }' "$1"
}

# check_whole_stream INFOFILE: every frame of short.flv (50 video, 88
# audio), with ffprobe's packet CRCs of the file.
check_whole_stream() {
	local k s
	for k in video audio; do
		s=${k:0:1}
		frame_crcs "$1" $k >"$T/got.$k"
		ffprobe -v error -select_streams $s -show_entries packet=data_hash \
			-show_data_hash CRC32 -of csv=p=0 "$FIXTURES/short.flv" |
			sed 's/.*CRC32://' >"$T/src.$k"
		cmp "$T/got.$k" "$T/src.$k"
	done
	[ "$(wc -l <"$T/got.video")" -eq 50 ]
	[ "$(wc -l <"$T/got.audio")" -eq 88 ]
}

@test "ffmpeg publishes over RTMPS; rtmppull over TLS and over plain RTMP get the same frames" {
	start_rtmpd_tls
	pull_bg tls "rtmps://localhost:$TLS_PORT/live/x" --ca-file "$T/ca.pem"
	pull_bg plain "rtmp://127.0.0.1:$RTMPD_PORT/live/x"
	# ffmpeg's tls protocol does not verify by default (tls_verify 0).
	ffmpeg -nostdin -v error -re -i "$FIXTURES/short.flv" -c copy -f flv \
		"rtmps://localhost:$TLS_PORT/live/x" 3>&-
	wait "$PID_tls"
	wait "$PID_plain"
	for k in video audio; do
		frame_crcs "$T/tls.txt" $k >"$T/tls.$k"
		frame_crcs "$T/plain.txt" $k >"$T/plain.$k"
		cmp "$T/tls.$k" "$T/plain.$k"
	done
	check_whole_stream "$T/tls.txt"
	# rtmpd says which connections were TLS.
	grep -Eq ' publish id=[0-9]+ addr=\S+ tls=true stream=live/x$' "$RTMPD_LOG"
	grep -Eq ' play id=[0-9]+ addr=\S+ tls=true stream=live/x ' "$RTMPD_LOG"
	grep -Eq ' play id=[0-9]+ addr=\S+ tls=false stream=live/x ' "$RTMPD_LOG"
	grep -Eq ' connect id=[0-9]+ addr=\S+ tls=true app=live$' "$RTMPD_LOG"
	grep -Eq ' close id=.* tls=true reason="connection closed by peer"' "$RTMPD_LOG"
}

@test "rtmppush publishes over RTMPS with --ca-file and a plain RTMP player gets every frame" {
	start_rtmpd_tls
	pull_bg plain "rtmp://127.0.0.1:$RTMPD_PORT/live/y"
	run "$RTMPPUSH" --ca-file "$T/ca.pem" "$FIXTURES/short.flv" \
		"rtmps://localhost:$TLS_PORT/live/y"
	echo "$output"
	[ "$status" -eq 0 ]
	wait "$PID_plain"
	check_whole_stream "$T/plain.txt"
	grep -Eq ' publish id=[0-9]+ addr=\S+ tls=true stream=live/y$' "$RTMPD_LOG"
}

@test "ffmpeg and librtmp's rtmpdump play over RTMPS from rtmpd and get every packet" {
	start_rtmpd_tls
	local url="rtmps://localhost:$TLS_PORT/live/r"
	# Both attach before the publisher and end with the stream.
	ffmpeg -nostdin -v error -i "$url" -c copy -f flv "$T/ffmpeg.flv" 3>&- &
	local p1=$!
	rtmpdump -q -r "$url" --live -o "$T/rtmpdump.flv" 3>&- &
	local p2=$!
	BG_PIDS="${BG_PIDS:-} $p1 $p2"
	local i
	for i in $(seq 200); do
		[ "$(grep -c ' play id=.* tls=true stream=live/r ' "$RTMPD_LOG")" -eq 2 ] && break
		sleep 0.05
	done
	[ "$(grep -c ' play id=.* tls=true stream=live/r ' "$RTMPD_LOG")" -eq 2 ]
	run "$RTMPPUSH" "$FIXTURES/short.flv" "rtmp://127.0.0.1:$RTMPD_PORT/live/r"
	[ "$status" -eq 0 ]
	wait "$p1"
	# rtmpdump says 2 (incomplete) when a live stream ends short of the
	# duration in its onMetaData, with plain RTMP too.
	local rc=0
	wait "$p2" || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]
	for f in ffmpeg rtmpdump; do
		packet_hashes "$T/$f.flv" >"$T/$f.hashes"
	done
	packet_hashes "$FIXTURES/short.flv" >"$T/src.hashes"
	cmp "$T/ffmpeg.hashes" "$T/src.hashes"
	cmp "$T/rtmpdump.hashes" "$T/src.hashes"
}

@test "a certificate from another CA fails with exit 4 and 'certificate verify failed' in rtmppull, rtmppush and rtmpprobe" {
	start_rtmpd_tls
	local url="rtmps://localhost:$TLS_PORT/live/z"
	run "$RTMPPULL" --info --ca-file "$T/other.pem" "$url"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"certificate verify failed: "* ]]
	run "$RTMPPUSH" --ca-file "$T/other.pem" "$FIXTURES/short.flv" "$url"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"certificate verify failed: "* ]]
	run "$RTMPPROBE" --ca-file "$T/other.pem" "$url"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"certificate verify failed: "* ]]
	# Without --ca-file the system store is used, which knows neither CA.
	run "$RTMPPROBE" -q "$url"
	[ "$status" -eq 4 ]
	[[ "$output" == *"certificate verify failed: "* ]]
	# --json: the error is a JSON log line with the exit code.
	run "$RTMPPULL" --json --ca-file "$T/other.pem" "$url"
	[ "$status" -eq 4 ]
	echo "$output" | python3 -c 'import json,sys; o = json.loads(sys.stdin.read().splitlines()[-1]); assert o["exit_code"] == 4 and "certificate verify failed" in o["msg"], o'
	# The server saw the client's alert, and still serves.
	grep -Eq ' close id=.* tls=true reason="TLS error: tlsv1 alert unknown ca"' "$RTMPD_LOG"
	run "$RTMPPROBE" -q --ca-file "$T/ca.pem" "$url"
	[ "$status" -eq 0 ]
}

@test "a certificate for another host name fails with exit 4, and --insecure skips the check" {
	# Signed by the trusted CA, but for other names (its CN, localhost, is
	# not used when there are subjectAltNames).
	issue_cert ca srv 'DNS:media.example.org,IP:192.0.2.1'
	start_rtmpd_tls
	run "$RTMPPROBE" --ca-file "$T/ca.pem" "rtmps://localhost:$TLS_PORT/live/p"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"certificate verify failed: hostname mismatch"* ]]
	run "$RTMPPULL" -i --ca-file "$T/ca.pem" "rtmps://127.0.0.1:$TLS_PORT/live/p"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"certificate verify failed: IP address mismatch"* ]]
	run "$RTMPPROBE" -q --insecure "rtmps://localhost:$TLS_PORT/live/p"
	[ "$status" -eq 0 ]
}

@test "--insecure connects despite a certificate from another CA" {
	start_rtmpd_tls
	local url="rtmps://localhost:$TLS_PORT/live/i"
	pull_bg tls "$url" --insecure --ca-file "$T/other.pem"
	run "$RTMPPUSH" --insecure --ca-file "$T/other.pem" "$FIXTURES/short.flv" "$url"
	echo "$output"
	[ "$status" -eq 0 ]
	wait "$PID_tls"
	check_whole_stream "$T/tls.txt"
	run "$RTMPPROBE" --insecure "$url"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" * tls version="*" verified=false"* ]]
}

@test "rtmpprobe over RTMPS logs the TLS version, cipher and certificate, in text and JSON" {
	start_rtmpd_tls
	run "$RTMPPROBE" --ca-file "$T/ca.pem" "rtmps://localhost:$TLS_PORT/live/p"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq '^ +[0-9.]+ \* tls version=TLSv1\.[23] cipher=[A-Z0-9_-]+ subject="CN = localhost" issuer="CN = rtmpkit test CA" not_after="20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} GMT" verified=true$'
	# The tls line comes after tcp_connect and before the RTMP handshake.
	echo "$output" | awk '{ print $3 }' | grep -E '^(tcp_connect|tls|handshake)$' |
		head -4 | tr '\n' ' ' | grep -qx 'tcp_connect tls handshake handshake '
	run "$RTMPPROBE" --json --ca-file "$T/ca.pem" "rtmps://127.0.0.1:$TLS_PORT/live/p"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, re, sys
tls = [o for o in map(json.loads, sys.stdin) if o["event"] == "tls"]
assert len(tls) == 1, tls
t = tls[0]
assert t["dir"] == "*" and t["version"] in ("TLSv1.2", "TLSv1.3"), t
assert t["cipher"] and t["subject"] == "CN = localhost", t
assert t["issuer"] == "CN = rtmpkit test CA" and t["verified"] is True, t
assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT", t["not_after"]), t
'
}

@test "rtmpprobe reports a failed verification as a tls_failed event, then the end with exit 4" {
	start_rtmpd_tls
	run "$RTMPPROBE" --json --ca-file "$T/other.pem" "rtmps://localhost:$TLS_PORT/live/p"
	echo "$output"
	[ "$status" -eq 4 ]
	echo "$output" | grep '^{"t_ms"' | python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
names = [o["event"] for o in ev]
assert names == ["connecting", "tls_failed", "end"], names
assert ev[1]["reason"].startswith("certificate verify failed: "), ev[1]
assert ev[2]["exit_code"] == 4 and ev[2]["status"] == "protocol_error", ev[2]
assert ev[2]["step"] == "tcp_connect", ev[2]
'
}

@test "SIGTERM ends a stream over RTMPS as over RTMP: the TLS player exits 0 and rtmpd 0" {
	start_rtmpd_tls
	local url="rtmps://localhost:$TLS_PORT/live/t"
	"$RTMPPUSH" --ca-file "$T/ca.pem" "$FIXTURES/sample.flv" "$url" \
		>"$T/push.out" 2>&1 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
	wait_log ' publish id=.* tls=true stream=live/t$'
	pull_bg tls "$url" --ca-file "$T/ca.pem"
	sleep 0.5
	stop_rtmpd
	wait "$PID_tls"
	grep -q ' reason=unpublished$' "$T/tls.txt"
}

@test "rtmpd refuses --tls-listen without --tls-cert (exit 2) and a key that does not match the certificate (exit 1)" {
	local port
	port=$(free_port)
	run "$RTMPD" --tls-listen "127.0.0.1:$port"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--tls-listen needs --tls-cert and --tls-key"* ]]
	run "$RTMPD" --tls-listen "127.0.0.1:$port" --tls-key "$T/srv.key"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--tls-listen needs --tls-cert"* ]]
	run "$RTMPD" --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--tls-cert without --tls-listen"* ]]
	run "$RTMPD" --tls-listen "127.0.0.1:$port" --tls-cert "$T/srv.pem" \
		--tls-key "$T/other.key"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/other.key does not match $T/srv.pem"* ]]
	run "$RTMPD" --tls-listen "127.0.0.1:$port" --tls-cert "$T/nope.pem" \
		--tls-key "$T/srv.key"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--tls-cert: cannot read $T/nope.pem: No such file"* ]]
	run "$RTMPD" --tls-listen "127.0.0.1:$port" --tls-cert "$T/san.cnf" \
		--tls-key "$T/srv.key"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/san.cnf: no start line"* ]]
	"$RTMPD" --help | grep -q -- '--tls-listen \[ADDR:\]PORT'
}

@test "a plain RTMP client on the TLS port fails cleanly, rtmpd logs the TLS error and keeps serving" {
	start_rtmpd_tls
	run "$RTMPPROBE" "rtmp://127.0.0.1:$TLS_PORT/live/p"
	echo "$output"
	[ "$status" -eq 3 ] || [ "$status" -eq 4 ]
	wait_log ' close id=.* tls=true reason="TLS error: wrong version number"'
	run ffmpeg -nostdin -v error -i "$FIXTURES/short.flv" -c copy -f flv \
		"rtmp://127.0.0.1:$TLS_PORT/live/p"
	[ "$status" -ne 0 ]
	# And a TLS client on the plain port: the TLS handshake fails (4).
	run "$RTMPPROBE" --ca-file "$T/ca.pem" "rtmps://localhost:$RTMPD_PORT/live/p"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"TLS handshake failed: connection closed by peer"* ]]
	run "$RTMPPROBE" -q --ca-file "$T/ca.pem" "rtmps://localhost:$TLS_PORT/live/p"
	[ "$status" -eq 0 ]
	run "$RTMPPROBE" -q "rtmp://127.0.0.1:$RTMPD_PORT/live/p"
	[ "$status" -eq 0 ]
}

@test "a TLS handshake that never finishes is closed at --handshake-timeout" {
	start_rtmpd_tls --handshake-timeout 300ms
	# A TCP connection to the TLS port that sends nothing.
	exec 5<>"/dev/tcp/127.0.0.1/$TLS_PORT"
	wait_log ' close id=.* tls=true reason="handshake timeout"'
	exec 5>&-
	run "$RTMPPROBE" -q --ca-file "$T/ca.pem" "rtmps://localhost:$TLS_PORT/live/p"
	[ "$status" -eq 0 ]
}

@test "SIGHUP makes rtmpd use a renewed certificate, and keeps the old one when the new one is unusable" {
	start_rtmpd_tls
	local url="rtmps://localhost:$TLS_PORT/live/p"
	run "$RTMPPROBE" -q --ca-file "$T/ca.pem" "$url"
	[ "$status" -eq 0 ]
	# A broken certificate file: the old certificate stays in force.
	echo garbage >"$T/srv.pem"
	kill -HUP "$RTMPD_PID"
	wait_log ' tls_reload reason="TLS: .*srv.pem: no start line" result="old certificate kept"'
	run "$RTMPPROBE" -q --ca-file "$T/ca.pem" "$url"
	[ "$status" -eq 0 ]
	# Renewed, by another CA this time: new connections get it.
	issue_cert other srv
	kill -HUP "$RTMPD_PID"
	wait_log ' tls_reloaded cert='
	run "$RTMPPROBE" --ca-file "$T/other.pem" "$url"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'issuer="CN = other test CA" '*'verified=true'* ]]
	run "$RTMPPROBE" -q --ca-file "$T/ca.pem" "$url"
	[ "$status" -eq 4 ]
}
