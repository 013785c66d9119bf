// intake_bench: a closed-loop load generator for the intake service.
//
// Keeps --concurrency complaint submissions outstanding against a running intake service for
// --warmup (not counted) and then --duration (counted), with the gRPC callback client API, and
// prints the throughput and the latency percentiles of what completed in the counted window.
//
// With --photos=N each complaint first uploads N photos of its own (UploadMedia; a photo can
// belong to one complaint only) and then submits; the unit measured is then "upload N photos
// and submit", and the uploads and the submission are also reported on their own. The photos
// are distinct 1024x768 JPEGs of about 250 KB, spliced in memory from two pictures libvips
// encoded at start (see PhotoMaker), so making one costs the bench a copy, not an encoding.
//
// The service must not rate-limit the bench: start intake with --reporter_limit=0
// --device_limit=0 (or limits far above what the run sends). Every submission is a new
// complaint that intake commits durably before answering; a run leaves its complaints in the
// database (use a scratch stack: docs/performance.md).
//
// Output: one "name value" line per figure, then one SUMMARY line. Exit code 0, or 1 when more
// than --max_error_ratio of the counted calls failed (or a submission came back a duplicate),
// 2 when the target cannot be reached or a flag is wrong.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <vips/vips.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "sambat/v1/config.pb.h"
#include "sambat/v1/intake.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "intake's gRPC address");
ABSL_FLAG(int, concurrency, 64, "calls kept outstanding (closed loop: each slot sends its next "
                                "complaint when the previous one is answered); with --rate, "
                                "the most calls outstanding at once");
ABSL_FLAG(double, rate, 0, "open loop: complaints offered per second at fixed intervals, each "
                           "timed from when it was due, so a slow answer delays the next only "
                           "when all --concurrency slots are busy, and counts that wait "
                           "(0: closed loop)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(20), "counted measurement window");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(3), "load before the window, not counted");
ABSL_FLAG(int, photos, 0, "photos per complaint (0: text only; at most 5), each uploaded "
                          "fresh with UploadMedia before the submission");
ABSL_FLAG(int, reporters, 1000, "distinct reporter phone numbers (and device ids) to rotate "
                                "through, 1 to 10000");
ABSL_FLAG(int, channels, 4, "gRPC channels (TCP connections) the slots are spread over");
ABSL_FLAG(int, photo_quality, 92, "JPEG quality of the uploaded photos");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(30), "deadline of each call");
ABSL_FLAG(double, max_error_ratio, 0.001, "exit 1 above this share of failed counted calls");
ABSL_FLAG(std::string, city, "", "a CityConfig text file (deploy/config/kota-malang.textproto) "
                                 "to take categories and bounds from; default: Kota Malang's, "
                                 "built in");
ABSL_FLAG(std::string, label, "", "free text repeated on the SUMMARY line");

