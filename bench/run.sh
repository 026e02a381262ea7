#!/usr/bin/env bash
#
# Fan-out benchmark: rtmpd against nginx-rtmp (Debian's libnginx-mod-rtmp)
# and against bench/baseline.c (the same pre-chunked bytes written to every
# socket: the physical limit), on one machine over loopback. Method and
# results: BENCHMARKS.md. Not part of the test suite.
#
#   bench/run.sh            the full run (under 15 minutes on 2 cores)
#   bench/run.sh --quick    a small ladder, to check the method
#
# Everything runs from a clean Release build in bench/build-release; the
# input is generated here with ffmpeg; results go to bench/work/
# (results.jsonl, one object per phase, and results.md, the tables).
#
# Knobs (environment): BENCH_LADDER ("100 500 1000 2000 4000 8000 12000
# 16000"; rungs above the descriptor limit are left out),
# BENCH_WINDOW (measured seconds per phase, 8), BENCH_RAMP (connections
# per second, 2000), BENCH_BATCH (messages per writev for the batched
# baseline, 16), BENCH_WRITE_DELAY (rtmpd --write-delay for the
# rtmpd-batched rows, 200ms), BENCH_REFINE (rungs added by bisection below the first
# failure, 2), BENCH_PUBLISHERS (1000), BENCH_SERVER_CPU (0),
# BENCH_LOAD_CPU (1), BENCH_NICE (-10: the priority of this run's
# autogroup, so that other work on the machine does not take the CPUs
# from under it; "" leaves it alone), BENCH_WORK (bench/work),
# BENCH_PHASES ("ladder refine publishers validate": which parts run),
# BENCH_SERVERS ("rtmpd rtmpd-batched nginx write writev": which servers
# the ladder runs).

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")

# Our own session, so that the scheduler's autogroup (one per session)
# holds only this run and its priority can be raised.
if [ -z "${BENCH_IN_SESSION:-}" ] && command -v setsid >/dev/null; then
	BENCH_IN_SESSION=1 exec setsid --wait "$0" "$@"
fi

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ "$QUICK" = 1 ]; then
	LADDER=${BENCH_LADDER:-"100 1000"}
	WINDOW=${BENCH_WINDOW:-6}
	PUBLISHERS=${BENCH_PUBLISHERS:-200}
else
	LADDER=${BENCH_LADDER:-"100 500 1000 2000 4000 8000 12000 16000"}
	WINDOW=${BENCH_WINDOW:-8}
	PUBLISHERS=${BENCH_PUBLISHERS:-1000}
fi
RAMP=${BENCH_RAMP:-2000}
BATCH=${BENCH_BATCH:-16}
REFINE=${BENCH_REFINE:-2}
# rtmpd's batching, for the rtmpd-batched rows: about the time the writev
# baseline's BATCH messages take to come (16 at ~68 a second: 235 ms).
WRITE_DELAY=${BENCH_WRITE_DELAY:-200ms}
SCPU=${BENCH_SERVER_CPU:-0}
LCPU=${BENCH_LOAD_CPU:-1}
NICE=${BENCH_NICE--10}
WORK=${BENCH_WORK:-$HERE/work}
WARMUP=2	# seconds after the last connection before the window
PRIME=3		# seconds of publishing before players come (GOP cache full)
VALIDATE_N=100
VALIDATE_WINDOW=$((WINDOW * 2))
BUILD=$HERE/build-release
BIN=$BUILD/bin
# Below the kernel's ephemeral range (32768 and up), which thousands of
# client connections use.
PORT_BASE=$((10000 + RANDOM % 20000))
T0=$SECONDS

mkdir -p "$WORK"
LOG=$WORK/run.log
RESULTS=$WORK/results.jsonl
: >"$LOG"
: >"$RESULTS"

say() { printf '%s\n' "$*" | tee -a "$LOG" >&2; }
die() { say "run.sh: $*"; exit 1; }

for tool in cmake make cc ffmpeg nginx jq taskset rtmpdump perf ss; do
	command -v $tool >/dev/null || die "$tool is not installed"
done
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] ||
	die "nginx-rtmp is not installed (apt-get install libnginx-mod-rtmp)"
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (server on one, load on the other)"
if [ -n "$NICE" ] && [ -w /proc/$$/autogroup ]; then
	echo "$NICE" >/proc/$$/autogroup 2>/dev/null ||
		say "note: cannot set the autogroup priority (not root?)"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null
