//! Use cases of the support plan: draft, edit, publish (superseding the
//! version in force and setting its follow-ups, in one transaction), read, and
//! follow-ups by hand.
//!
//! Publishing shares the plan with every organisation the client's
//! information-exchange consent covers, one disclosure-log entry each; an
//! organisation covered later gets its entry when it first reads the plan.
//! Others who see the client learn only that a plan exists and who is
//! responsible.

use kyky_domain::consent::{self, ConsentPurpose};
use kyky_domain::event::EventType;
use kyky_domain::follow_up;
use kyky_domain::plan::{self, Party, PlanChanges, PlanContent, PlanError, PlanReader, PlanStatus};
use serde_json::json;
use uuid::Uuid;

use crate::access_log::AuditContext;
use crate::client_scope::{ClientScope, authorize, professional_status};
use crate::db::{Db, DbConnection};
use crate::disclosures::{self, Basis, NewDisclosure};
use crate::error::{StoreError, StoreResult};
use crate::follow_ups::{self, NewFollowUp};
use crate::plans::{self, PlanRecord};
use crate::{events, organisations, professionals};

/// What the disclosure log calls a shared plan.
const SHARED_PLAN: &str = "support_plan";

/// A plan version with how much of it the caller reads.
#[derive(Debug, Clone)]
pub struct PlanRead {
    pub record: PlanRecord,
    pub reader: PlanReader,
    /// The client's responsible worker: everyone who sees the client sees who.
    pub responsible: Uuid,
}

/// The organisation holding responsibility for the client: its plan's keeper.
fn holder_organisation(conn: &mut DbConnection, scope: &ClientScope) -> StoreResult<Uuid> {
    Ok(professionals::get(conn, scope.responsibility.responsible)?.organisation_id)
}

/// The consent under which the holder may share the plan with `to`, if any.
fn sharing_consent(
    scope: &ClientScope,
    holder: Uuid,
    to: Uuid,
    ctx: &AuditContext,
) -> Option<Uuid> {
    consent::may_disclose(
        &scope.consents,
        holder,
        to,
        ConsentPurpose::InformationExchange,
        ctx.at,
    )
    .ok()
    .flatten()
}

/// How much the caller reads of the client's plans. A network organisation
/// reads only what it can be logged as disclosed to it.
pub(crate) fn reader_of(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    scope: &ClientScope,
) -> StoreResult<(PlanReader, Uuid)> {
    let holder = holder_organisation(conn, scope)?;
    Ok((reader_given(ctx, scope, holder), holder))
}

/// `reader_of` when the holder organisation is known.
pub(crate) fn reader_given(ctx: &AuditContext, scope: &ClientScope, holder: Uuid) -> PlanReader {
    let covered = consent::organisations_covered(
        &scope.consents,
        ConsentPurpose::InformationExchange,
        ctx.at,
    );
    match plan::plan_reader(scope.basis, ctx.actor.organisation_id, holder, &covered) {
        PlanReader::Network
            if sharing_consent(scope, holder, ctx.actor.organisation_id, ctx).is_none() =>
        {
            PlanReader::ExistenceOnly
        }
        other => other,
    }
}

/// Every professional and organisation the content names must exist.
fn check_references(conn: &mut DbConnection, content: &PlanContent) -> StoreResult<()> {
    let parties = content
        .responsibilities
        .iter()
        .map(|r| ("responsibilities", r.party))
        .chain(content.participants.iter().map(|p| ("participants", *p)));
    for (field, party) in parties {
        let known = match party {
            Party::Client => true,
            Party::Professional { professional_id } => {
                professional_status(conn, professional_id)?.is_some_and(|p| p.active)
            }
            Party::Organisation { organisation_id } => {
                organisations::exists(conn, organisation_id)?
            }
        };
        if !known {
            return Err(StoreError::unknown(field));
        }
    }
    for service in &content.services {
        let professional_known = match service.responsible_professional_id {
            None => true,
            Some(id) => professional_status(conn, id)?.is_some_and(|p| p.active),
        };
        if !professional_known || !organisations::exists(conn, service.provider_organisation_id)? {
            return Err(StoreError::unknown("services"));
        }
    }
    Ok(())
}

