// What a citizen's submission must be before intake stores it, checked against the shipped
// Kota Malang configuration.

#include "services/intake/validation.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "services/platform/city_config.h"
#include "services/platform/testing/test_env.h"
#include "services/platform/text.h"

namespace skk::intake {
namespace {

const SubmissionRules& Rules() {
  static const SubmissionRules rules = RulesFromCityConfig(testing::ShippedCityConfig());
  return rules;
}

// A pothole near Alun-Alun Malang, as a citizen would send it.
sambat::v1::SubmitComplaintRequest Good() {
  sambat::v1::SubmitComplaintRequest r;
  r.set_category("jalan-rusak");
  r.set_description("Jalan berlubang besar di depan Pasar Besar, sudah dua minggu.");
  r.mutable_location()->set_latitude(-7.9826);
  r.mutable_location()->set_longitude(112.6308);
  r.set_idempotency_key("3f1c2b9e-8a47-4d2e-9b6a-0c1d2e3f4a5b");
  r.mutable_reporter()->set_name("Siti Aminah");
  r.mutable_reporter()->set_phone("0812-3456-7890");
  r.set_channel(sambat::v1::CHANNEL_APP);
  return r;
}

std::vector<std::string> Fields(const std::vector<FieldViolation>& v) {
  std::vector<std::string> fields;
  for (const auto& f : v) fields.push_back(f.field);
  return fields;
}

// The single violation of `r`, which must be on `field`.
FieldViolation OnlyViolation(const sambat::v1::SubmitComplaintRequest& r,
                             const std::string& field) {
  const auto v = ValidateSubmission(r, Rules());
  REQUIRE(Fields(v) == std::vector<std::string>{field});
  return v[0];
}

sambat::v1::SubmitComplaintRequest WithDescription(const std::string& d) {
  auto r = Good();
  r.set_description(d);
  return r;
}

TEST_CASE("a good submission has no violations", "[validation]") {
  CHECK(ValidateSubmission(Good(), Rules()).empty());
  CHECK(InvalidFields(ValidateSubmission(Good(), Rules())).ok());
}

TEST_CASE("every category of the city is accepted", "[validation]") {
  for (const char* c : {"jalan-rusak", "pohon-tumbang", "adminduk", "keamanan",
                               "lainnya"}) {
    auto r = Good();
    r.set_category(c);
    INFO(c);
    CHECK(ValidateSubmission(r, Rules()).empty());
  }
}

TEST_CASE("the idempotency key is optional", "[validation]") {
  auto r = Good();
  r.clear_idempotency_key();
  CHECK(ValidateSubmission(r, Rules()).empty());
}

TEST_CASE("a submission needs a category the city knows", "[validation]") {
  auto r = Good();
  r.set_category("");
  CHECK(OnlyViolation(r, "category").reason == "is required");
  r.set_category("penampakan-ufo");
  CHECK(OnlyViolation(r, "category").reason == "is not a category of this city");
  r.set_category("Jalan-Rusak");  // codes are exact
  OnlyViolation(r, "category");
}

TEST_CASE("a submission needs a description that is not blank", "[validation]") {
  CHECK(OnlyViolation(WithDescription(""), "description").reason == "is required");
  CHECK(OnlyViolation(WithDescription("   \n\t  \r\n "), "description").reason ==
        "is required");
}

TEST_CASE("a citizen joining a complaint found nearby may leave the description empty",
          "[validation][duplicates]") {
  auto r = WithDescription("");
  r.set_join_ticket("SKK-2026-000041");
  CHECK(ValidateSubmission(r, Rules()).empty());
  // Words given are checked as any description's.
  r.set_description(std::string("Saya juga \x01"));
  OnlyViolation(r, "description");
  r.set_description("");
  r.set_join_ticket("SKK 2026\n<script>");
  CHECK(OnlyViolation(r, "join_ticket").reason == "is not a ticket number");
  // Joining is by place: the search that offered it was around a point.
  r.set_join_ticket("SKK-2026-000041");
  r.clear_location();
  r.set_address("Jl. Ijen depan museum");
  CHECK(OnlyViolation(r, "location").reason == "is required to join a complaint nearby");
}

TEST_CASE("the idempotency keys of SP4N-LAPOR's dispositions are not a client's to take",
          "[validation][lapor]") {
  auto r = Good();
  r.set_idempotency_key("lapor:LAPOR-2026-4411");
  CHECK(OnlyViolation(r, "idempotency_key").reason ==
        "must not start with \"lapor:\" (reserved for SP4N-LAPOR)");
}

TEST_CASE("a description that is not valid UTF-8 is refused", "[validation]") {
  for (const std::string& bad : {
           std::string("Jalan \xC0\xAF rusak"),       // overlong '/'
           std::string("Jalan \xE0\x80\xAF rusak"),   // overlong, 3 bytes
           std::string("Jalan \x80 rusak"),           // lone continuation byte
           std::string("Jalan rusak \xE2\x82"),       // truncated at the end
           std::string("Jalan \xE2\x82 rusak"),       // truncated in the middle
           std::string("Jalan \xED\xA0\x80 rusak"),   // UTF-16 surrogate
           std::string("Jalan \xF4\x90\x80\x80 rusak"),  // past U+10FFFF
           std::string("Jalan \xFF rusak"),
       }) {
    INFO(bad);
    CHECK(OnlyViolation(WithDescription(bad), "description").reason == "must be valid UTF-8");
  }
}

TEST_CASE("a description of at most 4000 characters is accepted, longer is refused",
          "[validation]") {
  CHECK(ValidateSubmission(WithDescription(std::string(4000, 'a')), Rules()).empty());
  CHECK_THAT(OnlyViolation(WithDescription(std::string(4001, 'a')), "description").reason,
             Catch::Contains("at most 4000"));
  CHECK_THAT(OnlyViolation(WithDescription(std::string(1 << 20, 'a')), "description").reason,
             Catch::Contains("at most 4000"));
  // A megabyte of invalid bytes is refused for its size, without a UTF-8 scan.
  CHECK_THAT(
      OnlyViolation(WithDescription(std::string(1 << 20, '\xff')), "description").reason,
      Catch::Contains("at most 4000"));
}

TEST_CASE("the 4000-character limit counts characters, not bytes", "[validation]") {
  std::string emoji;  // U+1F573 HOLE, four bytes each
  for (int i = 0; i < 4000; ++i) emoji += "\xF0\x9F\x95\xB3";
  CHECK(ValidateSubmission(WithDescription(emoji), Rules()).empty());
  OnlyViolation(WithDescription(emoji + "a"), "description");
}

TEST_CASE("a description with control characters is refused", "[validation]") {
  for (const std::string& bad : {
           std::string("Jalan rusak \x1b[31mMERAH\x1b[0m"),
           std::string("Jalan rusak\0 di sini", 20),
           std::string("Jalan rusak \x7f"),
           std::string("Jalan\x08\x08rusak"),
       }) {
    INFO(bad);
    CHECK(OnlyViolation(WithDescription(bad), "description").reason ==
          "must not contain control characters");
  }
}

TEST_CASE("Indonesian text with newlines, tabs, accents and emoji is accepted",
          "[validation]") {
  const std::string text =
      "Lampu PJU mati total di Jl. Soekarno–Hatta 🚧😡\n"
      "\tSudah lapor ke RT, belum ada tindakan. Café di sebelah juga gelap.\n"
      "Terima kasih 🙏";
  CHECK(ValidateSubmission(WithDescription(text), Rules()).empty());
}

// Web forms submit a textarea with CRLF line breaks (HTML spec, form submission), so a
// citizen who typed two lines in a browser sends "\r\n". That is a newline, not a trick.
TEST_CASE("a description typed in a web form with CRLF line breaks is accepted",
          "[validation]") {
  CHECK(ValidateSubmission(WithDescription("Jalan rusak.\r\nMohon segera diperbaiki."), Rules())
            .empty());
}

TEST_CASE("a submission needs a location on the map or an address in words", "[validation]") {
  auto r = Good();
  r.clear_location();
  CHECK(OnlyViolation(r, "location").reason == "is required when there is no address");
  r.set_address("Jl. Kawi depan SDN Kauman 1, Klojen");
  CHECK(ValidateSubmission(r, Rules()).empty());
  r.set_address(std::string(501, 'a'));
  CHECK(OnlyViolation(r, "address").reason == "must be at most 500 characters");
}

TEST_CASE("a latitude or longitude that is not a number on the globe is refused",
          "[validation]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double lat : {nan, inf, -inf, -90.5, 91.0, 1e308}) {
    INFO(lat);
    auto r = Good();
    r.mutable_location()->set_latitude(lat);
    CHECK(OnlyViolation(r, "location.latitude").reason == "must be a number from -90 to 90");
  }
  for (double lon : {nan, inf, -inf, -180.5, 181.0, -1e308}) {
    INFO(lon);
    auto r = Good();
    r.mutable_location()->set_longitude(lon);
    CHECK(OnlyViolation(r, "location.longitude").reason ==
          "must be a number from -180 to 180");
  }
}

TEST_CASE("a point outside Kota Malang is refused", "[validation]") {
  auto r = Good();
  SECTION("Jakarta") {
    r.mutable_location()->set_latitude(-6.2);
    r.mutable_location()->set_longitude(106.8);
    const auto v = ValidateSubmission(r, Rules());
    REQUIRE(Fields(v) == std::vector<std::string>{"location.latitude", "location.longitude"});
    CHECK(v[0].reason == "is outside the city");
    CHECK(v[1].reason == "is outside the city");
  }
  SECTION("Batu, just west of the city") {
    r.mutable_location()->set_longitude(112.52);
    CHECK(OnlyViolation(r, "location.longitude").reason == "is outside the city");
  }
  SECTION("south of the city") {
    r.mutable_location()->set_latitude(-8.1);
    CHECK(OnlyViolation(r, "location.latitude").reason == "is outside the city");
  }
  SECTION("a location left at 0,0 by a client without GPS") {
    r.mutable_location()->set_latitude(0);
    r.mutable_location()->set_longitude(0);
    CHECK(Fields(ValidateSubmission(r, Rules())) ==
          std::vector<std::string>{"location.latitude", "location.longitude"});
  }
}

TEST_CASE("a point on the edge of the city's bounds is accepted", "[validation]") {
  auto r = Good();
  r.mutable_location()->set_latitude(Rules().bounds.min_latitude());
  r.mutable_location()->set_longitude(Rules().bounds.max_longitude());
  CHECK(ValidateSubmission(r, Rules()).empty());
}

TEST_CASE("an idempotency key must be 8 to 128 printable ASCII characters", "[validation]") {
  auto with_key = [](const std::string& key) {
    auto r = Good();
    r.set_idempotency_key(key);
    return r;
  };
  CHECK(ValidateSubmission(with_key("abcd1234"), Rules()).empty());
  CHECK(ValidateSubmission(with_key(std::string(128, 'k')), Rules()).empty());
  for (const std::string& bad : {std::string("abc1234"), std::string(129, 'k'),
                                 std::string("abcd 1234"), std::string("kunci-\xC3\xA9t\xC3\xA9"),
                                 std::string("abcd1234\n"), std::string("abcd\0" "1234", 9)}) {
    INFO(bad);
    CHECK(OnlyViolation(with_key(bad), "idempotency_key").reason ==
          "must be 8 to 128 printable ASCII characters");
  }
}

TEST_CASE("every problem is reported, in field order, and the error names each field",
          "[validation]") {
  sambat::v1::SubmitComplaintRequest r;
  r.set_category("penampakan-ufo");
  r.set_description("");
  r.mutable_location()->set_latitude(std::nan(""));
  r.mutable_location()->set_longitude(106.8);
  r.set_idempotency_key("short");
  const auto v = ValidateSubmission(r, Rules());
  CHECK(Fields(v) == std::vector<std::string>{"category", "description", "location.latitude",
                                              "location.longitude", "reporter",
                                              "idempotency_key"});

  const absl::Status st = InvalidFields(v);
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  const std::string message(st.message());
  CHECK_THAT(message, Catch::Contains("category: is not a category of this city"));
  CHECK_THAT(message, Catch::Contains("description: is required"));
  CHECK_THAT(message, Catch::Contains("location.latitude: must be a number from -90 to 90"));
  CHECK_THAT(message, Catch::Contains("location.longitude: is outside the city"));
  CHECK_THAT(message, Catch::Contains("idempotency_key: must be 8 to 128"));

  // The same violations travel as a google.rpc.BadRequest a client can read field by field.
  const auto payload = st.GetPayload(kBadRequestType);
  REQUIRE(payload.has_value());
  google::rpc::BadRequest details;
  REQUIRE(details.ParseFromString(std::string(*payload)));
  REQUIRE(details.field_violations_size() == 6);
  CHECK(details.field_violations(0).field() == "category");
  CHECK(details.field_violations(0).description() == "is not a category of this city");
  CHECK(details.field_violations(5).field() == "idempotency_key");
}

TEST_CASE("IsValidUtf8 accepts well-formed text and counts its code points", "[validation]") {
  size_t chars = 99;
  CHECK(IsValidUtf8("", &chars));
  CHECK(chars == 0);
  CHECK(IsValidUtf8("Malang", &chars));
  CHECK(chars == 6);
  CHECK(IsValidUtf8("Café–🚧", &chars));  // 2-, 3- and 4-byte sequences
  CHECK(chars == 6);
  CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF", &chars));  // U+10FFFF, the last code point
  CHECK(chars == 1);
  CHECK(IsValidUtf8("\xEF\xBF\xBD", &chars));  // U+FFFD
  CHECK(chars == 1);
  CHECK(IsValidUtf8(std::string("a\0b", 3), &chars));
  CHECK(chars == 3);
  CHECK(IsValidUtf8("ok", nullptr));
}

TEST_CASE("IsValidUtf8 rejects malformed sequences", "[validation]") {
  for (const std::string& bad :
       {std::string("\xC0\xAF"), std::string("\xC1\xBF"), std::string("\xE0\x9F\xBF"),
        std::string("\xF0\x8F\xBF\xBF"), std::string("\x80"), std::string("\xBF"),
        std::string("\xC3"), std::string("\xE2\x82"), std::string("\xF0\x9F\x95"),
        std::string("\xED\xA0\x80"), std::string("\xED\xBF\xBF"),
        std::string("\xF4\x90\x80\x80"), std::string("\xF8\x88\x80\x80\x80"),
        std::string("\xFE"), std::string("\xC3\x28")}) {
    INFO(bad);
    size_t chars = 0;
    CHECK_FALSE(IsValidUtf8(bad, &chars));
  }
}

}  // namespace
}  // namespace skk::intake

