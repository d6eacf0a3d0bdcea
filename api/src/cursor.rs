//! Opaque list cursors.
//!
//! A cursor names the last row of the previous page, sealed with an HMAC over
//! the list, the caller and that row, so a caller can only continue a list
//! it was given. A forged cursor, another caller's, or an id typed in by hand
//! are all refused alike: a cursor cannot ask whether some id exists.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// Bytes of the HMAC kept in a cursor: 128 bits cannot be guessed.
const TAG_BYTES: usize = 16;

/// The deployment's key for sealing cursors, shared by all its processes.
#[derive(Clone, Copy)]
pub struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl CursorKey {
    pub fn new(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// Seals cursors of `list` for `caller`.
    pub fn seal(self, list: &'static str, caller: Uuid) -> CursorSeal {
        CursorSeal {
            key: self,
            list,
            caller,
        }
    }
}

/// Seals and opens the cursors of one list for one caller.
#[derive(Debug, Clone, Copy)]
pub struct CursorSeal {
    key: CursorKey,
    list: &'static str,
    caller: Uuid,
}

impl CursorSeal {
    /// The MAC over this list, this caller and the row `last`.
    #[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
    fn mac(&self, last: Uuid) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key.0).expect("HMAC takes a key of any length");
        mac.update(self.list.as_bytes());
        mac.update(&[0]);
        mac.update(self.caller.as_bytes());
        mac.update(last.as_bytes());
        mac
    }

    fn tag(&self, last: Uuid) -> [u8; TAG_BYTES] {
        let full = self.mac(last).finalize().into_bytes();
        let mut tag = [0; TAG_BYTES];
        tag.copy_from_slice(&full[..TAG_BYTES]);
        tag
    }

    /// The cursor that continues after `last`.
    pub fn seal(&self, last: Uuid) -> String {
        let mut bytes = Vec::with_capacity(16 + TAG_BYTES);
        bytes.extend_from_slice(last.as_bytes());
        bytes.extend_from_slice(&self.tag(last));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The row a cursor continues after, if this seal made it.
    pub fn open(&self, cursor: &str) -> Option<Uuid> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        if bytes.len() != 16 + TAG_BYTES {
            return None;
        }
        let last = Uuid::from_slice(&bytes[..16]).ok()?;
        // Constant-time comparison of the truncated tag.
        self.mac(last).verify_truncated_left(&bytes[16..]).ok()?;
        Some(last)
    }
}

/// Characters a cursor is made of, for the contract's pattern.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]{43}$";

/// Whether `cursor` has a cursor's form (`CURSOR_PATTERN`: 32 bytes, id and
/// tag, in unpadded base64url), whichever seal made it.
pub fn is_well_formed(cursor: &str) -> bool {
    cursor.len() == 43
        && cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> CursorKey {
        CursorKey::new([byte; 32])
    }

    #[test]
    fn a_cursor_opens_for_its_own_list_and_caller_only() {
        let caller = Uuid::now_v7();
        let last = Uuid::now_v7();
        let seal = key(1).seal("clients", caller);
        let cursor = seal.seal(last);
        assert_eq!(cursor.len(), 43);
        assert!(regex_like(&cursor));
        assert_eq!(seal.open(&cursor), Some(last));
        assert_eq!(key(1).seal("handovers", caller).open(&cursor), None);
        assert_eq!(key(1).seal("clients", Uuid::now_v7()).open(&cursor), None);
        assert_eq!(key(2).seal("clients", caller).open(&cursor), None);
    }

    #[test]
    fn a_raw_id_or_a_tampered_cursor_is_refused() {
        let seal = key(1).seal("caseload", Uuid::now_v7());
        let last = Uuid::now_v7();
        assert_eq!(seal.open(&last.to_string()), None);
        let mut cursor = seal.seal(last).into_bytes();
        cursor[3] = if cursor[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(seal.open(&String::from_utf8(cursor).unwrap()), None);
        assert_eq!(seal.open(""), None);
    }

    fn regex_like(cursor: &str) -> bool {
        cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }
}
