#include "tests/faults/load.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/intake.grpc.pb.h"
#include "sambat/v1/routing.grpc.pb.h"
#include "services/platform/auth.h"
#include "services/platform/clock.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/http_client.h"
#include "tests/support/images.h"
#include "tests/support/staff_tokens.h"

namespace skk::faults {
namespace {

using skk::testing::System;

const std::vector<std::string> kCategories = {
    "jalan-rusak", "sampah", "pohon-tumbang", "penerangan-jalan-umum", "drainase-banjir",
    "adminduk",    "kesehatan", "parkir-liar", "lainnya"};

// Places inside Kota Malang, so every complaint routes by area as a real one would.
struct Place {
  double latitude;
  double longitude;
};
const std::vector<Place> kPlaces = {{-7.9826, 112.6308},   // Klojen, alun-alun
                                    {-7.9425, 112.6153},   // Lowokwaru
                                    {-7.9468, 112.6453},   // Blimbing
                                    {-8.0121, 112.6289},   // Sukun
                                    {-7.9770, 112.6590}};  // Kedungkandang

std::unique_ptr<sambat::v1::IntakeService::Stub> IntakeAt(int port) {
  return sambat::v1::IntakeService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
}

void Deadline(grpc::ClientContext& context, int seconds) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

grpc::Status Upload(sambat::v1::IntakeService::Stub& stub, const std::string& bytes,
                    const std::string& idempotency_key, std::string* media_id) {
  grpc::ClientContext context;
  Deadline(context, 15);
  sambat::v1::UploadMediaResponse response;
  auto writer = stub.UploadMedia(&context, &response);
  sambat::v1::UploadMediaRequest header;
  header.mutable_header()->set_size_bytes(static_cast<int64_t>(bytes.size()));
  header.mutable_header()->set_declared_type("image/jpeg");
  bool sent = writer->Write(header);
  for (size_t at = 0; sent && at < bytes.size(); at += 64 * 1024) {
    sambat::v1::UploadMediaRequest chunk;
    chunk.set_chunk(bytes.substr(at, 64 * 1024));
    sent = writer->Write(chunk);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  (void)idempotency_key;  // the same photo uploaded again is the same media id
  if (status.ok()) *media_id = response.media_id();
  return status;
}

// One submission over HTTP through a gateway, as a phone sends it: the photo first, then the
// complaint with its Idempotency-Key. The answer as a gRPC status, so one retry rule serves
// both doors: 2xx OK; no answer, 408, 429 and 5xx transient (UNAVAILABLE); any other 4xx a
// refusal.
grpc::Status SubmitOverHttp(skk::testing::HttpClient& http, const std::string* photo,
                            sambat::v1::SubmitComplaintRequest& request,
                            sambat::v1::SubmitComplaintResponse* response) {
  auto as_status = [](const skk::testing::HttpAnswer& answer) {
    if (answer.status >= 200 && answer.status < 300) return grpc::Status::OK;
    const bool transient = answer.status == 0 || answer.status == 408 || answer.status == 429 ||
                           answer.status >= 500;
    return grpc::Status(transient ? grpc::StatusCode::UNAVAILABLE
                                  : grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("HTTP ", answer.status, " ", answer.body));
  };
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  if (photo != nullptr && request.media_ids_size() == 0) {
    const skk::testing::HttpAnswer uploaded = http.Post("/api/v1/media", *photo, "image/jpeg");
    if (grpc::Status s = as_status(uploaded); !s.ok()) return s;
    sambat::v1::UploadMediaResponse media;
    if (!google::protobuf::util::JsonStringToMessage(uploaded.body, &media).ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "unreadable upload answer");
    }
    request.add_media_ids(media.media_id());
  }
  sambat::v1::SubmitComplaintRequest body = request;
  body.clear_idempotency_key();  // it travels in its header
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(body, &json, print);
  const skk::testing::HttpAnswer answer = http.Post(
      "/api/v1/complaints", json, "application/json",
      {{"Idempotency-Key", request.idempotency_key()}});
  if (grpc::Status s = as_status(answer); !s.ok()) return s;
  if (!google::protobuf::util::JsonStringToMessage(answer.body, response).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unreadable submission answer");
  }
  return grpc::Status::OK;
}

}  // namespace

LoadGenerator::LoadGenerator(System& system, ClientLedger& ledger, LoadOptions options)
    : system_(system), ledger_(ledger), options_(std::move(options)) {
  for (const std::string& p : system.RunningProcesses()) {
    if (System::ServiceOf(p) == "intake") intake_ports_.push_back(system.Port(p));
    if (System::ServiceOf(p) == "gateway") gateway_ports_.push_back(system.HttpPort(p));
  }
  routing_port_ = system.Port("routing");
  // Loaded here, on the test's thread: Catch2's assertions are not for the load's threads.
  (void)skk::testing::TestTokenIssuer();
  // Intake stores a photo once by its pixels, and a photo belongs to one complaint: every
  // photo complaint gets a picture of its own, made here (libvips, on the test's thread).
  for (int i = 0; i < options_.photos; ++i) {
    photos_.push_back(skk::testing::images::Jpeg(160 + i % 320, 120 + i / 320));
  }
}

LoadGenerator::~LoadGenerator() { Stop(); }

void LoadGenerator::Start() {
  started_ = absl::Now();
  for (int i = 0; i < options_.citizen_threads; ++i) {
    threads_.emplace_back([this, i] { Citizen(i); });
  }
  for (const std::string& agency : options_.officer_agencies) {
    threads_.emplace_back([this, agency] { Officer(agency); });
  }
  threads_.emplace_back([this] { ClockMover(); });
}

void LoadGenerator::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

LoadCounts LoadGenerator::counts() const {
  return {.submitted = submitted_,
          .with_photo = with_photo_,
          .anonymous = anonymous_,
          .assisted = assisted_,
          .through_gateway = through_gateway_,
          .given_up = given_up_,
          .citizen_retries = citizen_retries_,
          .officer_actions = officer_actions_,
          .officer_failures = officer_failures_,
          .clock_steps = clock_steps_,
          .refusals = [this] {
            std::lock_guard lock(refusals_mu_);
            return refusals_;
          }()};
}

void LoadGenerator::Citizen(int index) {
  std::vector<std::unique_ptr<sambat::v1::IntakeService::Stub>> stubs;
  for (int port : intake_ports_) stubs.push_back(IntakeAt(port));
  std::vector<std::unique_ptr<skk::testing::HttpClient>> doors;
  for (int port : gateway_ports_) doors.push_back(std::make_unique<skk::testing::HttpClient>(port));
  // Each citizen thread keeps its share of the rate: complaint n is due at start + n / rate.
  const absl::Duration interval =
      absl::Seconds(options_.citizen_threads / options_.complaints_per_second);
  absl::Time next = absl::Now() + interval * index / options_.citizen_threads;
  while (!stop_) {
    const absl::Time now = absl::Now();
    if (now < next) {
      absl::SleepFor(std::min(next - now, absl::Milliseconds(200)));
      continue;
    }
    next += interval;
    const long long n = sequence_++;
    AcknowledgedComplaint ack;
    ack.category = kCategories[n % kCategories.size()];
    ack.idempotency_key = absl::StrCat("faults-phone-", n);
    ack.anonymous = n % options_.anonymous_every == 1;
    ack.assisted = n % options_.assisted_every == 2;
    const long long photo_index = n / options_.photo_every;
    const bool photo =
        n % options_.photo_every == 3 && photo_index < static_cast<long long>(photos_.size());

    sambat::v1::SubmitComplaintRequest request = skk::testing::SampleComplaint(ack.category);
    const Place& place = kPlaces[n % kPlaces.size()];
    request.mutable_location()->set_latitude(place.latitude + (n % 17) * 0.0003);
    request.mutable_location()->set_longitude(place.longitude + (n % 13) * 0.0003);
    request.set_idempotency_key(ack.idempotency_key);
    request.set_description(absl::StrCat(request.description(), " (laporan ", n, ")"));
    if (ack.anonymous) {
      request.mutable_reporter()->Clear();
      request.mutable_reporter()->set_anonymous(true);
    }
    if (ack.assisted) {
      request.set_channel(sambat::v1::CHANNEL_ASSISTED);
      request.set_volunteer_id(absl::StrCat("kim-klojen-", n % 5));
    }

    // Retries go round the replicas (of intake, or of the gateway for a phone on HTTP), as a
    // load balancer would send them.
    const bool over_http = !doors.empty() && n % options_.http_every == 0;
    const size_t replicas = over_http ? doors.size() : stubs.size();
    const absl::Time give_up = absl::Now() + options_.give_up_after;
    size_t replica = n % replicas;
    bool acknowledged = false;
    while (absl::Now() < give_up) {
      grpc::Status status;
      sambat::v1::SubmitComplaintResponse response;
      if (over_http) {
        status = SubmitOverHttp(*doors[replica], photo ? &photos_[photo_index] : nullptr, request,
                                &response);
      } else {
        auto& stub = *stubs[replica];
        if (photo && request.media_ids_size() == 0) {
          std::string media_id;
          status = Upload(stub, photos_[photo_index], ack.idempotency_key, &media_id);
          if (status.ok()) request.add_media_ids(media_id);
        }
        if (status.ok()) {
          grpc::ClientContext context;
          Deadline(context, 10);
          status = stub.SubmitComplaint(&context, request, &response);
        }
      }
      if (status.ok()) {
        ack.complaint_id = response.complaint_id();
        ack.ticket = response.ticket();
        ack.photos = request.media_ids_size();
        ack.acknowledged_at = system_.Now();
        acknowledged = true;
        break;
      }
      const grpc::StatusCode code = status.error_code();
      const bool transient =
          code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
          code == grpc::StatusCode::ABORTED || code == grpc::StatusCode::INTERNAL ||
          code == grpc::StatusCode::UNKNOWN || code == grpc::StatusCode::CANCELLED ||
          code == grpc::StatusCode::RESOURCE_EXHAUSTED;
      if (!transient) {
        // The phone would show the error; here it is a fault of the suite or of intake.
        std::lock_guard lock(refusals_mu_);
        if (refusals_.size() < 5) {
          refusals_.push_back(absl::StrCat(ack.idempotency_key, ": ", code, " ",
                                           status.error_message()));
        }
        break;
      }
      ++citizen_retries_;
      replica = (replica + 1) % replicas;
      absl::SleepFor(absl::Milliseconds(200));
    }
    if (!acknowledged) {
      ++given_up_;  // refused, or retried in vain until give_up_after
      continue;
    }
    ++submitted_;
    if (ack.photos > 0) ++with_photo_;
    if (ack.anonymous) ++anonymous_;
    if (ack.assisted) ++assisted_;
    if (over_http) ++through_gateway_;
    ledger_.Add(std::move(ack));
  }
}

// An officer's calls, made without Catch2 (whose assertions are not thread-safe): a fresh
// token at the business clock on every call, since the clock runs days ahead during a storm.
class LoadGenerator::OfficerCalls {
 public:
  OfficerCalls(const System& system, int routing_port, std::string agency)
      : system_(system),
        agency_(std::move(agency)),
        stub_(sambat::v1::OfficerService::NewStub(grpc::CreateChannel(
            absl::StrCat("127.0.0.1:", routing_port), grpc::InsecureChannelCredentials()))) {}

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (sambat::v1::OfficerService::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) {
    const Caller caller{.subject = absl::StrCat("faults.officer.", agency_),
                        .name = absl::StrCat("Petugas ", agency_),
                        .role = StaffRole::kOfficer,
                        .agency_code = agency_};
    auto token = skk::testing::TestTokenIssuer().Mint(caller, system_.Now(), absl::Hours(8));
    if (!token.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, token.status().ToString());
    grpc::ClientContext context;
    AttachBearerToken(context, *token);
    Deadline(context, 10);
    return ((*stub_).*method)(&context, request, response);
  }

