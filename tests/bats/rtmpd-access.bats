#!/usr/bin/env bats
# rtmpd access control end to end: publish and play keys (query and bare
# forms, key file reload), HTTP hooks (tests/tools/hookserver.py), and IP
# rules over IPv4 and IPv6. Publishers are ffmpeg, rtmppush and rtmpprobe
# when built, and tests/tools/evilclient.py to see exactly what the client
# is told before the close.

load helpers

EVIL="$REPO_ROOT/tests/tools/evilclient.py"
HOOKSRV="$REPO_ROOT/tests/tools/hookserver.py"

teardown() {
	kill_bg ${BG_PIDS:-}
	stop_rtmpd
}

# ffpub NAME [URL_BASE]: ffmpeg publishes short.flv as fast as it can;
# exits non-zero when refused.
ffpub() {
	ffmpeg -nostdin -hide_banner -loglevel error -i "$FIXTURES/short.flv" \
		-c copy -f flv "${2:-rtmp://127.0.0.1:$RTMPD_PORT/live}/$1" 3>&-
}

# ffpub_bg NAME: ffmpeg publishes sample.flv in real time in the background.
ffpub_bg() {
	ffmpeg -nostdin -hide_banner -loglevel error -re -i "$FIXTURES/sample.flv" \
		-c copy -f flv "rtmp://127.0.0.1:$RTMPD_PORT/live/$1" \
		>"$BATS_TEST_TMPDIR/ffpub.log" 2>&1 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
}

# ffplay_ok NAME: ffprobe reads the stream's codecs (fails when refused).
ffplay_ok() {
	timeout 10 ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
		"rtmp://127.0.0.1:$RTMPD_PORT/live/$1" 3>&-
}

# evil CASE ARG [HOST PORT]: the Python client, one line per onStatus,
# then "closed", or "open" when the server kept the connection for
# WATCH_SECONDS (default 0.7).
evil() {
	WATCH_SECONDS=${WATCH_SECONDS:-0.7} \
		python3 "$EVIL" "${3:-127.0.0.1}" "${4:-$RTMPD_PORT}" "$1" "$2" 3>&-
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

# start_hooks: the hook server on a free port; sets HOOK (its base URL)
# and HOOK_LOG (one JSON line per request).
start_hooks() {
	HOOK_LOG="$BATS_TEST_TMPDIR/hooks.jsonl"
	python3 "$HOOKSRV" "$BATS_TEST_TMPDIR/hookport" "$HOOK_LOG" 3>&- &
	BG_PIDS="${BG_PIDS:-} $!"
	local i
	for i in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/hookport" ] && break
		sleep 0.05
	done
	HOOK="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/hookport")"
}

# hook_calls: one line per hook request: path, content type, fields.
hook_calls() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print(d["path"], d["content_type"],
          " ".join("%s=%s" % kv for kv in sorted(d["fields"].items())))
' "$HOOK_LOG"
}

free_port6() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1]); s.close()'
}

