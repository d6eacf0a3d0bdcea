//! What the API answers about work-ability teams.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kyky_domain::team::{Frequency, MeetingDay, TeamKind, TeamRole};
use kyky_persistence::teams::{self, Team};
use kyky_persistence::{DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::views::cards::{Directory, only};
use crate::views::cards::{OrganisationRef, ProfessionalCard};

/// The next meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextMeeting {
    /// The day of the next meeting (ISO 8601 date, Finnish time).
    pub date: NaiveDate,
    /// Local start time, HH:MM.
    #[schema(example = "09:00")]
    pub start_time: String,
    /// How long the meeting lasts, in minutes.
    #[schema(minimum = 15, maximum = 600)]
    pub duration_minutes: i32,
}

/// A member and their role in the team.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub professional: ProfessionalCard,
    pub role: TeamRole,
    pub joined_at: DateTime<Utc>,
}

/// A team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub id: Uuid,
    /// The team's name.
    pub name: String,
    pub hosting_organisation: OrganisationRef,
    /// What the team does and for whom.
    pub description: Option<String>,
    pub kind: TeamKind,
    pub cadence: CadenceDto,
    /// Computed from the cadence, on or after today (UTC date).
    pub next_meeting: Option<NextMeeting>,
    /// Current members with their team roles.
    pub members: Vec<MemberView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn team_view(conn: &mut DbConnection, team: Team, today: NaiveDate) -> StoreResult<TeamView> {
    only(team_views(conn, vec![team], today))
}

/// Views of these teams: members, their cards and the hosts read one query
/// per kind, not per team.
pub fn team_views(
    conn: &mut DbConnection,
    teams: Vec<Team>,
    today: NaiveDate,
) -> StoreResult<Vec<TeamView>> {
    let ids: Vec<Uuid> = teams.iter().map(|t| t.id).collect();
    let mut members = teams::members_of_many(conn, &ids)?;
    let people = members
        .values()
        .flatten()
        .map(|m| m.professional_id)
        .collect();
    let hosts = teams
        .iter()
        .map(|t| t.fields.hosting_organisation_id)
        .collect();
    let directory = Directory::load(conn, vec![], people, hosts, vec![])?;
    teams
        .into_iter()
        .map(|team| {
            let members = members.remove(&team.id).unwrap_or_default();
            team_view_in(&directory, team, members, today)
        })
        .collect()
}

fn team_view_in(
    directory: &Directory,
    team: Team,
    members: Vec<teams::Member>,
    today: NaiveDate,
) -> StoreResult<TeamView> {
    let f = team.fields;
    let members = members
        .into_iter()
        .map(|m| {
            Ok(MemberView {
                professional: directory.professional(m.professional_id)?,
                role: m.role,
                joined_at: m.joined_at,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(TeamView {
        id: team.id,
        name: f.name,
        hosting_organisation: directory.organisation(f.hosting_organisation_id)?,
        description: f.description,
        kind: f.kind,
        next_meeting: f.cadence.next_meeting(today).map(|date| NextMeeting {
            date,
            start_time: f.start_time.clone(),
            duration_minutes: f.duration_minutes,
        }),
        cadence: CadenceDto {
            frequency: f.cadence.frequency,
            weekday: f.cadence.weekday,
            week_of_month: f.cadence.week_of_month,
            anchor_date: f.cadence.anchor,
            start_time: f.start_time,
            duration_minutes: f.duration_minutes,
        },
        members,
        created_at: team.created_at,
        updated_at: team.updated_at,
    })
}

/// A page of teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamPage {
    pub items: Vec<TeamView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// When the team meets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"frequency": "monthly", "weekday": "tuesday", "week_of_month": 1, "start_time": "09:00", "duration_minutes": 180}))]
pub struct CadenceDto {
    pub frequency: Frequency,
    pub weekday: MeetingDay,
    /// Monthly only: which of the month's weekdays, 1–4, or 5 for the last.
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub week_of_month: Option<u8>,
    /// Every two weeks only: the date of one meeting (on `weekday`), fixing the rhythm.
    pub anchor_date: Option<NaiveDate>,
    /// Local time, HH:MM.
    #[validate(custom(function = "clock_time"))]
    #[schema(
        example = "09:00",
        min_length = 5,
        max_length = 5,
        pattern = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
    )]
    pub start_time: String,
    /// How long a meeting lasts, in minutes.
    #[validate(range(min = 15, max = 600))]
    #[schema(minimum = 15, maximum = 600)]
    pub duration_minutes: i32,
}

pub fn clock_time(value: &str) -> Result<(), ValidationError> {
    NaiveTime::parse_from_str(value, "%H:%M")
        .map(|_| ())
        .map_err(|_| ValidationError::new("time").with_message("a time of day as HH:MM".into()))
}
