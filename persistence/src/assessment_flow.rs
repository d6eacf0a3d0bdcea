//! Use cases of the assessment. Team members run it; on completion, if the
//! team holds responsibility, an escorted handover back to the referring
//! party (or onward) is proposed in the same transaction with the feedback in
//! its package, so responsibility never drops to nobody. Whoever has access to
//! the client (the referring party's worker among them) can follow progress.

use kyky_domain::AccessBasis;
use kyky_domain::assessment::{self, AssessmentError, Feedback};
use kyky_domain::codes::CodeSet;
use kyky_domain::event::EventType;
use kyky_domain::handover::{PackageItemKind, Receiver};
use serde_json::json;
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::assessments::{self, AssessmentRecord};
use crate::client_scope::authorize;
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::handover_flow::{NewHandover, propose_in};
use crate::handovers::PackageItem;
use crate::{clients, events, referrals, relationships, responsibility, teams};

impl Db {
    /// Runs a team member's step on assessment `id` in one transaction.
    fn assessment_step<T>(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &AssessmentRecord) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let client_id = self.run(|conn| assessments::get(conn, id))?.client_id;
        let result = self.transaction(|conn| {
            clients::lock(conn, client_id)?;
            let record = assessments::get(conn, id)?;
            let member = ctx.actor.works_with_clients()
                && ctx.actor.teams.contains(&record.assessment.team_id);
            if !member {
                // Someone who can see the client learns why; anyone else, nothing.
                return Err(if authorize(conn, ctx, client_id)?.is_some() {
                    AssessmentError::NotTeamMember.into()
                } else {
                    StoreError::AccessDenied
                });
            }
            let value = work(conn, &record)?;
            access_log::append(
                conn,
                ctx,
                client_id,
                operation,
                Some(AccessBasis::ReferralRecipient),
                Outcome::Allowed,
            )?;
            Ok(value)
        });
        self.settle(ctx, client_id, operation, result)
    }

    pub fn start_assessment(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<AssessmentRecord> {
        self.assessment_step(ctx, id, "assessment.start", |conn, record| {
            assessment::start(&record.assessment, &ctx.actor)?;
            if !assessments::start(conn, id, ctx.at)? {
                return Err(AssessmentError::WrongState(
                    assessments::get(conn, id)?.assessment.status,
                )
                .into());
            }
            events::record(
                conn,
                EventType::AssessmentStarted,
                record.client_id,
                id,
                ctx.actor.professional_id,
                &json!({}),
                ctx.at,
            )?;
            assessments::get(conn, id)
        })
    }

    /// Completes with feedback. If the completer holds responsibility, proposes
    /// the handover back to the referrer — or to `onward_to` — carrying the feedback.
    pub fn complete_assessment(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        feedback: &Feedback,
        onward_to: Option<Uuid>,
    ) -> StoreResult<AssessmentRecord> {
        self.assessment_step(ctx, id, "assessment.complete", |conn, record| {
            assessment::complete(&record.assessment, &ctx.actor, feedback)?;
            let by = ctx.actor.professional_id;
            if !assessments::complete(conn, id, feedback, by, ctx.at)? {
                return Err(AssessmentError::WrongState(
                    assessments::get(conn, id)?.assessment.status,
                )
                .into());
            }
            let client_id = record.client_id;
            let current = responsibility::current(conn, client_id)?.ok_or_else(|| {
                StoreError::Corrupt("a client without a responsible worker".into())
            })?;
            let referrer = record
                .referral_id
                .map(|r| referrals::get(conn, r))
                .transpose()?
                .map(|r| r.referral.referred_by);
            let receiver = onward_to
                .or(referrer)
                .filter(|&to| to != current.responsible);
            if let (true, Some(to)) = (current.is_held_by(by), receiver) {
                let handover = NewHandover {
                    receiver: Receiver::Professional(to),
                    summary: feedback.summary.clone(),
                    reason: "Terveydentilan ja työkyvyn arvio valmis".to_owned(),
                    package: vec![PackageItem {
                        kind: PackageItemKind::AssessmentFeedback,
                        reference: id.to_string(),
                        description: Some(format!(
                            "Suositus: {}",
                            feedback.recommended_path.labels().fi
                        )),
                    }],
                    network_meeting_id: None,
                    return_to_referrer: onward_to.is_none(),
                    work_pair: None,
                    expires_at: None,
                };
                let proposed = propose_in(conn, ctx, client_id, &current, handover)?;
                assessments::link_handover(conn, id, proposed.handover.id)?;
            }
            // The team's client relationship ends with the assessment (a primary
            // one stays: it needs a successor first). Whoever still holds
            // responsibility keeps access until the handover back is accepted.
            let host = teams::get(conn, record.assessment.team_id)?
                .fields
                .hosting_organisation_id;
            let team_relationship = relationships::for_client(conn, client_id)?
                .into_iter()
                .map(|r| r.relationship)
                .find(|r| r.organisation_id == host && r.is_active() && !r.is_primary);
            if let Some(ended) = team_relationship {
                let (on, by) = (ctx.at.date_naive(), ctx.actor.professional_id);
                relationships::end(conn, client_id, &ended, on, by, ctx.at)?;
            }
            let payload = json!({"recommended_path": feedback.recommended_path});
            events::record(
                conn,
                EventType::AssessmentCompleted,
                client_id,
                id,
                by,
                &payload,
                ctx.at,
            )?;
            assessments::get(conn, id)
        })
    }

    pub fn cancel_assessment(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        reason: &str,
    ) -> StoreResult<AssessmentRecord> {
        self.assessment_step(ctx, id, "assessment.cancel", |conn, record| {
            assessment::cancel(&record.assessment, &ctx.actor, reason)?;
            if !assessments::cancel(conn, id, reason, ctx.actor.professional_id, ctx.at)? {
                return Err(AssessmentError::WrongState(
                    assessments::get(conn, id)?.assessment.status,
                )
                .into());
            }
            events::record(
                conn,
                EventType::AssessmentCancelled,
                record.client_id,
                id,
                ctx.actor.professional_id,
                &json!({}),
                ctx.at,
            )?;
            assessments::get(conn, id)
        })
    }

    /// Reads an assessment: team members, and whoever has access to the client.
    pub fn read_assessment(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<AssessmentRecord> {
        let record = self.run(|conn| assessments::get(conn, id))?;
        if ctx.actor.teams.contains(&record.assessment.team_id) {
            return self.assessment_step(ctx, id, "assessment.read", |_, r| Ok(r.clone()));
        }
        self.read_client(ctx, record.client_id, "assessment.read", |conn, _| {
            assessments::get(conn, id)
        })
    }
}
