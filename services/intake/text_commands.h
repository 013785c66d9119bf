#pragma once

// What a citizen's SMS or WhatsApp message asks, and the words of the reply, in Bahasa
// Indonesia (docs/text-messages.md). Pure, unit-tested; TextDesk (text_desk.h) acts on it.

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.pb.h"

namespace skk::intake {

enum class TextCommand {
  kSambat,  // SAMBAT <isi>: a complaint (or its first part)
  kCek,     // CEK <tiket>: the complaint's status
  kInfo,    // INFO <tiket> <jawaban>: the answer to the agency's question
  kRate,    // NILAI <tiket> <1-5> [komentar]: the rating of a resolved complaint
  kReopen,  // BUKA <tiket> <alasan>: reopening a resolved complaint
  kOther,   // anything else: the next part of a complaint being gathered, or a lost citizen
};

struct ParsedText {
  TextCommand command = TextCommand::kOther;
  // CEK, INFO, NILAI, BUKA: in capitals, as tickets are written ("SKK-2026-000123")
  std::string ticket;
  // SAMBAT, INFO, BUKA: what follows; NILAI: the comment; kOther: the whole message (trimmed)
  std::string body;
  int stars = 0;  // NILAI: 1 to 5, 0 when the message gave none
};

// The keyword is the first word in any case, followed by a space, ':', '#', '.' or ',' (as
// phones and old habits write it: "Sambat: ...", "SAMBAT#...", "cek skk-2026-000123").
ParsedText ParseTextMessage(std::string_view text);

// The category of a complaint in the citizen's words: the one whose text_keywords match the
// most whole words (a keyword of several words matches them in a row), the earlier category in
// the configuration on a tie; `fallback` when none matches. Case-insensitive.
std::string CategoryFromWords(std::string_view text, const sambat::v1::CityConfig& city,
                              const std::string& fallback);

// The replies. Each fits in two SMS (at most kMaxReplyChars characters).
inline constexpr size_t kMaxReplyChars = 306;
std::string GatheringReply(const std::string& city_name, absl::Duration gather, bool first);
// The status, the agency's due date while it runs, and the command that comes next (INFO while
// the agency waits for the citizen; NILAI and BUKA once resolved).
std::string StatusReply(const sambat::v1::Complaint& complaint, absl::TimeZone zone);
std::string InfoAddedReply(const sambat::v1::Complaint& complaint);
std::string NotFoundReply(const std::string& ticket);
std::string NotAskedReply(const std::string& ticket);
std::string RatedReply(const std::string& ticket, int stars);
std::string ReopenedReply(const sambat::v1::Complaint& complaint);
// NILAI or BUKA of a complaint not resolved, or past its reopen window.
std::string NotResolvedReply(const std::string& ticket);
// A command without what it needs: how to write it.
std::string UsageReply(TextCommand command);
std::string HelpReply(const std::string& city_name);
std::string RefusedReply();

}  // namespace skk::intake
