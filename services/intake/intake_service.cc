#include "services/intake/intake_service.h"

#include "services/intake/rate_limits.h"
#include "services/platform/status_macros.h"

namespace skk::intake {

namespace v1 = sambat::v1;

IntakeService::IntakeService(Complaints& complaints, MediaUploads& uploads,
                             PublicComplaints& listing, PhotoAccess& photos, TextDesk& texts,
                             SubmissionRules rules, RequestExecutor& executor,
                             const CitizenAddresses& addresses)
    : GrpcEdge(executor), complaints_(complaints), rules_(std::move(rules)),
      addresses_(addresses) {
  ServeStream("UploadMedia", [&uploads](CallContext* context, WireBytes* response) {
    return uploads.Start(context, response);
  });
  Serve<v1::SubmitComplaintRequest, v1::SubmitComplaintResponse>(
      "SubmitComplaint",
      [this, &listing](const CallContext& context, const v1::SubmitComplaintRequest& r)
          -> absl::StatusOr<v1::SubmitComplaintResponse> {
        if (r.channel() == v1::CHANNEL_SMS || r.channel() == v1::CHANNEL_WHATSAPP) {
          // Those complaints come only through the text gateways (ReceiveTextMessage), whose
          // sender's number is vouched for.
          return InvalidFields({{"channel", "is set by intake for SMS and WhatsApp messages"}});
        }
        if (r.channel() == v1::CHANNEL_LAPOR) {
          // Only intake's own reading of LAPOR's dispositions files those (LaporDesk).
          return InvalidFields({{"channel", "is set by intake for SP4N-LAPOR's dispositions"}});
        }
        SKK_RETURN_IF_ERROR(InvalidFields(ValidateSubmission(r, rules_)));
        if (!r.join_ticket().empty()) {
          // A retry of a join that was stored gets its ticket, even if the other complaint
          // can no longer be joined: the citizen must not be told to file again.
          if (absl::Status joinable = listing.RequireJoinable(r); !joinable.ok()) {
            SKK_ASSIGN_OR_RETURN(const auto stored, complaints_.FindSubmission(r.idempotency_key()));
            if (!stored.has_value()) return joinable;
          }
        }
        return complaints_.Submit(r, addresses_.Of(context));
      });
  Serve<v1::GetComplaintRequest, v1::Complaint>(
      "GetComplaint", [this](const CallContext& context, const v1::GetComplaintRequest& r) {
        return complaints_.Track(r.ticket(), r.tracking_token(), addresses_.Of(context));
      });
  Serve<v1::AddInfoRequest, v1::Complaint>(
      "AddInfo",
      [this](const CallContext& context,
             const v1::AddInfoRequest& r) -> absl::StatusOr<v1::Complaint> {
        SKK_RETURN_IF_ERROR(InvalidFields(ValidateAddInfo(r, rules_)));
        return complaints_.AddInfo(r, addresses_.Of(context));
      });
  Serve<v1::RateRequest, v1::Complaint>(
      "Rate",
      [this](const CallContext& context,
             const v1::RateRequest& r) -> absl::StatusOr<v1::Complaint> {
        SKK_RETURN_IF_ERROR(InvalidFields(ValidateRate(r)));
        return complaints_.Rate(r, addresses_.Of(context));
      });
  Serve<v1::ReopenRequest, v1::Complaint>(
      "Reopen",
      [this](const CallContext& context,
             const v1::ReopenRequest& r) -> absl::StatusOr<v1::Complaint> {
        SKK_RETURN_IF_ERROR(InvalidFields(ValidateReopen(r)));
        return complaints_.Reopen(r, addresses_.Of(context));
      });
  Serve<v1::ListPublicComplaintsRequest, v1::ListPublicComplaintsResponse>(
      "ListPublicComplaints",
      [&listing](const CallContext&, const v1::ListPublicComplaintsRequest& r)
          -> absl::StatusOr<v1::ListPublicComplaintsResponse> {
        SKK_RETURN_IF_ERROR(InvalidFields(ValidatePublicListing(r)));
        return listing.List(r);
      });
  Serve<v1::FindNearbyComplaintsRequest, v1::FindNearbyComplaintsResponse>(
      "FindNearbyComplaints",
      [this, &listing](const CallContext&, const v1::FindNearbyComplaintsRequest& r)
          -> absl::StatusOr<v1::FindNearbyComplaintsResponse> {
        SKK_RETURN_IF_ERROR(InvalidFields(ValidateNearbySearch(r, rules_)));
        return listing.Nearby(r);
      });
  Serve<v1::GetMediaRequest, v1::MediaFile>(
      "GetPublicMedia", [this, &photos](const CallContext& context, const v1::GetMediaRequest& r) {
        return photos.ForPublic(r, addresses_.Of(context));
      });
  ServeStaff("GetCaseMedia", photos, &PhotoAccess::ForStaff);
  ServeStaff("ReceiveTextMessage", texts, &TextDesk::Receive);
}

CitizenDataService::CitizenDataService(CitizenData& data, RequestExecutor& executor,
                                       CallerLookup callers)
    : GrpcEdge(executor, std::move(callers)) {
  ServeStaff("EraseCitizenData", data, &CitizenData::Erase);
  ServeStaff<v1::ListErasuresRequest, v1::ListErasuresResponse>(
      "ListErasures",
      [&data](const Caller&, const v1::ListErasuresRequest& r) { return data.List(r); });
}

}  // namespace skk::intake