namespace skk::intake {
namespace {

const std::string kPhoto(64, 'a');

TEST_CASE("a complaint carries at most five photos, each a media id", "[validation]") {
  auto r = Good();
  for (int i = 0; i < 5; ++i) r.add_media_ids(std::string(63, 'a') + std::to_string(i));
  CHECK(ValidateSubmission(r, Rules()).empty());
  r.add_media_ids(kPhoto);
  CHECK(OnlyViolation(r, "media_ids").reason == "at most 5 photos");
  auto bad = Good();
  bad.add_media_ids(kPhoto);
  bad.add_media_ids("../../etc/passwd");
  CHECK(OnlyViolation(bad, "media_ids[1]").reason == "is not a media id from UploadMedia");
}

TEST_CASE("a reporter gives a phone or an email, or stays anonymous without a name",
          "[validation]") {
  auto r = Good();
  r.mutable_reporter()->clear_phone();
  CHECK(OnlyViolation(r, "reporter").reason == "needs a phone or an email, or anonymous");
  r.mutable_reporter()->set_email("siti@example.co.id");
  CHECK(ValidateSubmission(r, Rules()).empty());
  r.mutable_reporter()->set_email("siti at example");
  CHECK(OnlyViolation(r, "reporter.email").reason == "is not an email address");

  auto anonymous = Good();
  anonymous.mutable_reporter()->set_anonymous(true);
  CHECK(OnlyViolation(anonymous, "reporter.name").reason ==
        "must be empty for an anonymous complaint");
  anonymous.mutable_reporter()->clear_name();
  anonymous.mutable_reporter()->clear_phone();
  CHECK(ValidateSubmission(anonymous, Rules()).empty());

  auto landline = Good();
  landline.mutable_reporter()->set_phone("0341 551188");
  CHECK(OnlyViolation(landline, "reporter.phone").reason == "is not an Indonesian mobile number");
}

TEST_CASE("Indonesian mobile numbers are normalized to +62", "[validation]") {
  CHECK(NormalizePhone("081234567890") == "+6281234567890");
  CHECK(NormalizePhone("+62 812-3456-7890") == "+6281234567890");
  CHECK(NormalizePhone("6281234567890") == "+6281234567890");
  CHECK(NormalizePhone("0341551188").empty());
  CHECK(NormalizePhone("08123").empty());
  CHECK(NormalizePhone("0812345678901234").empty());
  CHECK(NormalizePhone("08123456789x").empty());
}

TEST_CASE("an assisted complaint names its KIM volunteer, and only it does", "[validation]") {
  auto r = Good();
  r.set_channel(sambat::v1::CHANNEL_ASSISTED);
  CHECK(OnlyViolation(r, "volunteer_id").reason.find("required") != std::string::npos);
  r.set_volunteer_id("KIM-Kauman-07");
  CHECK(ValidateSubmission(r, Rules()).empty());
  r.set_channel(sambat::v1::CHANNEL_SMS);
  CHECK(OnlyViolation(r, "volunteer_id").reason == "only an assisted complaint has a volunteer");
  auto unknown = Good();
  unknown.set_channel(static_cast<sambat::v1::Channel>(42));
  CHECK(OnlyViolation(unknown, "channel").reason == "is not a known channel");
}

TEST_CASE("follow-ups need the ticket, the token and sound content", "[validation]") {
  sambat::v1::AddInfoRequest info;
  info.set_ticket("SKK-2026-000123");
  info.set_tracking_token(std::string(32, 'f'));
  info.set_text("Lubangnya di sisi kiri jalan, dekat tiang listrik nomor 12.");
  CHECK(ValidateAddInfo(info, Rules()).empty());
  info.set_text("");
  CHECK(Fields(ValidateAddInfo(info, Rules())) == std::vector<std::string>{"text"});

  sambat::v1::RateRequest rate;
  rate.set_ticket("SKK-2026-000123");
  rate.set_tracking_token(std::string(32, 'f'));
  rate.set_stars(5);
  CHECK(ValidateRate(rate).empty());
  for (int stars : {0, 6, -1}) {
    rate.set_stars(stars);
    CHECK(Fields(ValidateRate(rate)) == std::vector<std::string>{"stars"});
  }

  sambat::v1::ReopenRequest reopen;
  reopen.set_ticket("SKK-2026-000123");
  CHECK(Fields(ValidateReopen(reopen)) == std::vector<std::string>{"tracking_token", "reason"});
}

TEST_CASE("an erasure names one citizen and a reason that does not repeat their contact",
          "[intake][validation][security]") {
  sambat::v1::EraseCitizenDataRequest r;
  r.set_reason("Permintaan PPID 12/PDP/2026");
  CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"selector"});
  r.set_phone("0812-3456-7890");
  CHECK(ValidateErasure(r).empty());
  r.set_phone("0341 551188");  // a landline is no reporter's number
  CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"phone"});
  r.set_email("budi@example");
  CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"email"});
  r.set_ticket("SKK 2026");
  CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"ticket"});
  r.set_ticket("SKK-2026-000123");
  r.set_reason("   ");
  CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"reason"});
  r.set_reason(std::string(501, 'x'));
  CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"reason"});
  // The audit record must not keep what was erased, in whatever form it was typed.
  r.set_phone("+6281234567890");
  for (const char* reason : {"hapus 081234567890", "nomor 6281234567890 minta dihapus",
                             "+62 81234567890"}) {
    r.set_reason(reason);
    INFO(reason);
    CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"reason"});
  }
  r.set_email("Budi.Santoso@Example.com");
  r.set_reason("hapus budi.santoso@example.com");
  CHECK(Fields(ValidateErasure(r)) == std::vector<std::string>{"reason"});
}

}  // namespace
}  // namespace skk::intake
