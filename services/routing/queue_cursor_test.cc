// The queue's page token: signed, bound to its query, useless to anyone who edits it.

#include "services/routing/queue_cursor.h"

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_replace.h"
#include "services/platform/errors.h"

namespace skk::routing {
namespace {

using S = sambat::v1::CaseState;

const std::vector<CaseState> kOpen = {S::CASE_STATE_ROUTED, S::CASE_STATE_IN_PROGRESS};

QueuePosition At() {
  return {"dpuprpkp", kOpen, "2026-03-05 02:00:00+00", "6f1c1d2e-0000-4000-8000-000000000001"};
}

TEST_CASE("a page token brings back the position it was made at", "[routing]") {
  const QueueCursorCodec codec("secret-one");
  const std::string token = codec.Encode(At());
  absl::StatusOr<QueuePosition> back = codec.Decode(token, "dpuprpkp", kOpen);
  REQUIRE(back.ok());
  CHECK(back->after_due == At().after_due);
  CHECK(back->after_id == At().after_id);
  CHECK(back->agency_scope == "dpuprpkp");
}

TEST_CASE("a page token cannot be carried into another agency's queue or another filter",
          "[routing]") {
  const QueueCursorCodec codec("secret-one");
  const std::string token = codec.Encode(At());
  CHECK(codec.Decode(token, "dlh", kOpen).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(codec.Decode(token, "", kOpen).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(codec.Decode(token, "dpuprpkp", {S::CASE_STATE_ROUTED}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("an edited, foreign or garbage page token is refused", "[routing]") {
  const QueueCursorCodec codec("secret-one");
  const std::string token = codec.Encode(At());
  // Rewrite the agency inside the token, keep the signature.
  const size_t dot = token.find('.');
  std::string payload;
  REQUIRE(absl::WebSafeBase64Unescape(token.substr(0, dot), &payload));
  const std::string forged =
      absl::WebSafeBase64Escape(absl::StrReplaceAll(payload, {{"dpuprpkp", "dlh"}})) +
      token.substr(dot);
  CHECK(codec.Decode(forged, "dlh", kOpen).status().code() == absl::StatusCode::kInvalidArgument);
  // Signed with another secret.
  CHECK_FALSE(QueueCursorCodec("secret-two").Decode(token, "dpuprpkp", kOpen).ok());
  for (const char* junk : {"", ".", "abc", "abc.def", "q1|dpuprpkp|ROUTED|x|y"}) {
    INFO(junk);
    absl::Status st = codec.Decode(junk, "dpuprpkp", kOpen).status();
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(st.message().find("page_token") != std::string::npos);
  }
}

}  // namespace
}  // namespace skk::routing
