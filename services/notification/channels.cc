#include "services/notification/channels.h"

#include <curl/curl.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/notification/escaping.h"
#include "services/platform/text.h"

namespace skk::notification {
namespace {

absl::StatusOr<std::string> ReadSecret(const std::string& path, const std::string& config_dir,
                                       const std::string& field) {
  if (path.empty()) return std::string();
  const std::string full = path[0] == '/' || config_dir.empty() ? path
                                                                : absl::StrCat(config_dir, "/", path);
  std::ifstream in(full);
  if (!in) return absl::NotFoundError(absl::StrCat(field, ": cannot read ", full));
  std::stringstream s;
  s << in.rdbuf();
  std::string value = s.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

absl::Duration TimeoutOr(int ms) {
  return ms > 0 ? absl::Milliseconds(ms) : absl::Seconds(10);
}

// The address part of "Name <address>".
std::string BareAddress(const std::string& from) {
  const size_t open = from.find('<');
  const size_t close = from.find('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return from.substr(open + 1, close - open - 1);
  }
  return from;
}

// Transport failures that may pass: the server was away, slow, or dropped us.
bool IsTransientCurl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

struct Upload {
  const std::string* data;
  size_t at = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t n, void* user) {
  Upload* u = static_cast<Upload*>(user);
  const size_t len = std::min(size * n, u->data->size() - u->at);
  std::memcpy(buffer, u->data->data() + u->at, len);
  u->at += len;
  return len;
}

size_t Collect(char* data, size_t size, size_t n, void* user) {
  std::string* out = static_cast<std::string*>(user);
  if (out->size() < 2000) out->append(data, std::min(size * n, 2000 - out->size()));
  return size * n;
}

class SmtpSender final : public Sender {
 public:
  explicit SmtpSender(SmtpOptions options) : options_(std::move(options)) {}
  ~SmtpSender() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }

  SendResult Send(const OutgoingMessage& m) override {
    if (m.address.find_first_of("\r\n<>") != std::string::npos || m.address.empty()) {
      return {SendOutcome::kPermanent, "invalid email address", "invalid email address"};
    }
    if (curl_ == nullptr) curl_ = curl_easy_init();
    CURL* c = curl_;
    curl_easy_reset(c);
    const std::string message = BuildEmail(options_, m, absl::Now());
    Upload upload{&message};
    const std::string from = absl::StrCat("<", BareAddress(options_.from), ">");
    const std::string to = absl::StrCat("<", m.address, ">");
    curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
    curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    // ALL: no STARTTLS, no message; the citizen's words never cross the network in clear.
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     static_cast<long>(options_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
    }
    const CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) {
      const std::string sent = absl::StrCat("smtp ", code);
      return {SendOutcome::kSent, sent, sent};
    }
    // libcurl's own words and the reply code: nothing of the server's text.
    const std::string what = absl::StrCat("smtp: ", curl_easy_strerror(rc),
                                          code > 0 ? absl::StrCat(" (reply ", code, ")") : "");
    // A reply code decides when the server answered; otherwise the transport failure does.
    if (code >= 400) return {ClassifySmtpCode(code), what, what};
    return {IsTransientCurl(rc) ? SendOutcome::kRetry : SendOutcome::kPermanent, what, what};
  }

 private:
  SmtpOptions options_;
  CURL* curl_ = nullptr;
};

class GatewaySender final : public Sender {
 public:
  explicit GatewaySender(GatewayOptions options) : options_(std::move(options)) {}
  ~GatewaySender() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }

  SendResult Send(const OutgoingMessage& m) override {
    if (curl_ == nullptr) curl_ = curl_easy_init();
    CURL* c = curl_;
    curl_easy_reset(c);
    const std::string body = BuildGatewayBody(options_, m);
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, absl::StrCat("Content-Type: ", options_.content_type).c_str());
    headers = curl_slist_append(headers, absl::StrCat("Idempotency-Key: ", m.delivery_id).c_str());
    if (!options_.auth_header.empty() && !options_.auth_value.empty()) {
      headers = curl_slist_append(
          headers, absl::StrCat(options_.auth_header, ": ", OneLine(options_.auth_value, 4000)).c_str());
    }
    std::string reply;
    curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      const std::string what = absl::StrCat("http: ", curl_easy_strerror(rc));
      return {IsTransientCurl(rc) ? SendOutcome::kRetry : SendOutcome::kPermanent, what, what};
    }
    const std::string code = absl::StrCat("http ", status);
    return {ClassifyHttpStatus(status),
            absl::StrCat(code, reply.empty() ? "" : ": ", OneLine(reply, 200)), code};
  }

 private:
  GatewayOptions options_;
  CURL* curl_ = nullptr;
};

}  // namespace

