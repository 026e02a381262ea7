#!/bin/bash
#
# make-fixtures.sh: regenerate the media files in tests/fixtures/.
#
# Usage: scripts/make-fixtures.sh [outdir]     (default: tests/fixtures)
#
# Needs ffmpeg with libx264 and the native AAC encoder. The tests do NOT run
# this script: its output is committed, and tests/fixtures/README.md lists
# each file. Re-run it only to change the fixtures, then update the counts
# hard-coded in the tests (frame counts, AudioSpecificConfig bytes) from
# ffprobe.
#
# What it makes (all from ffmpeg's testsrc pattern and a 440 Hz sine):
#   sample.flv       10 s, H.264 Main 320x240 25 fps, IDR every 50 frames
#                    (2 s), 2 B-frames, + AAC LC 44.1 kHz stereo
#   sample.h264      the video of sample.flv as raw Annex B (SPS/PPS with
#                    VUI timing, as x264 writes by default)
#   sample.aac       the audio of sample.flv as ADTS
#   audio-only.flv   2 s, AAC only
#   video-only.flv   2 s, H.264 only
#   short.flv        2 s, H.264 + AAC
#   sample.flv.gz    gzip -n of short.flv
#
# Determinism: bitexact flags keep ffmpeg's version strings out of the files,
# -map_metadata -1 drops input metadata, and x264 runs single-threaded so
# the bitstream does not depend on the machine's core count. The same ffmpeg
# and x264 versions give the same bytes.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../tests/fixtures}
mkdir -p "$out"

command -v ffmpeg >/dev/null || { echo "make-fixtures: need ffmpeg" >&2; exit 1; }

ff() {
	ffmpeg -nostdin -hide_banner -loglevel error -y "$@"
}

exact=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact
	-map_metadata -1)

video=(-c:v libx264 -profile:v main -preset medium -threads 1
	-pix_fmt yuv420p -r 25 -g 50 -keyint_min 50 -sc_threshold 0 -bf 2
	-b:v 100k -maxrate 150k -bufsize 300k)
audio=(-c:a aac -b:a 48k -ar 44100 -ac 2)

# encode <seconds> <output> <ffmpeg output options...>
encode() {
	local secs=$1 dst=$2
	shift 2
	ff -f lavfi -i "testsrc=size=320x240:rate=25:duration=$secs" \
		-f lavfi -i "sine=frequency=440:sample_rate=44100:duration=$secs" \
		"${exact[@]}" "$@" -t "$secs" -f flv "$dst"
}

encode 10 "$out/sample.flv" "${video[@]}" "${audio[@]}"
encode 2 "$out/short.flv" "${video[@]}" "${audio[@]}"
encode 2 "$out/video-only.flv" -map 0:v "${video[@]}"
encode 2 "$out/audio-only.flv" -map 1:a "${audio[@]}"

# Stream copies, so the elementary streams are exactly the FLV's media.
ff -i "$out/sample.flv" "${exact[@]}" -map 0:v -c:v copy \
	-bsf:v h264_mp4toannexb -f h264 "$out/sample.h264"
ff -i "$out/sample.flv" "${exact[@]}" -map 0:a -c:a copy \
	-f adts "$out/sample.aac"

gzip -n -9 -c "$out/short.flv" >"$out/sample.flv.gz"

du -sh "$out"
