/*
 * FLV (Video File Format 10.1, annex E), the Enhanced RTMP v2 tag headers,
 * and the AVC / AAC configuration records carried in sequence headers.
 */
#include <string.h>

#include "bytes.h"
#include "flv.h"

/* ---- header and tags -------------------------------------------------- */

ssize_t
flv_header_parse(const uint8_t *p, size_t len, struct flv_header *h)
{
	static const uint8_t sig[3] = {'F', 'L', 'V'};

	if (len > 0 && memcmp(p, sig, len < 3 ? len : 3) != 0)
		return RTMP_ERR_MALFORMED;
	if (len < FLV_HEADER_SIZE)
		return RTMP_ERR_NEED_MORE;
	h->version = p[3];
	h->flags = p[4];
	h->data_offset = rd_be32(p + 5);
	if (h->data_offset < FLV_HEADER_SIZE)
		return RTMP_ERR_MALFORMED;
	return FLV_HEADER_SIZE;
}

uint8_t *
flv_header_put(uint8_t *p, uint8_t *end, uint8_t flags)
{
	p = put_bytes(p, end, "FLV", 3);
	p = put_u8(p, end, 1);
	p = put_u8(p, end, flags);
	p = put_be32(p, end, FLV_HEADER_SIZE);
	return put_be32(p, end, 0); /* PreviousTagSize0 */
}

ssize_t
flv_tag_header_parse(const uint8_t *p, size_t len, struct flv_tag *t)
{
	if (len < FLV_TAG_HEADER_SIZE)
		return RTMP_ERR_NEED_MORE;
	t->type = p[0] & 0x1f;
	t->filter = (p[0] >> 5) & 1;
	t->reserved = p[0] >> 6;
	t->size = rd_be24(p + 1);
	/* E.4.1: TimestampExtended holds bits 31..24. */
	t->timestamp = rd_be24(p + 4) | (uint32_t)p[7] << 24;
	t->stream_id = rd_be24(p + 8);
	return FLV_TAG_HEADER_SIZE;
}

uint8_t *
flv_tag_header_put(uint8_t *p, uint8_t *end, uint8_t type, uint32_t size,
		   uint32_t timestamp)
{
	if (size > FLV_MAX_TAG_DATA)
		return NULL;
	p = put_u8(p, end, type);
	p = put_be24(p, end, size);
	p = put_be24(p, end, timestamp & 0xffffff);
	p = put_u8(p, end, (uint8_t)(timestamp >> 24));
	return put_be24(p, end, 0);
}

uint8_t *
flv_tag_put(uint8_t *p, uint8_t *end, uint8_t type, uint32_t timestamp,
	    const uint8_t *data, uint32_t size)
{
	p = flv_tag_header_put(p, end, type, size, timestamp);
	p = put_bytes(p, end, data, size);
	return put_be32(p, end, FLV_TAG_HEADER_SIZE + size);
}

/* ---- streaming reader ------------------------------------------------- */

enum {
	RD_HEADER,
	RD_TAG,
	RD_RESYNC,
	RD_TRAILING,
	RD_TRUNCATED,
	RD_DONE,
};

#define RD_STATE_MASK 0xff
/* Warnings already reported for the header or tag at r->offset: they are
 * emitted one per call before the event that consumes it. */
#define RD_W_VERSION   0x100
#define RD_W_HDR_SIZE  0x200
#define RD_W_PREV      0x400
#define RD_W_STREAM    0x800
#define RD_W_RESERVED  0x1000
#define RD_W_ENCRYPTED 0x2000

void
flv_reader_init(struct flv_reader *r)
{
	memset(r, 0, sizeof(*r));
}

static uint32_t
rd_max_tag(const struct flv_reader *r)
{
	uint32_t m =
	    r->max_tag_size ? r->max_tag_size : FLV_READER_MAX_TAG_DEFAULT;

	return m > FLV_MAX_TAG_DATA ? FLV_MAX_TAG_DATA : m;
}

/* What resynchronisation looks for. The whole first byte must be the type,
 * reserved and filter bits clear, to keep false matches in binary data
 * rare; timestamps are not checked (a stream may start anywhere). */
static int
rd_plausible(const uint8_t *p, uint32_t max)
{
	return (p[0] == FLV_TAG_AUDIO || p[0] == FLV_TAG_VIDEO ||
		p[0] == FLV_TAG_SCRIPT) &&
	       rd_be24(p + 8) == 0 && rd_be24(p + 1) <= max;
}

static ssize_t
rd_emit(struct flv_reader *r, struct flv_event *ev, enum flv_ev_type type,
	uint64_t offset, size_t consumed)
{
	ev->type = type;
	ev->offset = offset;
	r->offset += consumed;
	return (ssize_t)consumed;
}

