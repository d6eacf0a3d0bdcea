//! The stamps that say whether facts read earlier are still current: one
//! per client, professional and organisation, moved by trigger in the
//! transaction of any change to a row those facts come from (`fact_cache`,
//! and the log writer's check of the reads decided on kept facts).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::fact_stamps;
use crate::sql_types::{DbId, PreparedOnce, among, json_ids};

/// A subject's stamp as some facts were read at.
pub type StampAt = (Uuid, i64);

/// Stamps as read, by subject; a subject without a row has stamp 0.
#[derive(Debug, Default)]
pub(crate) struct Stamps(HashMap<Uuid, i64>);

impl Stamps {
    pub fn of(&self, subject: Uuid) -> i64 {
        self.0.get(&subject).copied().unwrap_or(0)
    }

    pub fn add(&mut self, subject: Uuid, stamp: i64) {
        self.0.insert(subject, stamp);
    }

    fn knows(&self, subject: Uuid) -> bool {
        self.0.contains_key(&subject)
    }

    /// Whether each subject's stamp is still the one `read_at` says.
    pub fn unmoved(&self, read_at: &[StampAt]) -> bool {
        read_at
            .iter()
            .all(|&(subject, stamp)| self.of(subject) == stamp)
    }

    fn of_rows(rows: Vec<(DbId, i64)>) -> Self {
        Self(rows.into_iter().map(|(s, stamp)| (s.0, stamp)).collect())
    }
}

/// The current stamps of `subjects`, in one statement.
pub(crate) fn read_current(conn: &mut DbConnection, subjects: &[Uuid]) -> StoreResult<Stamps> {
    match conn {
        DbConnection::Postgresql(pg) => {
            let rows: Vec<(DbId, i64)> = fact_stamps::table
                .filter(among(fact_stamps::subject, subjects.iter().copied()))
                .select((fact_stamps::subject, fact_stamps::stamp))
                .load(pg)?;
            Ok(Stamps::of_rows(rows))
        }
        DbConnection::Sqlite(lite) => Ok(read_versioned(lite, subjects)?.0),
    }
}

/// On SQLite, the stamps of `subjects` and (`None` only if SQLite has
/// none) the data version they are current at: one statement, so one
/// snapshot. The version comes as the row without a subject.
fn read_versioned(
    lite: &mut SqliteConnection,
    subjects: &[Uuid],
) -> StoreResult<(Stamps, Option<i64>)> {
    let ids: Vec<DbId> = subjects.iter().copied().map(DbId).collect();
    let rows = PreparedOnce(
        diesel::sql_query(
            "SELECT subject, stamp FROM fact_stamps \
             WHERE subject IN (SELECT value FROM json_each(?)) \
             UNION ALL SELECT NULL, data_version FROM pragma_data_version",
        )
        .bind::<diesel::sql_types::Text, _>(json_ids(&ids)),
    )
    .load::<VersionedStampRow>(lite)?;
    let mut stamps = Stamps::default();
    let mut version = None;
    for row in rows {
        match row.subject {
            Some(subject) => stamps.add(subject.0, row.stamp),
            None => version = Some(row.stamp),
        }
    }
    Ok((stamps, version))
}

/// Stamps read earlier, still current while no other connection has
/// committed since: the log writer asks SQLite that (`PRAGMA
/// data_version`, which moves with every commit of any other connection or
/// process, not with the asking connection's own) instead of reading the
/// stamps of every batch again. PostgreSQL has no question as cheap; there
/// they are read each time.
#[derive(Debug, Default)]
pub(crate) struct StampMemory {
    /// SQLite's data version when `known` was last found current.
    version: Option<i64>,
    known: Stamps,
}

impl StampMemory {
    /// The current stamps of `subjects` (and perhaps others): on SQLite one
    /// statement either way, the data version alone while it stands and
    /// every subject is known, else the subjects' stamps with the version
    /// they were read at.
    pub(crate) fn current(
        &mut self,
        conn: &mut DbConnection,
        subjects: &[Uuid],
    ) -> StoreResult<&Stamps> {
        let DbConnection::Sqlite(lite) = conn else {
            self.known = read_current(conn, subjects)?;
            return Ok(&self.known);
        };
        if self.version.is_some() && subjects.iter().all(|&s| self.known.knows(s)) {
            let version = PreparedOnce(diesel::sql_query("PRAGMA data_version"))
                .get_result::<DataVersion>(lite)?
                .data_version;
            if self.version == Some(version) {
                return Ok(&self.known);
            }
        }
        let (read, version) = read_versioned(lite, subjects)?;
        if self.version != version {
            self.known = Stamps::default();
            self.version = version;
        }
        for &subject in subjects {
            self.known.add(subject, read.of(subject));
        }
        Ok(&self.known)
    }
}

#[derive(diesel::QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    data_version: i64,
}

/// A subject's stamp, or (no subject) the data version.
#[derive(diesel::QueryableByName)]
struct VersionedStampRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::sql_types::Id>)]
    subject: Option<DbId>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    stamp: i64,
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::StampMemory;
    use crate::db::Db;

    /// What the log writer relies on: stamps it remembers are read again
    /// once any other connection has committed, and only then.
    #[test]
    fn remembered_stamps_follow_the_commits_of_other_connections() {
        let dir = std::env::temp_dir().join(format!("kyky-stamps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.join("k.db").display()), 2).unwrap();
        db.migrate().unwrap();
        let (mut writer, mut other) = (db.conn().unwrap(), db.conn().unwrap());
        let subject = uuid::Uuid::now_v7();
        let mut memory = StampMemory::default();
        let traffic = || db.traffic().statements;

        let asked = traffic();
        assert_eq!(
            memory.current(&mut writer, &[subject]).unwrap().of(subject),
            0
        );
        assert_eq!(traffic() - asked, 1, "the stamps with their version");
        let asked = traffic();
        assert_eq!(
            memory.current(&mut writer, &[subject]).unwrap().of(subject),
            0
        );
        assert_eq!(
            traffic() - asked,
            1,
            "unchanged: the version is the only question"
        );

        // The asking connection's own commits leave what it remembers current.
        writer
            .batch_execute("CREATE TABLE own_work (n INTEGER); INSERT INTO own_work VALUES (1)")
            .unwrap();
        let asked = traffic();
        memory.current(&mut writer, &[subject]).unwrap();
        assert_eq!(traffic() - asked, 1);

        other
            .batch_execute(&format!(
                "INSERT INTO fact_stamps (subject, stamp) VALUES ('{subject}', 7)"
            ))
            .unwrap();
        assert_eq!(
            memory.current(&mut writer, &[subject]).unwrap().of(subject),
            7
        );

        drop((writer, other));
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