@test "access options are in --help, and empty keys, bad CIDRs, bad URLs and bad key files are refused at start" {
	run "$RTMPD" --help
	[ "$status" -eq 0 ]
	for o in --allow-publish --deny-publish --allow-play --deny-play \
		--publish-key --play-key --key-file --on-publish --on-play \
		--on-done --hook-timeout; do
		[[ "$output" == *"$o"* ]]
	done
	run "$RTMPD" --publish-key ""
	[ "$status" -eq 2 ]
	[[ "$output" == *"--publish-key: empty key"* ]]
	run "$RTMPD" --play-key "two words"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--play-key: key contains a space"* ]]
	[[ "$output" != *"two words"* ]]
	run "$RTMPD" --deny-publish 10.1.2.3/8
	[ "$status" -eq 2 ]
	[[ "$output" == *"--deny-publish: '10.1.2.3/8' has host bits set"* ]]
	run "$RTMPD" --allow-play 300.1.1.1
	[ "$status" -eq 2 ]
	[[ "$output" == *"--allow-play: '300.1.1.1' is not an IPv4 or IPv6 address"* ]]
	run "$RTMPD" --deny-play ::1/129
	[ "$status" -eq 2 ]
	[[ "$output" == *"'::1/129' has a bad prefix length"* ]]
	run "$RTMPD" --on-publish https://example.org/auth
	[ "$status" -eq 2 ]
	[[ "$output" == *"--on-publish: 'https://example.org/auth' is not an http:// URL"* ]]
	run "$RTMPD" --on-done "not a url"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--on-done:"* ]]
	run "$RTMPD" --hook-timeout 0
	[ "$status" -eq 2 ]
	[[ "$output" == *"--hook-timeout"* ]]
	run "$RTMPD" --key-file "$BATS_TEST_TMPDIR/missing.keys"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot read key file $BATS_TEST_TMPDIR/missing.keys: No such file"* ]]
	printf '# keys\nGOODKEY\nSECRETA SECRETB\n' >"$BATS_TEST_TMPDIR/bad.keys"
	run "$RTMPD" --key-file "$BATS_TEST_TMPDIR/bad.keys"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad.keys:3: the field before the key is not app/stream"* ]]
	[[ "$output" != *SECRET* ]]
}

@test "ffmpeg is refused without a key and with a wrong key, and publishes with the right key in the query" {
	start_rtmpd --publish-key Pk3y-rtmpd
	run ffpub cam1
	[ "$status" -ne 0 ]
	run ffpub "cam1?key=Pk3y-rtmpX"
	[ "$status" -ne 0 ]
	run ffpub "cam1?key=Pk3y-rtmp"
	[ "$status" -ne 0 ]
	run ffpub "cam1?a=1&key=Pk3y-rtmpd"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'refuse .*reason="Invalid or missing publish key."' "$RTMPD_LOG")" -eq 3 ]
	[ "$(grep -c ' publish id=.* stream=live/cam1$' "$RTMPD_LOG")" -eq 1 ]
}

@test "a bare stream key publishes: an unbound one under its own name, a bound one as the stream it names" {
	printf 'live/cam1 CamKey-7f3a\n' >"$BATS_TEST_TMPDIR/keys"
	start_rtmpd --publish-key AnyKey-19c2 --key-file "$BATS_TEST_TMPDIR/keys"
	run evil publish-status AnyKey-19c2
	[ "${lines[0]}" = "status NetStream.Publish.Start live/AnyKey-19c2 is now published." ]
	run evil publish-status CamKey-7f3a
	[ "${lines[0]}" = "status NetStream.Publish.Start live/cam1 is now published." ]
	run evil publish-status CamKey-7f3b
	[ "${lines[0]}" = "status NetStream.Publish.BadName Invalid or missing publish key." ]
	APP=other run evil publish-status CamKey-7f3a
	[ "${lines[0]}" = "status NetStream.Publish.BadName Invalid or missing publish key." ]
	run ffpub CamKey-7f3c
	[ "$status" -ne 0 ]
	# OBS style: the server is rtmp://host/live, the stream key CamKey-7f3a;
	# players play live/cam1 without knowing the key.
	ffpub_bg CamKey-7f3a
	wait_log 'info publish id=.* stream=live/cam1$'
	run ffplay_ok cam1
	[ "$status" -eq 0 ]
	[[ "$output" == *h264* ]]
	[[ "$output" == *aac* ]]
}