static ssize_t
rd_problem(struct flv_reader *r, struct flv_event *ev, enum flv_problem pb,
	   uint64_t offset, size_t consumed)
{
	ev->problem = pb;
	return rd_emit(r, ev, FLV_EV_PROBLEM, offset, consumed);
}

/* Report a problem once per header or tag; 1 when it was reported now. */
static int
rd_warn_once(struct flv_reader *r, int bit)
{
	if (r->state & bit)
		return 0;
	r->state |= bit;
	return 1;
}

static void
rd_set_state(struct flv_reader *r, int state)
{
	r->state = state; /* also forgets the reported warnings */
}

static void
rd_start_resync(struct flv_reader *r, uint64_t skipped)
{
	rd_set_state(r, RD_RESYNC);
	r->resyncing = 1;
	r->skipped = skipped;
	r->scanned = 0;
}

static ssize_t
rd_need(size_t n, size_t *want)
{
	*want = n;
	return RTMP_ERR_NEED_MORE;
}

static ssize_t
rd_header(struct flv_reader *r, const uint8_t *p, size_t len, int eof,
	  struct flv_event *ev, size_t *want)
{
	struct flv_header *h = &ev->header;
	uint32_t hsize, prev0;

	if (len < FLV_HEADER_SIZE) {
		if (!eof)
			return rd_need(FLV_HEADER_SIZE, want);
		rd_set_state(r, RD_DONE);
		if (len > 0 && memcmp(p, "FLV", len < 3 ? len : 3) != 0)
			return rd_problem(r, ev, FLV_PROB_BAD_SIGNATURE, 0,
					  len);
		return rd_problem(r, ev, FLV_PROB_TRUNCATED, 0, len);
	}
	if (memcmp(p, "FLV", 3) != 0) {
		/* Skip what would be the header and look for a tag from
		 * there: headerless dumps start at 9 or 13. */
		rd_start_resync(r, FLV_HEADER_SIZE);
		return rd_problem(r, ev, FLV_PROB_BAD_SIGNATURE, 0,
				  FLV_HEADER_SIZE);
	}
	h->version = p[3];
	h->flags = p[4];
	h->data_offset = rd_be32(p + 5);
	if (h->version != 1 && rd_warn_once(r, RD_W_VERSION))
		return rd_problem(r, ev, FLV_PROB_BAD_VERSION, 3, 0);
	hsize = h->data_offset;
	if (hsize < FLV_HEADER_SIZE ||
	    hsize - FLV_HEADER_SIZE > rd_max_tag(r)) {
		if (rd_warn_once(r, RD_W_HDR_SIZE))
			return rd_problem(r, ev, FLV_PROB_BAD_HEADER_SIZE, 5,
					  0);
		hsize = FLV_HEADER_SIZE;
	}
	if (len < (size_t)hsize + FLV_PREV_TAG_SIZE) {
		if (!eof)
			return rd_need((size_t)hsize + FLV_PREV_TAG_SIZE, want);
		if (len < hsize) {
			rd_set_state(r, RD_TRUNCATED);
			return rd_emit(r, ev, FLV_EV_HEADER, 0,
				       FLV_HEADER_SIZE);
		}
		rd_set_state(r, RD_TRAILING);
		return rd_emit(r, ev, FLV_EV_HEADER, 0, hsize);
	}
	/* E.3: PreviousTagSize0 is always 0; ffmpeg warns and goes on. */
	prev0 = rd_be32(p + hsize);
	if (prev0 != 0 && rd_warn_once(r, RD_W_PREV)) {
		ev->prev_size = prev0;
		return rd_problem(r, ev, FLV_PROB_PREV_SIZE, hsize, 0);
	}
	rd_set_state(r, RD_TAG);
	return rd_emit(r, ev, FLV_EV_HEADER, 0,
		       (size_t)hsize + FLV_PREV_TAG_SIZE);
}

/* Warnings about an accepted tag, one per call, then 0. */
static int
rd_tag_warning(struct flv_reader *r, const struct flv_tag *t, int prev_bad,
	       enum flv_problem *pb)
{
	if (t->stream_id != 0 && rd_warn_once(r, RD_W_STREAM))
		*pb = FLV_PROB_STREAM_ID;
	else if (t->reserved != 0 && rd_warn_once(r, RD_W_RESERVED))
		*pb = FLV_PROB_RESERVED_BITS;
	else if (t->filter && rd_warn_once(r, RD_W_ENCRYPTED))
		*pb = FLV_PROB_ENCRYPTED;
	else if (prev_bad && rd_warn_once(r, RD_W_PREV))
		*pb = FLV_PROB_PREV_SIZE;
	else
		return 0;
	return 1;
}

