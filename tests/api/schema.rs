//! The schema as the database holds it after every migration.

use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use kyky_persistence::DbConnection;

use crate::helpers::spawn_app;

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// Foreign keys no full index leads with: following one (a client's
/// relationships, a professional's periods) would read the whole table,
/// and so would every check when a referenced row changes.
const UNINDEXED_FOREIGN_KEYS_POSTGRES: &str = "
    SELECT c.conrelid::regclass::text AS table_name, a.attname::text AS column_name
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1] AND i.indpred IS NULL)";

const UNINDEXED_FOREIGN_KEYS_SQLITE: &str = "
    SELECT m.name AS table_name, f.\"from\" AS column_name
    FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
    WHERE m.type = 'table' AND f.seq = 0 AND NOT EXISTS (
        SELECT 1 FROM pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i
        WHERE i.seqno = 0 AND i.name = f.\"from\" AND l.partial = 0)";

#[tokio::test]
async fn every_foreign_key_has_an_index_that_leads_with_it() {
    let app = spawn_app().await;
    let mut unindexed = app
        .db
        .run(|conn| {
            let sql = match conn {
                DbConnection::Postgresql(_) => UNINDEXED_FOREIGN_KEYS_POSTGRES,
                DbConnection::Sqlite(_) => UNINDEXED_FOREIGN_KEYS_SQLITE,
            };
            diesel::sql_query(sql)
                .load::<Column>(conn)
                .map_err(kyky_persistence::StoreError::from)
        })
        .unwrap();
    unindexed.sort();
    assert_eq!(unindexed, [], "foreign keys without an index");
}

/// On PostgreSQL every time is an instant (`timestamptz`): a wall-clock
/// `timestamp` would read differently in every session time zone. Diesel's
/// own bookkeeping table is not Kyky's.
#[tokio::test]
async fn every_time_on_postgresql_is_a_timestamptz() {
    let app = spawn_app().await;
    let wall_clock = app
        .db
        .run(|conn| match conn {
            DbConnection::Sqlite(_) => Ok(Vec::new()),
            DbConnection::Postgresql(_) => diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name
                 FROM information_schema.columns
                 WHERE table_schema = current_schema()
                   AND data_type = 'timestamp without time zone'
                   AND table_name <> '__diesel_schema_migrations'
                 ORDER BY 1, 2",
            )
            .load::<Column>(conn)
            .map_err(kyky_persistence::StoreError::from),
        })
        .unwrap();
    assert_eq!(wall_clock, [], "times without a time zone");
}

/// Times stored before PostgreSQL's times became `timestamptz` keep their
/// instant: Kyky always wrote UTC, and the migration reads them as UTC.
#[tokio::test]
async fn a_time_stored_before_the_timestamptz_migration_keeps_its_instant() {
    let database = crate::helpers::TestDatabase::new();
    let db = kyky_persistence::Db::connect(&database.url, 2).unwrap();
    db.migrate_through("20261201000018").unwrap();
    let id = uuid::Uuid::now_v7();
    db.transaction(|conn| {
        diesel::sql_query(format!(
            "INSERT INTO organisations (id, name, kind, version, created_at, updated_at)
             VALUES ('{id}', 'Espoo', 'municipal_employment_services', 1,
                     '2026-03-04 05:06:07.123456', '2026-03-04 05:06:07.123456')"
        ))
        .execute(conn)
        .map_err(kyky_persistence::StoreError::from)
    })
    .unwrap();
    assert!(db.migrate().unwrap() >= 1, "the later migrations ran");
    let stored = db
        .run(|conn| kyky_persistence::organisations::get(conn, id))
        .unwrap();
    let expected = chrono::NaiveDate::from_ymd_opt(2026, 3, 4)
        .unwrap()
        .and_hms_micro_opt(5, 6, 7, 123_456)
        .unwrap()
        .and_utc();
    assert_eq!(stored.created_at, expected);
    assert_eq!(stored.updated_at, expected);
}

/// Columns named as ids that hold something other than a Kyky id: a
/// caller's request id, a network meeting's reference (meetings are not in
/// Kyky yet), an organisation's business id and its id in another system.
const TEXT_REFERENCES: [(&str, &str); 5] = [
    ("access_log", "request_id"),
    ("disclosure_log", "request_id"),
    ("handovers", "network_meeting_id"),
    ("organisation_external_refs", "external_id"),
    ("organisations", "business_id"),
];

