//! The support plan in plain language, for giving to the client ("annetaan
//! asiakkaalle"): their goals, their services, who does what, whom to contact
//! and when the plan is come back to — in Finnish, Swedish or English.

use chrono::NaiveDate;
use serde::Serialize;

use crate::codes::{CodeSet, Language};
use crate::plan::{Goal, GoalStatus, ServiceCode, ServiceStatus};

/// Someone the client can contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub organisation: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A service as the client is told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    pub code: ServiceCode,
    pub status: ServiceStatus,
    pub provider: String,
    pub contact: Option<Contact>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

/// Who carries an agreed responsibility, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doer {
    /// The client: "you".
    Client,
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsibilityLine {
    pub doer: Doer,
    pub task: String,
    pub due_on: NaiveDate,
}

/// A published plan with every reference resolved to a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryInput {
    pub version: i32,
    pub client_view: Option<String>,
    pub goals: Vec<Goal>,
    pub services: Vec<ServiceLine>,
    pub responsibilities: Vec<ResponsibilityLine>,
    pub responsible_worker: Contact,
    pub follow_up_on: Option<NaiveDate>,
}

/// One part of the summary: a heading and its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    /// The section's heading, in the requested language.
    #[cfg_attr(feature = "openapi", schema(example = "Tavoitteesi"))]
    pub heading: String,
    /// The section's lines, in order.
    pub lines: Vec<String>,
}

/// The rendering: sections for a front-end to lay out, and the same as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub language: Language,
    /// The summary's title, in the requested language.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Työkyvyn tuen suunnitelmasi (versio 2)")
    )]
    pub title: String,
    /// The plan's parts, in reading order.
    pub sections: Vec<Section>,
    /// The whole summary as plain text, ready to print or send.
    pub text: String,
}

/// The fixed phrases of the summary in one language.
struct Phrases {
    title: &'static str,
    version: &'static str,
    goals: &'static str,
    by: &'static str,
    own_view: &'static str,
    services: &'static str,
    from: &'static str,
    contact: &'static str,
    tasks: &'static str,
    you: &'static str,
    contacts: &'static str,
    responsible: &'static str,
    follow_up: &'static str,
    follow_up_on: &'static str,
    no_follow_up: &'static str,
    nothing: &'static str,
}

const FI: Phrases = Phrases {
    title: "Työkyvyn tuen suunnitelmasi",
    version: "versio",
    goals: "Tavoitteesi",
    by: "mennessä",
    own_view: "Oma näkemyksesi",
    services: "Palvelusi",
    from: "alkaen",
    contact: "yhteyshenkilö",
    tasks: "Kuka tekee mitä",
    you: "Sinä",
    contacts: "Kehen voit ottaa yhteyttä",
    responsible: "vastuutyöntekijäsi",
    follow_up: "Milloin palaamme tähän",
    follow_up_on: "Palaamme suunnitelmaan viimeistään",
    no_follow_up: "Sovimme seuraavan ajan yhdessä.",
    nothing: "Ei kirjattu.",
};

const SV: Phrases = Phrases {
    title: "Din plan för stöd för arbetsförmågan",
    version: "version",
    goals: "Dina mål",
    by: "senast",
    own_view: "Din egen syn",
    services: "Dina tjänster",
    from: "från",
    contact: "kontaktperson",
    tasks: "Vem gör vad",
    you: "Du",
    contacts: "Vem du kan kontakta",
    responsible: "din ansvariga arbetstagare",
    follow_up: "När vi återkommer till detta",
    follow_up_on: "Vi går igenom planen senast",
    no_follow_up: "Vi kommer överens om nästa tid tillsammans.",
    nothing: "Inget antecknat.",
};

const EN: Phrases = Phrases {
    title: "Your work-ability support plan",
    version: "version",
    goals: "Your goals",
    by: "by",
    own_view: "Your own view",
    services: "Your services",
    from: "from",
    contact: "contact",
    tasks: "Who does what",
    you: "You",
    contacts: "Whom you can contact",
    responsible: "your responsible worker",
    follow_up: "When we come back to this",
    follow_up_on: "We will go through the plan again by",
    no_follow_up: "We will agree on the next time together.",
    nothing: "Nothing recorded.",
};