/// Shares a published version with every organisation the consent covers.
fn share_on_publish(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    scope: &ClientScope,
    plan_id: Uuid,
) -> StoreResult<()> {
    let holder = holder_organisation(conn, scope)?;
    let covered = consent::organisations_covered(
        &scope.consents,
        ConsentPurpose::InformationExchange,
        ctx.at,
    );
    for to in covered {
        if let Some(consent_id) = sharing_consent(scope, holder, to, ctx) {
            let disclosure = NewDisclosure {
                client_id: scope.client_id,
                from: holder,
                to,
                what: SHARED_PLAN,
                subject_id: Some(plan_id),
                basis: Basis::Consent(consent_id),
            };
            disclosures::append(conn, ctx, &disclosure)?;
        }
    }
    Ok(())
}

impl Db {
    /// Starts a draft of the client's next plan version, copied from the one
    /// in force when asked (and there is one), with `changes` made to it.
    pub fn create_plan(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        copy_current: bool,
        changes: PlanChanges,
    ) -> StoreResult<PlanRecord> {
        self.write_client(ctx, client_id, "plan.create", |conn, scope| {
            plan::may_draft(scope.basis)?;
            if plans::draft(conn, client_id)?.is_some() {
                return Err(PlanError::DraftExists.into());
            }
            let current = if copy_current {
                plans::current(conn, client_id)?
            } else {
                None
            };
            let based_on = current.as_ref().map(|c| c.id);
            let content = changes.apply(current.map(|c| c.content).unwrap_or_default());
            check_references(conn, &content)?;
            let by = ctx.actor.professional_id;
            let id = plans::insert_draft(conn, client_id, &content, based_on, by, ctx.at)?;
            plans::get(conn, id)
        })
    }

    /// Edits a draft that is still at `revision` (If-Match).
    pub fn update_plan(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        expected: &kyky_domain::version::Expected,
        changes: PlanChanges,
    ) -> StoreResult<PlanRecord> {
        let client_id = self.run(|conn| plans::get(conn, id))?.client_id;
        self.write_client(ctx, client_id, "plan.update", |conn, scope| {
            plan::may_draft(scope.basis)?;
            let record = plans::get(conn, id)?;
            plan::edit(record.status)?;
            let revision = expected
                .admit(record.revision)
                .ok_or(StoreError::VersionMismatch)?;
            let content = changes.apply(record.content);
            check_references(conn, &content)?;
            plans::update_draft(
                conn,
                id,
                revision,
                &content,
                ctx.actor.professional_id,
                ctx.at,
            )?;
            plans::get(conn, id)
        })
    }

