#!/usr/bin/env bats
# rtmpdump-flv: listing, --summary, --check, extraction and bad input,
# compared with ffprobe/ffmpeg where they have an answer.

load helpers

CORRUPT="$BATS_TEST_DIRNAME/corrupt_flv.py"
SAMPLE="$FIXTURES/sample.flv"
EFLV="$FIXTURES/enhanced.flv"

# json_field FILE KEY: a key of the JSON object on the last line of FILE.
json_field() {
	python3 -c 'import json,sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(d[sys.argv[2]])' "$1" "$2"
}

# All lines of FILE are JSON objects (a failure names the line).
all_json() {
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$1"
}

# ffprobe facts of a file as "key=value" lines.
probe_facts() {
	ffprobe -v error -count_packets \
		-show_entries format=duration:stream=codec_type,codec_name,width,height,nb_read_packets \
		-of json "$1" | python3 -c 'import json,sys
d = json.load(sys.stdin)
print("duration=%s" % d["format"]["duration"])
for s in d["streams"]:
    t = s["codec_type"]
    print("%s_codec=%s" % (t, s["codec_name"]))
    print("%s_packets=%s" % (t, s["nb_read_packets"]))
    if t == "video":
        print("width=%s" % s["width"]); print("height=%s" % s["height"])'
}

# compare_with_ffprobe FLV [PROBE_FILE]: summary counts, codecs,
# resolution and duration agree with ffprobe's on PROBE_FILE (default FLV).
compare_with_ffprobe() {
	local flv=$1 probe=${2:-$1}
	probe_facts "$probe" >"$BATS_TEST_TMPDIR/probe.txt"
	"$RTMPDUMPFLV" --summary --json "$flv" >"$BATS_TEST_TMPDIR/sum.json"
	python3 - "$BATS_TEST_TMPDIR/probe.txt" "$BATS_TEST_TMPDIR/sum.json" <<-'EOF'
	import json, sys
	p = dict(l.strip().split("=", 1) for l in open(sys.argv[1]))
	s = json.loads(open(sys.argv[2]).read())
	names = {"h264": "avc1", "aac": "mp4a"}
	bad = []
	def want(key, got, exp):
	    if got != exp:
	        bad.append("%s: rtmpdump-flv %r, ffprobe %r" % (key, got, exp))
	want("video_codec", s["video_codec"], names.get(p.get("video_codec")))
	want("audio_codec", s["audio_codec"], names.get(p.get("audio_codec")))
	want("video_frames", s["video_frames"], int(p.get("video_packets", 0)))
	want("audio_frames", s["audio_frames"], int(p.get("audio_packets", 0)))
	if "width" in p:
	    want("width", s["width"], int(p["width"]))
	    want("height", s["height"], int(p["height"]))
	# ffprobe takes onMetaData's duration, which ffmpeg computes from the
	# presentation times (composition offsets included); ours is the span
	# of the decoding timestamps plus one frame.
	if abs(s["duration_ms"] / 1000.0 - float(p["duration"])) > 0.1:
	    bad.append("duration: %s ms vs %s s" % (s["duration_ms"], p["duration"]))
	if bad:
	    sys.exit("\n".join(bad))
	EOF
}

# expect_problem KIND CODE SEVERITY [FIELD]: make a file with one defect
# from sample.flv and check that --check reports CODE with SEVERITY at the
# offset the generator computed (its FIELD-th number, default 1), and exits
# 7 for an error (0 for a warning).
expect_problem() {
	local kind=$1 code=$2 sev=$3 f="$BATS_TEST_TMPDIR/$1.flv" want
	want=$(python3 "$CORRUPT" "$kind" "$SAMPLE" "$f" | cut -d' ' -f"${4:-1}")
	run "$RTMPDUMPFLV" --check --json "$f"
	echo "$output"
	if [ "$sev" = error ]; then
		[ "$status" -eq 7 ]
	else
		[ "$status" -eq 0 ]
	fi
	echo "$output" | python3 -c 'import json,sys
code, sev, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
ev = [json.loads(l) for l in sys.stdin]
hits = [e for e in ev if e["event"] == "problem" and e["code"] == code]
assert hits, "no %s problem" % code
assert any(e["offset"] == want and e["severity"] == sev for e in hits), \
    "%s not at offset %d with severity %s: %r" % (code, want, sev, hits)
assert ev[-1]["event"] == "check"' "$code" "$sev" "$want"
}

