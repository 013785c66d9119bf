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

#include <algorithm>
#include <array>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
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
  // `roles` are those the method's declared policy admits, or why it has no valid policy (then
  // every call is refused).
  AuthInterceptor(grpc::ServerContextBase* context, const TokenVerifier* verifier,
                  const std::function<absl::Time()>* now,
                  absl::StatusOr<std::vector<StaffRole>> roles)
      : context_(context), verifier_(verifier), now_(now), roles_(std::move(roles)) {}
  ~AuthInterceptor() override {
    if (registered_) Registry().Remove(context_, this);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      caller_ = Admit(*methods->GetRecvInitialMetadata());
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
        methods->ModifySendStatus(
            grpc::Status(static_cast<grpc::StatusCode>(caller_.status().code()),
                         std::string(caller_.status().message())));
        methods->GetSendTrailingMetadata()->clear();
      }
    }
    methods->Proceed();
  }

  const absl::StatusOr<Caller>& caller() const { return caller_; }

 private:
  // The token first (who), then the policy (may they): a stranger learns nothing of policies.
  absl::StatusOr<Caller> Admit(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
    absl::StatusOr<std::string> token = BearerToken(metadata);
    if (!token.ok()) return token.status();
    if (verifier_ == nullptr) {
      return absl::UnauthenticatedError("this service checks no staff tokens");
    }
    absl::StatusOr<Caller> caller = verifier_->Verify(*token, (*now_)());
    if (!caller.ok()) return caller.status();
    if (!roles_.ok()) {
      return absl::PermissionDeniedError(
          absl::StrCat("this method has no valid access policy: ", roles_.status().message()));
    }
    if (std::find(roles_->begin(), roles_->end(), caller->role) == roles_->end()) {
      std::vector<std::string> names;
      for (StaffRole role : *roles_) names.emplace_back(RoleName(role));
      return absl::PermissionDeniedError(absl::StrCat("role ", RoleName(caller->role),
                                                      " may not call this method (only ",
                                                      absl::StrJoin(names, ", "), ")"));
    }
    return caller;
  }

  grpc::ServerContextBase* context_;
  const TokenVerifier* verifier_;
  const std::function<absl::Time()>* now_;
  absl::StatusOr<std::vector<StaffRole>> roles_;
  // Until the metadata arrives there is no caller; written once before the handler runs.
  absl::StatusOr<Caller> caller_ = absl::UnauthenticatedError("staff token not checked yet");
  bool registered_ = false;
};

class AuthInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AuthInterceptorFactory(const TokenVerifier* verifier, std::function<absl::Time()> now)
      : verifier_(verifier), now_(std::move(now)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const absl::string_view method = info->method() == nullptr ? "" : info->method();
    absl::StatusOr<sambat::v1::AccessPolicy> policy = AccessPolicyOf(method);
    if (policy.ok() && policy->public_()) return nullptr;  // the citizens' door, health
    using Roles = absl::StatusOr<std::vector<StaffRole>>;
    Roles roles = policy.ok() ? PolicyRoles(*policy) : Roles(policy.status());
    return new AuthInterceptor(info->server_context(), verifier_, &now_, std::move(roles));
  }

 private:
  const TokenVerifier* verifier_;
  std::function<absl::Time()> now_;
};

}  // namespace

absl::StatusOr<sambat::v1::AccessPolicy> AccessPolicyOf(absl::string_view full_method) {
  // "/package.Service/Method" -> "package.Service.Method", the descriptor's full name.
  std::string name(absl::StripPrefix(full_method, "/"));
  const size_t slash = name.rfind('/');
  if (slash == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("'", full_method, "' is not a gRPC method name"));
  }
  name[slash] = '.';
  // gRPC's own services carry no options of ours; they expose nothing of the city's data.
  if (absl::StartsWith(name, "grpc.health.") || absl::StartsWith(name, "grpc.reflection.")) {
    sambat::v1::AccessPolicy open;
    open.set_public_(true);
    return open;
  }
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  if (descriptor == nullptr || !descriptor->options().HasExtension(sambat::v1::access)) {
    return absl::NotFoundError(absl::StrCat(full_method, " declares no access policy"));
  }
  sambat::v1::AccessPolicy policy = descriptor->options().GetExtension(sambat::v1::access);
  if (policy.public_() == (policy.roles_size() > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        full_method, ": an access policy is either public or names roles, exactly one"));
  }
  return policy;
}

absl::StatusOr<std::vector<StaffRole>> PolicyRoles(const sambat::v1::AccessPolicy& policy) {
  std::vector<StaffRole> roles;
  for (int role : policy.roles()) {
    switch (role) {
      case sambat::v1::STAFF_ROLE_OFFICER: roles.push_back(StaffRole::kOfficer); break;
      case sambat::v1::STAFF_ROLE_AGENCY_HEAD: roles.push_back(StaffRole::kAgencyHead); break;
      case sambat::v1::STAFF_ROLE_LEADERSHIP: roles.push_back(StaffRole::kLeadership); break;
      case sambat::v1::STAFF_ROLE_ADMIN: roles.push_back(StaffRole::kAdmin); break;
      case sambat::v1::STAFF_ROLE_CITIZEN: roles.push_back(StaffRole::kCitizen); break;
      case sambat::v1::STAFF_ROLE_PHONE: roles.push_back(StaffRole::kPhone); break;
      case sambat::v1::STAFF_ROLE_PARTNER: roles.push_back(StaffRole::kPartner); break;
      default: return absl::InvalidArgumentError(absl::StrCat("unknown staff role ", role));
    }
  }
  if (roles.empty()) return absl::InvalidArgumentError("the policy names no role");
  return roles;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuthInterceptorFactory(
    const TokenVerifier* verifier, std::function<absl::Time()> now) {
  return std::make_unique<AuthInterceptorFactory>(verifier, std::move(now));
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