static ssize_t
rd_tag(struct flv_reader *r, const uint8_t *p, size_t len, int eof,
       struct flv_event *ev, size_t *want)
{
	struct flv_tag *t = &ev->tag;
	uint32_t max = rd_max_tag(r);
	size_t total;
	enum flv_problem pb;
	int prev_bad = 0;

	if (len < FLV_TAG_HEADER_SIZE) {
		if (!eof)
			return rd_need(FLV_TAG_HEADER_SIZE, want);
		rd_set_state(r, RD_DONE);
		if (len == 0)
			return 0;
		return rd_problem(r, ev, FLV_PROB_TRUNCATED, r->offset, len);
	}
	flv_tag_header_parse(p, len, t);
	/* A bad type or size means we are not where we think: look for the
	 * next plausible tag from the following byte. */
	if (t->type != FLV_TAG_AUDIO && t->type != FLV_TAG_VIDEO &&
	    t->type != FLV_TAG_SCRIPT) {
		rd_start_resync(r, 1);
		return rd_problem(r, ev, FLV_PROB_BAD_TAG_TYPE, r->offset, 1);
	}
	if (t->size > max) {
		rd_start_resync(r, 1);
		return rd_problem(r, ev, FLV_PROB_TAG_TOO_BIG, r->offset, 1);
	}
	total = FLV_TAG_HEADER_SIZE + (size_t)t->size;
	if (len < total + FLV_PREV_TAG_SIZE) {
		if (!eof)
			return rd_need(total + FLV_PREV_TAG_SIZE, want);
		if (len < total) {
			rd_set_state(r, RD_DONE);
			return rd_problem(r, ev, FLV_PROB_TRUNCATED, r->offset,
					  len);
		}
		if (rd_tag_warning(r, t, 0, &pb))
			return rd_problem(r, ev, pb, r->offset, 0);
		rd_set_state(r, RD_TRAILING);
		ev->data = p + FLV_TAG_HEADER_SIZE;
		r->last_tag_size = (uint32_t)total;
		return rd_emit(r, ev, FLV_EV_TAG, r->offset, total);
	}
	ev->prev_size = rd_be32(p + total);
	if (ev->prev_size != total) {
		/* Writers that get PreviousTagSize wrong (some count the
		 * header twice, some write 0) are common and harmless when
		 * the next tag is where DataSize says: go on. Otherwise the
		 * DataSize itself is suspect: resynchronise. */
		size_t next = total + FLV_PREV_TAG_SIZE;

		if (len < next + FLV_TAG_HEADER_SIZE && !eof)
			return rd_need(next + FLV_TAG_HEADER_SIZE, want);
		if (len >= next + FLV_TAG_HEADER_SIZE &&
		    !rd_plausible(p + next, max)) {
			uint64_t at = r->offset + total;

			rd_start_resync(r, 1);
			return rd_problem(r, ev, FLV_PROB_PREV_SIZE, at, 1);
		}
		prev_bad = 1;
	}
	if (rd_tag_warning(r, t, prev_bad, &pb))
		return rd_problem(r, ev, pb,
				  pb == FLV_PROB_PREV_SIZE ? r->offset + total
							   : r->offset,
				  0);
	rd_set_state(r, RD_TAG);
	ev->data = p + FLV_TAG_HEADER_SIZE;
	r->last_tag_size = (uint32_t)total;
	return rd_emit(r, ev, FLV_EV_TAG, r->offset, total + FLV_PREV_TAG_SIZE);
}

/*
 * Scan for the next plausible tag. The decision for each candidate depends
 * only on the bytes of the stream (never on how much of it the caller has
 * right now), so the events are the same for any split of the input; that
 * is why a candidate whose PreviousTagSize is not yet in the buffer is
 * waited for instead of being accepted, and why skipped bytes are consumed
 * in whole windows.
 */
static ssize_t
rd_resync(struct flv_reader *r, const uint8_t *p, size_t len, int eof,
	  struct flv_event *ev, size_t *want)
{
	uint32_t max = rd_max_tag(r);
	size_t i;

