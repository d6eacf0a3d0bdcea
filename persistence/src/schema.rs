// Each table names diesel's SQL types and Kyky's `Time` (timestamptz on
// PostgreSQL): a table that imports anything must import diesel's too.
#![allow(
    clippy::wildcard_imports,
    reason = "diesel's table! imports its SQL types wholesale by default"
)]

// Written to match migrations/{sqlite,postgres}; both backends share it.

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        business_id -> Nullable<Text>,
        municipality -> Nullable<Text>,
        version -> BigInt,
        created_at -> Time,
        updated_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    organisation_external_refs (organisation_id, system) {
        organisation_id -> Text,
        system -> Text,
        external_id -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

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
        deactivated_at -> Nullable<Time>,
        version -> BigInt,
        created_at -> Time,
        updated_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

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
        created_at -> Time,
        updated_at -> Time,
        non_disclosure -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    client_relationships (id) {
        id -> Text,
        client_id -> Text,
        organisation_id -> Text,
        is_primary -> Bool,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Time,
        basis -> Text,
        reason -> Nullable<Text>,
        shares_record -> Bool,
        entered_details -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    access_log (id) {
        id -> Text,
        at -> Time,
        professional_id -> Text,
        organisation_id -> Text,
        client_id -> Nullable<Text>,
        operation -> Text,
        basis -> Nullable<Text>,
        outcome -> Text,
        request_id -> Nullable<Text>,
        resource_type -> Nullable<Text>,
        resource_id -> Nullable<Text>,
        reason -> Nullable<Text>,
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

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    responsibility_periods (id) {
        id -> Text,
        client_id -> Text,
        professional_id -> Text,
        started_at -> Time,
        ended_at -> Nullable<Time>,
        origin -> Text,
        handover_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    work_pair_periods (id) {
        id -> Text,
        client_id -> Text,
        professional_id -> Text,
        started_at -> Time,
        ended_at -> Nullable<Time>,
        set_by -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    handovers (id) {
        id -> Text,
        client_id -> Text,
        status -> Text,
        from_professional_id -> Text,
        proposed_by -> Text,
        to_professional_id -> Nullable<Text>,
        to_organisation_id -> Nullable<Text>,
        summary -> Text,
        reason -> Text,
        return_to_referrer -> Bool,
        network_meeting_id -> Nullable<Text>,
        proposed_work_pair_id -> Nullable<Text>,
        proposed_at -> Time,
        expires_at -> Nullable<Time>,
        decided_at -> Nullable<Time>,
        decided_by -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        to_team_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    handover_package_items (handover_id, position) {
        handover_id -> Text,
        position -> Integer,
        kind -> Text,
        reference -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    responsibility_requests (id) {
        id -> Text,
        client_id -> Text,
        requested_by -> Text,
        reason -> Text,
        status -> Text,
        requested_at -> Time,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Time>,
        refusal_reason -> Nullable<Text>,
        handover_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    domain_events (id) {
        id -> Text,
        occurred_at -> Time,
        kind -> Text,
        client_id -> Nullable<Text>,
        subject_id -> Text,
        actor_id -> Text,
        payload -> Text,
        tx -> BigInt,
        seq -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    consents (id) {
        id -> Text,
        client_id -> Text,
        purposes -> Text,
        method -> Text,
        document_reference -> Nullable<Text>,
        given_at -> Time,
        expires_at -> Nullable<Time>,
        recorded_by -> Text,
        recorded_at -> Time,
        withdrawn_at -> Nullable<Time>,
        withdrawn_by -> Nullable<Text>,
        withdrawal_method -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    consent_organisations (consent_id, organisation_id) {
        consent_id -> Text,
        organisation_id -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    disclosure_log (id) {
        id -> Text,
        at -> Time,
        client_id -> Text,
        from_organisation_id -> Text,
        to_organisation_id -> Text,
        what -> Text,
        subject_id -> Nullable<Text>,
        basis -> Text,
        consent_id -> Nullable<Text>,
        legal_basis -> Nullable<Text>,
        reason -> Nullable<Text>,
        professional_id -> Text,
        flagged_for_review -> Bool,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    teams (id) {
        id -> Text,
        name -> Text,
        hosting_organisation_id -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        frequency -> Text,
        weekday -> Text,
        week_of_month -> Nullable<Integer>,
        anchor_date -> Nullable<Date>,
        start_time -> Text,
        duration_minutes -> Integer,
        version -> BigInt,
        created_at -> Time,
        updated_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    team_members (id) {
        id -> Text,
        team_id -> Text,
        professional_id -> Text,
        role -> Text,
        joined_at -> Time,
        left_at -> Nullable<Time>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    referrals (id) {
        id -> Text,
        client_id -> Text,
        team_id -> Text,
        referred_by -> Text,
        status -> Text,
        reason -> Text,
        health_factors -> Nullable<Text>,
        social_factors -> Nullable<Text>,
        questions -> Text,
        attachments -> Text,
        urgency -> Text,
        created_at -> Time,
        sent_at -> Nullable<Time>,
        decided_at -> Nullable<Time>,
        decided_by -> Nullable<Text>,
        return_reason -> Nullable<Text>,
        withdrawn_at -> Nullable<Time>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    assessments (id) {
        id -> Text,
        client_id -> Text,
        team_id -> Text,
        referral_id -> Nullable<Text>,
        status -> Text,
        opened_at -> Time,
        opened_by -> Text,
        started_at -> Nullable<Time>,
        completed_at -> Nullable<Time>,
        cancelled_at -> Nullable<Time>,
        decided_by -> Nullable<Text>,
        health_factors -> Nullable<Text>,
        recommended_path -> Nullable<Text>,
        physician_statement -> Nullable<Bool>,
        summary -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        feedback_handover_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    contact_requests (id) {
        id -> Text,
        team_id -> Text,
        name -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        preferred_time -> Nullable<Text>,
        message -> Nullable<Text>,
        channel -> Text,
        status -> Text,
        received_by -> Text,
        received_at -> Time,
        triaged_by -> Nullable<Text>,
        triaged_at -> Nullable<Time>,
        close_reason -> Nullable<Text>,
        client_id -> Nullable<Text>,
        assessment_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    plans (id) {
        id -> Text,
        client_id -> Text,
        number -> Integer,
        status -> Text,
        content -> Text,
        follow_up_on -> Nullable<Date>,
        warnings_acknowledged -> Bool,
        based_on -> Nullable<Text>,
        created_by -> Text,
        created_at -> Time,
        updated_by -> Text,
        updated_at -> Time,
        published_by -> Nullable<Text>,
        published_at -> Nullable<Time>,
        superseded_at -> Nullable<Time>,
        superseded_by -> Nullable<Text>,
        revision -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    follow_ups (id) {
        id -> Text,
        client_id -> Text,
        plan_id -> Nullable<Text>,
        source -> Text,
        responsibility_id -> Nullable<Text>,
        owner_id -> Text,
        description -> Text,
        due_on -> Date,
        status -> Text,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Time,
        closed_by -> Nullable<Text>,
        closed_at -> Nullable<Time>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    follow_up_moves (id) {
        id -> Text,
        follow_up_id -> Text,
        from_owner_id -> Text,
        to_owner_id -> Text,
        handover_id -> Nullable<Text>,
        moved_by -> Text,
        moved_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    instance_secrets (name) {
        name -> Text,
        secret -> Text,
        created_at -> Time,
    }
}

diesel::allow_tables_to_appear_in_same_query!(follow_ups, follow_up_moves);
diesel::allow_tables_to_appear_in_same_query!(responsibility_periods, work_pair_periods);
diesel::allow_tables_to_appear_in_same_query!(consents, consent_organisations);
diesel::allow_tables_to_appear_in_same_query!(clients, responsibility_periods);
diesel::allow_tables_to_appear_in_same_query!(clients, work_pair_periods);
diesel::allow_tables_to_appear_in_same_query!(professionals, team_members);
diesel::allow_tables_to_appear_in_same_query!(organisations, team_members);
diesel::allow_tables_to_appear_in_same_query!(organisation_external_refs, team_members);

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    webhook_subscriptions (id) {
        id -> Text,
        organisation_id -> Text,
        account_id -> Text,
        url -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Time>,
        status -> Text,
        disabled_reason -> Nullable<Text>,
        after_tx -> BigInt,
        after_seq -> BigInt,
        created_by -> Text,
        created_at -> Time,
        updated_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_id -> Text,
        status -> Text,
        attempts -> Integer,
        failures_in_row -> Integer,
        next_attempt_at -> Nullable<Time>,
        claimed_until -> Nullable<Time>,
        created_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> Time,
        response_status -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, domain_events);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, webhook_subscriptions);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, webhook_attempts);
diesel::allow_tables_to_appear_in_same_query!(domain_events, webhook_subscriptions);
diesel::allow_tables_to_appear_in_same_query!(domain_events, webhook_attempts);

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    idempotency_keys (caller_id, idempotency_key) {
        caller_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    external_ids (id) {
        id -> Text,
        organisation_id -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        system -> Text,
        value -> Text,
        set_by -> Text,
        updated_at -> Time,
    }
}
diesel::allow_tables_to_appear_in_same_query!(clients, handovers);
diesel::allow_tables_to_appear_in_same_query!(handovers, handover_package_items);

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    fact_stamps (subject) {
        subject -> Text,
        stamp -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(fact_stamps, professionals);

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Time;

    sign_in_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        professional_id -> Text,
        provisioned -> Bool,
        created_at -> Time,
    }
}