@test "a refused publisher reads NetStream.Publish.BadName and its description before the close (evilclient, rtmpprobe, rtmppush)" {
	start_rtmpd --publish-key Pk3y-rtmpd
	for name in cam1 "cam1?key=wrong" Pk3y-rtmpX; do
		run evil publish-status "$name"
		echo "$name: $output"
		[ "${#lines[@]}" -eq 2 ]
		[ "${lines[0]}" = "status NetStream.Publish.BadName Invalid or missing publish key." ]
		[ "${lines[1]}" = "closed" ]
	done
	run evil publish-status "cam1?key=Pk3y-rtmpd"
	[ "${lines[0]}" = "status NetStream.Publish.Start live/cam1 is now published." ]
	[ "${lines[1]}" = "open" ]
	if [ -x "$RTMPPROBE" ]; then
		run "$RTMPPROBE" --publish "rtmp://127.0.0.1:$RTMPD_PORT/live/cam2?key=nope"
		[ "$status" -eq 5 ]
		[[ "$output" == *"Invalid or missing publish key."* ]]
	fi
	if [ -x "$RTMPPUSH" ]; then
		run "$RTMPPUSH" "$FIXTURES/short.flv" "rtmp://127.0.0.1:$RTMPD_PORT/live/cam2?key=nope"
		[ "$status" -eq 5 ]
		[[ "$output" == *"Invalid or missing publish key."* ]]
		run "$RTMPPUSH" "$FIXTURES/short.flv" "rtmp://127.0.0.1:$RTMPD_PORT/live/cam2?key=Pk3y-rtmpd"
		[ "$status" -eq 0 ]
	fi
}

@test "keys never appear in rtmpd's log, in text or JSON lines, accepted or refused" {
	printf 'live/cam1 SECRETcam2\nplay SECRETview3\n' >"$BATS_TEST_TMPDIR/keys"
	for mode in text json; do
		local json=""
		[ "$mode" = json ] && json=--json
		start_rtmpd $json --log-level trace --publish-key SECRETany1 \
			--key-file "$BATS_TEST_TMPDIR/keys"
		ffpub "x?key=SECRETany1"
		ffpub SECRETany1
		ffpub SECRETcam2
		run ffpub SECRETcam3
		[ "$status" -ne 0 ]
		run ffpub "cam1?key=SECRETcam9"
		[ "$status" -ne 0 ]
		run evil play-status SECRETview3
		[ "${lines[0]}" = "status NetStream.Play.Reset Playing and resetting live/SECRETview3." ]
		stop_rtmpd
		echo "--- $mode log:"
		cat "$RTMPD_LOG"
		[ "$(grep -c SECRET "$RTMPD_LOG")" -eq 0 ]
		# The events are there, with the names redacted.
		[ "$(grep -Ec '"event":"publish"| info publish ' "$RTMPD_LOG")" -eq 3 ]
		[ "$(grep -Ec '"event":"refuse"| warn refuse ' "$RTMPD_LOG")" -eq 2 ]
		grep -q 'live/SE…' "$RTMPD_LOG"
		grep -Eq 'stream=live/cam1$|"stream":"live/cam1"' "$RTMPD_LOG"
		grep -Eq 'stream=live/x$|"stream":"live/x"' "$RTMPD_LOG"
	done
}

@test "SIGHUP reloads the key file; an unreadable or malformed file keeps the old keys and logs an error" {
	local kf="$BATS_TEST_TMPDIR/keys"
	printf 'FirstKey1\n' >"$kf"
	start_rtmpd --key-file "$kf"
	run ffpub "a?key=FirstKey1"
	[ "$status" -eq 0 ]
	run ffpub "a?key=SecondKey2"
	[ "$status" -ne 0 ]
	printf '# rotated\nSecondKey2\n' >"$kf"
	kill -HUP "$RTMPD_PID"
	wait_log 'key_file_reloaded file=.* publish_keys=1 play_keys=0'
	run ffpub "a?key=SecondKey2"
	[ "$status" -eq 0 ]
	run ffpub "a?key=FirstKey1"
	[ "$status" -ne 0 ]
	printf 'ThirdKey3\nlive x y z\n' >"$kf"
	kill -HUP "$RTMPD_PID"
	wait_log "error key_file_reload reason=\"$kf:2: too many fields"
	rm "$kf"
	kill -HUP "$RTMPD_PID"
	wait_log "error key_file_reload reason=\"cannot read key file $kf: No such file or directory\" result=\"old keys kept\""
	run ffpub "a?key=SecondKey2"
	[ "$status" -eq 0 ]
	run ffpub "a?key=ThirdKey3"
	[ "$status" -ne 0 ]
	kill -0 "$RTMPD_PID"
}

