#pragma once

// Who must hear of an event, and what they are told, in Bahasa Indonesia or English, per
// channel. Pure: no I/O, unit-tested.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "sambat/v1/events.pb.h"

namespace skk::notification {

// Who a notice is for. Staff audiences are resolved to recipients by role and agency.
enum class Audience { kCitizen, kHumas, kHead, kLeadership };

enum class MessageKind {
  // to the citizen
  kReceived,
  kRouted,
  kFirstAnswer,
  kInfoRequested,
  kResolved,
  kRejected,
  kJoined,  // the citizen joined a complaint found nearby: they now follow it
  kReopened,
  kCloseReminder,  // the resolved case closes by itself unless reopened
  kClosed,         // it closed by itself
  kDeadlineMoved,  // a new holiday calendar moved the agency's due time
  kPartnerClosed,  // the partner outside city hall the case was handed to finished it
  // to the citizen of a complaint an officer merged into this one (docs/duplicates.md)
  kFollowedAnswer,
  kFollowedResolved,
  kUnmerged,  // an officer undid the merge of the citizen's complaint
  // to the agency's humas
  kNewCase,
  kForwardedIn,
  kReminder,
  kCitizenAnswered,
  kCaseReopened,
  // to the agency head (level 1), Sekda and the mayor (level 2)
  kEscalation,
};

struct Notice {
  Audience audience;
  std::string agency_code;  // humas and head: whose; empty otherwise
  MessageKind kind;
  // Goes out at once even to recipients who chose the digest or are in quiet hours.
  bool urgent = false;
  // kFollowed*: the ticket of the complaint merged into the event's, whose citizen this is.
  // Their link and reply name their own ticket: they hold no code for the other one.
  std::string follower_ticket{};
};

// What a citizen whose complaint was merged into the event's complaint hears of it: its first
// answer and its resolution. Empty for every other event.
std::optional<MessageKind> FollowedKindFor(const sambat::v1::Event& event);

// What `event` means for whom. Empty for events nobody needs to hear of (e.g. case.claimed).
std::vector<Notice> NoticesFor(const sambat::v1::Event& event);

// The event's ticket number, whichever payload it has.
std::string TicketOf(const sambat::v1::Event& event);

struct RenderContext {
  // Agency code -> name as citizens know it (e.g. "DPUPRPKP").
  std::map<std::string, std::string> agency_names;
  absl::TimeZone zone;
  std::string tracking_url;  // "{ticket}" replaced
  std::string rating_url;    // "{ticket}" replaced
};

// What notification knows of a complaint that limits what its messages may say of the
// citizen's own words (their answers, their reason to reopen; never officers' texts).
struct ComplaintPrivacy {
  // Rahasia (complaint.submitted said so), or not known to be otherwise because its
  // complaint.submitted has not been applied: SMS and WhatsApp, which land on a phone's lock
  // screen and in the gateway's logs, never carry the citizen's words; email and the inbox do.
  bool confidential = true;
  // complaint.erasure_requested was applied: the citizen's words are kErasedText everywhere.
  bool erased = false;
  // The citizen wrote by SMS or WhatsApp and holds no tracking code: their SMS and WhatsApp
  // messages name the command to reply with (CEK, INFO, NILAI, BUKA) where others have a link.
  // It comes with the citizen's contact (complaint.reporter_contact).
  bool by_text = false;
};

struct Rendered {
  std::string subject;  // email and inbox; empty for SMS and WhatsApp
  std::string body;
};

// The message for `notice` in `locale` ("id" or "en"; anything else is "id") on `channel`
// ("email", "inbox", "sms", "whatsapp"). Every message carries the ticket number; SMS is one
// short line. Citizens' and officers' words are cleaned (escaping.h) before they are placed.
// The citizen's words follow `privacy`: a neutral note in their place on SMS and WhatsApp of a
// confidential complaint, kErasedText on every channel once the complaint was erased.
Rendered Render(const Notice& notice, const sambat::v1::Event& event, const std::string& locale,
                const std::string& channel, const RenderContext& context,
                const ComplaintPrivacy& privacy);

// What a daily digest says for one recipient.
struct DigestSummary {
  absl::CivilDay day;
  std::string scope;  // agency name, or the city for leadership
  int open = 0;
  int overdue = 0;
  std::vector<std::string> overdue_tickets;  // oldest deadline first, at most 20
};

Rendered RenderDigest(const DigestSummary& summary, const std::string& locale,
                      const std::string& channel);

// Quiet hours in city time as minutes after midnight; start > end spans midnight.
struct QuietHours {
  int start_minute = -1;  // -1: none
  int end_minute = -1;
  bool enabled() const { return start_minute >= 0 && end_minute >= 0 && start_minute != end_minute; }
};

// "21:00" -> 1260; INVALID_ARGUMENT for anything else.
bool ParseClockMinute(const std::string& text, int* minute);
std::string FormatClockMinute(int minute);

// When a message decided at `now` may go out: `now` outside quiet hours, else the end of them.
absl::Time ReleaseTime(absl::Time now, const QuietHours& quiet, absl::TimeZone zone);

}  // namespace skk::notification
