//! Follow-ups (seuranta): the plan's own date and each agreed
//! responsibility's, or added by hand; each has an owner, is completed with a
//! note or cancelled with a reason, and moves with the responsibility when the
//! responsible worker changes.

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;
use uuid::Uuid;

use crate::codes::code_set;
use crate::plan::{Party, PlanContent};

code_set! {
    /// Where a follow-up comes from.
    FollowUpSource, "follow-up-sources", "Where a follow-up comes from" {
        Plan = "plan": "Suunnitelman seuranta", "Uppföljning av planen", "The plan's follow-up date";
        Responsibility = "responsibility": "Sovittu tehtävä", "Överenskommen uppgift", "An agreed responsibility";
        Manual = "manual": "Lisätty käsin", "Tillagd för hand", "Added by hand";
    }
}

/// A follow-up that publishing a plan sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueFollowUp {
    pub source: FollowUpSource,
    pub responsibility_id: Option<Uuid>,
    /// The professional who sees it through.
    pub owner: Uuid,
    pub due_on: NaiveDate,
    pub description: String,
}

/// Follow-ups of a published plan: the plan's own follow-up date, owned by the
/// responsible worker, and one per agreed responsibility — owned by the
/// professional who carries it, or by the responsible worker when the client
/// or an organisation does.
pub fn follow_ups_of(content: &PlanContent, responsible_worker: Uuid) -> Vec<DueFollowUp> {
    let plan = content.follow_up_on.map(|due_on| DueFollowUp {
        source: FollowUpSource::Plan,
        responsibility_id: None,
        owner: responsible_worker,
        due_on,
        description: String::new(),
    });
    let agreed = content.responsibilities.iter().map(|r| DueFollowUp {
        source: FollowUpSource::Responsibility,
        responsibility_id: Some(r.id),
        owner: match r.party {
            Party::Professional { professional_id } => professional_id,
            Party::Client | Party::Organisation { .. } => responsible_worker,
        },
        due_on: r.due_on,
        description: r.task.clone(),
    });
    plan.into_iter().chain(agreed).collect()
}

code_set! {
    /// Where a follow-up stands; overdue is computed, never stored.
    FollowUpStatus, "follow-up-statuses", "States of a follow-up" {
        Open = "open": "Avoin", "Öppen", "Open";
        Completed = "completed": "Tehty", "Utförd", "Completed, with a note";
        Cancelled = "cancelled": "Peruttu", "Inställd", "Cancelled";
    }
}

