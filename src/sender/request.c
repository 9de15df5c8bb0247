/* SPDX-License-Identifier: MIT */
/* Request credentials signed with the sender's key (sender.h). */
#include "sender_internal.h"

#include "core/internal.h"

#include <string.h>

tk_status tk_sender_sign_request(tk_sender *sender, tk_sig *sig, const tk_credential *cred)
{
    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, sig != NULL);
    memset(sig, 0, sizeof *sig);
    TK_ARG_CHECK(sender->ctx, cred != NULL);
    return tk_credential_sign(sender->ctx, sig, sender->seckey, cred);
}
