//! Health and work-ability assessment (terveydentilan ja työkyvyn arvio),
//! done by a work-ability team after accepting a referral.
//!
//! ```text
//! open ──start──▶ in_progress ──complete (with feedback)──▶ completed
//!   └─────────────────┴──cancel (with a reason)──▶ cancelled
//! ```
//! Completion requires feedback (palaute): the work-ability-relevant health
//! factors to consider in employment planning, the recommended path, whether
//! a physician's statement was written, and a summary.

use thiserror::Error;
use uuid::Uuid;

use crate::actor::Actor;
use crate::codes::code_set;

code_set! {
    /// Where an assessment stands.
    AssessmentStatus, "assessment-statuses", "States of a health and work-ability assessment" {
        Open = "open": "Avattu", "Öppnad", "Open";
        InProgress = "in_progress": "Käynnissä", "Pågår", "In progress";
        Completed = "completed": "Valmis", "Klar", "Completed, with feedback";
        Cancelled = "cancelled": "Peruttu", "Avbruten", "Cancelled";
    }
}

code_set! {
    /// The path the team recommends.
    RecommendedPath, "recommended-paths", "Paths an assessment may recommend" {
        Employment = "employment": "Työllistyminen", "Sysselsättning", "Employment";
        Education = "education": "Koulutus", "Utbildning", "Education";
        VocationalRehabilitation = "vocational_rehabilitation":
            "Ammatillinen kuntoutus", "Yrkesinriktad rehabilitering", "Vocational rehabilitation";
        MedicalRehabilitation = "medical_rehabilitation":
            "Lääkinnällinen kuntoutus", "Medicinsk rehabilitering", "Medical rehabilitation";
        SocialRehabilitation = "social_rehabilitation":
            "Sosiaalinen kuntoutus", "Social rehabilitering", "Social rehabilitation";
        RehabilitativeWorkActivity = "rehabilitative_work_activity":
            "Kuntouttava työtoiminta", "Arbetsverksamhet i rehabiliteringssyfte", "Rehabilitative work activity";
        PensionAssessment = "pension_assessment":
            "Eläkeselvittely", "Pensionsutredning", "Pension assessment";
        FurtherExaminations = "further_examinations":
            "Lisätutkimukset", "Ytterligare undersökningar", "Further examinations";
        Other = "other": "Muu", "Annan", "Other";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub id: Uuid,
    pub status: AssessmentStatus,
    pub team_id: Uuid,
}

/// The team's feedback (palaute): what may be shared under the consent, not
/// the full medical record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub health_factors: String,
    pub recommended_path: RecommendedPath,
    pub physician_statement: bool,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AssessmentError {
    #[error("only a member of the assessing team may do this")]
    NotTeamMember,
    #[error("the assessment is {0}; this step is not possible")]
    WrongState(AssessmentStatus),
    #[error("feedback needs a summary and the health factors to consider")]
    FeedbackIncomplete,
    #[error("a reason is required")]
    ReasonRequired,
}

fn member(assessment: &Assessment, actor: &Actor) -> Result<(), AssessmentError> {
    if actor.teams.contains(&assessment.team_id) {
        Ok(())
    } else {
        Err(AssessmentError::NotTeamMember)
    }
}

pub fn start(assessment: &Assessment, actor: &Actor) -> Result<(), AssessmentError> {
    member(assessment, actor)?;
    match assessment.status {
        AssessmentStatus::Open => Ok(()),
        other => Err(AssessmentError::WrongState(other)),
    }
}

pub fn complete(
    assessment: &Assessment,
    actor: &Actor,
    feedback: &Feedback,
) -> Result<(), AssessmentError> {
    member(assessment, actor)?;
    if assessment.status != AssessmentStatus::InProgress {
        return Err(AssessmentError::WrongState(assessment.status));
    }
    if feedback.summary.trim().is_empty() || feedback.health_factors.trim().is_empty() {
        return Err(AssessmentError::FeedbackIncomplete);
    }
    Ok(())
}

pub fn cancel(assessment: &Assessment, actor: &Actor, reason: &str) -> Result<(), AssessmentError> {
    member(assessment, actor)?;
    match assessment.status {
        AssessmentStatus::Open | AssessmentStatus::InProgress if !reason.trim().is_empty() => {
            Ok(())
        }
        AssessmentStatus::Open | AssessmentStatus::InProgress => {
            Err(AssessmentError::ReasonRequired)
        }
        other => Err(AssessmentError::WrongState(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Role;

    fn actor(teams: &[Uuid]) -> Actor {
        Actor {
            professional_id: Uuid::now_v7(),
            organisation_id: Uuid::now_v7(),
            roles: [Role::Professional].into(),
            teams: teams.iter().copied().collect(),
        }
    }

    fn assessment(status: AssessmentStatus) -> Assessment {
        Assessment {
            id: Uuid::now_v7(),
            status,
            team_id: Uuid::now_v7(),
        }
    }

    fn feedback() -> Feedback {
        Feedback {
            health_factors: "Selkä ei kestä nostoja".into(),
            recommended_path: RecommendedPath::VocationalRehabilitation,
            physician_statement: true,
            summary: "Työkyky osittainen; ammatillinen kuntoutus".into(),
        }
    }

    #[test]
    fn open_to_in_progress_to_completed_by_team_members() {
        let a = assessment(AssessmentStatus::Open);
        let member = actor(&[a.team_id]);
        assert_eq!(start(&a, &member), Ok(()));
        assert_eq!(start(&a, &actor(&[])), Err(AssessmentError::NotTeamMember));
        let running = Assessment {
            status: AssessmentStatus::InProgress,
            ..a.clone()
        };
        assert_eq!(complete(&running, &member, &feedback()), Ok(()));
        assert_eq!(
            complete(&a, &member, &feedback()),
            Err(AssessmentError::WrongState(AssessmentStatus::Open))
        );
    }

    #[test]
    fn completion_requires_feedback() {
        let a = assessment(AssessmentStatus::InProgress);
        let member = actor(&[a.team_id]);
        let empty = Feedback {
            summary: " ".into(),
            ..feedback()
        };
        assert_eq!(
            complete(&a, &member, &empty),
            Err(AssessmentError::FeedbackIncomplete)
        );
        let no_factors = Feedback {
            health_factors: String::new(),
            ..feedback()
        };
        assert_eq!(
            complete(&a, &member, &no_factors),
            Err(AssessmentError::FeedbackIncomplete)
        );
    }

    #[test]
    fn cancelling_needs_a_reason_and_an_unfinished_assessment() {
        for status in [AssessmentStatus::Open, AssessmentStatus::InProgress] {
            let a = assessment(status);
            let member = actor(&[a.team_id]);
            assert_eq!(
                cancel(&a, &member, ""),
                Err(AssessmentError::ReasonRequired)
            );
            assert_eq!(cancel(&a, &member, "Asiakas muutti"), Ok(()));
        }
        for status in [AssessmentStatus::Completed, AssessmentStatus::Cancelled] {
            let a = assessment(status);
            assert_eq!(
                cancel(&a, &actor(&[a.team_id]), "x"),
                Err(AssessmentError::WrongState(status))
            );
        }
    }
}