# Like nginx's worker_connections below: the servers may take as many
# connections as the descriptor limit allows (rtmpd's default is 10000).
MAXCONN=$(($(ulimit -n) - 100))
fit=
for n in $LADDER; do
	if [ "$n" -lt "$MAXCONN" ]; then
		fit="$fit $n"
	else
		say "note: N=$n left out: the descriptor limit is $(ulimit -n)"
	fi
done
LADDER=${fit# }

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build, baseline, input ---------------------------------------------

say "== build (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
	>>"$LOG" 2>&1 || die "cmake failed (see $LOG)"
make -C "$BUILD" -j2 rtmpd rtmppull rtmppush >>"$LOG" 2>&1 ||
	die "build failed (see $LOG)"
C=$ROOT/common
cc -O2 -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -I"$C" -o "$WORK/baseline" \
	"$HERE/baseline.c" "$C/session.c" "$C/chunk.c" "$C/handshake.c" \
	"$C/sha256.c" "$C/amf0.c" "$C/rtmp_msg.c" "$C/rtmp_err.c" "$C/flv.c" \
	"$C/h264.c" -lz >>"$LOG" 2>&1 || die "cannot compile baseline.c"

INPUT=$WORK/input.flv
if [ ! -s "$INPUT" ]; then
	say "== input: 30 s H.264 640x360 25 fps 400 kbit/s GOP 2 s + AAC 96 kbit/s"
	ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i testsrc2=size=640x360:rate=25 \
		-f lavfi -i sine=frequency=440:sample_rate=44100 -t 30 \
		-c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p \
		-b:v 400k -maxrate 400k -bufsize 400k -g 50 -keyint_min 50 \
		-sc_threshold 0 -c:a aac -b:a 96k -ac 2 -f flv "$INPUT" \
		>>"$LOG" 2>&1 || die "ffmpeg failed (see $LOG)"
fi

GOP_AVG=$("$WORK/baseline" --gop-avg -i "$INPUT" | jq .gop_avg_bytes)
# rtmppush's load mode and send log (rtmppush(1)); without them there are
# no latency figures and no publisher scenarios.
PUSH_LOAD=0
"$BIN/rtmppush" --help | grep -q -- '--send-log' && PUSH_LOAD=1

# ---- servers -------------------------------------------------------------

PORT=$PORT_BASE
SPID= # the process measured (nginx: its worker)
SMAIN= # the process to stop

# nginx-rtmp as Debian ships it, with live on and the chunk size rtmpd
# uses. The only other departures from the defaults are for accepting
# thousands of connections at the ramp rate: descriptors and multi_accept
# (by default nginx accepts one connection per loop turn, and with its
# backlog of 511, which nginx-rtmp does not let one change, players time
# out in the TCP handshake once nginx is busy: not what this measures).
nginx_conf() {
	local dir=$1 port=$2
	mkdir -p "$dir/logs"
	cat >"$dir/nginx.conf" <<-CONF
	load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
	worker_processes 1;
	worker_rlimit_nofile $(ulimit -Hn);
	daemon off;
	master_process on;
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log warn;
	events {
		worker_connections $(($(ulimit -Hn) - 100));
		multi_accept on;
	}
	rtmp {
		access_log off;
		server {
			listen 127.0.0.1:$port;
			chunk_size 4096;
			application live { live on; }
		}
	}
	CONF
}

wait_port() {
	local port=$1 i
	for i in $(seq 100); do
		(exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# server_start NAME: rtmpd, rtmpd-batched (--write-delay WRITE_DELAY),
# nginx, write (baseline, one write per message) or writev (baseline,
# BATCH messages per writev), on CPU $SCPU.
server_start() {
	local name=$1 dir=$WORK/srv-$1
	PORT=$((PORT + 1))
	while [ -n "$(ss -Hltn "sport = :$PORT")" ]; do
		PORT=$((PORT + 1))
	done
	rm -rf "$dir"
	mkdir -p "$dir"
	case $name in
	rtmpd)
		taskset -c "$SCPU" "$BIN/rtmpd" -l "127.0.0.1:$PORT" \
			--max-connections "$MAXCONN" >"$dir/rtmpd.log" 2>&1 &
		SMAIN=$!
		SPID=$SMAIN
		;;
	rtmpd-batched)
		taskset -c "$SCPU" "$BIN/rtmpd" -l "127.0.0.1:$PORT" \
			--max-connections "$MAXCONN" --write-delay "$WRITE_DELAY" \
			>"$dir/rtmpd.log" 2>&1 &
		SMAIN=$!
		SPID=$SMAIN
		;;
	nginx)
		nginx_conf "$dir" "$PORT"
		taskset -c "$SCPU" nginx -p "$dir" -c "$dir/nginx.conf" \
			>"$dir/stdout.log" 2>&1 &
		SMAIN=$!
		;;
	write | writev)
		taskset -c "$SCPU" "$WORK/baseline" -l "$PORT" -i "$INPUT" \
			--batch "$([ "$name" = write ] && echo 1 || echo "$BATCH")" \
			--send-log "$dir/send.log" --stream x \
			>"$dir/baseline.log" 2>&1 &
		SMAIN=$!
		SPID=$SMAIN
		;;
	esac
	PIDS+=("$SMAIN")
	wait_port "$PORT" || die "$name did not start (see $dir)"
	if [ "$name" = nginx ]; then
		local i
		for i in $(seq 100); do
			SPID=$(pgrep -P "$SMAIN" | head -n 1)
			[ -n "$SPID" ] && break
			sleep 0.05
		done
		[ -n "$SPID" ] || die "no nginx worker"
		taskset -pc "$SCPU" "$SPID" >/dev/null
	fi
}

