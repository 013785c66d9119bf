// OutboxRelay against an in-memory outbox and publisher: what is published, and when rows are
// removed. The PostgreSQL store and the RabbitMQ publisher are tested in integration.

#include "services/platform/outbox.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace skk {
namespace {

// Rows keyed by id; a batch claims the lowest ids and deletes them on Complete().
class FakeOutbox final : public OutboxStore {
 public:
  void Add(int64_t id) {
    std::lock_guard lock(mu_);
    OutboxRow row;
    row.id = id;
    row.event_id = absl::StrCat("event-", id);
    row.routing_key = id % 2 == 0 ? "case.routed" : "complaint.submitted";
    row.complaint_id = absl::StrCat("c-", id);
    row.correlation_id = absl::StrCat("corr-", id);
    row.payload = absl::StrCat("payload-", id, std::string("\0\xff", 2));
    row.created_at = absl::FromUnixSeconds(1772416800 + id);
    rows_[id] = row;
  }

  std::vector<int64_t> Ids() const {
    std::lock_guard lock(mu_);
    std::vector<int64_t> ids;
    for (const auto& [id, row] : rows_) ids.push_back(id);
    return ids;
  }

  absl::StatusOr<std::unique_ptr<OutboxBatch>> Claim(int limit) override {
    std::lock_guard lock(mu_);
    ++claims;
    last_limit = limit;
    if (fail_claim) return absl::UnavailableError("postgres is away");
    std::vector<OutboxRow> rows;
    for (const auto& [id, row] : rows_) {
      if (static_cast<int>(rows.size()) >= limit) break;
      rows.push_back(row);
    }
    return std::unique_ptr<OutboxBatch>(new Batch(*this, std::move(rows)));
  }

  void WaitForRows(absl::Duration) override {
    ++waits;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  bool fail_claim = false;
  bool fail_complete = false;
  std::atomic<int> claims{0};
  std::atomic<int> waits{0};
  int last_limit = 0;
  // Every retry_in a row was set aside with, by row id (the fake claims it again at once).
  std::map<int64_t, std::vector<absl::Duration>> retry_in;

 private:
  class Batch final : public OutboxBatch {
   public:
    Batch(FakeOutbox& outbox, std::vector<OutboxRow> rows)
        : outbox_(outbox), rows_(std::move(rows)) {}
    const std::vector<OutboxRow>& rows() const override { return rows_; }
    absl::Status Complete(const std::vector<SetAsideRow>& set_aside) override {
      std::lock_guard lock(outbox_.mu_);
      if (outbox_.fail_complete) return absl::UnavailableError("connection lost at COMMIT");
      for (const OutboxRow& row : rows_) outbox_.rows_.erase(row.id);
      for (const SetAsideRow& kept : set_aside) {
        OutboxRow row = *std::find_if(rows_.begin(), rows_.end(),
                                      [&](const OutboxRow& r) { return r.id == kept.row_id; });
        ++row.unroutable_count;
        outbox_.rows_[row.id] = row;
        outbox_.retry_in[row.id].push_back(kept.retry_in);
      }
      return absl::OkStatus();
    }

   private:
    FakeOutbox& outbox_;
    std::vector<OutboxRow> rows_;
  };

  mutable std::mutex mu_;
  std::map<int64_t, OutboxRow> rows_;
};

class FakePublisher final : public EventPublisher {
 public:
  absl::StatusOr<std::vector<std::string>> PublishBatch(
      const std::vector<AmqpMessage>& messages) override {
    batches.push_back(messages);
    if (fail) return absl::UnavailableError("broker nacked");
    std::vector<std::string> returned;
    for (const AmqpMessage& m : messages) {
      if (unbound_keys.contains(m.routing_key)) returned.push_back(m.message_id);
    }
    return returned;
  }

  std::vector<std::string> PublishedIds() const {
    std::vector<std::string> ids;
    for (const auto& b : batches) {
      for (const auto& m : b) ids.push_back(m.message_id);
    }
    return ids;
  }