namespace {

using Clock = std::chrono::steady_clock;
using sambat::v1::IntakeService;
using sambat::v1::SubmitComplaintRequest;
using sambat::v1::SubmitComplaintResponse;
using sambat::v1::UploadMediaRequest;
using sambat::v1::UploadMediaResponse;

// The city's shipped configuration (deploy/config/kota-malang.textproto), for when --city is
// not given.
struct City {
  std::vector<std::string> categories = {
      "jalan-rusak", "drainase-banjir", "pohon-tumbang", "sampah", "penerangan-jalan-umum",
      "lalu-lintas", "parkir-liar", "adminduk", "kesehatan", "pendidikan", "bansos",
      "perizinan", "ketertiban-umum", "bencana", "keamanan", "lainnya"};
  double min_lat = -8.06, max_lat = -7.88, min_lon = 112.56, max_lon = 112.72;
};

City LoadCity(const std::string& path) {
  City city;
  if (path.empty()) return city;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  sambat::v1::CityConfig config;
  if (!in || !google::protobuf::TextFormat::ParseFromString(text.str(), &config)) {
    std::fprintf(stderr, "intake_bench: cannot read --city=%s\n", path.c_str());
    std::exit(2);
  }
  city.categories.clear();
  for (const auto& c : config.categories()) city.categories.push_back(c.code());
  if (city.categories.empty()) {
    std::fprintf(stderr, "intake_bench: --city=%s has no categories\n", path.c_str());
    std::exit(2);
  }
  const auto& b = config.bounds();
  // Stay a little inside the bounds: a point on the edge is not what is measured.
  const double dlat = (b.max_latitude() - b.min_latitude()) * 0.01;
  const double dlon = (b.max_longitude() - b.min_longitude()) * 0.01;
  city.min_lat = b.min_latitude() + dlat;
  city.max_lat = b.max_latitude() - dlat;
  city.min_lon = b.min_longitude() + dlon;
  city.max_lon = b.max_longitude() - dlon;
  return city;
}

const char* const kStreets[] = {"Jl. Ijen", "Jl. Kawi", "Jl. Semeru", "Jl. Soekarno-Hatta",
                                "Jl. Veteran", "Jl. Basuki Rahmat", "Jl. Letjen Sutoyo",
                                "Jl. Gajayana", "Jl. Sulfat", "Jl. Mayjen Panjaitan"};
const char* const kWhat[] = {
    "Jalan berlubang cukup dalam dan membahayakan pengendara sepeda motor, terutama malam hari.",
    "Saluran air tersumbat sampah sehingga air meluap ke jalan setiap kali hujan deras.",
    "Lampu penerangan jalan mati sejak seminggu, kawasan menjadi gelap dan rawan.",
    "Tumpukan sampah tidak diangkut selama beberapa hari dan mulai menimbulkan bau.",
    "Kendaraan parkir di bahu jalan sehingga terjadi kemacetan pada jam sibuk.",
    "Pohon besar condong ke arah jalan dan dikhawatirkan tumbang saat angin kencang."};

// ---------------------------------------------------------------------------------------------
// Photos: distinct 1024x768 JPEGs of about 250 KB, made in memory.
//
// The service stores a photo by the hash of its re-encoding, and a photo can belong to one
// complaint only, so every upload must have pixels of its own. Encoding a fresh JPEG per photo
// would cost the bench ~10 ms of CPU each, taken from the machine it measures. Instead two
// different pictures, A and B, are encoded once with the same tables and a restart marker
// every few MCUs; a restart interval is entropy-coded on its own, so any mix of A's and B's
// intervals is a valid JPEG. Photo i takes interval k from B when bit k of i is set: with more
// than 48 intervals that is 2^48 distinct photos, each made with one copy.

constexpr int kPhotoWidth = 1024;
constexpr int kPhotoHeight = 768;

// A street-photo-like picture: smooth gradients, blocks, and some texture (noise).
std::vector<unsigned char> MakePicture(uint64_t seed) {
  std::vector<unsigned char> px(static_cast<size_t>(kPhotoWidth) * kPhotoHeight * 3);
  uint64_t s = 0x9E3779B97F4A7C15ull ^ (seed * 0xBF58476D1CE4E5B9ull);
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  const int shift = static_cast<int>(seed % 97) * 5;
  for (int y = 0; y < kPhotoHeight; ++y) {
    for (int x = 0; x < kPhotoWidth; ++x) {
      const uint64_t r = next();
      unsigned char* p = &px[(static_cast<size_t>(y) * kPhotoWidth + x) * 3];
      const int n0 = static_cast<int>(r & 15) - 8, n1 = static_cast<int>((r >> 8) & 15) - 8,
                n2 = static_cast<int>((r >> 16) & 15) - 8;
      const int base_r = 90 + ((x + shift) % kPhotoWidth) * 120 / kPhotoWidth;
      const int base_g = 70 + y * 110 / kPhotoHeight + ((x / 64 + y / 48 + shift) % 2) * 20;
      const int base_b = 60 + ((x + y + shift) % 256) / 3;
      p[0] = static_cast<unsigned char>(std::clamp(base_r + n0, 0, 255));
      p[1] = static_cast<unsigned char>(std::clamp(base_g + n1, 0, 255));
      p[2] = static_cast<unsigned char>(std::clamp(base_b + n2, 0, 255));
    }
  }
  return px;
}

std::string EncodeJpeg(std::vector<unsigned char>& px, int quality, int restart_interval) {
  VipsImage* image = vips_image_new_from_memory(px.data(), px.size(), kPhotoWidth,
                                                kPhotoHeight, 3, VIPS_FORMAT_UCHAR);
  if (image == nullptr) {
    std::fprintf(stderr, "intake_bench: libvips: %s\n", vips_error_buffer());
    std::exit(2);
  }
  void* out = nullptr;
  size_t length = 0;
  const int rc = vips_jpegsave_buffer(image, &out, &length, "Q", quality, "restart_interval",
                                      restart_interval, "optimize_coding", FALSE, nullptr);
  g_object_unref(image);
  if (rc != 0) {
    std::fprintf(stderr, "intake_bench: libvips jpegsave: %s\n", vips_error_buffer());
    std::exit(2);
  }
  std::string jpeg(static_cast<const char*>(out), length);
  g_free(out);
  return jpeg;
}

// A baseline JPEG cut at its restart markers: the headers up to the end of the SOS header,
// then each interval's entropy-coded bytes followed by its marker (RSTn, or EOI for the last).
struct CutJpeg {
  std::string head;
  std::vector<std::string> intervals;
};

bool Cut(const std::string& jpeg, CutJpeg* cut) {
  const auto* b = reinterpret_cast<const unsigned char*>(jpeg.data());
  const size_t n = jpeg.size();
  size_t i = 2;  // after SOI
  while (i + 4 <= n) {
    if (b[i] != 0xFF) return false;
    const unsigned char marker = b[i + 1];
    const size_t length = (static_cast<size_t>(b[i + 2]) << 8) | b[i + 3];
    i += 2 + length;
    if (marker == 0xDA) break;  // SOS: entropy-coded data follows
  }
  if (i >= n) return false;
  cut->head = jpeg.substr(0, i);
  size_t begin = i;
  for (size_t j = i; j + 1 < n; ++j) {
    if (b[j] != 0xFF) continue;
    const unsigned char m = b[j + 1];
    if (m == 0x00) continue;  // a stuffed 0xFF byte
    if ((m >= 0xD0 && m <= 0xD7) || m == 0xD9) {
      cut->intervals.push_back(jpeg.substr(begin, j + 2 - begin));
      if (m == 0xD9) return true;
      begin = j + 2;
      ++j;
    }
  }
  return false;
}

class PhotoMaker {
 public:
  PhotoMaker(int quality, uint64_t run_salt) : salt_(run_salt & ((1ull << 40) - 1)) {
    auto a = MakePicture(1), b = MakePicture(2);
    const std::string ja = EncodeJpeg(a, quality, 16), jb = EncodeJpeg(b, quality, 16);
    if (!Cut(ja, &a_) || !Cut(jb, &b_) || a_.head != b_.head ||
        a_.intervals.size() != b_.intervals.size() || a_.intervals.size() < 48) {
      std::fprintf(stderr, "intake_bench: cannot splice this libvips' JPEGs\n");
      std::exit(2);
    }
  }

