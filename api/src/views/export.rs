//! The client's export (GDPR art. 15): everything Kyky holds about them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::views::access_log::{AccessLogEntryView, DisclosureView};
use crate::views::assessments::AssessmentView;
use crate::views::cards::ProfessionalCard;
use crate::views::clients::ClientView;
use crate::views::consents::ConsentView;
use crate::views::contact_requests::ContactRequestView;
use crate::views::follow_ups::FollowUpView;
use crate::views::handovers::HandoverView;
use crate::views::plans::PlanView;
use crate::views::referrals::ReferralView;
use crate::views::relationships::RelationshipView;
use crate::views::responsibility::{RequestView, ResponsibilityPeriodView};

/// Everything Kyky holds about one client.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientExport {
    pub exported_at: DateTime<Utc>,
    pub client: ClientView,
    /// Every organisation's relationship with the client, ended ones included.
    pub relationships: Vec<RelationshipView>,
    /// Who has been responsible and when, newest first.
    pub responsibility: Vec<ResponsibilityPeriodView>,
    /// Every handover of responsibility, whatever its state.
    pub handovers: Vec<HandoverView>,
    /// Every request for responsibility, whatever its state.
    pub responsibility_requests: Vec<RequestView>,
    /// Every consent, withdrawn ones included.
    pub consents: Vec<ConsentView>,
    /// Every access to the client's data, denied attempts included.
    pub access_log: Vec<AccessLogEntryView>,
    /// Every disclosure to another organisation.
    pub disclosures: Vec<DisclosureView>,
    /// Every version of the support plan, drafts included, with goals,
    /// services and agreed responsibilities.
    pub plans: Vec<PlanView>,
    /// Every follow-up, whatever its state, with who has had it.
    pub follow_ups: Vec<FollowUpView>,
    /// Every referral to a work-ability team, with its questions.
    pub referrals: Vec<ReferralView>,
    /// Every assessment, with the team's feedback.
    pub assessments: Vec<AssessmentView>,
    /// The contact requests that brought the client in, as the person gave them.
    pub contact_requests: Vec<ContactRequestView>,
    /// Every professional who recorded, changed or read anything above (the
    /// `*_by` and `professional_id` fields), with their organisation: who
    /// recorded each part, and for which organisation.
    pub professionals: Vec<ProfessionalCard>,
}
