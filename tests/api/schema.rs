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