@test "--help prints the usage to stdout and exits 0" {
	run "$RTMPDUMPFLV" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: rtmpdump-flv [-cjqsVvx] [--strict]"* ]]
	[[ "$output" == *"--extract-video FILE"* ]]
}

@test "--version prints the version and exits 0" {
	run "$RTMPDUMPFLV" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "rtmpdump-flv (rtmpkit) "* ]]
}

@test "bad option values are refused with exit 2 naming the option and the value" {
	run "$RTMPDUMPFLV" --max-gap soon "$SAMPLE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--max-gap"*"soon"* ]]
	run "$RTMPDUMPFLV" --amf-nodes 3 "$SAMPLE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--amf-nodes"*"3"* ]]
	run "$RTMPDUMPFLV" --max-tag-size 99G "$SAMPLE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--max-tag-size"* ]]
	run "$RTMPDUMPFLV"
	[ "$status" -eq 2 ]
	[[ "$output" == *"missing input file"* ]]
	run "$RTMPDUMPFLV" --summary --extract-video - "$SAMPLE"
	[ "$status" -eq 2 ]
}

@test "a missing input file is an I/O failure (exit 1) naming the file" {
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/nope.flv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nope.flv: No such file or directory"* ]]
}

@test "the listing of sample.flv has one line per tag with offsets, timestamps and decoded headers" {
	run "$RTMPDUMPFLV" "$SAMPLE"
	[ "$status" -eq 0 ]
	# heading, header line, 686 tags, 13 lines of onMetaData tree
	[ "$(echo "$output" | grep -c '^ *[0-9]\+  \(video\|audio\|script\)')" -eq 686 ]
	[[ "$output" == *"296  video           0  0:00:00.000        44  frame=key codec=avc1 codec_id=7 packet=sequence_header avc_profile=Main(77) avc_level=1.3 resolution=320x240 fps=25 sps=1 pps=1 nal_length_size=4"* ]]
	[[ "$output" == *"355  audio           0  0:00:00.000         7  codec=mp4a format=10 rate=44100 bits=16 channels=2 packet=sequence_header aac_object=LC(2) aac_rate=44100 aac_channels=2"* ]]
	[[ "$output" == *"377  video           0  0:00:00.000      2519  frame=key codec=avc1 codec_id=7 packet=nalu cts=80"* ]]
	[[ "$output" == *"name=onMetaData"* ]]
	[[ "$output" == *"    width = 320"* ]]
	[[ "$output" == *"    stereo = true"* ]]
	# frames per type agree with ffprobe's packet counts
	probe_facts "$SAMPLE" >"$BATS_TEST_TMPDIR/p"
	[ "$(echo "$output" | grep -c 'packet=nalu')" -eq "$(grep video_packets "$BATS_TEST_TMPDIR/p" | cut -d= -f2)" ]
	[ "$(echo "$output" | grep -c 'packet=raw')" -eq "$(grep audio_packets "$BATS_TEST_TMPDIR/p" | cut -d= -f2)" ]
	[ "$(echo "$output" | grep -c 'frame=key codec=avc1 codec_id=7 packet=nalu')" -eq 5 ]
}

@test "the summary agrees with ffprobe on sample.flv" {
	compare_with_ffprobe "$SAMPLE"
	run "$RTMPDUMPFLV" --summary "$SAMPLE"
	[ "$status" -eq 0 ]
	[[ "$output" == *"video:       avc1 320x240, 250 frames, 25.000 fps"* ]]
	[[ "$output" == *"keyframes:   5, interval min 2000 avg 2000 max 2000 ms"* ]]
	[[ "$output" == *"audio:       mp4a 44100 Hz 2 ch, 432 frames"* ]]
	[[ "$output" == *"154359 bytes, 154359 in header and tags, 0 unaccounted"* ]]
}

