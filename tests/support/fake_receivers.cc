#include "tests/support/fake_receivers.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace skk::testing {

FakeReceiver::FakeReceiver(const std::string& script, const std::vector<std::string>& extra_args) {
  const std::string ready = dir_.File("ready");
  std::vector<std::string> args = {"/usr/bin/python3", SourcePath("tests/support/" + script),
                                   "--ready_file=" + ready, "--out=" + dir_.File("out.jsonl")};
  if (script == "fake_gateway.py" || script == "fake_partner.py") {
    args.push_back("--control=" + dir_.File("control"));
  }
  if (script == "fake_partner.py") args.push_back("--statuses=" + dir_.File("statuses.json"));
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    // Dies with the test, even one that aborts: no receiver outlives it holding its output.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < give_up) {
    std::ifstream in(ready);
    if (in >> port_ && port_ > 0) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL(script << " exited during start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL(script << " did not start within 20 s");
}

FakeReceiver::~FakeReceiver() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::vector<google::protobuf::Struct> FakeReceiver::Records() const {
  std::vector<google::protobuf::Struct> out;
  std::ifstream in(dir_.File("out.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    google::protobuf::Struct record;
    // A line being written as we read is incomplete: it is read next time.
    if (!google::protobuf::util::JsonStringToMessage(line, &record).ok()) break;
    out.push_back(std::move(record));
  }
  return out;
}

void FakeReceiver::Control(const std::vector<std::string>& lines, const std::string& name) const {
  const std::string tmp = dir_.File(name + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const std::string& l : lines) out << l << "\n";
  }
  REQUIRE(std::rename(tmp.c_str(), dir_.File(name).c_str()) == 0);
}

void FakeReceiver::SetStatuses(const std::string& json) const {
  const std::string tmp = dir_.File("statuses.json.tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json;
  }
  REQUIRE(std::rename(tmp.c_str(), dir_.File("statuses.json").c_str()) == 0);
}

std::string Field(const google::protobuf::Struct& record, const std::string& name) {
  auto it = record.fields().find(name);
  if (it == record.fields().end()) return "";
  const auto& v = it->second;
  if (v.has_string_value()) return v.string_value();
  if (v.has_list_value() && v.list_value().values_size() > 0) {
    return v.list_value().values(0).string_value();
  }
  if (v.has_struct_value()) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(v.struct_value(), &json);
    return json;
  }
  return "";
}

}  // namespace skk::testing