 private:
  const System& system_;
  std::string agency_;
  std::unique_ptr<sambat::v1::OfficerService::Stub> stub_;
};

void LoadGenerator::Officer(const std::string& agency) {
  OfficerCalls officer(system_, routing_port_, agency);
  long long round = 0;
  auto record = [&](const std::string& complaint_id, const std::string& action) {
    ledger_.Add(AcknowledgedOfficerAction{.complaint_id = complaint_id,
                                          .agency = agency,
                                          .action = action,
                                          .acknowledged_at = system_.Now()});
    ++officer_actions_;
  };
  using Stub = sambat::v1::OfficerService::Stub;
  while (!stop_) {
    absl::SleepFor(options_.officer_pause);
    ++round;
    sambat::v1::ListQueueRequest query;
    query.add_states(sambat::v1::CASE_STATE_ROUTED);
    query.set_page_size(20);
    sambat::v1::ListQueueResponse page;
    if (!officer.Call(&Stub::ListQueue, query, &page).ok()) {
      ++officer_failures_;
      continue;
    }
    if (page.cases().empty()) continue;
    const std::string id = page.cases(static_cast<int>(round % page.cases_size())).complaint_id();
    sambat::v1::Case c;
    // A refused claim (another officer, or a retry of one that committed) is not an error here;
    // only acknowledged actions are recorded, and the checker reads what the tables say.
    sambat::v1::ClaimRequest claim;
    claim.set_complaint_id(id);
    const grpc::Status claimed = officer.Call(&Stub::Claim, claim, &c);
    if (!claimed.ok()) {
      if (claimed.error_code() == grpc::StatusCode::UNAVAILABLE ||
          claimed.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        ++officer_failures_;
      }
      continue;
    }
    record(id, "claim");
    sambat::v1::RespondRequest respond;
    respond.set_complaint_id(id);
    respond.set_message("Laporan diterima, petugas kami menuju lokasi.");
    if (!officer.Call(&Stub::Respond, respond, &c).ok()) {
      ++officer_failures_;
      continue;
    }
    record(id, "respond");
    if (round % 2 == 0) {
      sambat::v1::ResolveRequest resolve;
      resolve.set_complaint_id(id);
      resolve.set_note("Sudah ditangani dan dicek di lokasi.");
      if (officer.Call(&Stub::Resolve, resolve, &c).ok()) {
        record(id, "resolve");
      } else {
        ++officer_failures_;
      }
    }
  }
}

void LoadGenerator::ClockMover() {
  absl::Time next = absl::Now() + options_.clock_every;
  while (!stop_) {
    if (absl::Now() < next) {
      absl::SleepFor(absl::Milliseconds(50));
      continue;
    }
    next += options_.clock_every;
    // Straight to the file: System::AdvanceClock asserts with Catch2, which is not thread-safe.
    if (WriteClockFile(system_.dir() + "/clock", system_.Now() + options_.clock_step).ok()) {
      ++clock_steps_;
    }
  }
}

}  // namespace skk::faults