server_stop() {
	if [ -n "$SMAIN" ]; then
		kill -TERM "$SMAIN" 2>/dev/null
		wait "$SMAIN" 2>/dev/null
	fi
	SMAIN=
	SPID=
}

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# "ticks syscw wchar" of a process, for phases rtmppull does not measure.
proc_snap() {
	local t w c
	t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat")
	w=$(awk '/^syscw/ { print $2 }' "/proc/$1/io")
	c=$(awk '/^wchar/ { print $2 }' "/proc/$1/io")
	echo "$t $w $c"
}

# syscount PID DELAY SECS OUT: system calls made by PID in SECS seconds
# from DELAY on (the measurement window), counted with perf's syscall
# tracepoints: write syscalls (write, writev, send, sendto, sendmsg; nginx
# uses send(), which /proc/PID/io syscw does not count), epoll_ctl, all.
SYSCALLS="syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_epoll_ctl,raw_syscalls:sys_enter"
syscount() {
	sleep "$2"
	perf stat -x, -o "$4" -e "$SYSCALLS" -p "$1" -- sleep "$3" \
		>/dev/null 2>&1
}

# sys_fields OUT SECS: key=value arguments for record.
sys_fields() {
	[ -s "$1" ] || return 0
	awk -F, -v secs="$2" '
		/sys_enter_(write|writev|sendto|sendmsg),/ { w += $1 }
		/sys_enter_epoll_ctl,/ { e += $1 }
		/raw_syscalls:sys_enter,/ { t += $1 }
		END { printf "sys_window_s=%s sys_writes=%d sys_epoll_ctl=%d sys_total=%d", secs, w, e, t }' "$1"
}

# ---- phases --------------------------------------------------------------

# record KEY=VALUE... < summary JSON: one line in results.jsonl.
record() {
	local extra="{}" kv k v
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		extra=$(jq -c --arg k "$k" --arg v "$v" \
			'. + {($k): ($v | tonumber? // .)}' <<<"$extra")
	done
	jq -c --argjson x "$extra" '. + $x' >>"$RESULTS"
}

# pull N URL LOGFILE EXTRA...: rtmppull -N on the load CPU; the summary
# line on stdout.
pull() {
	local n=$1 url=$2 log=$3
	shift 3
	local dur
	dur=$(awk -v n="$n" -v r="$RAMP" -v w="$WARMUP" -v win="$WINDOW" \
		'BEGIN { printf "%.1f", n / r + w + win }')
	taskset -c "$LCPU" "$BIN/rtmppull" -N "$n" --ramp "$RAMP" -d "$dur" \
		--warmup "$WARMUP" --json -q --server-pid "$SPID" "$@" "$url" \
		>"$log" 2>"$log.err"
	grep '"type":"summary"' "$log" | tail -n 1
}

