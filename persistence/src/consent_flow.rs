//! Use cases of consent: recording and withdrawing. Withdrawal takes effect at
//! once — access and disclosure rules read consents at the moment of use, so
//! pending handovers that relied on it can no longer be accepted and
//! organisations whose only basis it was lose access. Nothing is deleted.

use kyky_domain::consent;
use serde_json::json;
use uuid::Uuid;

use crate::access_log::AuditContext;
use crate::consents::{self, ConsentRecord, NewConsent};
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::{events, organisations};

impl Db {
    /// Records the client's consent. The recording organisation is always
    /// among those covered.
    pub fn record_consent(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        mut new: NewConsent,
    ) -> StoreResult<ConsentRecord> {
        self.write_client(ctx, client_id, "consent.record", |conn, _| {
            for organisation in &new.organisations {
                if !organisations::exists(conn, *organisation)? {
                    return Err(StoreError::unknown("organisation_ids"));
                }
            }
            new.organisations.insert(ctx.actor.organisation_id);
            let id = consents::insert(conn, client_id, &new, ctx.actor.professional_id, ctx.at)?;
            let payload = json!({"purposes": new.purposes, "organisations": new.organisations});
            events::record(
                conn,
                "consent.given",
                client_id,
                id,
                ctx.actor.professional_id,
                &payload,
                ctx.at,
            )?;
            consents::get(conn, id)
        })
    }

    /// Records the client's withdrawal of consent `id`, effective now.
    pub fn withdraw_consent(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        method: kyky_domain::consent::ConsentMethod,
    ) -> StoreResult<ConsentRecord> {
        let client_id = self.run(|conn| consents::get(conn, id))?.client_id;
        self.write_client(ctx, client_id, "consent.withdraw", |conn, _| {
            let record = consents::get(conn, id)?;
            consent::withdraw(&record.consent, ctx.at)?;
            if !consents::withdraw(conn, id, ctx.actor.professional_id, method, ctx.at)? {
                return Err(consent::ConsentError::AlreadyWithdrawn.into());
            }
            events::record(
                conn,
                "consent.withdrawn",
                client_id,
                id,
                ctx.actor.professional_id,
                &json!({}),
                ctx.at,
            )?;
            consents::get(conn, id)
        })
    }
}
