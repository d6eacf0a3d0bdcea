//! Use cases of referral: create (and send), send, accept, return, withdraw,
//! read. Sending needs the client's consent to referral to assessment covering
//! the team's hosting organisation and is logged as a disclosure. Team members
//! act on a referral without access to the rest of the client's record.

use kyky_domain::AccessBasis;
use kyky_domain::consent;
use kyky_domain::event::EventType;
use kyky_domain::referral::{self, ReferralError, ReferralStatus};
use serde_json::json;
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::client_scope::{ClientScope, authorize};
use crate::db::{Db, DbConnection};
use crate::disclosures::{self, Basis, NewDisclosure};
use crate::error::{StoreError, StoreResult};
use crate::referrals::{self, ReferralContent, ReferralRecord};
use crate::{assessments, clients, events, teams};

fn send_in(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    scope: &ClientScope,
    id: Uuid,
) -> StoreResult<()> {
    let record = referrals::get(conn, id)?;
    referral::send(&record.referral, &ctx.actor)?;
    let team = teams::get(conn, record.referral.team_id)?.fields;
    let host = team.hosting_organisation_id;
    let from = ctx.actor.organisation_id;
    let consent = consent::may_disclose(
        &scope.consents,
        from,
        host,
        referral::consent_purpose(team.kind),
        ctx.at,
    )?;
    let by = ctx.actor.professional_id;
    if !referrals::transition(
        conn,
        id,
        ReferralStatus::Draft,
        ReferralStatus::Sent,
        by,
        None,
        ctx.at,
    )? {
        return Err(ReferralError::WrongState(
            referrals::get(conn, id)?.referral.status,
            ReferralStatus::Draft,
        )
        .into());
    }
    if let Some(consent_id) = consent {
        let disclosure = NewDisclosure {
            client_id: scope.client_id,
            from,
            to: host,
            what: "referral",
            subject_id: Some(id),
            basis: Basis::Consent(consent_id),
        };
        disclosures::append(conn, ctx, &disclosure)?;
    }
    events::record(
        conn,
        EventType::ReferralSent,
        scope.client_id,
        id,
        by,
        &json!({"team_id": record.referral.team_id}),
        ctx.at,
    )
}

impl Db {
    /// Writes a referral of the client to a team; sends it at once if asked.
    pub fn create_referral(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        team_id: Uuid,
        content: &ReferralContent,
        send: bool,
    ) -> StoreResult<ReferralRecord> {
        self.write_client(ctx, client_id, "referral.create", |conn, scope| {
            teams::get(conn, team_id).map_err(|e| match e {
                StoreError::NotFound => StoreError::unknown("team_id"),
                other => other,
            })?;
            let id = referrals::insert(
                conn,
                client_id,
                team_id,
                ctx.actor.professional_id,
                content,
                ctx.at,
            )?;
            if send {
                send_in(conn, ctx, scope, id)?;
            }
            referrals::get(conn, id)
        })
    }