@test "the summary agrees with ffprobe on short, audio-only and video-only files and on .flv.gz" {
	compare_with_ffprobe "$FIXTURES/short.flv"
	compare_with_ffprobe "$FIXTURES/audio-only.flv"
	compare_with_ffprobe "$FIXTURES/video-only.flv"
	# ffprobe cannot read .flv.gz: it is short.flv compressed
	compare_with_ffprobe "$FIXTURES/sample.flv.gz" "$FIXTURES/short.flv"
}

@test "a .flv.gz on stdin lists the same tags as the uncompressed file" {
	"$RTMPDUMPFLV" --json "$FIXTURES/short.flv" >"$BATS_TEST_TMPDIR/a"
	"$RTMPDUMPFLV" --json - <"$FIXTURES/sample.flv.gz" >"$BATS_TEST_TMPDIR/b"
	cat "$FIXTURES/sample.flv.gz" | "$RTMPDUMPFLV" --json - >"$BATS_TEST_TMPDIR/c"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a")" -eq 143 ]
}

@test "--json lines parse, for the listing, the check and the summary" {
	for f in "$SAMPLE" "$EFLV" "$FIXTURES/audio-only.flv"; do
		"$RTMPDUMPFLV" --json --hexdump "$f" >"$BATS_TEST_TMPDIR/l"
		all_json "$BATS_TEST_TMPDIR/l"
		"$RTMPDUMPFLV" --json --check --summary "$f" >"$BATS_TEST_TMPDIR/c"
		all_json "$BATS_TEST_TMPDIR/c"
	done
	python3 - "$BATS_TEST_TMPDIR/l" <<-'EOF'
	import json, sys
	ev = [json.loads(l) for l in open(sys.argv[1])]
	assert ev[0]["event"] == "header" and ev[0]["audio"] and not ev[0]["video"]
	tags = [e for e in ev if e["event"] == "tag"]
	for k in ("offset", "type", "tag_type", "timestamp", "time", "size", "hex"):
	    assert all(k in t for t in tags), k
	seq = tags[1]
	assert seq["config"]["kind"] == "aac" and seq["config"]["sample_rate"] == 44100
	assert seq["hex"].startswith("af00")
	EOF
	# a corrupt file: problem and resync events parse too
	python3 "$CORRUPT" bad_tag_type "$SAMPLE" "$BATS_TEST_TMPDIR/bad.flv" >/dev/null
	run "$RTMPDUMPFLV" --json "$BATS_TEST_TMPDIR/bad.flv"
	[ "$status" -eq 7 ]
	echo "$output" | python3 -c 'import json,sys
ev = [json.loads(l) for l in sys.stdin]
assert {"problem", "resync", "tag", "header"} <= {e["event"] for e in ev}'
}

@test "--check is clean on the fixtures written by ffmpeg and on an ffmpeg -c copy remux" {
	for f in sample.flv short.flv audio-only.flv video-only.flv sample.flv.gz; do
		run "$RTMPDUMPFLV" --check --strict "$FIXTURES/$f"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"$f: ok: "* ]]
	done
	ffmpeg -v error -i "$SAMPLE" -c copy -f flv "$BATS_TEST_TMPDIR/remux.flv"
	run "$RTMPDUMPFLV" --check --strict "$BATS_TEST_TMPDIR/remux.flv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"remux.flv: ok: "* ]]
}

@test "--check reports a bad signature at offset 0 and still reads the tags" {
	expect_problem bad_signature bad_signature error
	run "$RTMPDUMPFLV" --summary --json "$BATS_TEST_TMPDIR/bad_signature.flv"
	[ "$status" -eq 7 ]
	[[ "$output" == *'"video_frames":250'* ]]
}

@test "--check reports a truncated tag at its offset" {
	expect_problem truncated truncated error
}

@test "--check reports a wrong PreviousTagSize at its offset and goes on" {
	expect_problem prev_tag_size prev_tag_size error
	run "$RTMPDUMPFLV" --summary --json "$BATS_TEST_TMPDIR/prev_tag_size.flv"
	[[ "$output" == *'"video_frames":250,'* ]]
	[[ "$output" == *'"audio_frames":432,'* ]]
}