# fanout SERVER N: one publisher looping the input in real time, N players.
fanout() {
	local srv=$1 n=$2 dir=$WORK/fanout-$1-$2 sendlog rss0 sum push
	mkdir -p "$dir"
	server_start "$srv"
	if [ "$srv" = write ] || [ "$srv" = writev ]; then
		sendlog=$WORK/srv-$srv/send.log
		push=
	else
		sendlog=$dir/send.log
		rm -f "$sendlog"
		local slopt=()
		[ "$PUSH_LOAD" = 1 ] && slopt=(--send-log "$sendlog")
		taskset -c "$LCPU" "$BIN/rtmppush" -q --loop 0 \
			"${slopt[@]}" "$INPUT" \
			"rtmp://127.0.0.1:$PORT/live/x" 2>"$dir/push.err" &
		push=$!
		PIDS+=("$push")
	fi
	sleep "$PRIME"
	rss0=$(rss_kib "$SPID")
	syscount "$SPID" "$(awk -v n="$n" -v r="$RAMP" -v w="$WARMUP" \
		'BEGIN { print n / r + w + 0.2 }')" "$((WINDOW - 1))" \
		"$dir/sys.csv" &
	local sc=$!
	sum=$(pull "$n" "rtmp://127.0.0.1:$PORT/live/x" "$dir/pull.jsonl" \
		--latency-log "$sendlog")
	wait "$sc"
	[ -n "$push" ] && kill "$push" 2>/dev/null && wait "$push" 2>/dev/null
	server_stop
	if [ -z "$sum" ]; then
		say "   $srv N=$n: no summary (see $dir)"
		return 1
	fi
	record scenario=fanout server="$srv" n="$n" rss0_kib="$rss0" \
		$(sys_fields "$dir/sys.csv" "$((WINDOW - 1))") <<<"$sum"
	jq -r '"   \(.server) N=\(.n): kept up \(.kept_up)/\(.players), cpu \(.server_cpu_pct)%, \(.server_cpu_s_per_gb) cpu-s/GB, latency p99 \(.latency_p99_ms) ms, load client \(.cpu_pct)%"' \
		<<<"$(tail -n 1 "$RESULTS")" | tee -a "$LOG" >&2
	jq -e '.kept_up == .players' <<<"$sum" >/dev/null
}

# publishers SERVER P [PLAYERS]: P publishers on s0..s(P-1), and a player
# on each when PLAYERS is given.
publishers() {
	local srv=$1 p=$2 with_players=${3:-} dir=$WORK/pubs-$1-$2${3:+-play}
	local rss_idle rss0 a b sum push secs
	mkdir -p "$dir"
	server_start "$srv"
	rss_idle=$(rss_kib "$SPID")
	rm -f "$dir/send.log"
	taskset -c "$LCPU" "$BIN/rtmppush" -q -N "$p" --ramp "$RAMP" --loop 0 \
		--send-log "$dir/send.log" "$INPUT" \
		"rtmp://127.0.0.1:$PORT/live/s{i}" >"$dir/push.out" \
		2>"$dir/push.err" &
	push=$!
	PIDS+=("$push")
	sleep "$(awk -v p="$p" -v r="$RAMP" -v s="$PRIME" \
		'BEGIN { printf "%.1f", p / r + s }')"
	rss0=$(rss_kib "$SPID")
	if [ -n "$with_players" ]; then
		syscount "$SPID" "$(awk -v n="$p" -v r="$RAMP" -v w="$WARMUP" \
			'BEGIN { print n / r + w + 0.2 }')" "$((WINDOW - 1))" \
			"$dir/sys.csv" &
		local sc=$!
		sum=$(pull "$p" "rtmp://127.0.0.1:$PORT/live/s{i}" \
			"$dir/pull.jsonl" --latency-log "$dir/send.log")
		wait "$sc"
		record scenario=pubplay server="$srv" n="$p" publishers="$p" \
			rss_idle_kib="$rss_idle" rss0_kib="$rss0" \
			$(sys_fields "$dir/sys.csv" "$((WINDOW - 1))") <<<"$sum"
	else
		a=($(proc_snap "$SPID"))
		sleep "$WINDOW"
		b=($(proc_snap "$SPID"))
		secs=$WINDOW
		jq -nc --argjson t "$(( ${b[0]} - ${a[0]} ))" \
			--argjson w "$(( ${b[1]} - ${a[1]} ))" \
			--argjson s "$secs" --argjson hz "$(getconf CLK_TCK)" \
			--argjson rss "$(rss_kib "$SPID")" \
			'{type: "summary", server_cpu_s: ($t / $hz),
			  server_cpu_pct: ($t / $hz / $s * 100), server_syscw: $w,
			  server_rss_kib: $rss, window_s: $s}' |
			record scenario=publishers server="$srv" n=0 \
				publishers="$p" rss_idle_kib="$rss_idle" \
				rss0_kib="$rss0"
	fi
	kill "$push" 2>/dev/null
	wait "$push" 2>/dev/null
	server_stop
	jq -r '"   \(.server) \(.scenario) P=\(.publishers): cpu \(.server_cpu_pct)%, rss \(.server_rss_kib) KiB"' \
		<<<"$(tail -n 1 "$RESULTS")" | tee -a "$LOG" >&2
}

