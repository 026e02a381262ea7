# Shared helpers for the end-to-end tests.
#
# Binaries come from $RTMPKIT_BIN (the build directory's bin/), fixtures from
# the repository. Every background process closes fd 3 (3>&-) so bats does
# not wait for it, and is stopped by PID in teardown.

: "${RTMPKIT_BIN:?set RTMPKIT_BIN to the directory holding the built tools}"
REPO_ROOT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/../.." && pwd)"
FIXTURES="$REPO_ROOT/tests/fixtures"
RTMPD="$RTMPKIT_BIN/rtmpd"
RTMPPUSH="$RTMPKIT_BIN/rtmppush"
RTMPPULL="$RTMPKIT_BIN/rtmppull"
RTMPDUMPFLV="$RTMPKIT_BIN/rtmpdump-flv"
RTMPPROBE="$RTMPKIT_BIN/rtmpprobe"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}"

# A TCP port nothing listens on (the kernel picks it).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
wait_port() {
	local port=$1 deadline=$((SECONDS + ${2:-10}))
	while ((SECONDS < deadline)); do
		if (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "nothing listening on port $port after ${2:-10}s" >&2
	return 1
}

# start_rtmpd [ARGS...]: rtmpd on a free port; sets RTMPD_PORT, RTMPD_PID,
# RTMPD_LOG.
start_rtmpd() {
	RTMPD_PORT=$(free_port)
	RTMPD_LOG="$BATS_TEST_TMPDIR/rtmpd.log"
	"$RTMPD" -l "127.0.0.1:$RTMPD_PORT" "$@" >"$RTMPD_LOG" 2>&1 3>&- &
	RTMPD_PID=$!
	wait_port "$RTMPD_PORT" 10
}

# stop_rtmpd: SIGTERM and wait; fails when it does not exit 0 (a sanitizer
# report makes it exit 99).
stop_rtmpd() {
	[ -n "${RTMPD_PID:-}" ] || return 0
	kill -TERM "$RTMPD_PID" 2>/dev/null || true
	local rc=0
	wait "$RTMPD_PID" || rc=$?
	RTMPD_PID=
	if [ "$rc" -ne 0 ]; then
		echo "rtmpd exited $rc; log:" >&2
		cat "$RTMPD_LOG" >&2
		return 1
	fi
}

# start_nginx: a private nginx-rtmp (Debian's libnginx-mod-rtmp) on a free
# port with `live on`; sets NGINX_PORT, NGINX_DIR.
start_nginx() {
	NGINX_PORT=$(free_port)
	NGINX_DIR="$BATS_TEST_TMPDIR/nginx"
	mkdir -p "$NGINX_DIR/logs"
	cat >"$NGINX_DIR/nginx.conf" <<-CONF
	load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
	worker_processes 1;
	daemon off;
	pid $NGINX_DIR/nginx.pid;
	error_log $NGINX_DIR/logs/error.log info;
	events { worker_connections 1024; }
	rtmp {
		server {
			listen 127.0.0.1:$NGINX_PORT;
			chunk_size 4096;
			application live { live on; }
		}
	}
	CONF
	nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" >"$NGINX_DIR/logs/stdout.log" 2>&1 3>&- &
	NGINX_PID=$!
	wait_port "$NGINX_PORT" 10
}

stop_nginx() {
	[ -n "${NGINX_PID:-}" ] || return 0
	kill -QUIT "$NGINX_PID" 2>/dev/null || true
	wait "$NGINX_PID" 2>/dev/null || true
	NGINX_PID=
}

# kill_bg PID...: stop background helpers quietly.
kill_bg() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# Per-packet hashes of a media file or URL: "stream_index size hash" lines
# for video and audio packets (ffprobe's own demuxer).
packet_hashes() {
	ffprobe -v error -show_entries packet=stream_index,size,data_hash \
		-show_data_hash CRC32 -of csv=p=0 "$@"
}

# rtmppush: start_nginx_notify: like start_nginx, with publish_notify on,
# so players get NetStream.Play.UnpublishNotify when the publisher leaves
# (ffmpeg takes it as the end of the stream; by default nginx-rtmp sends
# only StreamEOF, which ffmpeg ignores). Sets NGINX_PORT, NGINX_DIR,
# NGINX_PID.
start_nginx_notify() {
	NGINX_PORT=${1:-$(free_port)}
	NGINX_DIR="$BATS_TEST_TMPDIR/nginx"
	mkdir -p "$NGINX_DIR/logs"
	cat >"$NGINX_DIR/nginx.conf" <<-CONF
	load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
	worker_processes 1;
	daemon off;
	pid $NGINX_DIR/nginx.pid;
	error_log $NGINX_DIR/logs/error.log info;
	events { worker_connections 1024; }
	rtmp {
		server {
			listen 127.0.0.1:$NGINX_PORT;
			chunk_size 4096;
			application live { live on; publish_notify on; }
		}
	}
	CONF
	nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" >"$NGINX_DIR/logs/stdout.log" 2>&1 3>&- &
	NGINX_PID=$!
	wait_port "$NGINX_PORT" 10
}