  bool fail = false;
  // Routing keys no queue is bound for: the broker returns these messages.
  std::set<std::string> unbound_keys;
  std::vector<std::vector<AmqpMessage>> batches;
};

OutboxRelay::Options SmallBatches(int batch_size) {
  OutboxRelay::Options options;
  options.batch_size = batch_size;
  options.idle_wait = absl::Milliseconds(1);
  return options;
}

TEST_CASE("outbox rows are published in id order with their event id, key and correlation",
          "[outbox]") {
  FakeOutbox outbox;
  for (int64_t id : {8, 3, 5}) outbox.Add(id);
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(100));

  auto published = relay.RelayOnce();
  REQUIRE(published.ok());
  CHECK(*published == 3);
  REQUIRE(publisher.batches.size() == 1);
  const auto& batch = publisher.batches[0];
  REQUIRE(batch.size() == 3);
  CHECK(publisher.PublishedIds() == std::vector<std::string>{"event-3", "event-5", "event-8"});
  const AmqpMessage& m = batch[0];
  CHECK(m.exchange == "sambat.events");
  CHECK(m.message_id == "event-3");
  CHECK(m.routing_key == "complaint.submitted");
  CHECK(m.type == "complaint.submitted");
  CHECK(m.correlation_id == "corr-3");
  CHECK(m.body == std::string("payload-3\0\xff", 11));
  CHECK(m.timestamp == absl::FromUnixSeconds(1772416803));
  CHECK(batch[2].routing_key == "case.routed");
  CHECK(batch[2].correlation_id == "corr-8");
  CHECK(outbox.Ids().empty());
}

TEST_CASE("outbox rows are removed only after the publisher confirmed them", "[outbox]") {
  FakeOutbox outbox;
  outbox.Add(1);
  outbox.Add(2);
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(100));

  REQUIRE(relay.RelayOnce().ok());
  CHECK(outbox.Ids().empty());
  // Nothing is left, so nothing more is published.
  auto again = relay.RelayOnce();
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(publisher.batches.size() == 1);
}

TEST_CASE("a failed publish leaves every outbox row to be sent again", "[outbox]") {
  FakeOutbox outbox;
  for (int64_t id = 1; id <= 3; ++id) outbox.Add(id);
  FakePublisher publisher;
  publisher.fail = true;
  OutboxRelay relay(outbox, publisher, SmallBatches(100));

  auto failed = relay.RelayOnce();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == absl::StatusCode::kUnavailable);
  CHECK(outbox.Ids() == std::vector<int64_t>{1, 2, 3});

  publisher.fail = false;
  auto retried = relay.RelayOnce();
  REQUIRE(retried.ok());
  CHECK(*retried == 3);
  REQUIRE(publisher.batches.size() == 2);
  CHECK(publisher.batches[1].size() == 3);
  CHECK(publisher.batches[1][0].message_id == "event-1");
  CHECK(publisher.batches[1][2].message_id == "event-3");
  CHECK(outbox.Ids().empty());
}

TEST_CASE("rows published but not removed are published again: duplicates, never losses",
          "[outbox]") {
  FakeOutbox outbox;
  outbox.Add(1);
  outbox.Add(2);
  outbox.fail_complete = true;
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(100));

  auto failed = relay.RelayOnce();
  REQUIRE_FALSE(failed.ok());
  CHECK(outbox.Ids() == std::vector<int64_t>{1, 2});

  outbox.fail_complete = false;
  REQUIRE(relay.RelayOnce().ok());
  CHECK(publisher.PublishedIds() ==
        std::vector<std::string>{"event-1", "event-2", "event-1", "event-2"});
  CHECK(outbox.Ids().empty());
}

TEST_CASE("an empty outbox publishes nothing", "[outbox]") {
  FakeOutbox outbox;
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(100));
  auto published = relay.RelayOnce();
  REQUIRE(published.ok());
  CHECK(*published == 0);
  CHECK(publisher.batches.empty());
}

TEST_CASE("a relay that cannot claim rows reports the error and publishes nothing",
          "[outbox]") {
  FakeOutbox outbox;
  outbox.Add(1);
  outbox.fail_claim = true;
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(100));
  auto published = relay.RelayOnce();
  CHECK(published.status().code() == absl::StatusCode::kUnavailable);
  CHECK(publisher.batches.empty());
  CHECK(outbox.Ids() == std::vector<int64_t>{1});
}

