//! Which stored versions a change may apply to: the `If-Match` of a
//! conditional request (RFC 9110 §13.1.1), compared strongly.

/// The versions the caller edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// `If-Match: *`: whichever version is current.
    Any,
    /// `If-Match: "3", "4"`: only one of these.
    OneOf(Vec<i64>),
}

impl Expected {
    /// The version the change applies to, if `current` is one the caller
    /// edited; `None` means the record changed meanwhile (412).
    pub fn admit(&self, current: i64) -> Option<i64> {
        match self {
            Self::Any => Some(current),
            Self::OneOf(versions) => versions.contains(&current).then_some(current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_admits_the_current_version_and_a_list_only_its_own() {
        assert_eq!(Expected::Any.admit(7), Some(7));
        assert_eq!(Expected::OneOf(vec![3, 7]).admit(7), Some(7));
        assert_eq!(Expected::OneOf(vec![3, 4]).admit(7), None);
        assert_eq!(Expected::OneOf(vec![]).admit(1), None);
    }
}