@test "--check reports a timestamp going backwards at the tag" {
	expect_problem backwards timestamp_backwards error
}

@test "--check reports an unknown tag type and resynchronises on the next tag" {
	expect_problem bad_tag_type bad_tag_type error
	read -r at next < <(python3 "$CORRUPT" bad_tag_type "$SAMPLE" "$BATS_TEST_TMPDIR/t.flv")
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/t.flv"
	[ "$status" -eq 7 ]
	[[ "$output" == *"$(printf '%12d' "$at")  error   bad_tag_type: unknown tag type 7"* ]]
	[[ "$output" == *"$(printf '%12d' "$next")  resync  skipped"* ]]
}

@test "--check reports a first video frame that is not a keyframe, without its sequence header" {
	expect_problem not_keyframe first_not_keyframe error
	expect_problem not_keyframe missing_config error
}

@test "--check reports an onMetaData width that disagrees with the SPS" {
	expect_problem metadata_width metadata_mismatch error
	[[ "$output" == *"onMetaData width is 640 but the sequence header at offset 296 says 320"* ]]
}

@test "--check reports header problems: version, DataOffset too small or too large" {
	expect_problem bad_version bad_version warning
	run "$RTMPDUMPFLV" --check --strict "$BATS_TEST_TMPDIR/bad_version.flv"
	[ "$status" -eq 7 ]
	expect_problem header_offset_small bad_header_size error
	expect_problem header_offset_huge bad_header_size error
}

@test "--check reports a DataSize past the end of the file as truncated" {
	expect_problem size_past_eof truncated error
}

@test "--check warns about the encryption bit and reserved bits, and --strict fails on them" {
	expect_problem encrypted encrypted warning
	expect_problem reserved_bits reserved_bits warning
	run "$RTMPDUMPFLV" --check --strict --quiet "$BATS_TEST_TMPDIR/encrypted.flv"
	[ "$status" -eq 7 ]
	[ -z "$output" ]
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/encrypted.flv"
	[[ "$output" == *"audio"*"encrypted"* ]]
}

@test "an AVC config declaring 31 SPS of 0xFFFF bytes is reported, not trusted" {
	expect_problem avc_31_sps bad_avc_config error
	# the frames that follow have no usable configuration
	expect_problem avc_31_sps missing_config error 2
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/avc_31_sps.flv"
	[ "$status" -eq 7 ]
	[[ "$output" == *'config_error="malformed input"'* ]]
}

@test "an AAC config with sample rate index 15 is decoded, and cannot be extracted as ADTS" {
	python3 "$CORRUPT" aac_sr15 "$SAMPLE" "$BATS_TEST_TMPDIR/sr15.flv" >/dev/null
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/sr15.flv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"aac_object=LC(2) aac_rate=44100 aac_channels=2"* ]]
	run "$RTMPDUMPFLV" --extract-audio "$BATS_TEST_TMPDIR/a.aac" "$BATS_TEST_TMPDIR/sr15.flv"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"cannot be written as ADTS"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/a.aac" ]
	expect_problem aac_sr15_short bad_aac_config error
}

@test "onMetaData with a huge declared count, deep nesting or a 10^7-entry array declared does not crash" {
	python3 "$CORRUPT" meta_huge_count "$SAMPLE" "$BATS_TEST_TMPDIR/m1.flv" >/dev/null
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/m1.flv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ecma-array[3] (declared 4294967295)"* ]]
	expect_problem meta_deep bad_script warning
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/meta_deep.flv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"    height = 240"* ]]
	[[ "$output" == *"nested deeper than 16"* ]]
	expect_problem meta_keyframes_declared bad_script error
}

