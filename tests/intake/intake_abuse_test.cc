// Abuse limits at the citizen's door (issue 13), against the real intake service and servers:
// an upload flood from one address leaves other citizens' submissions answered in their usual
// time, photos no complaint took are collected after their age and capped per address,
// tracking calls are limited per address and lock nothing before the token is checked,
// anonymous submissions meet a limit, the limits hold without Redis, and rate-limit keys
// reveal no phone number.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/intake/rate_limits.h"
#include "services/intake/validation.h"
#include "services/platform/dev_mode.h"
#include "services/platform/ids.h"
#include "services/platform/redis.h"
#include "services/platform/secrets.h"
#include "services/platform/testing/test_env.h"
#include "tests/support/images.h"
#include "tests/support/system.h"

namespace skk::testing {
namespace {

namespace img = images;

// One UploadMedia call; no Catch macros, so it may run on any thread.
grpc::Status Upload(sambat::v1::IntakeService::Stub& stub, const std::string& bytes,
                    sambat::v1::UploadMediaResponse* response = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  sambat::v1::UploadMediaResponse ignored;
  auto writer = stub.UploadMedia(&context, response != nullptr ? response : &ignored);
  sambat::v1::UploadMediaRequest header;
  header.mutable_header()->set_size_bytes(static_cast<int64_t>(bytes.size()));
  header.mutable_header()->set_declared_type("image/jpeg");
  bool open = writer->Write(header);
  for (size_t at = 0; open && at < bytes.size(); at += 64 * 1024) {
    sambat::v1::UploadMediaRequest chunk;
    chunk.set_chunk(bytes.substr(at, 64 * 1024));
    open = writer->Write(chunk);
  }
  writer->WritesDone();
  return writer->Finish();
}

grpc::Status Upload(const System& system, const std::string& bytes,
                    sambat::v1::UploadMediaResponse* response = nullptr) {
  return Upload(*system.Intake(), bytes, response);
}

grpc::Status Submit(const System& system, const sambat::v1::SubmitComplaintRequest& request,
                    sambat::v1::SubmitComplaintResponse* response,
                    std::chrono::seconds deadline = std::chrono::seconds(60)) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  return system.Intake()->SubmitComplaint(&context, request, response);
}

grpc::Status TrackCall(const System& system, const std::string& ticket, const std::string& token,
                       std::chrono::seconds deadline = std::chrono::seconds(20)) {
  sambat::v1::GetComplaintRequest request;
  request.set_ticket(ticket);
  request.set_tracking_token(token);
  sambat::v1::Complaint view;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  return system.Intake()->GetComplaint(&context, request, &view);
}

bool HasRetryInfo(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return false;
  for (const auto& detail : details.details()) {
    google::rpc::RetryInfo retry;
    if (detail.type_url() == "type.googleapis.com/google.rpc.RetryInfo" &&
        retry.ParseFromString(detail.value()) && retry.retry_delay().seconds() > 0) {
      return true;
    }
  }
  return false;
}

// A citizen of their own, so the per-reporter limit is never what refuses them.
sambat::v1::SubmitComplaintRequest CitizenNumber(int i) {
  sambat::v1::SubmitComplaintRequest request = SampleComplaint();
  request.set_idempotency_key(NewUuid());
  request.mutable_reporter()->set_phone(absl::StrCat("0813", 10000000 + i));
  return request;
}

double MedianMs(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Each submission's latency in ms, one after the other; every one must succeed.
std::vector<double> TimedSubmissions(const System& system, int first, int count,
                                     std::vector<grpc::Status>& failures) {
  std::vector<double> ms;
  for (int i = first; i < first + count; ++i) {
    sambat::v1::SubmitComplaintResponse response;
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status status = Submit(system, CitizenNumber(i), &response);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (!status.ok()) failures.push_back(status);
  }
  return ms;
}

std::string MediaDir(const System& system) { return system.dir() + "/media"; }

std::string PhotoPath(const System& system, const std::string& media_id) {
  return absl::StrCat(MediaDir(system), "/", media_id.substr(0, 2), "/", media_id);
}

}  // namespace

TEST_CASE("an upload flood from one address leaves submissions answered in their usual time",
          "[intake][security]") {
  System system("uploadflood", {});
  system.Start("intake", {"--max_uploads_per_peer=4", "--max_concurrent_uploads=64"});

  std::vector<grpc::Status> failures;
  TimedSubmissions(system, 0, 5, failures);  // warm up connections and prepared statements
  const double quiet = MedianMs(TimedSubmissions(system, 100, 21, failures));
  REQUIRE(failures.empty());

  // The same photo with different bytes appended: each upload is new and is decoded.
  const std::string photo = img::Jpeg(2400, 1800);
  constexpr int kFlooders = 96;
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::atomic<int> exhausted{0};
  std::atomic<int> with_retry_info{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < kFlooders; ++t) {
    flood.emplace_back([&, t] {
      auto stub = system.Intake();  // one connection per flooder, as a script would hold
      for (int n = 0; !stop.load(); ++n) {
        const grpc::Status status = Upload(*stub, absl::StrCat(photo, "flood-", t, "-", n));
        ++sent;
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++exhausted;
          if (HasRetryInfo(status)) ++with_retry_info;
        }
      }
    });
  }
  // The flood is under way before the citizens come.
  REQUIRE(System::WaitUntil([&] { return sent.load() >= kFlooders; }, absl::Seconds(120)));
  const std::vector<double> flooded = TimedSubmissions(system, 200, 21, failures);
  stop = true;
  for (std::thread& t : flood) t.join();

