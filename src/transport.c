/* Transport helpers shared by every backend. */
#include "transport.h"

const char *tp_kind_name(enum tp_kind kind)
{
    switch (kind) {
    case TP_KIND_SDP: return "sdp";
    case TP_KIND_MBOOT: return "mboot";
    case TP_KIND_OTHER: break;
    }
    return "other";
}