@test "a big keyframes index prints what fits and names what does not" {
	python3 "$CORRUPT" meta_keyframes_big "$SAMPLE" "$BATS_TEST_TMPDIR/kf.flv" >/dev/null
	run "$RTMPDUMPFLV" "$BATS_TEST_TMPDIR/kf.flv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"keyframes = object, 900016 bytes, not shown: more values than the node storage holds (--amf-nodes 4096)"* ]]
	# the members after it are still shown
	[[ "$output" == *"    framerate = 25"* ]]
	run "$RTMPDUMPFLV" --json "$BATS_TEST_TMPDIR/kf.flv"
	[[ "${lines[1]}" == *'"args":[{"duration":10.08,"width":320,"height":240,"framerate":25}],"omitted":1,'* ]]
	run "$RTMPDUMPFLV" --amf-nodes 200000 "$BATS_TEST_TMPDIR/kf.flv"
	[[ "$output" == *"times = strict-array[100000]"* ]]
	[[ "$output" == *"[7] = 14"* ]]
	[[ "$output" == *"... 99992 more"* ]]
	[[ "$output" != *"[8] = 16"* ]]
	run "$RTMPDUMPFLV" -v --amf-nodes 200000 "$BATS_TEST_TMPDIR/kf.flv"
	[[ "$output" == *"[99999] = 199998"* ]]
	run "$RTMPDUMPFLV" --check --strict "$BATS_TEST_TMPDIR/kf.flv"
	[ "$status" -eq 0 ]
}

@test "/dev/zero is reported as not FLV and given up on at --max-skip" {
	run timeout 20 "$RTMPDUMPFLV" --check /dev/zero
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"offset 0: error: bad_signature"* ]]
	[[ "$output" == *"no_tag: no FLV tag in the 67108873 bytes from here; giving up (--max-skip)"* ]]
	run timeout 20 "$RTMPDUMPFLV" --max-skip 1M --summary /dev/zero
	[ "$status" -eq 7 ]
	[[ "$output" == *"problems:    2 error(s)"* ]]
}

@test "an empty input and a cut header are errors, not crashes" {
	: >"$BATS_TEST_TMPDIR/empty.flv"
	run "$RTMPDUMPFLV" --check "$BATS_TEST_TMPDIR/empty.flv"
	[ "$status" -eq 7 ]
	[[ "$output" == *"truncated: the input is empty"* ]]
	head -c 5 "$SAMPLE" >"$BATS_TEST_TMPDIR/cut.flv"
	run "$RTMPDUMPFLV" --check "$BATS_TEST_TMPDIR/cut.flv"
	[ "$status" -eq 7 ]
	[[ "$output" == *"truncated: the input ends inside the FLV header"* ]]
	printf 'hello' | { run "$RTMPDUMPFLV" -; [ "$status" -eq 7 ]; }
}

@test "a sparse file over 4 GiB lists offsets past 2^32 with bounded memory" {
	local f="$BATS_TEST_TMPDIR/big.flv"
	# short.flv, then silent PCM audio tags of 16 MiB - 256 bytes (their
	# data is the file's holes) up to 5 GiB: a valid FLV throughout.
	last=$(python3 - "$FIXTURES/short.flv" "$f" <<-'EOF'
	import sys
	data = open(sys.argv[1], "rb").read()
	f = open(sys.argv[2], "wb")
	f.write(data)
	f.truncate(5 * 2**30)
	off, size, ts = len(data), 0xFFFF00, 2100
	while off + 15 + size <= 5 * 2**30:
	    f.seek(off)
	    f.write(bytes([8]) + size.to_bytes(3, "big") + ts.to_bytes(3, "big") + b"\0\0\0\0")
	    f.seek(off + 11 + size)
	    f.write((11 + size).to_bytes(4, "big"))
	    last, off, ts = off, off + 15 + size, ts + 40
	f.truncate(off)
	print(last)
	EOF
	)
	[ "$last" -gt 4294967296 ]
	# one pass (5 GiB through ASan takes seconds): the listing, its memory
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" \
		"$RTMPDUMPFLV" "$f" >"$BATS_TEST_TMPDIR/out"
	grep -q "^  $last  audio  " "$BATS_TEST_TMPDIR/out"
	# short.flv's 142 tags and 320 big ones
	[ "$(grep -c '^ *[0-9]\+  \(video\|audio\|script\)' "$BATS_TEST_TMPDIR/out")" -eq $((142 + 320)) ]
	# ASan's own overhead included; the data is 16 MiB per tag
	echo "max RSS $(cat "$BATS_TEST_TMPDIR/rss") KB"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 200000 ]
}