  INFO("quiet median " << quiet << " ms, under flood " << MedianMs(flooded) << " ms; "
                       << sent << " uploads, " << exhausted << " refused\n"
                       << system.LogTail("intake"));
  for (const grpc::Status& failure : failures) {
    UNSCOPED_INFO(failure.error_code() << ": " << failure.error_message());
  }
  CHECK(failures.empty());
  // Generous: the decoders and the flooders share the machine's cores with the submissions.
  // Without the upload limits, submissions queue behind decodes for many seconds.
  CHECK(MedianMs(flooded) < std::max(10 * quiet, quiet + 2000));
  CHECK(exhausted > 0);
  CHECK(with_retry_info == exhausted);
}

TEST_CASE("photos no complaint took are removed after their age, attached ones are kept",
          "[intake][security]") {
  System system("mediacollect", {});
  system.Start("intake", {"--unattached_media_age=24h", "--media_collect_interval=100ms"});
  sambat::v1::UploadMediaResponse kept;
  sambat::v1::UploadMediaResponse dropped;
  REQUIRE(Upload(system, img::Jpeg(640, 480), &kept).ok());
  REQUIRE(Upload(system, img::Png(320, 240, false), &dropped).ok());
  sambat::v1::SubmitComplaintRequest request = SampleComplaint();
  request.add_media_ids(kept.media_id());
  sambat::v1::SubmitComplaintResponse submitted;
  REQUIRE(Submit(system, request, &submitted).ok());
  // What an upload interrupted by a crash leaves.
  const std::string leftover = MediaDir(system) + "/00/.tmp-leftover";
  std::filesystem::create_directories(MediaDir(system) + "/00");
  std::ofstream(leftover) << "half a photo";

  const auto count = [&](const std::string& id) {
    return system.Count(
        absl::StrCat("SELECT count(*) FROM intake.media WHERE media_id = '", id, "'"));
  };
  system.AdvanceClock(absl::Hours(25));
  INFO(system.LogTail("intake"));
  REQUIRE(System::WaitUntil([&] { return count(dropped.media_id()) == 0; }, absl::Seconds(30)));
  CHECK_FALSE(std::filesystem::exists(PhotoPath(system, dropped.media_id())));
  CHECK_FALSE(std::filesystem::exists(PhotoPath(system, dropped.media_id()) + ".thumb.jpg"));
  CHECK(count(kept.media_id()) == 1);
  CHECK(std::filesystem::exists(PhotoPath(system, kept.media_id())));
  CHECK(std::filesystem::exists(PhotoPath(system, kept.media_id()) + ".thumb.jpg"));

  // A leftover file goes once it has been seen for the age.
  system.AdvanceClock(absl::Hours(25));
  REQUIRE(System::WaitUntil([&] { return !std::filesystem::exists(leftover); },
                            absl::Seconds(30)));
  CHECK(std::filesystem::exists(PhotoPath(system, kept.media_id())));
  CHECK(Track(system, submitted).media_ids_size() == 1);
}

TEST_CASE("one address cannot fill the disk with photos it never sends in a complaint",
          "[intake][security]") {
  System system("mediacap", {});
  system.Start("intake", {"--max_unattached_bytes_per_peer=1"});
  sambat::v1::UploadMediaResponse first;
  REQUIRE(Upload(system, img::Jpeg(320, 240), &first).ok());
  const grpc::Status refused = Upload(system, img::Png(200, 100, false));
  CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(HasRetryInfo(refused));
  // The same photo again costs nothing and is still answered.
  CHECK(Upload(system, img::Jpeg(320, 240)).ok());
  // Once the first is part of a complaint, the address may upload again.
  sambat::v1::SubmitComplaintRequest request = SampleComplaint();
  request.add_media_ids(first.media_id());
  sambat::v1::SubmitComplaintResponse submitted;
  REQUIRE(Submit(system, request, &submitted).ok());
  CHECK(Upload(system, img::Png(200, 100, false)).ok());
  CHECK(system.Count("SELECT count(*) FROM intake.media WHERE complaint_id IS NOT NULL "
                     "AND uploader IS NOT NULL") == 0);
}

