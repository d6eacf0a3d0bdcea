//! Contact details shared by professionals and clients.

/// A phone number as people write them in Finland: an optional leading `+`,
/// digits, spaces and hyphens, 6–15 digits in all (E.164 allows 15).
pub fn validate_phone(phone: &str) -> Result<(), &'static str> {
    let rest = phone.strip_prefix('+').unwrap_or(phone);
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return Err("a phone number has only digits, spaces, hyphens and an optional leading +");
    }
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    if !(6..=15).contains(&digits) {
        return Err("a phone number has 6 to 15 digits");
    }
    Ok(())
}

/// A Finnish postal code: five digits.
pub fn validate_postal_code(code: &str) -> Result<(), &'static str> {
    if code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err("a Finnish postal code is five digits")
    }
}

/// Finnish business ID (Y-tunnus) `NNNNNNN-C`, with its check digit
/// (weights 7 9 10 5 8 4 2; remainder 1 is never issued).
pub fn validate_business_id(id: &str) -> Result<(), &'static str> {
    const SHAPE: &str = "a business ID (Y-tunnus) is seven digits, a hyphen and a check digit";
    let bytes = id.as_bytes();
    if bytes.len() != 9 || bytes[7] != b'-' {
        return Err(SHAPE);
    }
    if !bytes[..7].iter().chain(&bytes[8..]).all(u8::is_ascii_digit) {
        return Err(SHAPE);
    }
    let sum: u32 = bytes[..7]
        .iter()
        .zip([7, 9, 10, 5, 8, 4, 2])
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return Err("the business ID's check digit does not match"),
        r => 11 - r,
    };
    if u32::from(bytes[8] - b'0') == check {
        Ok(())
    } else {
        Err("the business ID's check digit does not match")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_in_common_shapes_are_accepted() {
        for ok in ["+358 40 123 4567", "040-1234567", "0401234567", "09 816 21"] {
            assert_eq!(validate_phone(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn phone_numbers_with_letters_or_wrong_length_are_refused() {
        for bad in [
            "040 CALL ME",
            "12345",
            "+358 40 123 4567 8901",
            "",
            "++358401234567",
        ] {
            assert!(validate_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn postal_codes_are_five_digits() {
        assert!(validate_postal_code("02100").is_ok());
        assert!(validate_postal_code("2100").is_err());
        assert!(validate_postal_code("0210A").is_err());
    }

    #[test]
    fn business_ids_are_checked() {
        // Espoo 0101263-6, Kela 0246246-0.
        assert!(validate_business_id("0101263-6").is_ok());
        assert!(validate_business_id("0246246-0").is_ok());
        assert!(validate_business_id("0101263-5").is_err());
        assert!(validate_business_id("0101263").is_err());
        assert!(validate_business_id("01012636-").is_err());
    }
}
