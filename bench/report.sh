#!/usr/bin/env bash
#
# bench/report.sh RESULTS.jsonl [GOP_AVG_BYTES]: the Markdown tables of a
# bench/run.sh run (run.sh calls it; run it again to re-read old results).
# Ratios are between servers measured in that same run.

set -eu
R=${1:?usage: report.sh results.jsonl [gop_avg_bytes]}
GOP=${2:-0}

jq -rs --argjson gop "$GOP" '
def f(d): if . == null then "-" else (. * pow(10; d) | round / pow(10; d) | tostring) end;
def per_player: if .server_rss_kib == null or .rss0_kib == null or .n == 0
	then null else (.server_rss_kib - .rss0_kib) / .n end;
# The load client runs on one core: when it needed nearly all of it, a
# failure says more about it than about the server.
def saturated: .cpu_pct != null and .cpu_pct >= 90;
def busy: .server_cpu_pct != null and .server_cpu_pct >= 90;
def why: [if busy then "server" else empty end,
	if saturated then "load client" else empty end] |
	if length == 0 then "" else " (" + join(" and ") + " saturated)" end;
def kept: "\(.kept_up)/\(.players)" +
	(if .kept_up < .players then why else "" end);
# Per MB delivered, from the perf syscall counts of the window (all write
# syscalls, send() included), else /proc/PID/io syscw (write, writev).
def mbps: if .bytes == null or .window_s == null or .window_s == 0 then null
	else .bytes / .window_s / 1e6 end;
def wpm: if .sys_writes != null and mbps != null and mbps > 0
	then .sys_writes / .sys_window_s / mbps else .server_syscw_per_mb end;
def spm: if .sys_total != null and mbps != null and mbps > 0
	then .sys_total / .sys_window_s / mbps else null end;
def name: {"rtmpd": "rtmpd", "rtmpd-batched": "rtmpd --write-delay", "nginx": "nginx-rtmp",
	"write": "baseline write", "writev": "baseline writev"}[.server];

(map(select(.scenario == "fanout"))) as $f |
([$f[] | .server] | unique) as $servers |

"### 1 publisher -> N players (~500 kbit/s, one core)\n",
"| N | server | kept up | CPU % | CPU-s/GB | writes/MB | syscalls/MB | RSS/player KiB | latency p50 / p99 ms | first keyframe p50 / p99 ms | load client CPU % |",
"|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
($f | sort_by(.n, ({"rtmpd":0,"rtmpd-batched":1,"nginx":2,"write":3,"writev":4}[.server]))[] |
 "| \(.n) | \(name) | \(kept) | \(.server_cpu_pct | f(1)) | \(.server_cpu_s_per_gb | f(2)) | \(wpm | f(0)) | \(spm | f(0)) | \(per_player | f(2)) | \(.latency_p50_ms | f(1)) / \(.latency_p99_ms | f(1)) | \(.ttfk_p50_ms | f(0)) / \(.ttfk_p99_ms | f(0)) | \(.cpu_pct | f(0)) |"),
"",
"### Largest N with every player keeping up (ladder rungs run)\n",
"| server | largest N passed | first N failed |",
"|---|---:|---:|",
($servers[] as $s |
 ([$f[] | select(.server == $s and .kept_up == .players) | .n] | max) as $ok |
 ([$f[] | select(.server == $s and .kept_up != .players)] | min_by(.n)) as $bad |
 "| \({"server": $s} | name) | \($ok // "none") | \(if $bad == null then "none run" else "\($bad.n)" + ($bad | why) end) |"),