    /// Runs `work` on referral `id`: the sender's side through the client
    /// guard, the team's side as a member of the receiving team.
    fn referral_step<T>(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        operation: &str,
        team_side: bool,
        work: impl FnOnce(&mut DbConnection, &ReferralRecord, Option<&ClientScope>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let client_id = self.run(|conn| referrals::get(conn, id))?.client_id;
        if !team_side {
            return self.write_client(ctx, client_id, operation, |conn, scope| {
                let record = referrals::get(conn, id)?;
                work(conn, &record, Some(scope))
            });
        }
        let result = self.transaction(|conn| {
            clients::lock(conn, client_id)?;
            let record = referrals::get(conn, id)?;
            let member = ctx.actor.works_with_clients()
                && ctx.actor.teams.contains(&record.referral.team_id);
            if !member || record.referral.status == ReferralStatus::Draft {
                // Someone who can see the client learns why; anyone else, nothing.
                let sees_client = authorize(conn, ctx, client_id)?.is_some();
                return Err(
                    if sees_client && record.referral.status != ReferralStatus::Draft {
                        ReferralError::NotTeamMember.into()
                    } else {
                        StoreError::AccessDenied
                    },
                );
            }
            let value = work(conn, &record, None)?;
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

    pub fn send_referral(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<ReferralRecord> {
        self.referral_step(ctx, id, "referral.send", false, |conn, _, scope| {
            let scope = scope.ok_or(StoreError::AccessDenied)?;
            send_in(conn, ctx, scope, id)?;
            referrals::get(conn, id)
        })
    }

    /// A team member accepts the referral.
    pub fn accept_referral(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<ReferralRecord> {
        self.referral_step(ctx, id, "referral.accept", true, |conn, record, _| {
            referral::accept(&record.referral, &ctx.actor)?;
            let by = ctx.actor.professional_id;
            if !referrals::transition(
                conn,
                id,
                ReferralStatus::Sent,
                ReferralStatus::Accepted,
                by,
                None,
                ctx.at,
            )? {
                return Err(ReferralError::AlreadyDecided.into());
            }
            events::record(
                conn,
                EventType::ReferralAccepted,
                record.client_id,
                id,
                by,
                &json!({}),
                ctx.at,
            )?;
            // Accepting opens the team's assessment, in the same step.
            let team = record.referral.team_id;
            let opened = assessments::open(conn, record.client_id, team, Some(id), by, ctx.at)?;
            let payload = json!({"referral_id": id});
            events::record(
                conn,
                EventType::AssessmentOpened,
                record.client_id,
                opened,
                by,
                &payload,
                ctx.at,
            )?;
            referrals::get(conn, id)
        })
    }

    /// A team member returns the referral to the sender, with a reason.
    pub fn return_referral(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        reason: &str,
    ) -> StoreResult<ReferralRecord> {
        self.referral_step(ctx, id, "referral.return", true, |conn, record, _| {
            referral::return_to_sender(&record.referral, &ctx.actor, reason)?;
            let by = ctx.actor.professional_id;
            let reason = Some(reason.trim());
            if !referrals::transition(
                conn,
                id,
                ReferralStatus::Sent,
                ReferralStatus::Returned,
                by,
                reason,
                ctx.at,
            )? {
                return Err(ReferralError::AlreadyDecided.into());
            }
            events::record(
                conn,
                EventType::ReferralReturned,
                record.client_id,
                id,
                by,
                &json!({}),
                ctx.at,
            )?;
            referrals::get(conn, id)
        })
    }

    /// The sender withdraws a draft or sent referral.
    pub fn withdraw_referral(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<ReferralRecord> {
        self.referral_step(ctx, id, "referral.withdraw", false, |conn, record, _| {
            referral::withdraw(&record.referral, &ctx.actor)?;
            let by = ctx.actor.professional_id;
            if !referrals::transition(
                conn,
                id,
                record.referral.status,
                ReferralStatus::Withdrawn,
                by,
                None,
                ctx.at,
            )? {
                return Err(ReferralError::AlreadyDecided.into());
            }
            events::record(
                conn,
                EventType::ReferralWithdrawn,
                record.client_id,
                id,
                by,
                &json!({}),
                ctx.at,
            )?;
            referrals::get(conn, id)
        })
    }

    /// Reads a referral: on the sender's side with access to the client, or as
    /// a member of the receiving team once it has been sent.
    pub fn read_referral(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<ReferralRecord> {
        let record = self.run(|conn| referrals::get(conn, id))?;
        let member = ctx.actor.teams.contains(&record.referral.team_id)
            && record.referral.status != ReferralStatus::Draft;
        if member {
            return self.referral_step(ctx, id, "referral.read", true, |_, record, _| {
                Ok(record.clone())
            });
        }
        self.read_client(ctx, record.client_id, "referral.read", |conn, _| {
            referrals::get(conn, id)
        })
    }

    /// The team's inbox, for its members; each listed client is access-logged.
    pub fn team_referrals(
        &self,
        ctx: &AuditContext,
        team_id: Uuid,
        status: Option<ReferralStatus>,
        after: Option<Uuid>,
        page_size: i64,
    ) -> StoreResult<Vec<ReferralRecord>> {
        if !(ctx.actor.works_with_clients() && ctx.actor.teams.contains(&team_id)) {
            return Err(StoreError::NotFound);
        }
        let mut conn = self.conn()?;
        // One row past the page tells whether another follows; it is not shown.
        let rows = referrals::for_team(&mut conn, team_id, status, after, page_size + 1)?;
        let mut shown: Vec<(Uuid, AccessBasis)> = Vec::new();
        for record in rows.iter().take(usize::try_from(page_size).unwrap_or(0)) {
            if !shown.iter().any(|(client, _)| *client == record.client_id) {
                shown.push((record.client_id, AccessBasis::ReferralRecipient));
            }
        }
        self.log(access_log::allowed_many(ctx, "referral.list", &shown))?;
        Ok(rows)
    }
}
