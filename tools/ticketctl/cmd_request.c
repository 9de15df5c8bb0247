/* SPDX-License-Identifier: MIT */
/* request-sign / request-verify: request credentials (docs/protocol-notes.md
 * section 10; go-livepeer's segment signature). */
#include "ticketctl.h"

#include "ticket/credential.h"
#include "ticket/keys.h"
#include "ticket/signature.h"

#include <stdlib.h>
#include <string.h>

/* A request: {manifest_id (text) or manifest_id_hex, seq, segment_hash,
 * profiles (optional array of strings)}. *mid is malloc'd (free it). */
static int in_request(tc *c, const json_t *in, tk_credential *cred, uint8_t **mid,
                      const char *names[TK_CREDENTIAL_MAX_PROFILES])
{
    const json_t *req, *profiles = NULL;
    const char *text = NULL;
    int r;

    memset(cred, 0, sizeof *cred);
    *mid = NULL;
    if (tc_in_object(c, in, "request", &req, TC_REQUIRED) < 0)
        return -1;
    snprintf(c->prefix, sizeof c->prefix, "request.");
    if ((r = tc_in_string(c, req, "manifest_id", &text, TC_OPTIONAL)) < 0)
        return -1;
    if (r == 1) {
        if (json_object_get(req, "manifest_id_hex") != NULL)
            return tc_fail(c, "usage", "give manifest_id or manifest_id_hex, not both");
        cred->manifest_id_len = strlen(text);
        if ((*mid = malloc(cred->manifest_id_len + 1)) == NULL)
            return tc_fail(c, "nomem", "out of memory");
        memcpy(*mid, text, cred->manifest_id_len + 1);
    } else if (tc_in_hex_alloc(c, req, "manifest_id_hex", mid, &cred->manifest_id_len,
                               TC_REQUIRED) < 0) {
        return -1;
    }
    cred->manifest_id = *mid;
    if (cred->manifest_id_len > TK_MANIFEST_ID_MAX)
        return tc_fail(c, "invalid_length", "'request.manifest_id' is longer than %d bytes",
                       TK_MANIFEST_ID_MAX);
    if (tc_in_uint(c, req, "seq", TK_CREDENTIAL_SEQ_MAX, &cred->seq, TC_REQUIRED) < 0 ||
        tc_in_bytes(c, req, "segment_hash", cred->segment_hash.bytes, TK_HASH_LEN,
                    TC_REQUIRED) < 0 ||
        tc_in_array(c, req, "profiles", &profiles, TC_OPTIONAL) < 0)
        return -1;
    if (profiles != NULL) {
        if (json_array_size(profiles) > TK_CREDENTIAL_MAX_PROFILES)
            return tc_fail(c, "invalid_length", "more than %d profiles",
                           TK_CREDENTIAL_MAX_PROFILES);
        for (size_t i = 0; i < json_array_size(profiles); i++) {
            names[i] = json_string_value(json_array_get(profiles, i));
            if (names[i] == NULL)
                return tc_fail(c, "invalid_json", "'request.profiles' holds a non-string");
        }
        cred->profiles = names;
        cred->n_profiles = json_array_size(profiles);
    }
    c->prefix[0] = '\0';
    return 0;
}

/* flatten and digest of the request on c->out. */
static int set_digests(tc *c, const tk_credential *cred, tk_hash *digest)
{
    uint8_t flat[TK_CREDENTIAL_FLATTEN_MAX];
    size_t len = sizeof flat;
    tk_status st;

    if ((st = tk_credential_flatten(flat, &len, cred)) != TK_OK ||
        (st = tk_credential_digest(digest, cred)) != TK_OK)
        return tc_fail_status(c, st, "the request");
    tc_set_hex(c->out, "flatten", flat, len);
    tc_set_hex(c->out, "digest", digest->bytes, TK_HASH_LEN);
    return 0;
}