	/* Rejections are final (made on complete bytes), so a caller feeding
	 * a few bytes at a time does not make the scan quadratic. */
	for (i = r->scanned; i < FLV_RESYNC_WINDOW; i++) {
		size_t size, need;

		if (i + FLV_TAG_HEADER_SIZE > len) {
			if (!eof) {
				r->scanned = (uint32_t)i;
				return rd_need(i + FLV_TAG_HEADER_SIZE, want);
			}
			r->resyncing = 0;
			rd_set_state(r, RD_DONE);
			if (len == 0)
				return 0;
			r->skipped += len;
			ev->skipped = r->skipped;
			return rd_problem(r, ev, FLV_PROB_GARBAGE, r->offset,
					  len);
		}
		if (!rd_plausible(p + i, max))
			continue;
		size = FLV_TAG_HEADER_SIZE + (size_t)rd_be24(p + i + 1);
		need = i + size + FLV_PREV_TAG_SIZE;
		if (len < need) {
			if (!eof) {
				r->scanned = (uint32_t)i;
				return rd_need(need, want);
			}
			/* Running past the end is what random bytes do
			 * best; a real tag cut short is lost anyway. */
			continue;
		}
		if (rd_be32(p + i + size) == size)
			break;
	}
	r->scanned = 0;
	if (i == FLV_RESYNC_WINDOW) {
		r->skipped += i;
		ev->skipped = r->skipped;
		return rd_problem(r, ev, FLV_PROB_GARBAGE, r->offset, i);
	}
	r->skipped += i;
	r->resyncing = 0;
	ev->skipped = r->skipped;
	rd_set_state(r, RD_TAG);
	return rd_emit(r, ev, FLV_EV_RESYNC, r->offset + i, i);
}

ssize_t
flv_reader_next(struct flv_reader *r, const uint8_t *p, size_t len, int eof,
		struct flv_event *ev, size_t *want)
{
	size_t unused;

	if (want == NULL)
		want = &unused;
	*want = 0;
	memset(ev, 0, sizeof(*ev));
	switch (r->state & RD_STATE_MASK) {
	case RD_HEADER:
		return rd_header(r, p, len, eof, ev, want);
	case RD_TAG:
		return rd_tag(r, p, len, eof, ev, want);
	case RD_RESYNC:
		return rd_resync(r, p, len, eof, ev, want);
	case RD_TRAILING:
		rd_set_state(r, RD_DONE);
		return rd_problem(r, ev, FLV_PROB_TRAILING, r->offset, len);
	case RD_TRUNCATED:
		rd_set_state(r, RD_DONE);
		return rd_problem(r, ev, FLV_PROB_TRUNCATED, r->offset, len);
	}
	return 0;
}

const char *
flv_problem_name(enum flv_problem p)
{
	switch (p) {
	case FLV_PROB_NONE:
		return "none";
	case FLV_PROB_BAD_SIGNATURE:
		return "bad_signature";
	case FLV_PROB_BAD_VERSION:
		return "bad_version";
	case FLV_PROB_BAD_HEADER_SIZE:
		return "bad_header_size";
	case FLV_PROB_PREV_SIZE:
		return "prev_tag_size_mismatch";
	case FLV_PROB_BAD_TAG_TYPE:
		return "bad_tag_type";
	case FLV_PROB_TAG_TOO_BIG:
		return "tag_too_big";
	case FLV_PROB_STREAM_ID:
		return "nonzero_stream_id";
	case FLV_PROB_RESERVED_BITS:
		return "reserved_bits_set";
	case FLV_PROB_ENCRYPTED:
		return "encrypted_tag";
	case FLV_PROB_TRUNCATED:
		return "truncated";
	case FLV_PROB_TRAILING:
		return "missing_prev_tag_size";
	case FLV_PROB_GARBAGE:
		return "garbage";
	}
	return "unknown";
}

/* ---- audio and video tag headers ------------------------------------- */

/*
 * Enhanced RTMP v2, ExVideoTagHeader / ExAudioTagHeader: skip ModEx blocks
 * (UI8 size + 1, 256 meaning a UI16 size + 1 follows; the data; then a byte
 * with the ModEx type high and the next packet type low). Each block is at
 * least 3 bytes, so the loop ends. The new position, or 0 when cut short.
 */
static size_t
ex_skip_modex(const uint8_t *p, size_t len, size_t pos, uint8_t *pt,
	      uint8_t modex)
{
	while (*pt == modex) {
		size_t size;

		if (pos >= len)
			return 0;
		size = (size_t)p[pos++] + 1;
		if (size == 256) {
			if (len - pos < 2)
				return 0;
			size = (size_t)rd_be16(p + pos) + 1;
			pos += 2;
		}
		if (len - pos < size + 1)
			return 0;
		pos += size;
		*pt = p[pos++] & 0x0f;
	}
	return pos;
}

/* The common part of both ExHeaders after ModEx: Multitrack or FourCC. */
struct ex_hdr {
	uint8_t pt;
	uint32_t fourcc;
	int multitrack;
	uint8_t mt_type, track_id;
	size_t pos, end; /* end of the first track's data */
};