/// An open follow-up is overdue once its due date has passed.
pub fn is_overdue(status: FollowUpStatus, due_on: NaiveDate, now: DateTime<Utc>) -> bool {
    status == FollowUpStatus::Open && due_on < now.date_naive()
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FollowUpError {
    #[error("the follow-up is {0}; only an open one can be completed or cancelled")]
    NotOpen(FollowUpStatus),
    #[error("completing a follow-up records a note of what was done")]
    NoteRequired,
    #[error("only the follow-up's owner, the responsible worker or the work pair may close it")]
    NotOwner,
    #[error("a follow-up is due today or later")]
    DueInPast,
}

/// Whether a follow-up moves with the responsibility when a handover from
/// `previous_responsible` is accepted: an open one that the previous
/// responsible worker owned ("milloin tähän palataan" is the responsible
/// worker's promise, and it passes to the receiver); a task someone else
/// owns (a team member's, from a meeting) stays theirs.
pub fn moves_with_responsibility(
    status: FollowUpStatus,
    owner: Uuid,
    previous_responsible: Uuid,
) -> bool {
    status == FollowUpStatus::Open && owner == previous_responsible
}

/// A follow-up added by hand is due today or later.
pub fn schedule_follow_up(due_on: NaiveDate, now: DateTime<Utc>) -> Result<(), FollowUpError> {
    if due_on < now.date_naive() {
        Err(FollowUpError::DueInPast)
    } else {
        Ok(())
    }
}

/// Closes an open follow-up as `to` (done or cancelled) with a note, by its
/// owner or the client's responsible worker or work pair.
pub fn close_follow_up(
    status: FollowUpStatus,
    owner: Uuid,
    caller: Uuid,
    caller_holds_responsibility: bool,
    note: &str,
) -> Result<(), FollowUpError> {
    if status != FollowUpStatus::Open {
        return Err(FollowUpError::NotOpen(status));
    }
    if owner != caller && !caller_holds_responsibility {
        return Err(FollowUpError::NotOwner);
    }
    if note.trim().is_empty() {
        return Err(FollowUpError::NoteRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::plan::AgreedResponsibility;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn only_the_previous_responsible_workers_open_follow_ups_move() {
        let (sanna, nurse) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(moves_with_responsibility(
            FollowUpStatus::Open,
            sanna,
            sanna
        ));
        assert!(!moves_with_responsibility(
            FollowUpStatus::Open,
            nurse,
            sanna
        ));
        assert!(!moves_with_responsibility(
            FollowUpStatus::Completed,
            sanna,
            sanna
        ));
        assert!(!moves_with_responsibility(
            FollowUpStatus::Cancelled,
            sanna,
            sanna
        ));
    }

    #[test]
    fn a_follow_up_is_not_set_in_the_past() {
        let now = Utc.with_ymd_and_hms(2026, 12, 10, 8, 0, 0).unwrap();
        assert_eq!(schedule_follow_up(day(10), now), Ok(()));
        assert_eq!(
            schedule_follow_up(day(9), now),
            Err(FollowUpError::DueInPast)
        );
    }

    #[test]
    fn an_open_follow_up_is_overdue_after_its_date() {
        let now = Utc.with_ymd_and_hms(2026, 12, 10, 8, 0, 0).unwrap();
        assert!(is_overdue(FollowUpStatus::Open, day(9), now));
        assert!(
            !is_overdue(FollowUpStatus::Open, day(10), now),
            "due today is not overdue yet"
        );
        assert!(!is_overdue(FollowUpStatus::Completed, day(1), now));
    }

    #[test]
    fn publishing_sets_the_plan_follow_up_and_one_per_agreed_responsibility() {
        let (worker, nurse, kela) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let agreed = |party| AgreedResponsibility {
            id: Uuid::now_v7(),
            party,
            task: "Hakee kuntoutusta".into(),
            due_on: day(20),
        };
        let content = PlanContent {
            follow_up_on: Some(day(30)),
            responsibilities: vec![
                agreed(Party::Client),
                agreed(Party::Professional {
                    professional_id: nurse,
                }),
                agreed(Party::Organisation {
                    organisation_id: kela,
                }),
            ],
            ..PlanContent::default()
        };
        let due = follow_ups_of(&content, worker);
        assert_eq!(due.len(), 4);
        assert_eq!(
            (due[0].source, due[0].owner, due[0].due_on),
            (FollowUpSource::Plan, worker, day(30))
        );
        let owners: Vec<Uuid> = due[1..].iter().map(|d| d.owner).collect();
        assert_eq!(
            owners,
            [worker, nurse, worker],
            "the client's and an organisation's tasks are followed up by the responsible worker"
        );
        assert!(
            due[1..]
                .iter()
                .all(|d| d.source == FollowUpSource::Responsibility
                    && d.description == "Hakee kuntoutusta"
                    && d.responsibility_id.is_some())
        );
    }

    #[test]
    fn closing_a_follow_up_needs_it_open_its_owner_and_a_note() {
        let (owner, someone) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            close_follow_up(FollowUpStatus::Open, owner, owner, false, "Soitettu"),
            Ok(())
        );
        assert_eq!(
            close_follow_up(FollowUpStatus::Open, owner, someone, true, "Soitettu"),
            Ok(()),
            "the responsible worker may close anyone's"
        );
        assert_eq!(
            close_follow_up(FollowUpStatus::Open, owner, someone, false, "Soitettu"),
            Err(FollowUpError::NotOwner)
        );
        assert_eq!(
            close_follow_up(FollowUpStatus::Open, owner, owner, false, "  "),
            Err(FollowUpError::NoteRequired)
        );
        assert_eq!(
            close_follow_up(FollowUpStatus::Completed, owner, owner, false, "x"),
            Err(FollowUpError::NotOpen(FollowUpStatus::Completed))
        );
    }
}