static int run_request_sign(tc *c, const json_t *in)
{
    const char *names[TK_CREDENTIAL_MAX_PROFILES];
    tk_credential cred;
    uint8_t key[32], *mid = NULL;
    tk_address addr;
    tk_hash digest;
    tk_sig sig;
    tk_status st;
    int rc = -1;

    if (tc_in_privkey(c, in, "privkey", key) < 0)
        return -1;
    if (in_request(c, in, &cred, &mid, names) == 0 && set_digests(c, &cred, &digest) == 0) {
        if ((st = tk_credential_sign(c->ctx, &sig, key, &cred)) != TK_OK ||
            (st = tk_key_address(c->ctx, &addr, key)) != TK_OK) {
            tc_fail_status(c, st, "signing the request");
        } else {
            tc_set_hex(c->out, "signature", sig.bytes, TK_SIG_LEN);
            tc_set_address(c->out, "address", &addr);
            rc = 0;
        }
    }
    tk_memzero(key, sizeof key);
    free(mid);
    return rc;
}

static int run_request_verify(tc *c, const json_t *in)
{
    const char *names[TK_CREDENTIAL_MAX_PROFILES];
    tk_credential cred;
    tk_address sender, who;
    uint8_t *mid = NULL, *sig = NULL;
    size_t siglen = 0;
    tk_hash digest;
    tk_status st;
    int rc = -1;

    if (tc_in_address(c, in, "address", &sender, TC_REQUIRED) < 0 ||
        tc_in_hex_alloc(c, in, "signature", &sig, &siglen, TC_REQUIRED) < 0 ||
        in_request(c, in, &cred, &mid, names) < 0 || set_digests(c, &cred, &digest) < 0)
        goto out;
    st = tk_eth_recover(c->ctx, &who, &digest, sig, siglen);
    rc = tc_set_sig_verdict(c, st, &sender, &who, "verifying the request");
out:
    free(mid);
    free(sig);
    return rc;
}

#define REQUEST_FIELDS                                                         \
    "A request is {manifest_id (text) or manifest_id_hex, seq (<= 2^63-1),\n"  \
    "segment_hash (32 bytes), profiles (optional, names in order)}.\n"          \
    "flatten = manifest id || u256(seq) || segment_hash || hex of\n"           \
    "keccak(profile)[0:4] each; digest = keccak(flatten), signed EIP-191.\n"

#define EXAMPLE_REQUEST                                                        \
    "{\"manifest_id\": \"a\", \"seq\": \"1\", \"segment_hash\": \"0x7fde20a6"   \
    "74b511fc8be0779f480cefc7b89bc7fa3cb5f043830544eafddb5db1\", "              \
    "\"profiles\": [\"P360p30fps16x9\"]}"

const tc_command tc_cmd_request_sign = {
    "request-sign", "sign a segment request (go-livepeer's segment signature)",
    "Input:  {privkey, request}\n"
    "Output: {flatten, digest, signature, address}\n" REQUEST_FIELDS "\n"
    "Example:\n"
    "  echo '{\"privkey\": \"0xa6be1356ae5dff349d010952aed8476260aabc034f7932b7"
    "a8f398b8cc1c80bf\", \"request\": " EXAMPLE_REQUEST "}' | ticketctl request-sign\n",
    run_request_sign};

const tc_command tc_cmd_request_verify = {
    "request-verify", "check a segment request's signature for a sender",
    "Input:  {address, request, signature}   signature: 0x-hex of any length\n"
    "Output: {flatten, digest, valid, recovered, reason}\n" REQUEST_FIELDS
    "Checks as verify does (reason: bad_length, bad_v, bad_r, bad_s, high_s,\n"
    "recovery_failed, wrong_signer). It does not check seq freshness: that\n"
    "is the recipient's store (tk_recipient_debit_request).\n\n"
    "Example:\n"
    "  echo '{\"address\": \"0x7f8e5bcfdef15d29c0f791f8c962231eb59c112c\", "
    "\"request\": " EXAMPLE_REQUEST ", \"signature\": \"0x00\"}' | "
    "ticketctl request-verify\n",
    run_request_verify};
