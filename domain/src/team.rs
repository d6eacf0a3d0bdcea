//! Work-ability teams (työkyvyn tuen tiimi): cross-organisation teams of
//! professionals that meet on a cadence and receive referrals. The cadence is
//! structured so that the next meeting date can be computed
//! (Pöytyä: monthly, always Tuesday; Kaarina: every two weeks, 3 h; Espoo:
//! weekly case teams).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use thiserror::Error;

use crate::codes::code_set;

code_set! {
    /// How the team handles clients.
    TeamKind, "team-kinds", "How a work-ability team handles clients" {
        Consultative = "consultative":
            "Konsultoiva (ilman asiakasta)", "Konsultativ (utan klienten)", "Consultative, without the client";
        WithClient = "with_client": "Asiakkaan kanssa", "Med klienten", "With the client present";
        Both = "both": "Molemmat", "Båda", "Both";
    }
}

code_set! {
    /// A member's role in the team.
    TeamRole, "team-roles", "Roles of members in a work-ability team" {
        Chair = "chair": "Puheenjohtaja", "Ordförande", "Chair";
        Secretary = "secretary": "Sihteeri", "Sekreterare", "Secretary";
        Physician = "physician": "Lääkäri", "Läkare", "Physician";
        Nurse = "nurse": "Terveydenhoitaja", "Hälsovårdare", "Public health nurse";
        SocialCounsellor = "social_counsellor": "Sosiaaliohjaaja", "Socialhandledare", "Social counsellor";
        Kela = "kela": "Kelan edustaja", "FPA:s representant", "Kela representative";
        Te = "te": "TE-asiantuntija", "TE-sakkunnig", "TE expert";
        Psychologist = "psychologist": "Psykologi", "Psykolog", "Psychologist";
        Physiotherapist = "physiotherapist": "Fysioterapeutti", "Fysioterapeut", "Physiotherapist";
        Other = "other": "Muu", "Annan", "Other";
    }
}

code_set! {
    /// How often the team meets.
    Frequency, "meeting-frequencies", "How often a team meets" {
        Weekly = "weekly": "Viikoittain", "Varje vecka", "Weekly";
        EveryTwoWeeks = "every_two_weeks": "Joka toinen viikko", "Varannan vecka", "Every two weeks";
        Monthly = "monthly": "Kuukausittain", "Varje månad", "Monthly";
    }
}

code_set! {
    /// A day of the week.
    MeetingDay, "weekdays", "Days of the week" {
        Monday = "monday": "maanantai", "måndag", "Monday";
        Tuesday = "tuesday": "tiistai", "tisdag", "Tuesday";
        Wednesday = "wednesday": "keskiviikko", "onsdag", "Wednesday";
        Thursday = "thursday": "torstai", "torsdag", "Thursday";
        Friday = "friday": "perjantai", "fredag", "Friday";
        Saturday = "saturday": "lauantai", "lördag", "Saturday";
        Sunday = "sunday": "sunnuntai", "söndag", "Sunday";
    }
}

impl MeetingDay {
    fn weekday(self) -> Weekday {
        match self {
            Self::Monday => Weekday::Mon,
            Self::Tuesday => Weekday::Tue,
            Self::Wednesday => Weekday::Wed,
            Self::Thursday => Weekday::Thu,
            Self::Friday => Weekday::Fri,
            Self::Saturday => Weekday::Sat,
            Self::Sunday => Weekday::Sun,
        }
    }
}

/// When the team meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub frequency: Frequency,
    pub weekday: MeetingDay,
    /// Monthly only: which of the month's weekdays, 1–4, or 5 for the last.
    pub week_of_month: Option<u8>,
    /// Every two weeks only: the date of one meeting, fixing the rhythm.
    pub anchor: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CadenceError {
    #[error("a monthly cadence needs week_of_month: 1–4, or 5 for the last")]
    WeekOfMonth,
    #[error("a two-weekly cadence needs an anchor date that falls on its weekday")]
    Anchor,
    #[error("week_of_month and anchor apply only to monthly and two-weekly cadences")]
    Unexpected,
}

impl Cadence {
    pub fn validate(&self) -> Result<(), CadenceError> {
        match self.frequency {
            Frequency::Monthly if !self.week_of_month.is_some_and(|w| (1..=5).contains(&w)) => {
                Err(CadenceError::WeekOfMonth)
            }
            Frequency::EveryTwoWeeks
                if !self
                    .anchor
                    .is_some_and(|a| a.weekday() == self.weekday.weekday()) =>
            {
                Err(CadenceError::Anchor)
            }
            Frequency::Weekly if self.week_of_month.is_some() || self.anchor.is_some() => {
                Err(CadenceError::Unexpected)
            }
            Frequency::Monthly if self.anchor.is_some() => Err(CadenceError::Unexpected),
            Frequency::EveryTwoWeeks if self.week_of_month.is_some() => {
                Err(CadenceError::Unexpected)
            }
            _ => Ok(()),
        }
    }

