//! Who is asking: the authenticated caller, apart from the access rules so
//! that every rule module can name it without a circle.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::codes::Role;

/// The authenticated caller: an active professional (or system account) of
/// one organisation, with the roles their token and their record both carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub professional_id: Uuid,
    pub organisation_id: Uuid,
    pub roles: BTreeSet<Role>,
    /// Work-ability teams the caller is a current member of.
    pub teams: BTreeSet<Uuid>,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Professionals and integration accounts work with clients; an admin
    /// alone does not.
    pub fn works_with_clients(&self) -> bool {
        self.has_role(Role::Professional) || self.has_role(Role::Integration)
    }
}
