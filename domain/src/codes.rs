//! Code sets: every enumerated value the API accepts, with labels in Finnish,
//! Swedish and English so that front-ends never hard-code them.

use serde::Serialize;

/// A set of codes with labels, e.g. organisation kinds.
pub trait CodeSet: Sized + Copy + 'static {
    /// Name under `/api/v1/code-sets/{name}`.
    const NAME: &'static str;
    const DESCRIPTION: &'static str;
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn labels(self) -> Labels;

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.code() == code)
    }

    fn describe() -> CodeSetDescription {
        CodeSetDescription {
            name: Self::NAME,
            description: Self::DESCRIPTION,
            codes: Self::ALL
                .iter()
                .map(|value| CodeDescription {
                    code: value.code(),
                    labels: value.labels(),
                })
                .collect(),
        }
    }
}

/// A label in each supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Labels {
    pub fi: &'static str,
    pub sv: &'static str,
    pub en: &'static str,
}

impl Labels {
    /// The label in `language`.
    pub fn get(self, language: Language) -> &'static str {
        match language {
            Language::Finnish => self.fi,
            Language::Swedish => self.sv,
            Language::English => self.en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeDescription {
    pub code: &'static str,
    pub labels: Labels,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeSetDescription {
    pub name: &'static str,
    pub description: &'static str,
    pub codes: Vec<CodeDescription>,
}

/// Declares a code-set enum: serde uses the code, and `CodeSet` gives labels.
macro_rules! code_set {
    (
        $(#[$meta:meta])*
        $name:ident, $set:literal, $description:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:tt : $fi:literal, $sv:literal, $en:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $crate::codes::CodeSet for $name {
            const NAME: &'static str = $set;
            const DESCRIPTION: &'static str = $description;
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }
            fn labels(self) -> $crate::codes::Labels {
                match self { $(Self::$variant => $crate::codes::Labels { fi: $fi, sv: $sv, en: $en }),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::codes::CodeSet::code(*self))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::codes::UnknownCode;
            fn from_str(code: &str) -> Result<Self, Self::Err> {
                <Self as $crate::codes::CodeSet>::from_code(code)
                    .ok_or($crate::codes::UnknownCode { set: $set })
            }
        }
    };
}
pub(crate) use code_set;

/// A code that its set does not contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a code of the code set {set}")]
pub struct UnknownCode {
    pub set: &'static str,
}

code_set! {
    /// Kind of organisation (toimija).
    OrganisationKind, "organisation-kinds", "Kinds of organisation (toimija) in a client's network" {
        MunicipalEmploymentServices = "municipal_employment_services":
            "Kunnan työllisyyspalvelut", "Kommunens sysselsättningstjänster", "Municipal employment services";
        TeServices = "te_services": "TE-palvelut", "TE-tjänster", "TE services";
        SocialServices = "social_services":
            "Aikuissosiaalityö", "Socialt arbete för vuxna", "Adult social services";
        HealthCare = "health_care": "Terveyspalvelut (sote-keskus)", "Hälsotjänster (social- och hälsocentral)", "Health care (health and social services centre)";
        Kela = "kela": "Kela", "FPA", "Kela (Social Insurance Institution of Finland)";
        Typ = "typ": "TYP (työllistymistä edistävä monialainen yhteispalvelu)", "SYP (sektorsövergripande samservice som främjar sysselsättning)", "TYP (multi-sector joint service promoting employment)";
        Rehabilitation = "rehabilitation": "Kuntoutuspalvelut", "Rehabiliteringstjänster", "Rehabilitation services";
        Education = "education": "Koulutus", "Utbildning", "Education";
        ThirdSector = "third_sector": "Järjestö (kolmas sektori)", "Organisation (tredje sektorn)", "NGO (third sector)";
        Other = "other": "Muu", "Annan", "Other";
    }
}

code_set! {
    /// Title of a professional (ammattinimike).
    ProfessionalTitle, "professional-titles", "Titles of professionals (ammattinimike)" {
        OwnCoach = "own_coach": "Omavalmentaja", "Egen coach", "Own coach";
        TeExpert = "te_expert": "TE-asiantuntija", "TE-sakkunnig", "TE expert";
        SocialCounsellor = "social_counsellor": "Sosiaaliohjaaja", "Socialhandledare", "Social counsellor";
        SocialWorker = "social_worker": "Sosiaalityöntekijä", "Socialarbetare", "Social worker";
        PublicHealthNurse = "public_health_nurse": "Terveydenhoitaja", "Hälsovårdare", "Public health nurse";
        Physician = "physician": "Lääkäri", "Läkare", "Physician";
        WorkAbilityCoordinator = "work_ability_coordinator":
            "Työkykykoordinaattori", "Arbetsförmågekoordinator", "Work-ability coordinator";
        Physiotherapist = "physiotherapist": "Fysioterapeutti", "Fysioterapeut", "Physiotherapist";
        Psychologist = "psychologist": "Psykologi", "Psykolog", "Psychologist";
        JobCoach = "job_coach": "Työhönvalmentaja", "Jobbcoach", "Job coach";
        CareerCounsellor = "career_counsellor": "Uraohjaaja", "Karriärvägledare", "Career counsellor";
        KelaExpert = "kela_expert": "Kelan asiantuntija", "FPA:s sakkunnig", "Kela expert";
        SystemAccount = "system_account": "Järjestelmätili", "Systemkonto", "System account (integration)";
        Other = "other": "Muu", "Annan", "Other";
    }
}

code_set! {
    /// Language the client prefers to be served in.
    Language, "languages", "Languages a client may be served in" {
        Finnish = "fi": "suomi", "finska", "Finnish";
        Swedish = "sv": "ruotsi", "svenska", "Swedish";
        English = "en": "englanti", "engelska", "English";
    }
}

code_set! {
    /// What a caller may do by role. Roles never grant client data by themselves.
    Role, "roles", "Roles carried in access tokens" {
        /// Works with clients, by relationship.
        Professional = "professional": "Ammattilainen", "Yrkesperson", "Professional";
        /// Manages organisations and professionals; no client data.
        Admin = "admin": "Pääkäyttäjä", "Huvudanvändare", "Administrator";
        /// A system account of one organisation (e.g. Sofia CRM, Lifecare).
        Integration = "integration": "Integraatio", "Integration", "Integration (system account)";
        /// Reviews the access and disclosure logs across clients; no client records.
        Auditor = "auditor": "Lokien tarkastaja", "Logggranskare", "Auditor (access and disclosure logs)";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_from_code() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(
            "kela".parse::<OrganisationKind>(),
            Ok(OrganisationKind::Kela)
        );
        assert!("KELA".parse::<OrganisationKind>().is_err());
    }

    #[test]
    fn serde_uses_the_code() {
        assert_eq!(
            serde_json::to_string(&ProfessionalTitle::PublicHealthNurse).unwrap(),
            "\"public_health_nurse\""
        );
    }
}