TEST_CASE("the relay publishes at most batch_size rows at a time, oldest first", "[outbox]") {
  FakeOutbox outbox;
  for (int64_t id = 1; id <= 5; ++id) outbox.Add(id);
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(2));

  std::vector<int> counts;
  for (int i = 0; i < 4; ++i) {
    auto n = relay.RelayOnce();
    REQUIRE(n.ok());
    counts.push_back(*n);
  }
  CHECK(outbox.last_limit == 2);
  CHECK(counts == std::vector<int>{2, 2, 1, 0});
  REQUIRE(publisher.batches.size() == 3);
  CHECK(publisher.PublishedIds() ==
        std::vector<std::string>{"event-1", "event-2", "event-3", "event-4", "event-5"});
}

TEST_CASE("a running relay drains the outbox and stops promptly when asked", "[outbox]") {
  FakeOutbox outbox;
  for (int64_t id = 1; id <= 5; ++id) outbox.Add(id);
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(2));
  std::atomic<bool> stop{false};

  auto done = std::async(std::launch::async, [&] { relay.Run(stop); });
  // Wait (bounded) until the relay has gone idle on an empty outbox.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (outbox.waits.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto asked = std::chrono::steady_clock::now();
  stop = true;
  const bool stopped = done.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  REQUIRE(stopped);
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::milliseconds(500));
  CHECK(outbox.Ids().empty());
  CHECK(publisher.PublishedIds().size() == 5);
}

TEST_CASE("a relay backing off from a failing database still stops promptly", "[outbox]") {
  FakeOutbox outbox;
  outbox.fail_claim = true;
  FakePublisher publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(2));
  std::atomic<bool> stop{false};

  auto done = std::async(std::launch::async, [&] { relay.Run(stop); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (outbox.claims.load() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto asked = std::chrono::steady_clock::now();
  stop = true;
  REQUIRE(done.wait_for(std::chrono::seconds(2)) == std::future_status::ready);
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::milliseconds(500));
  CHECK(publisher.batches.empty());
}

TEST_CASE("an event no queue is bound for is set aside with a growing delay, not lost, and the "
          "rest of its batch goes on",
          "[outbox]") {
  FakeOutbox outbox;
  for (int64_t id : {1, 2, 3, 4}) outbox.Add(id);  // even ids are case.routed
  FakePublisher publisher;
  publisher.unbound_keys = {"case.routed"};
  OutboxRelay::Options options = SmallBatches(100);
  options.unroutable_first_retry = absl::Minutes(1);
  options.unroutable_max_retry = absl::Minutes(5);
  OutboxRelay relay(outbox, publisher, options);

  auto published = relay.RelayOnce();
  REQUIRE(published.ok());
  CHECK(*published == 2);
  // The routable ones are gone; the returned ones stay to be published later.
  CHECK(outbox.Ids() == std::vector<int64_t>{2, 4});
  CHECK(outbox.retry_in[2] == std::vector<absl::Duration>{absl::Minutes(1)});

  // Returned again and again: the delay doubles up to its ceiling.
  for (int i = 0; i < 4; ++i) REQUIRE(relay.RelayOnce().ok());
  CHECK(outbox.retry_in[4] == std::vector<absl::Duration>{absl::Minutes(1), absl::Minutes(2),
                                                          absl::Minutes(4), absl::Minutes(5),
                                                          absl::Minutes(5)});

  // Once the consuming service has bound its queue, they go out and leave the outbox.
  publisher.unbound_keys.clear();
  published = relay.RelayOnce();
  REQUIRE(published.ok());
  CHECK(*published == 2);
  CHECK(outbox.Ids().empty());
}

TEST_CASE("a returned message the batch cannot name keeps the whole batch", "[outbox]") {
  FakeOutbox outbox;
  outbox.Add(1);
  outbox.Add(2);
  class Stranger final : public EventPublisher {
   public:
    absl::StatusOr<std::vector<std::string>> PublishBatch(
        const std::vector<AmqpMessage>&) override {
      return std::vector<std::string>{"not-in-this-batch"};
    }
  } publisher;
  OutboxRelay relay(outbox, publisher, SmallBatches(100));
  auto published = relay.RelayOnce();
  CHECK(published.status().code() == absl::StatusCode::kInternal);
  CHECK(outbox.Ids() == std::vector<int64_t>{1, 2});
}

}  // namespace
}  // namespace skk