  // Photo number `index` of this run: distinct from every other index and (through the salt)
  // from other runs' photos.
  std::string Make(uint64_t index) const {
    const uint64_t bits = (salt_ << 20) + index;
    std::string out = a_.head;
    out.reserve(a_.head.size() + 300 * 1024);
    for (size_t k = 0; k < a_.intervals.size(); ++k) {
      const bool from_b = k < 64 && ((bits >> k) & 1);
      out += from_b ? b_.intervals[k] : a_.intervals[k];
    }
    return out;
  }

 private:
  const uint64_t salt_;
  CutJpeg a_, b_;
};

// ---------------------------------------------------------------------------------------------
// Measurement.

struct Window {
  Clock::time_point start;  // end of the warm-up
  Clock::time_point end;
  bool Counts(Clock::time_point done) const { return done >= start && done < end; }
};

// What one slot saw in the counted window. A slot has one call chain in flight at a time, so
// its callbacks never run concurrently and need no lock.
struct SlotStats {
  std::vector<int64_t> unit_ns;     // whole unit: uploads (if any) + submission
  std::vector<int64_t> submit_ns;   // the SubmitComplaint call alone
  std::vector<int64_t> upload_ns;   // each UploadMedia call
  std::map<int, uint64_t> errors;   // by grpc::StatusCode, of counted calls
  std::map<std::string, std::string> error_examples;  // first message per code
  uint64_t duplicates = 0;          // submissions answered duplicate=true (must not happen)
  uint64_t uploads_already_stored = 0;
  uint64_t uploaded_bytes = 0;
  uint64_t calls_total = 0;         // including warm-up and drain
};

class Bench;

// Uploads one photo: a header message, then the bytes in chunks of at most 1 MiB.
class Upload final : public grpc::ClientWriteReactor<UploadMediaRequest> {
 public:
  using Done = std::function<void(const grpc::Status&, const UploadMediaResponse&)>;
  Upload(IntakeService::Stub* stub, std::string bytes, absl::Duration timeout, Done done)
      : bytes_(std::move(bytes)), done_(std::move(done)) {
    context_.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
    stub->async()->UploadMedia(&context_, &response_, this);
    header_.mutable_header()->set_declared_type("image/jpeg");
    header_.mutable_header()->set_size_bytes(static_cast<int64_t>(bytes_.size()));
    StartWrite(&header_);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (!ok || offset_ >= bytes_.size()) return;  // OnDone follows with the status
    constexpr size_t kChunk = 1 << 20;
    const size_t n = std::min(kChunk, bytes_.size() - offset_);
    chunk_.set_chunk(bytes_.substr(offset_, n));
    offset_ += n;
    if (offset_ >= bytes_.size()) {
      StartWriteLast(&chunk_, grpc::WriteOptions());
    } else {
      StartWrite(&chunk_);
    }
  }