fn phrases(language: Language) -> &'static Phrases {
    match language {
        Language::Finnish => &FI,
        Language::Swedish => &SV,
        Language::English => &EN,
    }
}

/// A date as the client reads it: 12.1.2027, or 12 January 2027 in English.
fn date(on: NaiveDate, language: Language) -> String {
    match language {
        Language::English => on.format("%-d %B %Y").to_string(),
        Language::Finnish | Language::Swedish => on.format("%-d.%-m.%Y").to_string(),
    }
}

fn contact_line(contact: &Contact) -> String {
    let reach: Vec<&str> = [contact.phone.as_deref(), contact.email.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut line = format!("{}, {}", contact.name, contact.organisation);
    if !reach.is_empty() {
        line = format!("{line} ({})", reach.join(", "));
    }
    line
}

fn or_nothing(lines: Vec<String>, p: &Phrases) -> Vec<String> {
    if lines.is_empty() {
        vec![p.nothing.to_owned()]
    } else {
        lines
    }
}

/// Renders the plan for the client in `language`. Cancelled and ended
/// services are left out: the summary says what is in force.
pub fn render(plan: &SummaryInput, language: Language) -> Summary {
    let p = phrases(language);
    let goals = plan
        .goals
        .iter()
        .map(|g| {
            let status = if g.status == GoalStatus::Open {
                String::new()
            } else {
                format!(" — {}", g.status.labels().get(language))
            };
            format!(
                "{} ({} {}){status}",
                g.text,
                p.by,
                date(g.target_on, language)
            )
        })
        .collect();
    let mut contacts = vec![format!(
        "{} — {}",
        contact_line(&plan.responsible_worker),
        p.responsible
    )];
    let services = plan
        .services
        .iter()
        .filter(|s| matches!(s.status, ServiceStatus::Planned | ServiceStatus::Active))
        .map(|s| {
            // A period as a range, 1.3.2027–31.5.2027; open-ended: from 1.3.2027.
            let when = match s.ends_on {
                Some(end) => format!("{}–{}", date(s.starts_on, language), date(end, language)),
                None => format!("{} {}", p.from, date(s.starts_on, language)),
            };
            let mut line = format!("{}: {}, {when}", s.code.labels().get(language), s.provider);
            if let Some(contact) = &s.contact {
                line = format!("{line}; {}: {}", p.contact, contact.name);
                let entry = format!(
                    "{} — {}",
                    contact_line(contact),
                    s.code.labels().get(language)
                );
                if !contacts.contains(&entry) {
                    contacts.push(entry);
                }
            }
            line
        })
        .collect();
    let tasks = plan
        .responsibilities
        .iter()
        .map(|r| {
            let who = match &r.doer {
                Doer::Client => p.you,
                Doer::Named(name) => name.as_str(),
            };
            format!("{who}: {} ({} {})", r.task, p.by, date(r.due_on, language))
        })
        .collect();
    let follow_up = plan.follow_up_on.map_or_else(
        || p.no_follow_up.to_owned(),
        |on| format!("{} {}.", p.follow_up_on, date(on, language)),
    );
    let mut sections = vec![Section {
        heading: p.goals.to_owned(),
        lines: or_nothing(goals, p),
    }];
    if let Some(view) = plan.client_view.as_deref().filter(|v| !v.trim().is_empty()) {
        sections.push(Section {
            heading: p.own_view.to_owned(),
            lines: vec![view.trim().to_owned()],
        });
    }
    sections.extend([
        Section {
            heading: p.services.to_owned(),
            lines: or_nothing(services, p),
        },
        Section {
            heading: p.tasks.to_owned(),
            lines: or_nothing(tasks, p),
        },
        Section {
            heading: p.contacts.to_owned(),
            lines: contacts,
        },
        Section {
            heading: p.follow_up.to_owned(),
            lines: vec![follow_up],
        },
    ]);
    let title = format!("{} ({} {})", p.title, p.version, plan.version);
    let mut text = format!("{title}\n");
    for section in &sections {
        text.push('\n');
        text.push_str(&section.heading);
        text.push('\n');
        for line in &section.lines {
            text.push_str("- ");
            text.push_str(line);
            text.push('\n');
        }
    }
    Summary {
        language,
        title,
        sections,
        text,
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, d).unwrap()
    }

    fn plan() -> SummaryInput {
        let coach = Contact {
            name: "Olli Ohjaaja".into(),
            organisation: "Kuntouttava työtoiminta Oy".into(),
            phone: Some("040 111 2222".into()),
            email: None,
        };
        SummaryInput {
            version: 2,
            client_view: Some("Haluan päästä töihin.".into()),
            goals: vec![Goal {
                id: Uuid::now_v7(),
                text: "Pääsen töihin osa-aikaisesti".into(),
                target_on: day(6, 30),
                status: GoalStatus::Open,
            }],
            services: vec![
                ServiceLine {
                    code: ServiceCode::RehabilitativeWorkActivity,
                    status: ServiceStatus::Active,
                    provider: "Kuntouttava työtoiminta Oy".into(),
                    contact: Some(coach),
                    starts_on: day(1, 10),
                    ends_on: Some(day(5, 31)),
                },
                ServiceLine {
                    code: ServiceCode::WorkTrial,
                    status: ServiceStatus::Cancelled,
                    provider: "Yritys".into(),
                    contact: None,
                    starts_on: day(1, 10),
                    ends_on: None,
                },
            ],
            responsibilities: vec![ResponsibilityLine {
                doer: Doer::Client,
                task: "Varaa aika lääkärille".into(),
                due_on: day(1, 31),
            }],
            responsible_worker: Contact {
                name: "Sanna Virtanen".into(),
                organisation: "Työllisyys Espoo".into(),
                phone: Some("050 123 4567".into()),
                email: Some("sanna.virtanen@example.fi".into()),
            },
            follow_up_on: Some(day(2, 15)),
        }
    }

    #[test]
    fn the_finnish_summary_names_goals_services_contacts_and_the_follow_up() {
        let summary = render(&plan(), Language::Finnish);
        assert_eq!(summary.title, "Työkyvyn tuen suunnitelmasi (versio 2)");
        let headings: Vec<&str> = summary
            .sections
            .iter()
            .map(|s| s.heading.as_str())
            .collect();
        assert_eq!(
            headings,
            [
                "Tavoitteesi",
                "Oma näkemyksesi",
                "Palvelusi",
                "Kuka tekee mitä",
                "Kehen voit ottaa yhteyttä",
                "Milloin palaamme tähän"
            ]
        );
        assert_eq!(
            summary.sections[0].lines,
            ["Pääsen töihin osa-aikaisesti (mennessä 30.6.2027)"]
        );
        assert_eq!(
            summary.sections[2].lines,
            [
                "Kuntouttava työtoiminta: Kuntouttava työtoiminta Oy, 10.1.2027–31.5.2027; yhteyshenkilö: Olli Ohjaaja"
            ],
            "the cancelled work trial is left out"
        );
        assert_eq!(
            summary.sections[3].lines,
            ["Sinä: Varaa aika lääkärille (mennessä 31.1.2027)"]
        );
        assert_eq!(summary.sections[4].lines.len(), 2);
        assert!(
            summary.sections[4].lines[0]
                .starts_with("Sanna Virtanen, Työllisyys Espoo (050 123 4567")
        );
        assert_eq!(
            summary.sections[5].lines,
            ["Palaamme suunnitelmaan viimeistään 15.2.2027."]
        );
        assert!(summary.text.contains("- Sinä: Varaa aika lääkärille"));
    }

    #[test]
    fn swedish_and_english_use_their_own_words_and_dates() {
        let sv = render(&plan(), Language::Swedish);
        assert_eq!(sv.sections[0].heading, "Dina mål");
        assert!(sv.sections[2].lines[0].starts_with("Arbetsverksamhet i rehabiliteringssyfte"));
        let en = render(&plan(), Language::English);
        assert_eq!(
            en.sections[5].lines,
            ["We will go through the plan again by 15 February 2027."]
        );
        assert_eq!(
            en.sections[3].lines,
            ["You: Varaa aika lääkärille (by 31 January 2027)"]
        );
    }

    #[test]
    fn empty_parts_say_so_and_a_goal_reached_says_it() {
        let mut empty = plan();
        empty.services.clear();
        empty.client_view = None;
        empty.goals[0].status = GoalStatus::Achieved;
        let summary = render(&empty, Language::Finnish);
        assert_eq!(summary.sections[1].lines, ["Ei kirjattu."]);
        assert!(summary.sections[0].lines[0].ends_with(" — Saavutettu"));
    }
}
