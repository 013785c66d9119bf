// notification_bench: notifications per second through the SMTP and HTTP gateway channels
// (services/notification/channels.h, libcurl) to local receivers: the test suite's aiosmtpd
// server and gateway receiver (tests/support/*.py), started here as child processes. Prints
// throughput and latency per channel. Measures the wire only: the PostgreSQL and RabbitMQ
// steps around each send are measured by the platform's own figures (docs/performance.md).
//
//   notification_bench --messages 2000 --threads 4

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/notification/channels.h"
#include "services/platform/ids.h"

ABSL_FLAG(int, messages, 2000, "messages per channel");
ABSL_FLAG(int, threads, 4, "sending threads per channel (each with its own connection)");
ABSL_FLAG(std::string, python, "/usr/bin/python3", "python with aiosmtpd");

namespace {

struct Receiver {
  pid_t pid = -1;
  int port = 0;
};

Receiver Start(const std::string& script, const std::string& dir) {
  Receiver r;
  const std::string ready = dir + "/ready";
  std::vector<std::string> args = {absl::GetFlag(FLAGS_python),
                                   absl::StrCat(SKK_SOURCE_DIR, "/tests/support/", script),
                                   "--ready_file=" + ready, "--out=" + dir + "/out.jsonl"};
  r.pid = ::fork();
  if (r.pid == 0) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  for (int i = 0; i < 1000 && r.port == 0; ++i) {
    std::ifstream in(ready);
    if (!(in >> r.port)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return r;
}

struct Result {
  double per_second = 0;
  absl::Duration p50, p99;
  int failed = 0;
};

template <class MakeSender>
Result Run(MakeSender make_sender) {
  const int total = absl::GetFlag(FLAGS_messages);
  const int threads = absl::GetFlag(FLAGS_threads);
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::vector<absl::Duration>> latencies(threads);
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto sender = make_sender();
      for (int i = next++; i < total; i = next++) {
        skk::notification::OutgoingMessage m{
            skk::NewUuid(), "SKK-2026-000001", "Humas DPUPRPKP",
            "humas.dpuprpkp@malangkota.go.id",
            "[SKK-2026-000001] Pengaduan baru: jalan-rusak",
            "Pengaduan SKK-2026-000001 (kategori jalan-rusak) diteruskan ke DPUPRPKP. Mohon "
            "segera ditindaklanjuti melalui antrean Sambat."};
        const absl::Time at = absl::Now();
        const auto r = sender->Send(m);
        latencies[t].push_back(absl::Now() - at);
        if (r.outcome != skk::notification::SendOutcome::kSent) ++failed;
      }
    });
  }
  for (auto& w : workers) w.join();
  const absl::Duration elapsed = absl::Now() - start;
  std::vector<absl::Duration> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Result out;
  out.per_second = total / absl::ToDoubleSeconds(elapsed);
  out.p50 = all[all.size() / 2];
  out.p99 = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  out.failed = failed;
  return out;
}

void Print(const char* channel, const Result& r) {
  std::printf("%-8s %6d messages, %2d threads: %8.1f msg/s  p50 %6.1f ms  p99 %6.1f ms  failed %d\n",
              channel, absl::GetFlag(FLAGS_messages), absl::GetFlag(FLAGS_threads),
              r.per_second, absl::ToDoubleMilliseconds(r.p50), absl::ToDoubleMilliseconds(r.p99),
              r.failed);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  skk::notification::InitCurl();
  char smtp_dir[] = "/tmp/skk-bench-smtp-XXXXXX";
  char http_dir[] = "/tmp/skk-bench-http-XXXXXX";
  const Receiver smtp = Start("fake_smtp.py", ::mkdtemp(smtp_dir));
  const Receiver http = Start("fake_gateway.py", ::mkdtemp(http_dir));
  if (smtp.port == 0 || http.port == 0) {
    std::fprintf(stderr, "receivers did not start (is python3-aiosmtpd installed?)\n");
    return 1;
  }
  skk::notification::SmtpOptions smtp_options{
      .url = absl::StrCat("smtp://127.0.0.1:", smtp.port),
      .from = "Sambat Kota Malang <sambat@malangkota.go.id>"};
  Print("email", Run([&] { return skk::notification::MakeSmtpSender(smtp_options); }));
  skk::notification::GatewayOptions sms_options;
  sms_options.url = absl::StrCat("http://127.0.0.1:", http.port, "/sms");
  Print("sms", Run([&] { return skk::notification::MakeGatewaySender(sms_options); }));
  for (const Receiver& r : {smtp, http}) {
    ::kill(r.pid, SIGTERM);
    ::waitpid(r.pid, nullptr, 0);
  }
  std::string cleanup = absl::StrCat("rm -rf ", smtp_dir, " ", http_dir);
  return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
