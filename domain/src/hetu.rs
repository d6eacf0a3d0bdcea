//! Finnish personal identity code (henkilötunnus, "hetu").
//!
//! Format `DDMMYYCZZZQ`: birth date, century sign, individual number and check
//! character. Since 2023 the 1900s may also be signed `Y X W V U` and the
//! 2000s `B C D E F` besides the classic `-` and `A`.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Check characters indexed by `DDMMYYZZZ mod 31`.
const CHECK_CHARACTERS: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// Why a string is not a valid henkilötunnus. The messages never repeat the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum HetuError {
    #[error("must be 11 characters: DDMMYY, century sign, individual number and check character")]
    Length,
    #[error("the first six characters must be digits (DDMMYY)")]
    DateDigits,
    #[error("the century sign must be one of + - Y X W V U A B C D E F")]
    CenturySign,
    #[error("the birth date is not a real calendar date")]
    Date,
    #[error("the individual number must be three digits from 002 to 999")]
    IndividualNumber,
    #[error("the check character does not match")]
    CheckCharacter,
}

/// A valid henkilötunnus. Parse, don't validate: holding one means it is valid.
///
/// `Debug` is masked so that the code cannot leak into logs by accident.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hetu(String);

impl Hetu {
    /// Parses a henkilötunnus. Lower-case letters are accepted and normalised.
    pub fn parse(input: &str) -> Result<Self, HetuError> {
        let code = input.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 11 || !code.is_ascii() {
            return Err(HetuError::Length);
        }
        if !bytes[..6].iter().all(u8::is_ascii_digit) {
            return Err(HetuError::DateDigits);
        }
        let century = match bytes[6] {
            b'+' => 1800,
            b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
            b'A' | b'B' | b'C' | b'D' | b'E' | b'F' => 2000,
            _ => return Err(HetuError::CenturySign),
        };
        let two_digits =
            |i: usize| u32::from(bytes[i] - b'0') * 10 + u32::from(bytes[i + 1] - b'0');
        let (day, month, year) = (two_digits(0), two_digits(2), two_digits(4));
        #[expect(clippy::cast_possible_wrap, reason = "year is at most 2099")]
        let full_year = (century + year) as i32;
        NaiveDate::from_ymd_opt(full_year, month, day).ok_or(HetuError::Date)?;
        if !bytes[7..10].iter().all(u8::is_ascii_digit) {
            return Err(HetuError::IndividualNumber);
        }
        let individual: u32 = code[7..10]
            .parse()
            .map_err(|_| HetuError::IndividualNumber)?;
        if individual < 2 {
            return Err(HetuError::IndividualNumber);
        }
        let number: u32 = format!("{}{}", &code[..6], &code[7..10])
            .parse()
            .map_err(|_| HetuError::DateDigits)?;
        if CHECK_CHARACTERS[(number % 31) as usize] != bytes[10] {
            return Err(HetuError::CheckCharacter);
        }
        Ok(Self(code))
    }