@test "play keys: players need one in the query or bare, a bound bare play key plays its stream, and publish keys do not play" {
	printf 'live/cam1 PubKey1\nplay live/cam1 FileView2\n' >"$BATS_TEST_TMPDIR/keys"
	start_rtmpd --play-key CliView3 --key-file "$BATS_TEST_TMPDIR/keys"
	ffpub_bg "cam1?key=PubKey1"
	wait_log 'info publish id=.* stream=live/cam1$'
	run ffplay_ok cam1
	[ "$status" -ne 0 ]
	run ffplay_ok "cam1?key=CliView3"
	[ "$status" -eq 0 ]
	[[ "$output" == *h264* ]]
	run ffplay_ok "cam1?key=FileView2"
	[ "$status" -eq 0 ]
	run ffplay_ok FileView2
	[ "$status" -eq 0 ]
	[[ "$output" == *h264* ]]
	run evil play-status cam1
	[ "${lines[0]}" = "status NetStream.Play.Failed Invalid or missing play key." ]
	[ "${lines[1]}" = "closed" ]
	run evil play-status "cam1?key=PubKey1"
	[ "${lines[0]}" = "status NetStream.Play.Failed Invalid or missing play key." ]
	run evil play-status "cam2?key=FileView2"
	[ "${lines[0]}" = "status NetStream.Play.Failed Invalid or missing play key." ]
}

@test "without play keys anyone plays, and a key file without publish keys refuses every publisher" {
	printf '# nothing yet\n' >"$BATS_TEST_TMPDIR/keys"
	start_rtmpd --key-file "$BATS_TEST_TMPDIR/keys"
	run evil play-status cam1
	[ "${lines[1]}" = "status NetStream.Play.Start Started playing live/cam1." ]
	run evil publish-status "cam1?key="
	[ "${lines[0]}" = "status NetStream.Publish.BadName Invalid or missing publish key." ]
}

@test "on_publish and on_play allow one stream and deny another, with the documented form fields" {
	start_hooks
	start_rtmpd --on-publish "$HOOK/check?from=rtmpd" --on-play "$HOOK/check"
	run ffpub "allowed?key=abc&x=1"
	[ "$status" -eq 0 ]
	run ffpub denied
	[ "$status" -ne 0 ]
	run evil publish-status denied
	[ "${lines[0]}" = "status NetStream.Publish.BadName Publish refused by the server's on_publish check: HTTP 403." ]
	[ "${lines[1]}" = "closed" ]
	run evil play-status ok-player
	[ "${lines[1]}" = "status NetStream.Play.Start Started playing live/ok-player." ]
	run evil play-status nope
	[ "${lines[0]}" = "status NetStream.Play.Failed Play refused by the server's on_play check: HTTP 403." ]
	run hook_calls
	echo "$output"
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[0]}" =~ ^/check\?from=rtmpd\ application/x-www-form-urlencoded\ addr=127\.0\.0\.1\ app=live\ call=publish\ clientid=[0-9]+\ name=allowed\ query=key=abc\&x=1$ ]]
	[[ "${lines[1]}" =~ ^/check\?from=rtmpd\ .*call=publish\ clientid=[0-9]+\ name=denied\ query=$ ]]
	[[ "${lines[3]}" =~ ^/check\ .*call=play\ clientid=[0-9]+\ name=ok-player\ query=$ ]]
	grep -Eq 'info hook call=publish id=[0-9]+ status=200 result=allow reason="HTTP 200"' "$RTMPD_LOG"
	grep -Eq 'info hook call=publish id=[0-9]+ status=403 result=deny reason="HTTP 403"' "$RTMPD_LOG"
}