absl::StatusOr<SmtpOptions> SmtpOptionsFrom(const sambat::v1::SmtpChannel& c,
                                            const std::string& config_dir) {
  SmtpOptions o;
  o.url = c.url();
  if (!c.from().empty()) o.from = c.from();
  if (!c.message_id_domain().empty()) o.message_id_domain = c.message_id_domain();
  o.username = c.username();
  auto password = ReadSecret(c.password_file(), config_dir, "notification.email.password_file");
  if (!password.ok()) return password.status();
  o.password = *password;
  o.timeout = TimeoutOr(c.timeout_ms());
  o.require_tls = !c.allow_plaintext();
  if (!c.ca_file().empty()) {
    std::filesystem::path ca(c.ca_file());
    o.ca_file = ca.is_relative() ? (std::filesystem::path(config_dir) / ca).string() : ca.string();
  }
  return o;
}

absl::StatusOr<GatewayOptions> GatewayOptionsFrom(const sambat::v1::HttpGatewayChannel& c,
                                                  const std::string& config_dir) {
  GatewayOptions o;
  o.url = c.url();
  o.auth_header = c.auth_header();
  auto value = ReadSecret(c.auth_value_file(), config_dir, "auth_value_file");
  if (!value.ok()) return value.status();
  o.auth_value = *value;
  if (!c.body_template().empty()) o.body_template = c.body_template();
  if (!c.content_type().empty()) o.content_type = c.content_type();
  o.timeout = TimeoutOr(c.timeout_ms());
  return o;
}

std::string BuildEmail(const SmtpOptions& o, const OutgoingMessage& m, absl::Time date) {
  std::string to = m.address;
  if (!m.recipient_name.empty()) {
    to = absl::StrCat(EmailHeaderValue(absl::StrReplaceAll(m.recipient_name, {{"\"", ""}})), " <",
                      m.address, ">");
  }
  std::string out;
  absl::StrAppend(&out, "From: ", EmailHeaderValue(o.from), "\r\n");
  absl::StrAppend(&out, "To: ", OneLine(to, 500), "\r\n");
  absl::StrAppend(&out, "Subject: ", EmailHeaderValue(m.subject), "\r\n");
  absl::StrAppend(&out, "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S %z", date, absl::UTCTimeZone()),
                  "\r\n");
  // Stable across retries: a receiving system that saw this id already can drop the copy.
  absl::StrAppend(&out, "Message-ID: <", m.delivery_id, "@", o.message_id_domain, ">\r\n");
  absl::StrAppend(&out, "X-Sambat-Ticket: ", OneLine(m.ticket, 100), "\r\n");
  absl::StrAppend(&out, "MIME-Version: 1.0\r\n");
  absl::StrAppend(&out, "Content-Type: text/plain; charset=UTF-8\r\n");
  absl::StrAppend(&out, "Content-Transfer-Encoding: 8bit\r\n\r\n");
  absl::StrAppend(&out, EmailBody(m.body));
  return out;
}

std::string BuildGatewayBody(const GatewayOptions& o, const OutgoingMessage& m) {
  const bool form = absl::StrContains(o.content_type, "x-www-form-urlencoded");
  auto esc = [&](const std::string& v) { return form ? FormEscape(v) : JsonEscape(v); };
  return absl::StrReplaceAll(o.body_template, {{"{to}", esc(m.address)},
                                               {"{text}", esc(m.body)},
                                               {"{ticket}", esc(m.ticket)},
                                               {"{delivery_id}", esc(m.delivery_id)}});
}

SendOutcome ClassifyHttpStatus(long status) {
  if (status >= 200 && status < 300) return SendOutcome::kSent;
  if (status == 408 || status == 425 || status == 429 || status >= 500 || status == 0) {
    return SendOutcome::kRetry;
  }
  return SendOutcome::kPermanent;
}

SendOutcome ClassifySmtpCode(long code) {
  if (code >= 200 && code < 400) return SendOutcome::kSent;
  if (code >= 400 && code < 500) return SendOutcome::kRetry;
  return SendOutcome::kPermanent;
}

std::unique_ptr<Sender> MakeSmtpSender(SmtpOptions options) {
  return std::make_unique<SmtpSender>(std::move(options));
}

std::unique_ptr<Sender> MakeGatewaySender(GatewayOptions options) {
  return std::make_unique<GatewaySender>(std::move(options));
}

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace skk::notification
