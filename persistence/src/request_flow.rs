//! The work pair and requests for responsibility, as use cases.

use kyky_domain::event::EventType;
use kyky_domain::handover::{self, Receiver, Responsibility};
use kyky_domain::request::{self, RequestStatus};
use serde_json::json;
use uuid::Uuid;

use crate::access_log::AuditContext;
use crate::client_scope::{ClientScope, professional_status};
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::handover_flow::{NewHandover, pending_race, propose_in};
use crate::handovers::HandoverRecord;
use crate::requests::{self, RequestRecord};
use crate::{events, responsibility};

impl Db {
    /// Sets or clears the work pair (työpari); only the responsible worker.
    pub fn set_work_pair(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        pair: Option<Uuid>,
    ) -> StoreResult<Responsibility> {
        self.write_client(ctx, client_id, "responsibility.work_pair", |conn, scope| {
            let status = match pair {
                Some(id) => Some(
                    professional_status(conn, id)?.ok_or(StoreError::unknown("professional_id"))?,
                ),
                None => None,
            };
            handover::set_work_pair(&scope.responsibility, &ctx.actor, status.as_ref())?;
            responsibility::set_work_pair(
                conn,
                client_id,
                pair,
                ctx.actor.professional_id,
                ctx.at,
            )?;
            events::record(
                conn,
                EventType::WorkPairChanged,
                client_id,
                client_id,
                ctx.actor.professional_id,
                &json!({"work_pair": pair}),
                ctx.at,
            )?;
            Ok(Responsibility {
                responsible: scope.responsibility.responsible,
                work_pair: pair,
            })
        })
    }

    /// Asks the responsible worker to hand the client over to the caller.
    pub fn ask_for_responsibility(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        reason: &str,
    ) -> StoreResult<RequestRecord> {
        self.write_client(
            ctx,
            client_id,
            "responsibility_request.create",
            |conn, scope| {
                let pending = requests::pending_exists(conn, client_id)?;
                request::ask(&scope.responsibility, &ctx.actor, pending)?;
                let id = requests::insert(
                    conn,
                    client_id,
                    ctx.actor.professional_id,
                    reason.trim(),
                    ctx.at,
                )?;
                events::record(
                    conn,
                    EventType::ResponsibilityRequestCreated,
                    client_id,
                    id,
                    ctx.actor.professional_id,
                    &json!({}),
                    ctx.at,
                )?;
                requests::get(conn, id)
            },
        )
        .map_err(|error| match error {
            StoreError::UniqueViolation(_) => request::RequestError::AlreadyPending.into(),
            other => other,
        })
    }

    /// Runs `work` on request `id` as a guarded write of its client.
    fn request_write<T>(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &ClientScope, &RequestRecord) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let client_id = self.run(|conn| requests::get(conn, id))?.client_id;
        self.write_client(ctx, client_id, operation, |conn, scope| {
            let record = requests::get(conn, id)?;
            work(conn, scope, &record)
        })
    }

    /// The responsible worker agrees: a pending handover to the asker is proposed.
    pub fn agree_to_request(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        mut handover: NewHandover,
    ) -> StoreResult<(RequestRecord, HandoverRecord)> {
        self.request_write(
            ctx,
            id,
            "responsibility_request.agree",
            |conn, scope, record| {
                request::agree(&record.request, &ctx.actor, &scope.responsibility)?;
                handover.receiver = Receiver::Professional(record.request.requested_by);
                let proposed =
                    propose_in(conn, ctx, scope.client_id, &scope.responsibility, handover)?;
                let by = ctx.actor.professional_id;
                if !requests::answer(
                    conn,
                    id,
                    RequestStatus::Agreed,
                    by,
                    None,
                    Some(proposed.handover.id),
                    ctx.at,
                )? {
                    return Err(request::RequestError::NotPending(
                        requests::get(conn, id)?.request.status,
                    )
                    .into());
                }
                events::record(
                    conn,
                    EventType::ResponsibilityRequestAgreed,
                    scope.client_id,
                    id,
                    by,
                    &json!({"handover_id": proposed.handover.id}),
                    ctx.at,
                )?;
                Ok((requests::get(conn, id)?, proposed))
            },
        )
        .map_err(pending_race)
    }

    /// The responsible worker refuses, with a reason.
    pub fn refuse_request(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        reason: &str,
    ) -> StoreResult<RequestRecord> {
        self.request_write(
            ctx,
            id,
            "responsibility_request.refuse",
            |conn, scope, record| {
                request::refuse(&record.request, &ctx.actor, &scope.responsibility, reason)?;
                let by = ctx.actor.professional_id;
                if !requests::answer(
                    conn,
                    id,
                    RequestStatus::Refused,
                    by,
                    Some(reason.trim()),
                    None,
                    ctx.at,
                )? {
                    return Err(request::RequestError::NotPending(
                        requests::get(conn, id)?.request.status,
                    )
                    .into());
                }
                events::record(
                    conn,
                    EventType::ResponsibilityRequestRefused,
                    scope.client_id,
                    id,
                    by,
                    &json!({}),
                    ctx.at,
                )?;
                requests::get(conn, id)
            },
        )
    }

    /// The asker withdraws the request.
    pub fn withdraw_request(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<RequestRecord> {
        self.request_write(
            ctx,
            id,
            "responsibility_request.withdraw",
            |conn, scope, record| {
                request::withdraw(&record.request, &ctx.actor)?;
                let by = ctx.actor.professional_id;
                if !requests::answer(conn, id, RequestStatus::Withdrawn, by, None, None, ctx.at)? {
                    return Err(request::RequestError::NotPending(
                        requests::get(conn, id)?.request.status,
                    )
                    .into());
                }
                events::record(
                    conn,
                    EventType::ResponsibilityRequestWithdrawn,
                    scope.client_id,
                    id,
                    by,
                    &json!({}),
                    ctx.at,
                )?;
                requests::get(conn, id)
            },
        )
    }
}