static int
ex_tracks(const uint8_t *p, size_t len, struct ex_hdr *h, uint8_t multitrack,
	  uint8_t modex)
{
	size_t pos = h->pos;

	h->end = len;
	if (h->pt == multitrack) {
		if (pos >= len)
			return RTMP_ERR_NEED_MORE;
		h->multitrack = 1;
		h->mt_type = p[pos] >> 4;
		h->pt = p[pos++] & 0x0f;
		/* "This fetch MUST not result in a Multitrack"; nor is a
		 * ModEx defined there, and types 3..15 are reserved. */
		if (h->mt_type > FLV_MT_MANY_TRACKS_MANY_CODECS ||
		    h->pt == multitrack || h->pt == modex)
			return RTMP_ERR_MALFORMED;
		/* One FourCC for all tracks, or one per track; the first
		 * track's is read either way. */
		if (len - pos < 4)
			return RTMP_ERR_NEED_MORE;
		h->fourcc = rd_be32(p + pos);
		pos += 4;
		if (len - pos < 1)
			return RTMP_ERR_NEED_MORE;
		h->track_id = p[pos++];
		if (h->mt_type != FLV_MT_ONE_TRACK) {
			size_t tsize;

			if (len - pos < 3)
				return RTMP_ERR_NEED_MORE;
			tsize = rd_be24(p + pos);
			pos += 3;
			if (tsize > len - pos)
				return RTMP_ERR_NEED_MORE;
			h->end = pos + tsize;
		}
	} else {
		if (len - pos < 4)
			return RTMP_ERR_NEED_MORE;
		h->fourcc = rd_be32(p + pos);
		pos += 4;
	}
	h->pos = pos;
	return RTMP_OK;
}

/* Bytes n more within the first track: NEED_MORE when the input may just be
 * cut short, MALFORMED when a track's own size leaves no room. */
static int
ex_need(const struct ex_hdr *h, size_t len, size_t n)
{
	if (h->end - h->pos >= n)
		return RTMP_OK;
	return h->end < len ? RTMP_ERR_MALFORMED : RTMP_ERR_NEED_MORE;
}

static int
video_legacy(const uint8_t *p, size_t len, struct flv_video_info *vi)
{
	vi->frame_type = p[0] >> 4;
	vi->codec_id = p[0] & 0x0f;
	vi->hdr_len = 1;
	if (vi->codec_id == FLV_CODEC_AVC)
		vi->fourcc = FLV_FOURCC('a', 'v', 'c', '1');
	else if (vi->codec_id == FLV_CODEC_HEVC_LEGACY)
		vi->fourcc = FLV_FOURCC('h', 'v', 'c', '1');
	/* E.4.3.1 VideoTagBody: a command frame carries one UI8 instead of
	 * video, right after the first byte (as in E-RTMP's pseudo-code). */
	if (vi->frame_type == FLV_FRAME_COMMAND) {
		if (len < 2)
			return RTMP_ERR_NEED_MORE;
		vi->is_command = 1;
		vi->command = p[1];
		vi->hdr_len = 2;
	} else if (vi->fourcc != 0) {
		if (len < 5)
			return RTMP_ERR_NEED_MORE;
		vi->packet_type = p[1];
		if (vi->packet_type > 2)
			return RTMP_ERR_MALFORMED;
		/* CompositionTime is defined only for NALUs (E.4.3.1). */
		if (vi->packet_type == 1)
			vi->cts = rd_sbe24(p + 2);
		vi->is_seq_header = vi->packet_type == 0;
		vi->is_seq_end = vi->packet_type == 2;
		vi->is_keyframe =
		    vi->frame_type == FLV_FRAME_KEY && vi->packet_type == 1;
		vi->hdr_len = 5;
	} else {
		vi->is_keyframe = vi->frame_type == FLV_FRAME_KEY;
	}
	vi->payload_len = len - vi->hdr_len;
	return RTMP_OK;
}

static int
has_cts(uint32_t fourcc)
{
	/* E-RTMP v2 ExVideoTagBody: CodedFrames carry SI24 for these. */
	return fourcc == FLV_FOURCC('a', 'v', 'c', '1') ||
	       fourcc == FLV_FOURCC('h', 'v', 'c', '1') ||
	       fourcc == FLV_FOURCC('v', 'v', 'c', '1');
}