# wake_share PERF.DATA: the fraction of the server's samples spent waking
# the reading process (sock_def_readable and below): on loopback the
# writer pays for it, and how much depends on the load generator (one
# process with epoll is often awake already; 100 processes each sleep).
wake_share() {
	perf report -i "$1" --children --stdio -g none --sort symbol 2>/dev/null |
		awk '/\] sock_def_readable/ { gsub("%", "", $1); print $1 / 100; f = 1; exit }
		     END { if (!f) print 0 }'
}

# validate: 100 rtmpdump processes against rtmpd, then rtmppull -N 100,
# the same window: the server's CPU, write syscalls and bytes written
# should agree.
validate() {
	local dir=$WORK/validate i a b push pids=() sum saved=$WINDOW client
	local delay
	mkdir -p "$dir"
	for client in rtmpdump rtmppull; do
		server_start rtmpd
		taskset -c "$LCPU" "$BIN/rtmppush" -q --loop 0 "$INPUT" \
			"rtmp://127.0.0.1:$PORT/live/x" 2>"$dir/push.err" &
		push=$!
		PIDS+=("$push")
		sleep "$PRIME"
		if [ "$client" = rtmpdump ]; then
			pids=()
			for i in $(seq "$VALIDATE_N"); do
				taskset -c "$LCPU" rtmpdump -q -v \
					-r "rtmp://127.0.0.1:$PORT/live/x" \
					-o /dev/null 2>/dev/null &
				pids+=($!)
			done
			# Starting 100 processes takes a while: the window
			# opens WARMUP after the last one is connected (the
			# publisher's connection counts too).
			for i in $(seq 200); do
				[ "$(ss -Htn state established \
					"( sport = :$PORT )" | wc -l)" -gt \
					"$VALIDATE_N" ] && break
				sleep 0.05
			done
			sleep "$WARMUP"
			(perf record -q -g -e cpu-clock -p "$SPID" \
				-o "$dir/perf.$client" -- \
				sleep "$((VALIDATE_WINDOW - 1))" >/dev/null 2>&1) &
			local rec=$!
			local ta tb
			ta=$(date +%s.%N)
			a=($(proc_snap "$SPID"))
			sleep "$VALIDATE_WINDOW"
			b=($(proc_snap "$SPID"))
			tb=$(date +%s.%N)
			wait "$rec"
			kill "${pids[@]}" 2>/dev/null
			wait "${pids[@]}" 2>/dev/null
			jq -nc --argjson t "$(( ${b[0]} - ${a[0]} ))" \
				--argjson w "$(( ${b[1]} - ${a[1]} ))" \
				--argjson c "$(( ${b[2]} - ${a[2]} ))" \
				--argjson s "$(awk -v a="$ta" -v b="$tb" \
					'BEGIN { print b - a }')" \
				--argjson hz "$(getconf CLK_TCK)" \
				'{type: "summary", window_s: $s,
				  server_cpu_s: ($t / $hz),
				  server_cpu_pct: ($t / $hz / $s * 100),
				  server_syscw: $w, server_wchar: $c}' |
				record scenario=validate client=rtmpdump \
					server=rtmpd n="$VALIDATE_N" \
					wake_share="$(wake_share "$dir/perf.$client")"
		else
			delay=$(awk -v n="$VALIDATE_N" -v r="$RAMP" -v w="$WARMUP" \
				'BEGIN { print n / r + w + 0.1 }')
			(sleep "$delay"
			 perf record -q -g -e cpu-clock -p "$SPID" \
				-o "$dir/perf.$client" -- \
				sleep "$((VALIDATE_WINDOW - 1))" >/dev/null 2>&1) &
			a=$!
			WINDOW=$VALIDATE_WINDOW
			sum=$(pull "$VALIDATE_N" "rtmp://127.0.0.1:$PORT/live/x" \
				"$dir/pull.jsonl")
			WINDOW=$saved
			wait "$a"
			record scenario=validate client=rtmppull server=rtmpd \
				n="$VALIDATE_N" \
				wake_share="$(wake_share "$dir/perf.$client")" <<<"$sum"
		fi
		kill "$push" 2>/dev/null
		wait "$push" 2>/dev/null
		server_stop
	done
	jq -rs 'map(select(.scenario == "validate")) |
		"   validate N=100: server cpu rtmpdump \(.[0].server_cpu_pct)%, rtmppull \(.[1].server_cpu_pct)%; bytes written per s \(.[0].server_wchar / .[0].window_s), \(.[1].server_wchar / .[1].window_s)"' \
		"$RESULTS" | tee -a "$LOG" >&2
}

