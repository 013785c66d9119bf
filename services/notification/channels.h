#pragma once

// The wire: email over SMTP and SMS/WhatsApp through HTTP gateways, both with libcurl. A send
// is at-least-once (a lost reply means a retry of something that may have arrived), so every
// message carries an id derived from its delivery: the email Message-ID, the HTTP
// Idempotency-Key header.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sambat/v1/config.pb.h"

namespace skk::notification {

struct OutgoingMessage {
  std::string delivery_id;
  std::string ticket;
  std::string recipient_name;
  std::string address;
  std::string subject;  // email only
  std::string body;
};

enum class SendOutcome {
  kSent,
  kRetry,      // connection refused, timeout, 5xx, SMTP 4xx: worth another attempt
  kPermanent,  // SMTP 5xx, gateway 4xx: the same message will never go through
};

struct SendResult {
  SendOutcome outcome;
  // What the server said, or why it could not be reached: for the delivery log in PostgreSQL
  // (delivery_attempts.detail, deliveries.last_error), which only an administrator reads and an
  // erasure clears. A gateway's reply may echo the number or the text it was sent.
  std::string detail;
  // The same without anything the server chose to say ("http 400", "smtp 250", "http: Timeout
  // was reached"): all that log lines and broker headers may carry.
  std::string status;
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Blocks for at most the channel's timeout. Safe to call from one thread per instance.
  virtual SendResult Send(const OutgoingMessage& message) = 0;
};

struct SmtpOptions {
  std::string url;   // smtp://host:port
  std::string from;  // "Name <address>" or "address"
  std::string message_id_domain = "sambat.malangkota.go.id";
  std::string username;
  std::string password;
  absl::Duration timeout = absl::Seconds(10);
  // STARTTLS (or smtps://) must succeed or nothing is sent; false only for a local relay or
  // the development fake. The server's certificate chains to ca_file (empty: system roots).
  bool require_tls = true;
  std::string ca_file;
};

struct GatewayOptions {
  std::string url;
  std::string auth_header;
  std::string auth_value;
  std::string body_template = R"({"to":"{to}","text":"{text}","reference":"{delivery_id}"})";
  std::string content_type = "application/json";
  absl::Duration timeout = absl::Seconds(10);
};

// Options from the configuration's blocks; secrets are read from their files (relative to
// `config_dir`). INVALID_ARGUMENT / NOT_FOUND naming the field when a file cannot be read.
absl::StatusOr<SmtpOptions> SmtpOptionsFrom(const sambat::v1::SmtpChannel& c,
                                            const std::string& config_dir);
absl::StatusOr<GatewayOptions> GatewayOptionsFrom(const sambat::v1::HttpGatewayChannel& c,
                                                  const std::string& config_dir);

// The whole RFC 5322 message an SmtpSender sends (exposed for tests): headers with no CR/LF
// from anyone's words, RFC 2047 for non-ASCII, Message-ID <delivery id@domain>.
std::string BuildEmail(const SmtpOptions& options, const OutgoingMessage& m, absl::Time date);

// The gateway request body (exposed for tests): the template with JSON- or form-escaped values.
std::string BuildGatewayBody(const GatewayOptions& options, const OutgoingMessage& m);

// How an HTTP status is treated: 2xx sent, 408/425/429/5xx retry, other 4xx permanent.
SendOutcome ClassifyHttpStatus(long status);
// How an SMTP reply code is treated: 2xx sent, 4xx retry, 5xx permanent.
SendOutcome ClassifySmtpCode(long code);

std::unique_ptr<Sender> MakeSmtpSender(SmtpOptions options);
std::unique_ptr<Sender> MakeGatewaySender(GatewayOptions options);

// Call once before any thread uses a sender.
void InitCurl();

}  // namespace skk::notification