int
flv_video_parse(const uint8_t *p, size_t len, struct flv_video_info *vi)
{
	struct ex_hdr h;
	int rc;

	memset(vi, 0, sizeof(*vi));
	if (len < 1)
		return RTMP_ERR_NEED_MORE;
	if (!(p[0] & 0x80))
		return video_legacy(p, len, vi);
	vi->enhanced = 1;
	vi->frame_type = (p[0] >> 4) & 7;
	memset(&h, 0, sizeof(h));
	h.pt = p[0] & 0x0f;
	h.pos = ex_skip_modex(p, len, 1, &h.pt, FLV_VPT_MODEX);
	if (h.pos == 0)
		return RTMP_ERR_NEED_MORE;
	/* A command frame has no FourCC: the command byte takes its place
	 * (unless it is Metadata, where the frame type is ignored). */
	if (vi->frame_type == FLV_FRAME_COMMAND && h.pt != FLV_VPT_METADATA) {
		if (h.pos >= len)
			return RTMP_ERR_NEED_MORE;
		vi->packet_type = h.pt;
		vi->is_command = 1;
		vi->command = p[h.pos++];
		vi->hdr_len = h.pos;
		vi->payload_len = len - h.pos;
		return RTMP_OK;
	}
	rc = ex_tracks(p, len, &h, FLV_VPT_MULTITRACK, FLV_VPT_MODEX);
	if (rc != RTMP_OK)
		return rc;
	if (h.pt > FLV_VPT_MPEG2TS_SEQUENCE_START)
		return RTMP_ERR_MALFORMED; /* 8..15 reserved */
	if (h.pt == FLV_VPT_CODED_FRAMES && has_cts(h.fourcc)) {
		if ((rc = ex_need(&h, len, 3)) != RTMP_OK)
			return rc;
		vi->cts = rd_sbe24(p + h.pos);
		h.pos += 3;
	}
	vi->fourcc = h.fourcc;
	vi->packet_type = h.pt;
	vi->multitrack = h.multitrack;
	vi->multitrack_type = h.mt_type;
	vi->track_id = h.track_id;
	vi->is_seq_header = h.pt == FLV_VPT_SEQUENCE_START ||
			    h.pt == FLV_VPT_MPEG2TS_SEQUENCE_START;
	vi->is_seq_end = h.pt == FLV_VPT_SEQUENCE_END;
	vi->is_keyframe =
	    vi->frame_type == FLV_FRAME_KEY &&
	    (h.pt == FLV_VPT_CODED_FRAMES || h.pt == FLV_VPT_CODED_FRAMES_X);
	vi->hdr_len = h.pos;
	vi->payload_len = h.end - h.pos;
	return RTMP_OK;
}

int
flv_audio_parse(const uint8_t *p, size_t len, struct flv_audio_info *ai)
{
	struct ex_hdr h;
	int rc;

	memset(ai, 0, sizeof(*ai));
	if (len < 1)
		return RTMP_ERR_NEED_MORE;
	ai->sound_format = p[0] >> 4;
	if (ai->sound_format != 9) {
		ai->rate = (p[0] >> 2) & 3;
		ai->size = (p[0] >> 1) & 1;
		ai->channels = p[0] & 1;
		ai->hdr_len = 1;
		if (ai->sound_format == 10) {
			if (len < 2)
				return RTMP_ERR_NEED_MORE;
			ai->fourcc = FLV_FOURCC('m', 'p', '4', 'a');
			ai->packet_type = p[1];
			if (ai->packet_type > 1)
				return RTMP_ERR_MALFORMED;
			ai->is_seq_header = ai->packet_type == 0;
			ai->hdr_len = 2;
		}
		ai->payload_len = len - ai->hdr_len;
		return RTMP_OK;
	}
	ai->enhanced = 1;
	memset(&h, 0, sizeof(h));
	h.pt = p[0] & 0x0f;
	h.pos = ex_skip_modex(p, len, 1, &h.pt, FLV_APT_MODEX);
	if (h.pos == 0)
		return RTMP_ERR_NEED_MORE;
	rc = ex_tracks(p, len, &h, FLV_APT_MULTITRACK, FLV_APT_MODEX);
	if (rc != RTMP_OK)
		return rc;
	switch (h.pt) {
	case FLV_APT_SEQUENCE_START:
	case FLV_APT_CODED_FRAMES:
	case FLV_APT_SEQUENCE_END:
	case FLV_APT_MULTICHANNEL_CONFIG:
		break;
	default:
		return RTMP_ERR_MALFORMED; /* 3, 6, 8..15 reserved */
	}
	ai->fourcc = h.fourcc;
	ai->packet_type = h.pt;
	ai->multitrack = h.multitrack;
	ai->multitrack_type = h.mt_type;
	ai->track_id = h.track_id;
	ai->is_seq_header = h.pt == FLV_APT_SEQUENCE_START;
	ai->is_seq_end = h.pt == FLV_APT_SEQUENCE_END;
	ai->hdr_len = h.pos;
	ai->payload_len = h.end - h.pos;
	return RTMP_OK;
}

/* Packet type of an ExHeader after ModEx and a Multitrack wrapper; -1 when
 * cut short. Constant work apart from the ModEx loop. */
static int
ex_peek_type(const uint8_t *p, size_t len, uint8_t multitrack, uint8_t modex)
{
	uint8_t pt = p[0] & 0x0f;
	size_t pos = ex_skip_modex(p, len, 1, &pt, modex);

	if (pos == 0)
		return -1;
	if (pt == multitrack) {
		if (pos >= len)
			return -1;
		pt = p[pos] & 0x0f;
	}
	return pt;
}