  void OnDone(const grpc::Status& status) override {
    done_(status, response_);
    delete this;
  }

 private:
  grpc::ClientContext context_;
  UploadMediaResponse response_;
  UploadMediaRequest header_;
  UploadMediaRequest chunk_;
  std::string bytes_;
  size_t offset_ = 0;
  Done done_;
};

class Bench {
 public:
  struct Options {
    int concurrency;
    double rate;  // 0: closed loop
    int photos;
    int reporters;
    absl::Duration rpc_timeout;
  };

  Bench(Options options, City city, std::vector<std::unique_ptr<IntakeService::Stub>> stubs,
        const PhotoMaker* photos)
      : options_(options), city_(std::move(city)), stubs_(std::move(stubs)), photos_(photos),
        slots_(static_cast<size_t>(options.concurrency)) {
    std::random_device rd;
    run_id_ = absl::StrFormat("%08x%04x", rd(), static_cast<unsigned>(getpid()) & 0xffff);
    for (int i = 0; i < options_.concurrency; ++i) {
      slots_[i].id = i;
      slots_[i].rng.seed((static_cast<uint64_t>(rd()) << 32) ^ static_cast<uint64_t>(i));
    }
  }

  // Runs the warm-up and the window, then waits for the calls in flight to finish.
  void Run(absl::Duration warmup, absl::Duration duration) {
    const Clock::time_point now = Clock::now();
    window_.start = now + absl::ToChronoNanoseconds(warmup);
    window_.end = window_.start + absl::ToChronoNanoseconds(duration);
    active_ = options_.concurrency;
    std::thread pacer;
    if (options_.rate > 0) pacer = std::thread([this, now] { Pace(now); });
    for (Slot& s : slots_) Next(s);
    std::this_thread::sleep_until(window_.end);
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    idle_changed_.notify_all();
    if (pacer.joinable()) pacer.join();
    std::unique_lock lock(mu_);
    drained_.wait(lock, [this] { return active_ == 0; });
  }