    /// Builds a valid code from its parts, computing the check character.
    /// Used for synthetic test and demo identities.
    pub fn from_parts(birth_date: NaiveDate, individual_number: u16) -> Option<Self> {
        if !(2..=999).contains(&individual_number) {
            return None;
        }
        let sign = match birth_date.year() {
            1800..=1899 => '+',
            1900..=1999 => '-',
            2000..=2099 => 'A',
            _ => return None,
        };
        let date = birth_date.format("%d%m%y").to_string();
        let number: u32 = format!("{date}{individual_number:03}").parse().ok()?;
        let check = char::from(CHECK_CHARACTERS[(number % 31) as usize]);
        Self::parse(&format!("{date}{sign}{individual_number:03}{check}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in the code.
    pub fn birth_date(&self) -> NaiveDate {
        let b = self.0.as_bytes();
        let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
        let century = match b[6] {
            b'+' => 1800,
            b'A'..=b'F' => 2000,
            _ => 1900,
        };
        #[expect(clippy::cast_possible_wrap, reason = "year is at most 2099")]
        let year = (century + two(4)) as i32;
        NaiveDate::from_ymd_opt(year, two(2), two(0)).unwrap_or_default()
    }

    /// Individual numbers 900–999 are reserved for temporary and test identities.
    pub fn is_test_identity(&self) -> bool {
        self.0.as_bytes()[7] == b'9'
    }

    /// Masked form for list views: date and century sign, first digit of the
    /// individual number, the rest hidden (`010190-9***`).
    pub fn masked(&self) -> String {
        format!("{}***", &self.0[..8])
    }
}

impl fmt::Debug for Hetu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hetu({})", self.masked())
    }
}

impl TryFrom<String> for Hetu {
    type Error = HetuError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Hetu> for String {
    fn from(value: Hetu) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_classic_codes_of_every_century() {
        assert!(Hetu::parse("131052-308T").is_ok());
        assert!(Hetu::parse("010594Y9032").is_ok());
        assert!(Hetu::parse("010594Y9021").is_ok());
        assert!(Hetu::parse("020502E902X").is_ok());
        assert!(Hetu::parse("020502A902X").is_ok());
        assert!(Hetu::parse("150260+9126").is_ok());
    }

    #[test]
    fn new_2023_century_signs_share_the_check_character_of_the_classic_sign() {
        for sign in ['-', 'Y', 'X', 'W', 'V', 'U'] {
            let code = format!("010594{sign}9021");
            assert!(Hetu::parse(&code).is_ok(), "{code}");
        }
        for sign in ['A', 'B', 'C', 'D', 'E', 'F'] {
            let code = format!("020502{sign}902X");
            assert!(Hetu::parse(&code).is_ok(), "{code}");
        }
    }

    #[test]
    fn the_1800s_sign_dates_to_the_nineteenth_century() {
        let code = Hetu::from_parts(NaiveDate::from_ymd_opt(1899, 12, 31).unwrap(), 912).unwrap();
        assert_eq!(code.as_str().as_bytes()[6], b'+');
        assert_eq!(
            code.birth_date(),
            NaiveDate::from_ymd_opt(1899, 12, 31).unwrap()
        );
    }

    #[test]
    fn normalises_lower_case_and_surrounding_space() {
        assert_eq!(
            Hetu::parse(" 010594y9021 ").unwrap().as_str(),
            "010594Y9021"
        );
    }

    #[test]
    fn rejects_wrong_length() {
        assert_eq!(Hetu::parse(""), Err(HetuError::Length));
        assert_eq!(Hetu::parse("131052-308"), Err(HetuError::Length));
        assert_eq!(Hetu::parse("131052-308TT"), Err(HetuError::Length));
        assert_eq!(Hetu::parse("131052-308Ä"), Err(HetuError::Length));
    }

    #[test]
    fn rejects_non_digit_dates() {
        assert_eq!(Hetu::parse("13105a-308T"), Err(HetuError::DateDigits));
    }

    #[test]
    fn rejects_unknown_century_signs() {
        assert_eq!(Hetu::parse("131052G308T"), Err(HetuError::CenturySign));
        assert_eq!(Hetu::parse("131052Z308T"), Err(HetuError::CenturySign));
        assert_eq!(Hetu::parse("131052*308T"), Err(HetuError::CenturySign));
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(Hetu::parse("320152-308T"), Err(HetuError::Date));
        assert_eq!(Hetu::parse("011352-308T"), Err(HetuError::Date));
        assert_eq!(Hetu::parse("000152-308T"), Err(HetuError::Date));
        // 1900 was not a leap year; 2000 was.
        assert_eq!(Hetu::parse("290200-9035"), Err(HetuError::Date));
        let leap = Hetu::from_parts(NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(), 903).unwrap();
        assert!(leap.as_str().starts_with("290200A903"));
    }

    #[test]
    fn rejects_bad_individual_numbers() {
        assert_eq!(Hetu::parse("131052-3X8T"), Err(HetuError::IndividualNumber));
        assert_eq!(Hetu::parse("131052-000T"), Err(HetuError::IndividualNumber));
        assert_eq!(Hetu::parse("131052-001T"), Err(HetuError::IndividualNumber));
    }

    #[test]
    fn rejects_a_wrong_check_character() {
        assert_eq!(Hetu::parse("131052-308U"), Err(HetuError::CheckCharacter));
        assert_eq!(Hetu::parse("010594Y9022"), Err(HetuError::CheckCharacter));
        // G, I, O, Q and Z are never check characters.
        assert_eq!(Hetu::parse("131052-308G"), Err(HetuError::CheckCharacter));
    }

    #[test]
    fn check_character_covers_every_remainder() {
        // 31 consecutive individual numbers hit all 31 remainders.
        let date = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        let checks: std::collections::BTreeSet<u8> = (900..931)
            .map(|n| Hetu::from_parts(date, n).unwrap().as_str().as_bytes()[10])
            .collect();
        assert_eq!(checks.len(), 31);
    }

    #[test]
    fn masks_the_individual_part() {
        let code = Hetu::parse("010190-903T").unwrap();
        assert_eq!(code.masked(), "010190-9***");
        assert!(!format!("{code:?}").contains(&code.as_str()[8..]));
    }

    #[test]
    fn test_identities_are_recognised() {
        assert!(Hetu::parse("010594Y9021").unwrap().is_test_identity());
        assert!(!Hetu::parse("131052-308T").unwrap().is_test_identity());
    }

    #[test]
    fn from_parts_refuses_out_of_range_numbers() {
        let date = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        assert!(Hetu::from_parts(date, 1).is_none());
        assert!(Hetu::from_parts(date, 1000).is_none());
        assert!(Hetu::from_parts(NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(), 900).is_none());
    }
}