int
flv_video_is_keyframe(const uint8_t *p, size_t len)
{
	int pt;

	if (len < 1 || ((p[0] >> 4) & 7) != FLV_FRAME_KEY)
		return 0;
	if (p[0] & 0x80) {
		pt = ex_peek_type(p, len, FLV_VPT_MULTITRACK, FLV_VPT_MODEX);
		return pt == FLV_VPT_CODED_FRAMES ||
		       pt == FLV_VPT_CODED_FRAMES_X;
	}
	if ((p[0] & 0x0f) == FLV_CODEC_AVC ||
	    (p[0] & 0x0f) == FLV_CODEC_HEVC_LEGACY)
		return len >= 5 && p[1] == 1;
	return 1;
}

int
flv_video_is_seq_header(const uint8_t *p, size_t len)
{
	int pt;

	if (len < 1 || ((p[0] >> 4) & 7) == FLV_FRAME_COMMAND)
		return 0;
	if (p[0] & 0x80) {
		pt = ex_peek_type(p, len, FLV_VPT_MULTITRACK, FLV_VPT_MODEX);
		return pt == FLV_VPT_SEQUENCE_START ||
		       pt == FLV_VPT_MPEG2TS_SEQUENCE_START;
	}
	if ((p[0] & 0x0f) == FLV_CODEC_AVC ||
	    (p[0] & 0x0f) == FLV_CODEC_HEVC_LEGACY)
		return len >= 5 && p[1] == 0;
	return 0;
}

int
flv_audio_is_seq_header(const uint8_t *p, size_t len)
{
	if (len < 1)
		return 0;
	if (p[0] >> 4 == 9)
		return ex_peek_type(p, len, FLV_APT_MULTITRACK,
				    FLV_APT_MODEX) == FLV_APT_SEQUENCE_START;
	return p[0] >> 4 == 10 && len >= 2 && p[1] == 0;
}

const char *
flv_video_codec_name(uint8_t codec_id)
{
	switch (codec_id) {
	case FLV_CODEC_H263:
		return "H.263";
	case FLV_CODEC_SCREEN:
		return "Screen video";
	case FLV_CODEC_VP6:
		return "VP6";
	case FLV_CODEC_VP6A:
		return "VP6 alpha";
	case FLV_CODEC_SCREEN2:
		return "Screen video 2";
	case FLV_CODEC_AVC:
		return "AVC";
	case FLV_CODEC_HEVC_LEGACY:
		return "HEVC";
	}
	return "unknown";
}

const char *
flv_sound_format_name(uint8_t fmt)
{
	/* E.4.2.1 SoundFormat; 9 is the E-RTMP ExHeader. */
	static const char *const names[16] = {
	    "PCM",
	    "ADPCM",
	    "MP3",
	    "PCM LE",
	    "Nellymoser 16 kHz",
	    "Nellymoser 8 kHz",
	    "Nellymoser",
	    "G.711 A-law",
	    "G.711 mu-law",
	    "ExHeader",
	    "AAC",
	    "Speex",
	    "reserved 12",
	    "reserved 13",
	    "MP3 8 kHz",
	    "device-specific",
	};

	return fmt < 16 ? names[fmt] : "unknown";
}

const char *
flv_fourcc_str(uint32_t fourcc, char buf[5])
{
	int i;

	for (i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(fourcc >> (24 - 8 * i));

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[4] = '\0';
	return buf;
}

unsigned
flv_sound_rate_hz(uint8_t rate)
{
	static const unsigned hz[4] = {5500, 11025, 22050, 44100};

	return rate < 4 ? hz[rate] : 0;
}

/* ---- codec configuration records ------------------------------------- */

/* Read one length-prefixed parameter set list (ISO 14496-15 5.3.3.1.2);
 * every length is checked against the bytes left before it is used. */
static int
avc_read_sets(const uint8_t *p, size_t len, size_t *pos, unsigned n,
	      struct rtmp_str *out)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		size_t l;

		if (len - *pos < 2)
			return RTMP_ERR_MALFORMED;
		l = rd_be16(p + *pos);
		*pos += 2;
		if (len - *pos < l)
			return RTMP_ERR_MALFORMED;
		if (i < AVC_MAX_PS) {
			out[i].p = p + *pos;
			out[i].len = l;
		}
		*pos += l;
	}
	return RTMP_OK;
}