    /// Discards a draft.
    pub fn discard_plan(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<()> {
        let client_id = self.run(|conn| plans::get(conn, id))?.client_id;
        self.write_client(ctx, client_id, "plan.discard", |conn, scope| {
            plan::may_draft(scope.basis)?;
            plan::edit(plans::get(conn, id)?.status)?;
            plans::delete_draft(conn, id)
        })
    }

    /// Makes a draft the plan in force: the previous version is superseded
    /// (its open follow-ups cancelled), the new one's follow-ups are set, and
    /// the plan is shared with the consented network — all in one transaction.
    pub fn publish_plan(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        acknowledge_warnings: bool,
    ) -> StoreResult<PlanRecord> {
        let client_id = self.run(|conn| plans::get(conn, id))?.client_id;
        self.write_client(ctx, client_id, "plan.publish", |conn, scope| {
            plan::may_draft(scope.basis)?;
            let record = plans::get(conn, id)?;
            let content = &record.content;
            plan::publish(
                record.status,
                content.follow_up_on,
                &content.services,
                acknowledge_warnings,
                ctx.at.date_naive(),
            )?;
            let by = ctx.actor.professional_id;
            if let Some(previous) = plans::current(conn, client_id)? {
                plans::supersede(conn, previous.id, id, ctx.at)?;
                let note = format!("superseded by plan version {}", record.number);
                follow_ups::cancel_open_of_plan(conn, previous.id, &note, by, ctx.at)?;
            }
            let acknowledged = !content.warnings().is_empty();
            plans::publish(conn, id, acknowledged, by, ctx.at)?;
            for due in follow_up::follow_ups_of(content, scope.responsibility.responsible) {
                let new = NewFollowUp {
                    client_id,
                    plan_id: Some(id),
                    source: due.source,
                    responsibility_id: due.responsibility_id,
                    owner_id: due.owner,
                    description: due.description,
                    due_on: due.due_on,
                };
                follow_ups::insert(conn, &new, by, ctx.at)?;
            }
            share_on_publish(conn, ctx, scope, id)?;
            let payload = json!({"number": record.number, "follow_up_on": content.follow_up_on});
            events::record(
                conn,
                EventType::PlanPublished,
                client_id,
                id,
                by,
                &payload,
                ctx.at,
            )?;
            plans::get(conn, id)
        })
    }

    /// Logs the first sharing of a published version with a network
    /// organisation that reads it after publication (its consent came later).
    fn share_on_read(&self, ctx: &AuditContext, read: &PlanRead) -> StoreResult<()> {
        if read.reader != PlanReader::Network || read.record.status == PlanStatus::Draft {
            return Ok(());
        }
        let (client_id, plan_id) = (read.record.client_id, read.record.id);
        let to = ctx.actor.organisation_id;
        self.transaction(|conn| {
            if disclosures::disclosed(conn, client_id, SHARED_PLAN, plan_id, to)? {
                return Ok(());
            }
            let scope = authorize(conn, ctx, client_id)?.ok_or(StoreError::AccessDenied)?;
            let holder = holder_organisation(conn, &scope)?;
            let consent_id =
                sharing_consent(&scope, holder, to, ctx).ok_or(PlanError::NotShared)?;
            let disclosure = NewDisclosure {
                client_id,
                from: holder,
                to,
                what: SHARED_PLAN,
                subject_id: Some(plan_id),
                basis: Basis::Consent(consent_id),
            };
            disclosures::append(conn, ctx, &disclosure)
        })
    }

    /// One plan version; drafts only for the responsible worker and work pair.
    pub fn read_plan(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<PlanRead> {
        let client_id = self.run(|conn| plans::get(conn, id))?.client_id;
        let read = self.read_client(ctx, client_id, "plan.read", |conn, scope| {
            let (reader, _) = reader_of(conn, ctx, scope)?;
            let record = plans::get(conn, id)?;
            if record.status == PlanStatus::Draft && !reader.sees_drafts() {
                return Err(StoreError::Hidden("plan_draft_not_shared"));
            }
            Ok(PlanRead {
                record,
                reader,
                responsible: scope.responsibility.responsible,
            })
        })?;
        self.share_on_read(ctx, &read)?;
        Ok(read)
    }

    /// The version in force, if any.
    pub fn current_plan(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
    ) -> StoreResult<Option<PlanRead>> {
        let read = self.read_client(ctx, client_id, "plan.read", |conn, scope| {
            let (reader, _) = reader_of(conn, ctx, scope)?;
            Ok(plans::current(conn, client_id)?.map(|record| PlanRead {
                record,
                reader,
                responsible: scope.responsibility.responsible,
            }))
        })?;
        if let Some(read) = &read {
            self.share_on_read(ctx, read)?;
        }
        Ok(read)
    }

    /// The client's versions, newest first (drafts for the responsible worker
    /// and work pair only), with how much the caller reads of them.
    pub fn client_plans(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
    ) -> StoreResult<(PlanReader, Uuid, Vec<PlanRecord>)> {
        self.read_client(ctx, client_id, "plan.list", |conn, scope| {
            let (reader, _) = reader_of(conn, ctx, scope)?;
            let mut versions = plans::for_client(conn, client_id)?;
            versions.retain(|v| v.status != PlanStatus::Draft || reader.sees_drafts());
            Ok((reader, scope.responsibility.responsible, versions))
        })
    }
}
