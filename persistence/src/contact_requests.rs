//! Contact requests (low-threshold entry) and their triage.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::RelationshipBasis;
use kyky_domain::contact_request::{ContactChannel, ContactRequest, ContactRequestStatus};
use kyky_domain::event::EventType;
use serde_json::json;
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::client_flow::{RelationshipGrounds, create_or_link_in};
use crate::consents::{self, NewConsent};
use crate::convert::{code, naive, utc};
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::schema::contact_requests as requests;
use crate::sql_types::{DbId, DbTime};
use crate::{assessments, events, teams};

/// Who asks to be contacted, and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_time: Option<String>,
    pub message: Option<String>,
    pub channel: ContactChannel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequestRecord {
    pub request: ContactRequest,
    pub details: ContactDetails,
    pub received_by: Uuid,
    pub received_at: DateTime<Utc>,
    pub triaged_by: Option<Uuid>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub client_id: Option<Uuid>,
    pub assessment_id: Option<Uuid>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
struct Row {
    id: DbId,
    team_id: DbId,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    preferred_time: Option<String>,
    message: Option<String>,
    channel: String,
    status: String,
    received_by: DbId,
    received_at: DbTime,
    triaged_by: Option<DbId>,
    triaged_at: Option<DbTime>,
    close_reason: Option<String>,
    client_id: Option<DbId>,
    assessment_id: Option<DbId>,
}

fn to_record(row: Row) -> StoreResult<ContactRequestRecord> {
    Ok(ContactRequestRecord {
        request: ContactRequest {
            id: row.id.0,
            status: code(&row.status)?,
            team_id: row.team_id.0,
        },
        details: ContactDetails {
            name: row.name,
            phone: row.phone,
            email: row.email,
            preferred_time: row.preferred_time,
            message: row.message,
            channel: code(&row.channel)?,
        },
        received_by: row.received_by.0,
        received_at: utc(row.received_at),
        triaged_by: row.triaged_by.map(Uuid::from),
        triaged_at: row.triaged_at.map(utc),
        close_reason: row.close_reason,
        client_id: row.client_id.map(Uuid::from),
        assessment_id: row.assessment_id.map(Uuid::from),
    })
}

/// Every contact request triaged into this client, oldest first (for the
/// client's export).
pub fn for_client(
    conn: &mut DbConnection,
    client_id: Uuid,
) -> StoreResult<Vec<ContactRequestRecord>> {
    requests::table
        .filter(requests::client_id.eq(DbId(client_id)))
        .order(requests::id)
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<ContactRequestRecord> {
    to_record(
        requests::table
            .find(DbId(id))
            .select(Row::as_select())
            .first(conn)?,
    )
}

/// What triage decided.
#[derive(Debug, Clone)]
pub enum Triage<'a> {
    /// Invite: the person becomes (or is linked as) a client with the consent
    /// given at the first meeting, and optionally an assessment opens.
    Invite {
        hetu: &'a kyky_domain::Hetu,
        fields: &'a kyky_domain::entities::ClientFields,
        consent: NewConsent,
        open_assessment: bool,
    },
    Close {
        reason: &'a str,
    },
}

fn member(ctx: &AuditContext, team: Uuid) -> bool {
    ctx.actor.works_with_clients() && ctx.actor.teams.contains(&team)
}

impl Db {
    /// Records a contact request to a team. Any professional or integration
    /// (e.g. Omaolo) may pass one on; the team triages it.
    pub fn receive_contact_request(
        &self,
        ctx: &AuditContext,
        team_id: Uuid,
        details: &ContactDetails,
    ) -> StoreResult<ContactRequestRecord> {
        self.transaction(|conn| {
            teams::get(conn, team_id)?;
            let id = Uuid::now_v7();
            diesel::insert_into(requests::table)
                .values(Row {
                    id: DbId(id),
                    team_id: DbId(team_id),
                    name: details.name.clone(),
                    phone: details.phone.clone(),
                    email: details.email.clone(),
                    preferred_time: details.preferred_time.clone(),
                    message: details.message.clone(),
                    channel: details.channel.to_string(),
                    status: ContactRequestStatus::New.to_string(),
                    received_by: DbId(ctx.actor.professional_id),
                    received_at: naive(ctx.at),
                    triaged_by: None,
                    triaged_at: None,
                    close_reason: None,
                    client_id: None,
                    assessment_id: None,
                })
                .execute(conn)?;
            get(conn, id)
        })
    }

    /// The team's second inbox, for its members; oldest first.
    pub fn team_contact_requests(
        &self,
        ctx: &AuditContext,
        team_id: Uuid,
        status: Option<ContactRequestStatus>,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<ContactRequestRecord>> {
        if !member(ctx, team_id) {
            return Err(StoreError::NotFound);
        }
        self.run(|conn| {
            let mut query = requests::table
                .filter(requests::team_id.eq(DbId(team_id)))
                .order(requests::id)
                .limit(limit)
                .select(Row::as_select())
                .into_boxed();
            if let Some(status) = status {
                query = query.filter(requests::status.eq(status.to_string()));
            }
            if let Some(after) = after {
                query = query.filter(requests::id.gt(DbId(after)));
            }
            query.load(conn)?.into_iter().map(to_record).collect()
        })
    }

    /// Triages a new contact request, in one transaction.
    pub fn triage_contact_request(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        triage: Triage<'_>,
    ) -> StoreResult<ContactRequestRecord> {
        self.transaction(|conn| {
            let record = get(conn, id)?;
            if !member(ctx, record.request.team_id) {
                return Err(StoreError::NotFound);
            }
            let pending = requests::table
                .filter(requests::id.eq(DbId(id)))
                .filter(requests::status.eq("new"));
            let at = Some(naive(ctx.at));
            let by = Some(DbId(ctx.actor.professional_id));
            match triage {
                Triage::Close { reason } => {
                    kyky_domain::contact_request::close(&record.request, &ctx.actor, reason)?;
                    let changed = diesel::update(pending)
                        .set((
                            requests::status.eq(ContactRequestStatus::Closed.to_string()),
                            requests::triaged_by.eq(by),
                            requests::triaged_at.eq(at),
                            requests::close_reason.eq(Some(reason.trim().to_owned())),
                        ))
                        .execute(conn)?;
                    if changed == 0 {
                        return Err(
                            kyky_domain::contact_request::ContactRequestError::AlreadyTriaged(
                                get(conn, id)?.request.status,
                            )
                            .into(),
                        );
                    }
                }
                Triage::Invite {
                    hetu,
                    fields,
                    mut consent,
                    open_assessment,
                } => {
                    kyky_domain::contact_request::invite(&record.request, &ctx.actor)?;
                    // The person asked the team to get in touch: a basis of their own.
                    let grounds = RelationshipGrounds {
                        basis: RelationshipBasis::ClientContact,
                        reason: Some("contact request to the work-ability team"),
                    };
                    let client_id =
                        create_or_link_in(conn, ctx, Uuid::now_v7(), hetu, fields, None, grounds)?
                            .client_id();
                    let host = teams::get(conn, record.request.team_id)?
                        .fields
                        .hosting_organisation_id;
                    consent
                        .organisations
                        .extend([ctx.actor.organisation_id, host]);
                    let consent_id = consents::insert(
                        conn,
                        client_id,
                        &consent,
                        ctx.actor.professional_id,
                        ctx.at,
                    )?;
                    let who = ctx.actor.professional_id;
                    events::record(
                        conn,
                        EventType::ConsentGiven,
                        client_id,
                        consent_id,
                        who,
                        &json!({"purposes": consent.purposes}),
                        ctx.at,
                    )?;
                    let assessment = if open_assessment {
                        let opened = assessments::open(
                            conn,
                            client_id,
                            record.request.team_id,
                            None,
                            who,
                            ctx.at,
                        )?;
                        events::record(
                            conn,
                            EventType::AssessmentOpened,
                            client_id,
                            opened,
                            who,
                            &json!({"contact_request_id": id}),
                            ctx.at,
                        )?;
                        Some(opened)
                    } else {
                        None
                    };
                    let changed = diesel::update(pending)
                        .set((
                            requests::status.eq(ContactRequestStatus::Invited.to_string()),
                            requests::triaged_by.eq(by),
                            requests::triaged_at.eq(at),
                            requests::client_id.eq(Some(DbId(client_id))),
                            requests::assessment_id.eq(assessment.map(DbId)),
                        ))
                        .execute(conn)?;
                    if changed == 0 {
                        return Err(
                            kyky_domain::contact_request::ContactRequestError::AlreadyTriaged(
                                get(conn, id)?.request.status,
                            )
                            .into(),
                        );
                    }
                    access_log::append(
                        conn,
                        ctx,
                        client_id,
                        "contact_request.invite",
                        Some(kyky_domain::AccessBasis::OrganisationRelationship),
                        Outcome::Allowed,
                    )?;
                }
            }
            get(conn, id)
        })
    }
}