/// On PostgreSQL every id is a `uuid`, as a DBA expects: 16 bytes compared
/// as such, and a malformed one refused by the column.
#[tokio::test]
async fn every_id_on_postgresql_is_a_uuid() {
    let app = spawn_app().await;
    let not_uuid = app
        .db
        .run(|conn| match conn {
            DbConnection::Sqlite(_) => Ok(None),
            DbConnection::Postgresql(_) => diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name
                 FROM information_schema.columns
                 WHERE table_schema = current_schema()
                   AND (column_name IN ('id', 'based_on') OR column_name LIKE '%\\_id'
                        OR column_name LIKE '%\\_by'
                        OR (table_name = 'fact_stamps' AND column_name = 'subject'))
                   AND data_type <> 'uuid'
                 ORDER BY 1, 2",
            )
            .load::<Column>(conn)
            .map(Some)
            .map_err(kyky_persistence::StoreError::from),
        })
        .unwrap();
    let Some(not_uuid) = not_uuid else { return };
    let expected: Vec<Column> = TEXT_REFERENCES
        .iter()
        .map(|(table, column)| Column {
            table_name: (*table).to_owned(),
            column_name: (*column).to_owned(),
        })
        .collect();
    assert_eq!(not_uuid, expected, "id columns that are not uuid");
}

/// A database from before ids became `uuid` migrates whole: the
/// responsibility periods an early migration opened as
/// `initial-<client id>` take their client's id (on both backends, so the
/// period reads and its history lists), every other id keeps its value, and
/// on PostgreSQL every foreign key is there again afterwards.
#[tokio::test]
async fn ids_stored_before_the_uuid_migration_keep_their_rows_and_references() {
    let database = crate::helpers::TestDatabase::new();
    let db = kyky_persistence::Db::connect(&database.url, 2).unwrap();
    db.migrate_through("20261123000001").unwrap();
    let (organisation, professional, client, relationship) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    let at = "'2026-03-04 05:06:07'";
    db.transaction(|conn| {
        let relationship = relationship_row(relationship, client, organisation, professional, at);
        for sql in people_rows(organisation, professional, client, at)
            .into_iter()
            .chain([relationship])
        {
            diesel::sql_query(sql)
                .execute(conn)
                .map_err(kyky_persistence::StoreError::from)?;
        }
        Ok::<(), kyky_persistence::StoreError>(())
    })
    .unwrap();
    db.migrate_through("20261201000019").unwrap();
    let foreign_keys_before = foreign_keys(&db);
    assert!(db.migrate().unwrap() >= 1, "the later migrations ran");
    assert_eq!(foreign_keys(&db), foreign_keys_before, "foreign keys kept");

    let history = db
        .run(|conn| kyky_persistence::responsibility::history(conn, client))
        .unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        history[0].id, client,
        "the initial period takes its client's id"
    );
    assert_eq!(history[0].professional_id, professional);
    let stored = db
        .run(|conn| kyky_persistence::organisations::get(conn, organisation))
        .unwrap();
    assert_eq!(stored.id, organisation);
}

/// The foreign keys of Kyky's tables, as their definitions (none on SQLite's
/// catalogue query here: its keys are part of each table's text).
fn foreign_keys(db: &kyky_persistence::Db) -> Vec<Column> {
    let mut keys = db
        .run(|conn| match conn {
            DbConnection::Sqlite(_) => Ok(Vec::new()),
            DbConnection::Postgresql(_) => diesel::sql_query(
                "SELECT conrelid::regclass::text AS table_name,
                        pg_get_constraintdef(oid) AS column_name
                 FROM pg_constraint WHERE contype = 'f'",
            )
            .load::<Column>(conn)
            .map_err(kyky_persistence::StoreError::from),
        })
        .unwrap();
    keys.sort();
    keys
}

#[derive(QueryableByName)]
struct Stamp {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    stamp: i64,
}