  std::string run_id() const { return run_id_; }
  const Window& window() const { return window_; }
  SlotStats Merged() const {
    SlotStats all;
    for (const Slot& s : slots_) {
      const SlotStats& st = s.stats;
      all.unit_ns.insert(all.unit_ns.end(), st.unit_ns.begin(), st.unit_ns.end());
      all.submit_ns.insert(all.submit_ns.end(), st.submit_ns.begin(), st.submit_ns.end());
      all.upload_ns.insert(all.upload_ns.end(), st.upload_ns.begin(), st.upload_ns.end());
      for (const auto& [code, n] : st.errors) all.errors[code] += n;
      for (const auto& [code, m] : st.error_examples) all.error_examples.emplace(code, m);
      all.duplicates += st.duplicates;
      all.uploads_already_stored += st.uploads_already_stored;
      all.uploaded_bytes += st.uploaded_bytes;
      all.calls_total += st.calls_total;
    }
    return all;
  }

 private:
  struct Slot {
    int id = 0;
    uint64_t seq = 0;
    std::mt19937_64 rng;
    SlotStats stats;
    // The unit in progress.
    Clock::time_point unit_start;
    std::vector<std::string> media_ids;
  };

  // A submission in flight.
  struct Call {
    grpc::ClientContext context;
    SubmitComplaintRequest request;
    SubmitComplaintResponse response;
    Clock::time_point start;
  };

  IntakeService::Stub* StubFor(const Slot& s) { return stubs_[s.id % stubs_.size()].get(); }

  void Error(Slot& s, const grpc::Status& status, Clock::time_point done) {
    if (!window_.Counts(done)) return;
    ++s.stats.errors[status.error_code()];
    const std::string code = absl::StrCat(status.error_code());
    if (!s.stats.error_examples.count(code)) {
      s.stats.error_examples[code] = status.error_message();
    }
  }

  // Starts the slot's next unit (open loop: hands the slot to the pacer), or retires the slot
  // once the window is over.
  void Next(Slot& s) {
    if (options_.rate > 0) {
      std::lock_guard lock(mu_);
      if (stop_) {
        if (--active_ == 0) drained_.notify_all();
        return;
      }
      idle_.push_back(&s);
      idle_changed_.notify_one();
      return;
    }
    if (stop_.load(std::memory_order_relaxed)) {
      std::lock_guard lock(mu_);
      if (--active_ == 0) drained_.notify_all();
      return;
    }
    Start(s, Clock::now());
  }