@test "IP rules are checked before keys, and keys before the hook" {
	start_hooks
	start_rtmpd --publish-key K3y-order --on-publish "$HOOK/check"
	run ffpub allowed
	[ "$status" -ne 0 ]
	[ ! -s "$HOOK_LOG" ]
	run ffpub "allowed?key=K3y-order"
	[ "$status" -eq 0 ]
	[ "$(hook_calls | wc -l)" -eq 1 ]
	stop_rtmpd
	start_rtmpd --deny-publish 127.0.0.1 --publish-key K3y-order --on-publish "$HOOK/check"
	run evil publish-status "allowed?key=K3y-order"
	[ "${lines[0]}" = "status NetStream.Publish.BadName Publishing from this address is not allowed." ]
	[ "$(hook_calls | wc -l)" -eq 1 ]
}

@test "a hook that never answers denies at --hook-timeout" {
	start_hooks
	start_rtmpd --on-publish "$HOOK/hang" --hook-timeout 1s
	local t0 t1
	t0=$(date +%s%N)
	WATCH_SECONDS=5 run evil publish-status cam1
	t1=$(date +%s%N)
	echo "$output; $(((t1 - t0) / 1000000)) ms"
	[ "${lines[0]}" = "status NetStream.Publish.BadName Publish refused by the server's on_publish check: timed out." ]
	[ "${lines[1]}" = "closed" ]
	# The client connects, handshakes and publishes in well under 0.3 s.
	[ $(((t1 - t0) / 1000000)) -ge 1000 ]
	[ $(((t1 - t0) / 1000000)) -le 2000 ]
	grep -Eq 'warn hook call=publish id=[0-9]+ status=0 result=deny reason="timed out" duration_ms=1[0-9]{3}$' "$RTMPD_LOG"
}

@test "publishers that disconnect while their hook is pending leave rtmpd clean under ASan" {
	start_hooks
	start_rtmpd -v --on-publish "$HOOK/hang" --on-done "$HOOK/done" --hook-timeout 1s
	local p1 p2
	LEAVE_AFTER=0.3 evil publish-leave cam1 &
	p1=$!
	LEAVE_AFTER=0.3 evil publish-leave cam2 &
	p2=$!
	LEAVE_AFTER=0.3 evil publish-leave cam3
	wait "$p1" "$p2"
	# Every call was in flight when its publisher left...
	[ "$(hook_calls | grep -c '^/hang ')" -eq 3 ]
	local i
	for i in $(seq 50); do
		[ "$(grep -c 'hook_cancel call=publish' "$RTMPD_LOG")" -eq 3 ] && break
		sleep 0.1
	done
	# Their media, sent while the hook was pending, was ignored.
	[ "$(grep -Ec 'info close id=[0-9]+ .* ignored=5$' "$RTMPD_LOG")" -eq 3 ]
	# ...and after the timeout has passed no answer was delivered to them.
	sleep 1.2
	run grep -c 'hook_cancel call=publish' "$RTMPD_LOG"
	[ "$output" -eq 3 ]
	run grep -c 'hook call=publish' "$RTMPD_LOG"
	[ "$output" -eq 0 ]
	run hook_calls
	[ "${#lines[@]}" -eq 3 ]
	# A publisher after them is served as usual (and left waiting).
	WATCH_SECONDS=1.5 run evil publish-status cam4
	[ "${lines[0]}" = "status NetStream.Publish.BadName Publish refused by the server's on_publish check: timed out." ]
	stop_rtmpd
	run grep -Eic 'error|sanitizer|leak' "$RTMPD_LOG"
	[ "$output" -eq 0 ]
}

