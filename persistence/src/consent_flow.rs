//! Use cases of consent: recording and withdrawing. Withdrawal takes effect at
//! once — access and disclosure rules read consents at the moment of use, so
//! pending handovers that relied on it can no longer be accepted and
//! organisations whose only basis it was lose access. Nothing is deleted.

use kyky_domain::consent::{self, LegalBasis};
use kyky_domain::entities::Client;
use kyky_domain::event::EventType;
use kyky_domain::{AccessBasis, Hetu};
use serde_json::json;
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::consents::{self, ConsentRecord, NewConsent};
use crate::db::Db;
use crate::disclosures::{self, Basis, NewDisclosure};
use crate::error::{StoreError, StoreResult};
use crate::{clients, events, organisations, professionals, responsibility};

impl Db {
    /// Records the client's consent. The recording organisation is always
    /// among those covered.
    pub fn record_consent(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        mut new: NewConsent,
    ) -> StoreResult<ConsentRecord> {
        // An organisation that declared its relationship records the consent
        // the client gives it; that is how it comes to read the record.
        self.write_client_or_entry(ctx, client_id, "consent.record", |conn, _| {
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
                EventType::ConsentGiven,
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
                EventType::ConsentWithdrawn,
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

impl Db {
    /// Discloses the client's record to the caller's organisation on a
    /// statutory basis instead of consent: logged in the access log and the
    /// disclosure log with the basis and reason, and flagged for review.
    pub fn statutory_disclosure(
        &self,
        ctx: &AuditContext,
        hetu: &Hetu,
        legal_basis: LegalBasis,
        reason: &str,
    ) -> StoreResult<Client> {
        self.transaction(|conn| {
            let client = clients::find_by_hetu(conn, hetu)?.ok_or(StoreError::NotFound)?;
            let current = responsibility::current(conn, client.id)?.ok_or_else(|| {
                StoreError::Corrupt("a client without a responsible worker".into())
            })?;
            let holder = professionals::get(conn, current.responsible)?.organisation_id;
            let disclosure = NewDisclosure {
                client_id: client.id,
                from: holder,
                to: ctx.actor.organisation_id,
                what: "client_record",
                subject_id: None,
                basis: Basis::Statutory {
                    legal_basis: legal_basis.to_string(),
                    reason: reason.trim().to_owned(),
                },
            };
            disclosures::append(conn, ctx, &disclosure)?;
            access_log::append(
                conn,
                ctx,
                client.id,
                "client.statutory_disclosure",
                Some(AccessBasis::Statutory),
                Outcome::Allowed,
            )?;
            Ok(client)
        })
    }
}