  // Open loop: starts a unit on an idle slot every 1/rate seconds, timed from when it was due.
  // With no slot idle at its time, the unit waits for one, and the wait is in its latency.
  void Pace(Clock::time_point first) {
    const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / options_.rate));
    for (Clock::time_point due = first;; due += interval) {
      std::this_thread::sleep_until(due);
      Slot* s = nullptr;
      {
        std::unique_lock lock(mu_);
        idle_changed_.wait(lock, [this] { return !idle_.empty() || stop_; });
        if (stop_) {
          active_ -= static_cast<int>(idle_.size());
          idle_.clear();
          if (active_ == 0) drained_.notify_all();
          return;
        }
        s = idle_.front();
        idle_.pop_front();
      }
      Start(*s, due);
    }
  }

  void Start(Slot& s, Clock::time_point due) {
    s.unit_start = due;
    s.media_ids.clear();
    if (options_.photos > 0) {
      UploadNext(s);
    } else {
      Submit(s);
    }
  }

  void UploadNext(Slot& s) {
    const Clock::time_point start = Clock::now();
    std::string photo = photos_->Make(photo_index_++);
    const size_t size = photo.size();
    ++s.stats.calls_total;
    new Upload(StubFor(s), std::move(photo), options_.rpc_timeout,
               [this, &s, start, size](const grpc::Status& status,
                                       const UploadMediaResponse& response) {
                 const Clock::time_point done = Clock::now();
                 if (!status.ok()) {
                   Error(s, status, done);
                   Next(s);  // the unit failed; start a new one
                   return;
                 }
                 if (window_.Counts(done)) {
                   s.stats.upload_ns.push_back((done - start).count());
                   s.stats.uploaded_bytes += size;
                   if (response.already_stored()) ++s.stats.uploads_already_stored;
                 }
                 s.media_ids.push_back(response.media_id());
                 if (static_cast<int>(s.media_ids.size()) < options_.photos) {
                   UploadNext(s);
                 } else {
                   Submit(s);
                 }
               });
  }

  void Fill(Slot& s, SubmitComplaintRequest& r) {
    const uint64_t n = s.seq++;
    std::uniform_real_distribution<double> lat(city_.min_lat, city_.max_lat);
    std::uniform_real_distribution<double> lon(city_.min_lon, city_.max_lon);
    const uint64_t pick = s.rng();
    const int reporter =
        static_cast<int>((static_cast<uint64_t>(s.id) * 7919 + n) % options_.reporters);
    r.set_category(city_.categories[pick % city_.categories.size()]);
    r.set_description(absl::StrCat(kWhat[(pick >> 8) % std::size(kWhat)],
                                   " Sudah dilaporkan ke RT setempat namun belum ada tindakan. "
                                   "Mohon segera ditangani. (bench ", run_id_, " ", s.id, "/", n,
                                   ")"));
    r.mutable_location()->set_latitude(lat(s.rng));
    r.mutable_location()->set_longitude(lon(s.rng));
    r.set_address(absl::StrCat(kStreets[(pick >> 16) % std::size(kStreets)], " No. ",
                               1 + (pick >> 24) % 200, ", Kota Malang"));
    r.set_idempotency_key(absl::StrCat("bench-", run_id_, "-", s.id, "-", n));
    for (const std::string& id : s.media_ids) r.add_media_ids(id);
    auto* who = r.mutable_reporter();
    who->set_name(absl::StrCat("Warga Uji ", reporter));
    who->set_phone(absl::StrFormat("08123456%04d", reporter));
    r.set_channel(sambat::v1::CHANNEL_APP);
    r.set_device_id(absl::StrCat("bench-device-", reporter));
  }

  void Submit(Slot& s) {
    auto* call = new Call;
    Fill(s, call->request);
    call->context.set_deadline(std::chrono::system_clock::now() +
                               absl::ToChronoMilliseconds(options_.rpc_timeout));
    ++s.stats.calls_total;
    call->start = Clock::now();
    StubFor(s)->async()->SubmitComplaint(
        &call->context, &call->request, &call->response, [this, &s, call](grpc::Status status) {
          const Clock::time_point done = Clock::now();
          if (!status.ok()) {
            Error(s, status, done);
          } else if (window_.Counts(done)) {
            s.stats.submit_ns.push_back((done - call->start).count());
            s.stats.unit_ns.push_back((done - s.unit_start).count());
            if (call->response.duplicate()) ++s.stats.duplicates;
          }
          delete call;
          Next(s);
        });
  }

  const Options options_;
  const City city_;
  std::vector<std::unique_ptr<IntakeService::Stub>> stubs_;
  const PhotoMaker* photos_;
  std::atomic<uint64_t> photo_index_{0};
  std::vector<Slot> slots_;
  std::string run_id_;
  Window window_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable drained_;
  int active_ = 0;  // guarded by mu_
  std::deque<Slot*> idle_;  // open loop: slots waiting for the pacer; guarded by mu_
  std::condition_variable idle_changed_;
};