int
avc_config_parse(const uint8_t *p, size_t len, struct avc_config *c)
{
	struct h264_sps sps;
	size_t pos = 6;
	int rc;

	memset(c, 0, sizeof(*c));
	if (len < 6)
		return RTMP_ERR_MALFORMED;
	c->version = p[0];
	c->profile = p[1];
	c->compat = p[2];
	c->level = p[3];
	if (c->version != 1)
		return RTMP_ERR_MALFORMED;
	/* lengthSizeMinusOne 2 (3-byte lengths) is not allowed by 14496-15
	 * and no RTMP peer writes it. Reserved bits are not checked: some
	 * encoders write them as zero. */
	if ((p[4] & 3) == 2)
		return RTMP_ERR_MALFORMED;
	c->nal_length_size = (uint8_t)((p[4] & 3) + 1);
	c->nsps = p[5] & 0x1f;
	rc = avc_read_sets(p, len, &pos, c->nsps, c->sps);
	if (rc != RTMP_OK)
		return rc;
	if (pos >= len)
		return RTMP_ERR_MALFORMED;
	c->npps = p[pos++];
	rc = avc_read_sets(p, len, &pos, c->npps, c->pps);
	if (rc != RTMP_OK)
		return rc;
	/* The High profile extension (chroma_format...) that may follow is
	 * optional in practice: ffmpeg before 2018 and many encoders omit
	 * it. It is not read. */
	if (c->nsps > 0 &&
	    h264_sps_parse(c->sps[0].p, c->sps[0].len, &sps) == RTMP_OK) {
		c->width = sps.width;
		c->height = sps.height;
	}
	return RTMP_OK;
}

uint8_t *
avc_config_put(uint8_t *p, uint8_t *end, const uint8_t *sps, size_t sps_len,
	       const uint8_t *pps, size_t pps_len)
{
	/* profile, compatibility and level are SPS bytes 1..3. */
	if (sps_len < 4 || sps_len > 0xffff || pps_len > 0xffff)
		return NULL;
	p = put_u8(p, end, 1);
	p = put_bytes(p, end, sps + 1, 3);
	p = put_u8(p, end, 0xff); /* 4-byte NAL lengths */
	p = put_u8(p, end, 0xe1); /* one SPS */
	p = put_be16(p, end, (uint16_t)sps_len);
	p = put_bytes(p, end, sps, sps_len);
	p = put_u8(p, end, 1); /* one PPS */
	p = put_be16(p, end, (uint16_t)pps_len);
	return put_bytes(p, end, pps, pps_len);
}

/* MSB-first bit reader for the AudioSpecificConfig; *err on overrun. */
static uint32_t
aac_bits(const uint8_t *p, size_t len, size_t *pos, unsigned n, int *err)
{
	uint32_t v = 0;

	while (n-- > 0) {
		if (*pos >= len * 8) {
			*err = 1;
			return 0;
		}
		v = v << 1 | ((p[*pos >> 3] >> (7 - (*pos & 7))) & 1);
		(*pos)++;
	}
	return v;
}

int
aac_config_parse(const uint8_t *p, size_t len, struct aac_config *c)
{
	size_t pos = 0;
	int err = 0;
	uint32_t ot;

	memset(c, 0, sizeof(*c));
	/* ISO 14496-3 1.6.2.1 GetAudioObjectType(): 31 escapes to 32 plus
	 * six more bits. */
	ot = aac_bits(p, len, &pos, 5, &err);
	if (ot == 31)
		ot = 32 + aac_bits(p, len, &pos, 6, &err);
	c->sr_index = (uint8_t)aac_bits(p, len, &pos, 4, &err);
	if (c->sr_index == 15)
		c->sample_rate = aac_bits(p, len, &pos, 24, &err);
	else
		c->sample_rate = aac_sample_rate(c->sr_index);
	c->channel_config = (uint8_t)aac_bits(p, len, &pos, 4, &err);
	c->object_type = (uint8_t)ot;
	/* Object type 0 is "Null"; indexes 13 and 14 are reserved. */
	if (err || ot == 0 || c->sample_rate == 0)
		return RTMP_ERR_MALFORMED;
	return RTMP_OK;
}

uint8_t *
aac_config_put(uint8_t *p, uint8_t *end, uint8_t object_type, uint8_t sr_index,
	       uint8_t channel_config)
{
	/* The two-byte form has no room for escapes or explicit rates. */
	if (object_type == 0 || object_type > 30 || sr_index > 12 ||
	    channel_config > 15)
		return NULL;
	p = put_u8(p, end, (uint8_t)(object_type << 3 | sr_index >> 1));
	return put_u8(p, end,
		      (uint8_t)((sr_index & 1) << 7 | channel_config << 3));
}

uint32_t
aac_sample_rate(uint8_t sr_index)
{
	/* ISO 14496-3 Table 1.18 */
	static const uint32_t rates[13] = {96000, 88200, 64000, 48000, 44100,
					   32000, 24000, 22050, 16000, 12000,
					   11025, 8000,	 7350};

	return sr_index < 13 ? rates[sr_index] : 0;
}
