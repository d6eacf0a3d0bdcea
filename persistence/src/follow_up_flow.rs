//! Follow-ups as use cases: a client's, a worker's own, adding and closing one.

use std::collections::{BTreeSet, HashMap, HashSet};

use kyky_domain::event::EventType;
use kyky_domain::follow_up;
use kyky_domain::follow_up::{FollowUpSource, FollowUpStatus};
use kyky_domain::plan::PlanError;
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::client_scope::{authorize, authorize_many, professional_status};
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::follow_ups::{self, FollowUpRecord, NewFollowUp, OwnFollowUps};
use crate::plan_flow::{reader_given, reader_of};
use crate::{clients, events, professionals};

impl Db {
    /// The client's follow-ups: for those who read the plan.
    pub fn client_follow_ups(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        status: Option<FollowUpStatus>,
    ) -> StoreResult<Vec<FollowUpRecord>> {
        self.read_client(ctx, client_id, "follow_up.list", |conn, scope| {
            let (reader, _) = reader_of(conn, ctx, scope)?;
            if !reader.reads_content() {
                return Err(PlanError::NotShared.into());
            }
            follow_ups::for_client(conn, client_id, status)
        })
    }

    /// The caller's own follow-ups across their clients, soonest first: a
    /// page of `page_size` after the follow-up `after`, and one more row when
    /// another page follows. With them, the clients whose plan the caller
    /// reads: each shown is access-logged, and only their follow-ups may be
    /// shown (an owner who has since lost the client does not see it
    /// through the list).
    pub fn own_follow_ups(
        &self,
        ctx: &AuditContext,
        filter: &OwnFollowUps,
        after: Option<Uuid>,
        page_size: i64,
    ) -> StoreResult<(Vec<FollowUpRecord>, HashSet<Uuid>)> {
        let mut conn = self.conn()?;
        let conn = &mut conn;
        let after = match after {
            None => None,
            Some(id) => Some((follow_ups::get(conn, id)?.due_on, id)),
        };
        let rows = follow_ups::owned_by(
            conn,
            ctx.actor.professional_id,
            filter,
            ctx.at.date_naive(),
            after,
            page_size + 1,
        )?;
        // The row past the page only tells that another page follows.
        let clients: Vec<Uuid> = rows
            .iter()
            .take(usize::try_from(page_size).unwrap_or(0))
            .map(|r| r.client_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Access and plan readership for the whole page, not client by client.
        let scopes = authorize_many(conn, ctx, &clients)?;
        let responsible: Vec<Uuid> = scopes
            .values()
            .map(|s| s.responsibility.responsible)
            .collect();
        let holders: HashMap<Uuid, Uuid> = professionals::get_many(conn, &responsible)?
            .into_iter()
            .map(|p| (p.id, p.organisation_id))
            .collect();
        let mut readable = Vec::with_capacity(clients.len());
        for client_id in clients {
            let Some(scope) = scopes.get(&client_id) else {
                continue;
            };
            let Some(&holder) = holders.get(&scope.responsibility.responsible) else {
                continue;
            };
            if reader_given(ctx, scope, holder).reads_content() {
                readable.push((client_id, scope.basis));
            }
        }
        self.log(access_log::allowed_many(ctx, "follow_up.list", &readable))?;
        Ok((rows, readable.into_iter().map(|(id, _)| id).collect()))
    }

    /// Adds a follow-up by hand. Its owner (the caller unless named) is an
    /// active professional of the caller's organisation, or the client's
    /// responsible worker or work pair.
    pub fn add_follow_up(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        owner: Option<Uuid>,
        description: &str,
        due_on: chrono::NaiveDate,
    ) -> StoreResult<FollowUpRecord> {
        self.write_client(ctx, client_id, "follow_up.create", |conn, scope| {
            follow_up::schedule_follow_up(due_on, ctx.at)?;
            let owner = owner.unwrap_or(ctx.actor.professional_id);
            let keeper = owner == scope.responsibility.responsible
                || scope.responsibility.work_pair == Some(owner);
            let fits = professional_status(conn, owner)?.is_some_and(|p| {
                p.active && (keeper || p.organisation_id == ctx.actor.organisation_id)
            });
            if !fits {
                return Err(StoreError::InvalidReference {
                    field: "owner_id",
                    message: "must name an active professional of your organisation, or the client's responsible worker or work pair",
                });
            }
            let new = NewFollowUp {
                client_id,
                plan_id: None,
                source: FollowUpSource::Manual,
                responsibility_id: None,
                owner_id: owner,
                description: description.trim().to_owned(),
                due_on,
            };
            let id = follow_ups::insert(conn, &new, ctx.actor.professional_id, ctx.at)?;
            let payload = serde_json::json!({"owner_id": owner, "due_on": due_on});
            events::record(
                conn,
                EventType::FollowUpAdded,
                client_id,
                id,
                ctx.actor.professional_id,
                &payload,
                ctx.at,
            )?;
            follow_ups::get(conn, id)
        })
    }

    /// Completes or cancels a follow-up with a note: its owner, or
    /// the client's responsible worker or work pair — whichever organisation
    /// they are in.
    pub fn close_follow_up(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        to: FollowUpStatus,
        note: &str,
    ) -> StoreResult<FollowUpRecord> {
        let client_id = self.run(|conn| follow_ups::get(conn, id))?.client_id;
        let (operation, happened) = if to == FollowUpStatus::Completed {
            ("follow_up.complete", EventType::FollowUpCompleted)
        } else {
            ("follow_up.cancel", EventType::FollowUpCancelled)
        };
        let result = self.transaction(|conn| {
            clients::lock(conn, client_id)?;
            let scope = authorize(conn, ctx, client_id)?.ok_or(StoreError::AccessDenied)?;
            let record = follow_ups::get(conn, id)?;
            follow_up::close_follow_up(
                record.status,
                record.owner_id,
                ctx.actor.professional_id,
                scope.basis.holds_responsibility(),
                note,
            )?;
            let by = ctx.actor.professional_id;
            if !follow_ups::close(conn, id, to, note.trim(), by, ctx.at)? {
                return Err(
                    follow_up::FollowUpError::NotOpen(follow_ups::get(conn, id)?.status).into(),
                );
            }
            let payload = serde_json::json!({"owner_id": record.owner_id});
            events::record(conn, happened, client_id, id, by, &payload, ctx.at)?;
            access_log::append(
                conn,
                ctx,
                client_id,
                operation,
                Some(scope.basis),
                Outcome::Allowed,
            )?;
            follow_ups::get(conn, id)
        });
        self.settle(ctx, client_id, operation, result)
    }
}