@test "enhanced.flv decodes with the right FourCCs, packet types and keyframes" {
	"$RTMPDUMPFLV" --json "$EFLV" >"$BATS_TEST_TMPDIR/e.json"
	python3 - "$BATS_TEST_TMPDIR/e.json" <<-'EOF'
	import json, sys
	ev = [json.loads(l) for l in open(sys.argv[1])]
	assert [e for e in ev if e["event"] == "problem"] == []
	v = [(e["fourcc"], e["packet"], e["frame"], e["keyframe"], e["cts"],
	      e["multitrack"], e["timestamp"])
	     for e in ev if e["event"] == "tag" and e["type"] == "video"]
	want = [
	    ("av01", "sequence_start", "key", False, None, False, 0),
	    ("av01", "metadata", "command", False, None, False, 0),
	    ("av01", "coded_frames", "key", True, None, False, 0),
	    ("av01", "coded_frames", "inter", False, None, False, 40),
	    ("av01", "coded_frames", "inter", False, None, False, 80),
	    ("av01", "sequence_end", "key", False, None, False, 120),
	    ("hvc1", "sequence_start", "key", False, None, False, 120),
	    ("hvc1", "coded_frames", "key", True, 40, False, 120),
	    ("hvc1", "coded_frames_x", "inter", False, 0, False, 160),
	    ("hvc1", "coded_frames", "inter", False, 0, False, 200),  # ModEx
	    ("hvc1", "coded_frames_x", "inter", False, 0, True, 240),
	    ("hvc1", "coded_frames_x", "inter", False, 0, False, 280),
	    ("hvc1", "sequence_end", "key", False, None, False, 280),
	]
	assert v == want, "\n".join(map(repr, v))
	a = [(e["fourcc"], e["packet"]) for e in ev
	     if e["event"] == "tag" and e["type"] == "audio"]
	assert a[0] == ("Opus", "sequence_start") and len(a) == 16
	assert set(a[1:]) == {("Opus", "coded_frames")}
	cfg = {e["fourcc"]: e["config"] for e in ev
	       if e["event"] == "tag" and e.get("sequence_header")}
	assert cfg["av01"] == {"kind": "av01", "size": 19, "error": None}
	assert cfg["hvc1"]["size"] == 113 and cfg["Opus"]["size"] == 19
	mt = [e for e in ev if e["event"] == "tag" and e.get("multitrack")][0]
	assert mt["multitrack_type"] == 1 and mt["track_id"] == 0
	meta = [e for e in ev if e["event"] == "tag" and e["type"] == "script"][0]
	assert meta["args"][0]["videocodecid"] == 0x61763031
	EOF
	run "$RTMPDUMPFLV" --check --strict "$EFLV"
	[ "$status" -eq 0 ]
	run "$RTMPDUMPFLV" --summary "$EFLV"
	[[ "$output" == *"video:       av01+hvc1, 8 frames"* ]]
	[[ "$output" == *"audio:       Opus, 15 frames"* ]]
	[[ "$output" == *"keyframes:   2, interval min 120 avg 120 max 120 ms"* ]]
	run "$RTMPDUMPFLV" "$EFLV"
	[[ "$output" == *"videocodecid = 1635135537 (av01)"* ]]
	[[ "$output" == *"frame=inter codec=hvc1 enhanced packet=coded_frames_x multitrack=many track=0 cts=0"* ]]
	[ "$(stat -c %s "$EFLV")" -lt 51200 ]
}

@test "enhanced.flv is what mk-eflv writes" {
	[ -x "$RTMPKIT_BIN/mk-eflv" ]
	"$RTMPKIT_BIN/mk-eflv" "$BATS_TEST_TMPDIR/e.flv"
	cmp "$BATS_TEST_TMPDIR/e.flv" "$EFLV"
}