"",
"### rtmpd against the others, same N, same run\n",
"| N | CPU-s/GB rtmpd / nginx | rtmpd / baseline write | rtmpd / baseline writev | rtmpd --write-delay / baseline writev | writes/MB rtmpd / nginx |",
"|---:|---:|---:|---:|---:|---:|",
([$f[] | .n] | unique[] as $n |
 ([$f[] | select(.n == $n)] | map({(.server): .}) | add) as $r |
 def ratio(a; b; k): if a == null or b == null or (a | .[k]) == null or (b | .[k]) == null or (b | .[k]) == 0
	then "-" else ((a | .[k]) / (b | .[k]) | f(2)) end;
 "| \($n) | \(ratio($r.rtmpd; $r.nginx; "server_cpu_s_per_gb")) | \(ratio($r.rtmpd; $r.write; "server_cpu_s_per_gb")) | \(ratio($r.rtmpd; $r.writev; "server_cpu_s_per_gb")) | \(ratio($r["rtmpd-batched"]; $r.writev; "server_cpu_s_per_gb")) | \(if $r.rtmpd == null or $r.nginx == null or ($r.nginx | wpm) == null or ($r.nginx | wpm) == 0 then "-" else (($r.rtmpd | wpm) / ($r.nginx | wpm) | f(2)) end) |"),
"",
(map(select(.scenario == "publishers")) as $p |
 if ($p | length) == 0 then empty else
 "### Publishers only (no players)\n",
 "| server | publishers | CPU % | RSS KiB | RSS/publisher KiB | beyond a \($gop / 1024 | f(0)) KiB average GOP cache, KiB |",
 "|---|---:|---:|---:|---:|---:|",
 ($p[] | ((.server_rss_kib - .rss_idle_kib) / .publishers) as $pp |
  "| \(name) | \(.publishers) | \(.server_cpu_pct | f(1)) | \(.server_rss_kib) | \($pp | f(1)) | \(if .server == "rtmpd" then ($pp - $gop / 1024 | f(1)) else ($pp | f(1)) + " (no GOP cache)" end) |"),
 "" end),
(map(select(.scenario == "pubplay")) as $p |
 if ($p | length) == 0 then empty else
 "### Publishers, each with one player\n",
 "| server | pairs | kept up | CPU % | CPU-s/GB | writes/MB | latency p50 / p99 ms | first keyframe p50 / p99 ms | RSS KiB | load client CPU % |",
 "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
 ($p[] | "| \(name) | \(.publishers) | \(kept) | \(.server_cpu_pct | f(1)) | \(.server_cpu_s_per_gb | f(2)) | \(wpm | f(0)) | \(.latency_p50_ms | f(1)) / \(.latency_p99_ms | f(1)) | \(.ttfk_p50_ms | f(0)) / \(.ttfk_p99_ms | f(0)) | \(.server_rss_kib) | \(.cpu_pct | f(0)) |"),
 "" end),
(map(select(.scenario == "validate")) as $v |
 if ($v | length) < 2 then empty else
 def rate(k): (.[k] / .window_s);
 def nowake: .server_cpu_pct * (1 - .wake_share);
 ($v | map({(.client): .}) | add) as $c |
 "### Load client check: rtmppull -N 100 against 100 rtmpdump processes (rtmpd, same window length)\n",
 "| client | server CPU % | of which waking the reader | CPU % without it | bytes written/s | write syscalls/s |",
 "|---|---:|---:|---:|---:|---:|",
 ($v[] | "| \(.client) | \(.server_cpu_pct | f(2)) | \(.wake_share * 100 | f(0)) % | \(nowake | f(2)) | \(rate("server_wchar") | f(0)) | \(rate("server_syscw") | f(0)) |"),
 "| rtmppull / rtmpdump | \(($c.rtmppull.server_cpu_pct / $c.rtmpdump.server_cpu_pct) | f(3)) | | \((($c.rtmppull | nowake) / ($c.rtmpdump | nowake)) | f(3)) | \((($c.rtmppull | rate("server_wchar")) / ($c.rtmpdump | rate("server_wchar"))) | f(3)) | \((($c.rtmppull | rate("server_syscw")) / ($c.rtmpdump | rate("server_syscw"))) | f(3)) |",
 "" end)
' "$R"