// Nearest-rank percentile of sorted samples, in milliseconds.
double PercentileMs(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1e6;
}

struct Figures {
  double p50, p90, p99, p999, max, mean;
};

Figures Summarize(std::vector<int64_t>& ns) {
  std::sort(ns.begin(), ns.end());
  Figures f{PercentileMs(ns, 50), PercentileMs(ns, 90), PercentileMs(ns, 99),
            PercentileMs(ns, 99.9), ns.empty() ? 0 : static_cast<double>(ns.back()) / 1e6, 0};
  double sum = 0;
  for (int64_t v : ns) sum += static_cast<double>(v);
  f.mean = ns.empty() ? 0 : sum / static_cast<double>(ns.size()) / 1e6;
  return f;
}

void PrintLatency(const std::string& what, Figures f) {
  std::printf("%s_ms_p50 %.3f\n", what.c_str(), f.p50);
  std::printf("%s_ms_p90 %.3f\n", what.c_str(), f.p90);
  std::printf("%s_ms_p99 %.3f\n", what.c_str(), f.p99);
  std::printf("%s_ms_p99.9 %.3f\n", what.c_str(), f.p999);
  std::printf("%s_ms_max %.3f\n", what.c_str(), f.max);
  std::printf("%s_ms_mean %.3f\n", what.c_str(), f.mean);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Submits complaints to a running intake service at a fixed concurrency for a fixed time "
      "and prints throughput and latency percentiles. Start intake with --reporter_limit=0 "
      "--device_limit=0. See docs/performance.md.");
  absl::ParseCommandLine(argc, argv);
  if (VIPS_INIT(argv[0]) != 0) {
    std::fprintf(stderr, "intake_bench: cannot initialise libvips\n");
    return 2;
  }
  const std::string target = absl::GetFlag(FLAGS_target);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const int photos = absl::GetFlag(FLAGS_photos);
  const int reporters = absl::GetFlag(FLAGS_reporters);
  const int channels = absl::GetFlag(FLAGS_channels);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  if (concurrency < 1 || photos < 0 || photos > 5 || reporters < 1 || reporters > 10000 ||
      channels < 1 || duration <= absl::ZeroDuration() || warmup < absl::ZeroDuration() ||
      !(absl::GetFlag(FLAGS_rate) >= 0)) {
    std::fprintf(stderr, "intake_bench: need --concurrency>=1, 0<=--photos<=5, "
                         "1<=--reporters<=10000, --channels>=1, --duration>0, --warmup>=0, "
                         "--rate>=0\n");
    return 2;
  }
  const City city = LoadCity(absl::GetFlag(FLAGS_city));

  std::vector<std::unique_ptr<IntakeService::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    // A channel of its own (not a shared subchannel): one TCP connection per channel.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("skk.intake_bench.channel", i);
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::fprintf(stderr, "intake_bench: cannot connect to %s\n", target.c_str());
      return 2;
    }
    stubs.push_back(IntakeService::NewStub(channel));
  }

  std::unique_ptr<PhotoMaker> maker;
  if (photos > 0) {
    std::random_device rd;
    maker = std::make_unique<PhotoMaker>(absl::GetFlag(FLAGS_photo_quality),
                                         (static_cast<uint64_t>(rd()) << 32) | rd());
  }

  const double rate = absl::GetFlag(FLAGS_rate);
  Bench bench({.concurrency = concurrency, .rate = rate, .photos = photos, .reporters = reporters,
               .rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout)},
              city, std::move(stubs), maker.get());
  const double cpu0 = CpuSeconds();
  bench.Run(warmup, duration);
  const double cpu = CpuSeconds() - cpu0;

  SlotStats all = bench.Merged();
  const double window_s = absl::ToDoubleSeconds(duration);
  const uint64_t ok = all.unit_ns.size();
  uint64_t errors = 0;
  for (const auto& [code, n] : all.errors) errors += n;
  const double throughput = static_cast<double>(ok) / window_s;
  const std::string mode = photos > 0 ? absl::StrCat("photos", photos) : "text";

  std::printf("mode %s\n", mode.c_str());
  std::printf("target %s\n", target.c_str());
  std::printf("concurrency %d\n", concurrency);
  if (rate > 0) std::printf("offered_per_s %.1f\n", rate);
  std::printf("channels %d\n", channels);
  std::printf("warmup_s %.1f\n", absl::ToDoubleSeconds(warmup));
  std::printf("window_s %.1f\n", window_s);
  std::printf("run_id %s\n", bench.run_id().c_str());
  std::printf("requests_ok %" PRIu64 "\n", ok);
  std::printf("errors %" PRIu64 "\n", errors);
  for (const auto& [code, n] : all.errors) {
    std::printf("errors_code_%d %" PRIu64 "\n", code, n);
  }
  for (const auto& [code, message] : all.error_examples) {
    std::fprintf(stderr, "intake_bench: example of error %s: %s\n", code.c_str(),
                 message.c_str());
  }
  std::printf("duplicates %" PRIu64 "\n", all.duplicates);
  std::printf("throughput_per_s %.1f\n", throughput);
  const Figures unit = Summarize(all.unit_ns);
  PrintLatency("latency", unit);
  Figures submit{}, upload{};
  if (photos > 0) {
    submit = Summarize(all.submit_ns);
    upload = Summarize(all.upload_ns);
    PrintLatency("submit", submit);
    PrintLatency("upload", upload);
    std::printf("photos_uploaded %zu\n", all.upload_ns.size());
    std::printf("photos_per_s %.1f\n", static_cast<double>(all.upload_ns.size()) / window_s);
    std::printf("photo_kb_avg %.1f\n",
                all.upload_ns.empty() ? 0.0
                                      : static_cast<double>(all.uploaded_bytes) / 1024.0 /
                                            static_cast<double>(all.upload_ns.size()));
    std::printf("photos_already_stored %" PRIu64 "\n", all.uploads_already_stored);
  }
  // The load generator shares the machine with what it measures: say what it took.
  std::printf("client_cpu_s %.2f\n", cpu);
  std::printf("client_cpu_us_per_request %.1f\n",
              all.calls_total == 0 ? 0.0 : cpu * 1e6 / static_cast<double>(all.calls_total));

  const double error_ratio =
      ok + errors == 0 ? 1.0 : static_cast<double>(errors) / static_cast<double>(ok + errors);
  const bool failed = ok == 0 || error_ratio > absl::GetFlag(FLAGS_max_error_ratio) ||
                      all.duplicates > 0;
  std::string summary = absl::StrFormat(
      "SUMMARY mode=%s c=%d ok=%d err=%d rps=%.1f p50=%.2fms p90=%.2fms p99=%.2fms "
      "p99.9=%.2fms max=%.2fms",
      mode, concurrency, ok, errors, throughput, unit.p50, unit.p90, unit.p99, unit.p999,
      unit.max);
  if (photos > 0) {
    absl::StrAppendFormat(&summary, " submit_p50=%.2fms submit_p99=%.2fms upload_p50=%.2fms "
                          "upload_p99=%.2fms", submit.p50, submit.p99, upload.p50, upload.p99);
  }
  const std::string label = absl::GetFlag(FLAGS_label);
  if (!label.empty()) absl::StrAppend(&summary, " label=", label);
  absl::StrAppend(&summary, failed ? " FAILED" : " OK");
  std::printf("%s\n", summary.c_str());
  std::fflush(stdout);
  if (failed) {
    std::fprintf(stderr, "intake_bench: %.3f%% of the counted calls failed (allowed %.3f%%)%s\n",
                 error_ratio * 100, absl::GetFlag(FLAGS_max_error_ratio) * 100,
                 all.duplicates > 0 ? "; some submissions came back as duplicates" : "");
    return 1;
  }
  return 0;
}