# refine SERVER: between the largest N passed and the first N failed,
# REFINE more rungs by bisection (rounded to 100).
refine() {
	local srv=$1 k lo hi mid
	for k in $(seq "$REFINE"); do
		lo=$(jq -s --arg s "$srv" '[.[] | select(.scenario == "fanout" and .server == $s and .kept_up == .players) | .n] | max // 0' "$RESULTS")
		hi=$(jq -s --arg s "$srv" '[.[] | select(.scenario == "fanout" and .server == $s and .kept_up != .players) | .n] | min // 0' "$RESULTS")
		[ "$hi" -gt 0 ] || return 0
		mid=$(( (lo + hi) / 200 * 100 ))
		[ "$mid" -gt "$lo" ] && [ "$mid" -lt "$hi" ] || return 0
		fanout "$srv" "$mid"
	done
}

# ---- the run -------------------------------------------------------------

PHASES=${BENCH_PHASES:-"ladder refine publishers validate"}
SERVERS=${BENCH_SERVERS:-"rtmpd rtmpd-batched nginx write writev"}
has_phase() { [[ " $PHASES " == *" $1 "* ]]; }

say "== $(date -u +%FT%TZ) ladder: $LADDER; window ${WINDOW}s; ramp $RAMP/s"
declare -A failed_at
has_phase ladder || LADDER=
for n in $LADDER; do
	for srv in $SERVERS; do
		# A server that failed at a smaller N is not run at larger ones.
		if [ -n "${failed_at[$srv]:-}" ]; then
			continue
		fi
		fanout "$srv" "$n" || failed_at[$srv]=$n
	done
done

has_phase refine || REFINE=0
say "== the largest N: $REFINE more rungs for rtmpd, rtmpd-batched, nginx"
for srv in rtmpd rtmpd-batched nginx; do
	[[ " $SERVERS " == *" $srv "* ]] || continue
	refine "$srv"
done

if ! has_phase publishers; then
	:
elif [ "$PUSH_LOAD" = 1 ]; then
	say "== $PUBLISHERS publishers, then $PUBLISHERS publishers with a player each"
	for srv in rtmpd nginx; do
		publishers "$srv" "$PUBLISHERS"
	done
	for srv in rtmpd nginx; do
		publishers "$srv" "$PUBLISHERS" players
	done
else
	say "== no publisher scenarios: this rtmppush has no -N / --send-log"
fi

if has_phase validate; then
	say "== validation: $VALIDATE_N rtmpdump processes against rtmppull -N $VALIDATE_N"
	validate
fi

say "== tables"
"$HERE/report.sh" "$RESULTS" "$GOP_AVG" >"$WORK/results.md"
cat "$WORK/results.md"
say "== done in $((SECONDS - T0)) s; results in $WORK"