    /// The first meeting on or after `from`.
    pub fn next_meeting(&self, from: NaiveDate) -> Option<NaiveDate> {
        self.validate().ok()?;
        let day = self.weekday.weekday();
        let first_on_or_after = |date: NaiveDate| {
            let ahead =
                (7 + day.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
            date.checked_add_days(Days::new(u64::from(ahead)))
        };
        match self.frequency {
            Frequency::Weekly => first_on_or_after(from),
            Frequency::EveryTwoWeeks => {
                let candidate = first_on_or_after(from)?;
                let anchor = self.anchor?;
                let weeks_apart = (candidate - anchor).num_days().div_euclid(7);
                if weeks_apart.rem_euclid(2) == 0 {
                    Some(candidate)
                } else {
                    candidate.checked_add_days(Days::new(7))
                }
            }
            Frequency::Monthly => {
                let week = self.week_of_month?;
                let in_month = |year: i32, month: u32| -> Option<NaiveDate> {
                    if week == 5 {
                        let next_month = if month == 12 {
                            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                        } else {
                            NaiveDate::from_ymd_opt(year, month + 1, 1)?
                        };
                        let last = next_month.pred_opt()?;
                        let back = (7 + last.weekday().num_days_from_monday()
                            - day.num_days_from_monday())
                            % 7;
                        last.checked_sub_days(Days::new(u64::from(back)))
                    } else {
                        NaiveDate::from_weekday_of_month_opt(year, month, day, week)
                    }
                };
                let this = in_month(from.year(), from.month())?;
                if this >= from {
                    return Some(this);
                }
                let (year, month) = if from.month() == 12 {
                    (from.year() + 1, 1)
                } else {
                    (from.year(), from.month() + 1)
                };
                in_month(year, month)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cadence(frequency: Frequency, weekday: MeetingDay) -> Cadence {
        Cadence {
            frequency,
            weekday,
            week_of_month: None,
            anchor: None,
        }
    }

    #[test]
    fn espoo_weekly_case_team_meets_on_its_weekday() {
        let weekly = cadence(Frequency::Weekly, MeetingDay::Thursday);
        // 2026-11-24 is a Tuesday.
        assert_eq!(
            weekly.next_meeting(date(2026, 11, 24)),
            Some(date(2026, 11, 26))
        );
        assert_eq!(
            weekly.next_meeting(date(2026, 11, 26)),
            Some(date(2026, 11, 26)),
            "today counts"
        );
    }

    #[test]
    fn poytya_meets_monthly_always_on_a_tuesday() {
        let first_tuesday = Cadence {
            week_of_month: Some(1),
            ..cadence(Frequency::Monthly, MeetingDay::Tuesday)
        };
        assert_eq!(
            first_tuesday.next_meeting(date(2026, 11, 24)),
            Some(date(2026, 12, 1))
        );
        assert_eq!(
            first_tuesday.next_meeting(date(2026, 11, 1)),
            Some(date(2026, 11, 3))
        );
        let last_tuesday = Cadence {
            week_of_month: Some(5),
            ..first_tuesday
        };
        assert_eq!(
            last_tuesday.next_meeting(date(2026, 11, 24)),
            Some(date(2026, 11, 24))
        );
        assert_eq!(
            last_tuesday.next_meeting(date(2026, 12, 1)),
            Some(date(2026, 12, 29))
        );
    }

    #[test]
    fn kaarina_meets_every_two_weeks_in_the_anchors_rhythm() {
        let biweekly = Cadence {
            anchor: Some(date(2026, 11, 18)),
            ..cadence(Frequency::EveryTwoWeeks, MeetingDay::Wednesday)
        };
        assert_eq!(
            biweekly.next_meeting(date(2026, 11, 24)),
            Some(date(2026, 12, 2))
        );
        assert_eq!(
            biweekly.next_meeting(date(2026, 11, 19)),
            Some(date(2026, 12, 2))
        );
        assert_eq!(
            biweekly.next_meeting(date(2026, 11, 1)),
            Some(date(2026, 11, 4)),
            "before the anchor too"
        );
    }

    #[test]
    fn cadences_are_validated() {
        assert_eq!(
            cadence(Frequency::Monthly, MeetingDay::Tuesday).validate(),
            Err(CadenceError::WeekOfMonth)
        );
        let wrong_anchor = Cadence {
            anchor: Some(date(2026, 11, 24)),
            ..cadence(Frequency::EveryTwoWeeks, MeetingDay::Wednesday)
        };
        assert_eq!(wrong_anchor.validate(), Err(CadenceError::Anchor));
        let stray = Cadence {
            week_of_month: Some(2),
            ..cadence(Frequency::Weekly, MeetingDay::Monday)
        };
        assert_eq!(stray.validate(), Err(CadenceError::Unexpected));
        assert_eq!(stray.next_meeting(date(2026, 11, 24)), None);
    }
}
