#pragma once

// What a citizen reads about their complaint, in Bahasa Indonesia. Pure, unit-tested.

#include <string>
#include <string_view>

#include "sambat/v1/common.pb.h"

namespace skk::intake {

// One line for the complaint's current status, e.g. "Diteruskan ke DPUPRPKP, menunggu
// tanggapan; terlambat, dilaporkan ke kepala dinas".
std::string StatusText(sambat::v1::CaseState state, const std::string& agency_name,
                       int escalation_level);

// Why an agency refused a complaint, from the reason code of case.rejected.
std::string RejectionText(const std::string& reason, const std::string& duplicate_of_ticket);

// The text as the public may read it: what looks like an email address, or a phone number
// (9 or more digits starting with 0, 62 or +62, with spaces, dots or dashes between), becomes
// kMaskedContact. Citizens write their numbers into descriptions; Open311 shows descriptions.
inline constexpr char kMaskedContact[] = "[disamarkan]";
std::string MaskContacts(std::string_view text);

}  // namespace skk::intake
