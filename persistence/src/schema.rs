// Written to match migrations/{sqlite,postgres}; both backends share it.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        business_id -> Nullable<Text>,
        municipality -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organisation_external_refs (organisation_id, system) {
        organisation_id -> Text,
        system -> Text,
        external_id -> Text,
    }
}

diesel::table! {
    professionals (id) {
        id -> Text,
        organisation_id -> Text,
        first_name -> Text,
        last_name -> Text,
        title -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        roles -> Text,
        active -> Bool,
        deactivated_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        hetu -> Text,
        first_name -> Text,
        last_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        street_address -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        preferred_language -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    client_relationships (id) {
        id -> Text,
        client_id -> Text,
        organisation_id -> Text,
        is_primary -> Bool,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    access_log (id) {
        id -> Text,
        at -> Timestamp,
        professional_id -> Text,
        organisation_id -> Text,
        client_id -> Nullable<Text>,
        operation -> Text,
        basis -> Nullable<Text>,
        outcome -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::joinable!(organisation_external_refs -> organisations (organisation_id));
diesel::joinable!(professionals -> organisations (organisation_id));
diesel::joinable!(client_relationships -> clients (client_id));
diesel::joinable!(client_relationships -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    organisation_external_refs,
    professionals,
    clients,
    client_relationships,
    access_log,
);