TEST_CASE("a tracking call locks nothing before its token is checked", "[intake][security]") {
  System system("tracklock", {"intake"});
  sambat::v1::SubmitComplaintResponse submitted;
  REQUIRE(Submit(system, SampleComplaint(), &submitted).ok());
  // Someone holds the complaint's row (an event being applied, a follow-up in progress).
  auto holder = system.world().Admin();
  REQUIRE(holder->ExecuteScript(absl::StrCat("BEGIN; SELECT 1 FROM intake.complaints WHERE "
                                             "ticket = '", submitted.ticket(), "' FOR UPDATE"))
              .ok());
  // Guesses are answered at once, and so is the citizen reading the view.
  const grpc::Status guess =
      TrackCall(system, submitted.ticket(), std::string(32, '0'), std::chrono::seconds(5));
  CHECK(guess.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(TrackCall(system, submitted.ticket(), submitted.tracking_token(), std::chrono::seconds(5))
            .ok());
  // A wrong token on a follow-up is refused without waiting for the row either.
  sambat::v1::RateRequest rate;
  rate.set_ticket(submitted.ticket());
  rate.set_tracking_token(std::string(32, '0'));
  rate.set_stars(1);
  sambat::v1::Complaint view;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  CHECK(system.Intake()->Rate(&context, rate, &view).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  REQUIRE(holder->ExecuteScript("ROLLBACK").ok());
}

TEST_CASE("tracking calls and anonymous submissions are limited per address",
          "[intake][security]") {
  System system("peerlimits", {});
  system.Start("intake", {"--tracking_limit=4", "--tracking_window=1h",
                          "--anonymous_peer_limit=2", "--rate_window=1h"});
  sambat::v1::SubmitComplaintResponse submitted;
  REQUIRE(Submit(system, SampleComplaint(), &submitted).ok());
  for (int i = 0; i < 3; ++i) {
    CHECK(TrackCall(system, submitted.ticket(), submitted.tracking_token()).ok());
  }
  CHECK(TrackCall(system, submitted.ticket(), std::string(32, 'f')).error_code() ==
        grpc::StatusCode::NOT_FOUND);  // a guess counts too
  const grpc::Status tracked = TrackCall(system, submitted.ticket(), submitted.tracking_token());
  CHECK(tracked.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(HasRetryInfo(tracked));

  sambat::v1::SubmitComplaintRequest anonymous = SampleComplaint();
  anonymous.clear_reporter();
  anonymous.mutable_reporter()->set_anonymous(true);
  sambat::v1::SubmitComplaintResponse response;
  for (int i = 0; i < 2; ++i) {
    anonymous.set_idempotency_key(NewUuid());
    const grpc::Status st = Submit(system, anonymous, &response);
    INFO(st.error_message());
    CHECK(st.ok());
  }
  anonymous.set_idempotency_key(NewUuid());
  const grpc::Status refused = Submit(system, anonymous, &response);
  CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(HasRetryInfo(refused));
  // A citizen who gives a phone is counted as that citizen, not as the address.
  CHECK(Submit(system, CitizenNumber(1), &response).ok());
}

TEST_CASE("without Redis, submissions are accepted and floods still refused",
          "[intake][security]") {
  System system("noredis", {});
  // Nothing listens on port 1; the flag given last wins.
  system.Start("intake", {"--redis_addr=127.0.0.1:1", "--reporter_limit=2", "--rate_window=1h"});
  sambat::v1::SubmitComplaintRequest request = SampleComplaint();
  sambat::v1::SubmitComplaintResponse response;
  for (int i = 0; i < 2; ++i) {
    request.set_idempotency_key(NewUuid());
    const grpc::Status st = Submit(system, request, &response);
    INFO(st.error_message());
    CHECK(st.ok());
  }
  request.set_idempotency_key(NewUuid());
  const grpc::Status refused = Submit(system, request, &response);
  CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(HasRetryInfo(refused));
  CHECK(Submit(system, CitizenNumber(2), &response).ok());
}

TEST_CASE("rate-limit keys are keyed by a secret and reveal no phone number",
          "[intake][security]") {
  System system("ratekeys", {});
  system.Start("intake", {"--reporter_limit=5"});
  sambat::v1::SubmitComplaintRequest request = SampleComplaint();
  sambat::v1::SubmitComplaintResponse response;
  REQUIRE(Submit(system, request, &response).ok());
  const std::string phone = NormalizePhone(request.reporter().phone());
  REQUIRE_FALSE(phone.empty());

  RedisClient redis(Stack().redis_addr);
  const auto keys = redis.Command({"KEYS", absl::StrCat(system.world().redis_prefix(), "*")});
  REQUIRE(keys.ok());
  std::vector<std::string> names;
  for (const RedisReply& key : keys->elements) names.push_back(key.str);
  INFO(names.size() << " keys");
  const std::string expected = absl::StrCat(system.world().redis_prefix(), "intake:rate:reporter:",
                                            HmacSha256Hex(kDevRateLimitSecret, phone));
  CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  for (const std::string& name : names) {
    CHECK_FALSE(absl::StrContains(name, Sha256Hex(phone)));
    CHECK_FALSE(absl::StrContains(name, phone.substr(3)));
  }
}

}  // namespace skk::testing
