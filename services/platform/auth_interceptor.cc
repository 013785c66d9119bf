// The staff-token check on the gRPC server: one verification per protected call, its result
// kept for CallerOf, and the call's answer overridden when the token was bad.
//
// Why a registry keyed by the call's ServerContextBase, and not a thread_local or a field:
//   - Handlers in this repo run on threads other than the one gRPC ran the interceptor on: the
//     callback API runs interceptors on gRPC's threads and ServeUnary hops to the
//     RequestExecutor (grpc_edge.h); a streaming reactor's callbacks move between threads. A
//     thread_local set in the interceptor would be read by the wrong call or by nobody.
//   - The context is the one object both sides share, in the sync and the callback APIs
//     alike: ServerRpcInfo::server_context() is the very context the handler receives (as a
//     ServerContext or CallbackServerContext, both single-inheritance ServerContextBase).
//     gRPC 1.51 gives no public way to hang data on it, so the interceptor (created per call,
//     destroyed with the call's ServerRpcInfo when the context goes) registers its result under
//     the context's address and removes it when destroyed.
//   - An address may be reused by a later call's context. A later interceptor overwrites the
//     entry, and an interceptor only erases the entry if it is still its own, so a slow
//     destructor never removes a newer call's result.
// The registry is sharded so concurrent calls rarely meet on one mutex; each call costs one
// verification (at POST_RECV_INITIAL_METADATA, before any handler runs), one insert, one
// lookup per CallerOf and one erase.

#include <array>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/platform/auth.h"

namespace skk {
namespace {

class AuthInterceptor;

class CallRegistry {
 public:
  void Put(const grpc::ServerContextBase* context, const AuthInterceptor* interceptor) {
    Shard& s = ShardOf(context);
    absl::MutexLock lock(&s.mu);
    s.calls[context] = interceptor;
  }
  void Remove(const grpc::ServerContextBase* context, const AuthInterceptor* interceptor) {
    Shard& s = ShardOf(context);
    absl::MutexLock lock(&s.mu);
    auto it = s.calls.find(context);
    if (it != s.calls.end() && it->second == interceptor) s.calls.erase(it);
  }
  // Runs `read` on the call's interceptor under the shard's lock (so it cannot be destroyed
  // meanwhile); false if the call has none.
  template <class Read>
  bool With(const grpc::ServerContextBase* context, Read read) {
    Shard& s = ShardOf(context);
    absl::MutexLock lock(&s.mu);
    auto it = s.calls.find(context);
    if (it == s.calls.end()) return false;
    read(*it->second);
    return true;
  }

 private:
  struct Shard {
    absl::Mutex mu;
    std::unordered_map<const grpc::ServerContextBase*, const AuthInterceptor*> calls;
  };
  Shard& ShardOf(const grpc::ServerContextBase* context) {
    // Contexts are heap objects at least 64 bytes apart: drop the low bits before sharding.
    return shards_[(reinterpret_cast<uintptr_t>(context) >> 6) % shards_.size()];
  }
  std::array<Shard, 16> shards_;
};

CallRegistry& Registry() {
  static CallRegistry* registry = new CallRegistry();  // never destroyed: calls may outlive main
  return *registry;
}

// The token of "authorization: Bearer <token>"; UNAUTHENTICATED if absent or ambiguous.
absl::StatusOr<std::string> BearerToken(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto [first, last] = metadata.equal_range("authorization");
  if (first == last) {
    return absl::UnauthenticatedError(
        "staff token missing: send metadata 'authorization: Bearer <token>'");
  }
  if (std::next(first) != last) {
    return absl::UnauthenticatedError("staff token rejected: more than one authorization header");
  }
  absl::string_view value(first->second.data(), first->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError(
        "staff token rejected: authorization must be 'Bearer <token>'");
  }
  return std::string(absl::StripAsciiWhitespace(value.substr(kScheme.size())));
}

class AuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(grpc::ServerContextBase* context, const TokenAuthority* authority,
                  const std::function<absl::Time()>* now)
      : context_(context), authority_(authority), now_(now) {}
  ~AuthInterceptor() override {
    if (registered_) Registry().Remove(context_, this);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      caller_ = CheckToken(*methods->GetRecvInitialMetadata());
      Registry().Put(context_, this);
      registered_ = true;
    }
    if (!caller_.ok()) {
      // The handler answered although the token was bad: nothing it wrote leaves the server
      // (metadata emptied, each message replaced by an empty one, the status overridden).
      if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_INITIAL_METADATA)) {
        methods->GetSendInitialMetadata()->clear();
      }
      if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) {
        grpc::Slice empty;
        *methods->GetSerializedSendMessage() = grpc::ByteBuffer(&empty, 1);
      }
      if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
        methods->ModifySendStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                               std::string(caller_.status().message())));
        methods->GetSendTrailingMetadata()->clear();
      }
    }
    methods->Proceed();
  }

  const absl::StatusOr<Caller>& caller() const { return caller_; }

 private:
  absl::StatusOr<Caller> CheckToken(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
    absl::StatusOr<std::string> token = BearerToken(metadata);
    if (!token.ok()) return token.status();
    return authority_->Verify(*token, (*now_)());
  }

  grpc::ServerContextBase* context_;
  const TokenAuthority* authority_;
  const std::function<absl::Time()>* now_;
  // Until the metadata arrives there is no caller; written once before the handler runs.
  absl::StatusOr<Caller> caller_ = absl::UnauthenticatedError("staff token not checked yet");
  bool registered_ = false;
};

class AuthInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AuthInterceptorFactory(const TokenAuthority* authority, std::function<absl::Time()> now,
                         std::vector<std::string> prefixes)
      : authority_(authority), now_(std::move(now)), prefixes_(std::move(prefixes)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const absl::string_view method = info->method() == nullptr ? "" : info->method();
    for (const std::string& prefix : prefixes_) {
      if (absl::StartsWith(method, prefix)) {
        return new AuthInterceptor(info->server_context(), authority_, &now_);
      }
    }
    return nullptr;  // open: health, reflection, citizens' methods
  }

 private:
  const TokenAuthority* authority_;
  std::function<absl::Time()> now_;
  std::vector<std::string> prefixes_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuthInterceptorFactory(
    const TokenAuthority* authority, std::function<absl::Time()> now,
    std::vector<std::string> protected_prefixes) {
  return std::make_unique<AuthInterceptorFactory>(authority, std::move(now),
                                                  std::move(protected_prefixes));
}

absl::StatusOr<Caller> CallerOf(const grpc::ServerContextBase& context) {
  absl::StatusOr<Caller> caller = absl::UnauthenticatedError(
      "no staff caller: this method is not protected by the staff-token check");
  Registry().With(&context, [&](const AuthInterceptor& interceptor) {
    caller = interceptor.caller();
  });
  return caller;
}

void AttachBearerToken(grpc::ClientContext& context, absl::string_view token) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace skk
