/*
 * Fixed-width integer and IEEE-754 double readers and writers. RTMP and FLV
 * are big-endian except the chunk message stream id (little-endian, RTMP 1.0
 * section 5.3.1.2.1). No pointer punning: every access is byte by byte.
 *
 * Readers assume the caller checked the length. Writers follow the encoder
 * contract of rtmp_err.h: (p, end) in, new p or NULL out, NULL passes through.
 */
#ifndef RTMP_BYTES_H
#define RTMP_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t
rd_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
rd_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t
rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
rd_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t
rd_be64(const uint8_t *p)
{
	return (uint64_t)rd_be32(p) << 32 | rd_be32(p + 4);
}

static inline double
rd_f64(const uint8_t *p)
{
	uint64_t u = rd_be64(p);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Sign-extended 24-bit value (FLV CompositionTime). */
static inline int32_t
rd_sbe24(const uint8_t *p)
{
	uint32_t u = rd_be24(p);

	return (int32_t)(u ^ 0x800000u) - 0x800000;
}

static inline void
wr_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr_be24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void
wr_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
wr_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void
wr_f64(uint8_t *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	wr_be32(p, (uint32_t)(u >> 32));
	wr_be32(p + 4, (uint32_t)u);
}

static inline uint8_t *
put_u8(uint8_t *p, uint8_t *end, uint8_t v)
{
	if (p == NULL || end - p < 1)
		return NULL;
	*p = v;
	return p + 1;
}

static inline uint8_t *
put_be16(uint8_t *p, uint8_t *end, uint16_t v)
{
	if (p == NULL || end - p < 2)
		return NULL;
	wr_be16(p, v);
	return p + 2;
}

static inline uint8_t *
put_be24(uint8_t *p, uint8_t *end, uint32_t v)
{
	if (p == NULL || end - p < 3)
		return NULL;
	wr_be24(p, v);
	return p + 3;
}

static inline uint8_t *
put_be32(uint8_t *p, uint8_t *end, uint32_t v)
{
	if (p == NULL || end - p < 4)
		return NULL;
	wr_be32(p, v);
	return p + 4;
}

static inline uint8_t *
put_le32(uint8_t *p, uint8_t *end, uint32_t v)
{
	if (p == NULL || end - p < 4)
		return NULL;
	wr_le32(p, v);
	return p + 4;
}

static inline uint8_t *
put_f64(uint8_t *p, uint8_t *end, double d)
{
	if (p == NULL || end - p < 8)
		return NULL;
	wr_f64(p, d);
	return p + 8;
}

static inline uint8_t *
put_bytes(uint8_t *p, uint8_t *end, const void *src, size_t n)
{
	if (p == NULL || (size_t)(end - p) < n)
		return NULL;
	if (n > 0)
		memcpy(p, src, n);
	return p + n;
}

#endif
