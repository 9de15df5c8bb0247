/* SPDX-License-Identifier: MIT */
#ifndef TK_CORE_OUTBUF_H
#define TK_CORE_OUTBUF_H

/* The (uint8_t *out, size_t *outlen) convention of variable-length
 * outputs: *outlen is the capacity on the way in, and the bytes written
 * (or, with TK_ERR_BUFFER_TOO_SMALL, the bytes needed) on the way out. */

#include "ticket/common.h"

/* Take the capacity into *cap and zero the buffer and *outlen, so that
 * every later failure leaves them zeroed. TK_ERR_ILLEGAL_ARG when outlen
 * is NULL or out is NULL with a capacity (no callback: no context). */
tk_status tk__out_take(uint8_t *out, size_t *outlen, size_t *cap);

/* TK_OK when cap >= need; else *outlen = need and
 * TK_ERR_BUFFER_TOO_SMALL. */
tk_status tk__out_room(size_t cap, size_t need, size_t *outlen);

#endif /* TK_CORE_OUTBUF_H */
