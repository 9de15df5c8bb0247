/* SPDX-License-Identifier: MIT */
#include "wire_internal.h"

#include <stdlib.h>

/* protobuf-c allocates the message structs, arrays of repeated fields,
 * copies of bytes fields and of unknown fields. Per input byte that is at
 * most a few dozen bytes (a 2-byte empty TicketSenderParams costs one
 * struct and one pointer), so 64 bytes per input byte plus a constant for
 * the top-level message never refuses a well-formed message. */
#define TK_WIRE_ALLOC_PER_BYTE 64u
#define TK_WIRE_ALLOC_BASE 4096u

static void *bounded_alloc(void *data, size_t size)
{
    tk__wire_alloc *a = data;
    if (size > a->budget)
        return NULL; /* protobuf-c then fails the unpack cleanly */
    a->budget -= size;
    return malloc(size);
}

static void bounded_free(void *data, void *p)
{
    (void)data; /* the budget counts bytes handed out, never returned */
    free(p);
}

ProtobufCMessage *tk__wire_unpack(tk__wire_alloc *a,
                                  const ProtobufCMessageDescriptor *d,
                                  const uint8_t *buf, size_t len)
{
    if (len > TK_WIRE_MAX_MESSAGE_LEN)
        return NULL;
    a->pb.alloc = bounded_alloc;
    a->pb.free = bounded_free;
    a->pb.allocator_data = a;
    a->budget = TK_WIRE_ALLOC_BASE + TK_WIRE_ALLOC_PER_BYTE * len;
    /* protobuf-c never reads buf when len is 0; give it a valid pointer. */
    return protobuf_c_message_unpack(d, &a->pb, len,
                                     len != 0 ? buf : (const uint8_t *)"");
}

tk_status tk__wire_pack(uint8_t *out, size_t *outlen, const ProtobufCMessage *m)
{
    size_t need = protobuf_c_message_get_packed_size(m);
    if (out == NULL || *outlen < need) {
        *outlen = need;
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    if (protobuf_c_message_pack(m, out) != need) {
        *outlen = 0;
        return TK_ERR_INTERNAL;
    }
    *outlen = need;
    return TK_OK;
}