/// Every change to a row a request's access facts are read from moves its
/// subject's stamp by one (by trigger, on both backends): a process that
/// remembers facts sees any other process's change on its next request.
#[tokio::test]
async fn every_change_to_an_access_fact_moves_its_subjects_stamp() {
    let database = crate::helpers::TestDatabase::new();
    let db = kyky_persistence::Db::connect(&database.url, 2).unwrap();
    db.migrate().unwrap();
    let [
        organisation,
        professional,
        client,
        relationship,
        team,
        member,
    ] = std::array::from_fn(|_| uuid::Uuid::now_v7());
    let at = "'2026-03-04 05:06:07+00'";
    let execute = |sql: String| {
        db.run(|conn| {
            diesel::sql_query(sql)
                .execute(conn)
                .map_err(kyky_persistence::StoreError::from)
        })
        .unwrap();
    };
    let stamp = |subject: uuid::Uuid| {
        db.run(|conn| {
            diesel::sql_query(format!(
                "SELECT stamp FROM fact_stamps WHERE subject = '{subject}'"
            ))
            .load::<Stamp>(conn)
            .map_err(kyky_persistence::StoreError::from)
        })
        .unwrap()
        .first()
        .map_or(0, |row| row.stamp)
    };
    let team_row = format!(
        "INSERT INTO teams (id, name, hosting_organisation_id, kind, frequency, weekday,
                 start_time, duration_minutes, created_at, updated_at)
             VALUES ('{team}', 'Tiimi', '{organisation}', 'work_ability', 'weekly', 'tuesday',
                 '09:00', 60, {at}, {at})"
    );
    for sql in people_rows(organisation, professional, client, at) {
        execute(sql);
    }
    execute(team_row);

    let changes = [
        (
            client,
            relationship_row(relationship, client, organisation, professional, at),
        ),
        (
            client,
            format!(
                "UPDATE client_relationships SET is_primary = FALSE WHERE id = '{relationship}'"
            ),
        ),
        (
            professional,
            format!(
                "INSERT INTO team_members (id, team_id, professional_id, role, joined_at)
                 VALUES ('{member}', '{team}', '{professional}', 'member', {at})"
            ),
        ),
        (
            professional,
            format!(
                "UPDATE professionals SET title = 'Sosiaaliohjaaja' WHERE id = '{professional}'"
            ),
        ),
        (
            organisation,
            format!("UPDATE organisations SET name = 'Espoon TYP' WHERE id = '{organisation}'"),
        ),
        (
            client,
            format!("UPDATE clients SET first_name = 'Mikko' WHERE id = '{client}'"),
        ),
        (
            professional,
            format!("DELETE FROM team_members WHERE id = '{member}'"),
        ),
        (
            client,
            format!("DELETE FROM client_relationships WHERE id = '{relationship}'"),
        ),
    ];
    for (subject, sql) in changes {
        let others: Vec<(uuid::Uuid, i64)> = [organisation, professional, client]
            .into_iter()
            .filter(|other| *other != subject)
            .map(|other| (other, stamp(other)))
            .collect();
        let before = stamp(subject);
        execute(sql.clone());
        assert_eq!(stamp(subject), before + 1, "{sql}");
        for (other, was) in others {
            assert_eq!(stamp(other), was, "{sql} moved another subject's stamp");
        }
    }
}

/// An organisation, a professional in it and a client, written straight in
/// SQL (as an older Kyky or another process would), at time literal `at`.
fn people_rows(
    organisation: uuid::Uuid,
    professional: uuid::Uuid,
    client: uuid::Uuid,
    at: &str,
) -> [String; 3] {
    [
        format!(
            "INSERT INTO organisations (id, name, kind, created_at, updated_at)
             VALUES ('{organisation}', 'Espoo', 'municipal_employment_services', {at}, {at})"
        ),
        format!(
            "INSERT INTO professionals (id, organisation_id, first_name, last_name, title,
                 roles, created_at, updated_at)
             VALUES ('{professional}', '{organisation}', 'Sanna', 'Virtanen', 'Ohjaaja',
                 '[\"case_worker\"]', {at}, {at})"
        ),
        format!(
            "INSERT INTO clients (id, hetu, first_name, last_name, preferred_language,
                 created_at, updated_at)
             VALUES ('{client}', '131052-308T', 'Matti', 'Meikäläinen', 'fi', {at}, {at})"
        ),
    ]
}

/// The organisation's relationship with the client, in SQL as `people_rows`.
fn relationship_row(
    relationship: uuid::Uuid,
    client: uuid::Uuid,
    organisation: uuid::Uuid,
    professional: uuid::Uuid,
    at: &str,
) -> String {
    format!(
        "INSERT INTO client_relationships (id, client_id, organisation_id, is_primary,
             started_on, created_by, created_at)
         VALUES ('{relationship}', '{client}', '{organisation}', TRUE, '2026-03-04',
             '{professional}', {at})"
    )
}