@test "a second publish while the hook is pending gets an error, and real encoders wait for a slow hook" {
	start_hooks
	start_rtmpd --on-publish "$HOOK/slow"
	WATCH_SECONDS=3 run evil publish-twice allowed
	[ "${lines[0]}" = "status NetStream.Publish.BadName A publish or play on this connection is waiting for the server's access check." ]
	[ "${lines[1]}" = "status NetStream.Publish.Start live/allowed is now published." ]
	[ "${lines[2]}" = "open" ]
	run ffpub ok-slow
	[ "$status" -eq 0 ]
	grep -Eq 'unpublish id=[0-9]+ stream=live/ok-slow bytes_in=[0-9]+ messages=[1-9][0-9]+$' "$RTMPD_LOG"
}

@test "on_done is called with role=publish when a publisher leaves and role=play when a player leaves" {
	start_hooks
	start_rtmpd --on-publish "$HOOK/check" --on-done "$HOOK/done"
	run ffpub "allowed?key=K1"
	[ "$status" -eq 0 ]
	WATCH_SECONDS=0.5 run evil play-status allowed
	run ffpub denied
	[ "$status" -ne 0 ]
	wait_log '"role": "play"' "$HOOK_LOG"
	wait_log '"role": "publish"' "$HOOK_LOG"
	run hook_calls
	echo "$output"
	[ "$(grep -c '^/done ' <<<"$output")" -eq 2 ]
	[[ "$output" =~ /done\ application/x-www-form-urlencoded\ addr=127\.0\.0\.1\ app=live\ call=done\ clientid=[0-9]+\ name=allowed\ query=key=K1\ role=publish ]]
	[[ "$output" =~ /done\ application/x-www-form-urlencoded\ addr=127\.0\.0\.1\ app=live\ call=done\ clientid=[0-9]+\ name=allowed\ query=\ role=play ]]
	[[ "$output" != *"name=denied role"* ]]
}

@test "IP rules: denying 127.0.0.1 refuses IPv4 publishers while IPv6 ones publish, and the reverse, IPv4-mapped peers included" {
	local p6
	p6=$(free_port6)
	start_rtmpd -l "[::1]:$p6" --deny-publish 127.0.0.1
	run ffpub a
	[ "$status" -ne 0 ]
	run ffpub b "rtmp://[::1]:$p6/live"
	[ "$status" -eq 0 ]
	run evil publish-status c
	[ "${lines[0]}" = "status NetStream.Publish.BadName Publishing from this address is not allowed." ]
	[ "${lines[1]}" = "closed" ]
	run evil play-status c
	[ "${lines[1]}" = "status NetStream.Play.Start Started playing live/c." ]
	stop_rtmpd

	p6=$(free_port6)
	start_rtmpd -l "[::1]:$p6" --allow-publish 127.0.0.0/8 --deny-publish all \
		--deny-play ::1/128
	run ffpub a
	[ "$status" -eq 0 ]
	run ffpub b "rtmp://[::1]:$p6/live"
	[ "$status" -ne 0 ]
	run evil publish-status c ::1 "$p6"
	[ "${lines[0]}" = "status NetStream.Publish.BadName Publishing from this address is not allowed." ]
	run evil play-status c ::1 "$p6"
	[ "${lines[0]}" = "status NetStream.Play.Failed Playing from this address is not allowed." ]
	run evil play-status c
	[ "${lines[1]}" = "status NetStream.Play.Start Started playing live/c." ]
	stop_rtmpd

	# A dual-stack listener sees 127.0.0.1 as ::ffff:127.0.0.1.
	p6=$(free_port6)
	start_rtmpd -l "[::]:$p6" --deny-publish 127.0.0.1
	run evil publish-status c 127.0.0.1 "$p6"
	[ "${lines[0]}" = "status NetStream.Publish.BadName Publishing from this address is not allowed." ]
	run evil publish-status c ::1 "$p6"
	[ "${lines[0]}" = "status NetStream.Publish.Start live/c is now published." ]
}