@test "extraction from sample.flv gives the H.264 and AAC that ffmpeg gives, byte for byte" {
	cd "$BATS_TEST_TMPDIR"
	run "$RTMPDUMPFLV" --extract-video v.h264 --extract-audio a.aac "$SAMPLE"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"v.h264: 250 video frames, 81637 bytes"* ]]
	ffmpeg -v error -i "$SAMPLE" -map 0:v -c copy -bsf:v h264_mp4toannexb -f h264 ref.h264
	ffmpeg -v error -i "$SAMPLE" -map 0:a -c copy -f adts ref.aac
	cmp v.h264 ref.h264
	cmp a.aac ref.aac
	[ "$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 v.h264)" = 250 ]
	[ "$(ffprobe -v error -count_packets -show_entries stream=nb_read_packets -of csv=p=0 a.aac)" = 432 ]
	# video packet hashes: the extracted stream vs the FLV's, through ffmpeg
	ffmpeg -v error -i v.h264 -c copy -f framemd5 - | grep -v '^#' | cut -d, -f5,6 >h1
	ffmpeg -v error -i "$SAMPLE" -map 0:v -c copy -bsf:v h264_mp4toannexb -f framemd5 - |
		grep -v '^#' | cut -d, -f5,6 >h2
	[ "$(wc -l <h1)" -eq 250 ]
	cmp h1 h2
	# and to stdout
	"$RTMPDUMPFLV" --extract-audio - "$SAMPLE" >stdout.aac
	cmp stdout.aac ref.aac
}

@test "extracting a stream that is not H.264 or AAC is a clear error with exit 7" {
	cd "$BATS_TEST_TMPDIR"
	run "$RTMPDUMPFLV" --extract-video v.h264 "$EFLV"
	[ "$status" -eq 7 ]
	[[ "$output" == *"--extract-video: the video stream is av01; only single-track H.264 (avc1) can be extracted"* ]]
	[ ! -e v.h264 ]
	run "$RTMPDUMPFLV" --extract-audio a.aac "$EFLV"
	[ "$status" -eq 7 ]
	[[ "$output" == *"the audio stream is Opus"* ]]
	run "$RTMPDUMPFLV" --extract-video v.h264 "$FIXTURES/audio-only.flv"
	[ "$status" -eq 7 ]
	[[ "$output" == *"--extract-video: no H.264 frames in the input"* ]]
	run "$RTMPDUMPFLV" --extract-video /nonexistent/dir/v.h264 "$SAMPLE"
	[ "$status" -eq 1 ]
}

@test "--hexdump shows the first bytes of each tag, more with -v" {
	run "$RTMPDUMPFLV" --hexdump "$SAMPLE"
	[ "$status" -eq 0 ]
	[[ "$output" == *"         307  17 00 00 00 00 01 4d 40  0d ff e1 00 18 67 4d 40  |......M@.....gM@|"* ]]
	[[ "$output" == *"... 28 more bytes"* ]]
	run "$RTMPDUMPFLV" -v --hexdump "$SAMPLE"
	[[ "$output" == *"         339  "*"|"* ]]
	run "$RTMPDUMPFLV" --hexdump --check "$SAMPLE"
	[ "$status" -eq 2 ]
}

@test "stdin is read live: each tag is printed before the writer has finished" {
	local fifo="$BATS_TEST_TMPDIR/fifo" out="$BATS_TEST_TMPDIR/live.txt"
	mkfifo "$fifo"
	"$RTMPDUMPFLV" - <"$fifo" >"$out" 2>&1 3>&- &
	local pid=$!
	exec 4>"$fifo"
	# header and the first tags (up to the end of the tag at 2911)
	head -c 3039 "$SAMPLE" >&4
	local deadline=$((SECONDS + 10))
	until grep -q '^ *2911  video' "$out"; do
		((SECONDS < deadline)) || { exec 4>&-; kill_bg "$pid"; false; }
		sleep 0.1
	done
	# the writer is still open: more data follows, then the end
	tail -c +3040 "$SAMPLE" >&4
	exec 4>&-
	wait "$pid"
	[ "$(grep -c '^ *[0-9]\+  \(video\|audio\|script\)' "$out")" -eq 686 ]
}

@test "stdin and a file give the same listing" {
	"$RTMPDUMPFLV" --json "$SAMPLE" >"$BATS_TEST_TMPDIR/a"
	cat "$SAMPLE" | "$RTMPDUMPFLV" --json - >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
}
