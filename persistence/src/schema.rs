// Each table names diesel's SQL types and Kyky's `Time` (timestamptz on
// PostgreSQL): a table that imports anything must import diesel's too.
#![allow(
    clippy::wildcard_imports,
    reason = "diesel's table! imports its SQL types wholesale by default"
)]

// Written to match migrations/{sqlite,postgres}; both backends share it.

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    organisations (id) {
        id -> Id,
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
    use crate::sql_types::{Id, Time};

    organisation_external_refs (organisation_id, system) {
        organisation_id -> Id,
        system -> Text,
        external_id -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    professionals (id) {
        id -> Id,
        organisation_id -> Id,
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
    use crate::sql_types::{Id, Time};

    clients (id) {
        id -> Id,
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
    use crate::sql_types::{Id, Time};

    client_relationships (id) {
        id -> Id,
        client_id -> Id,
        organisation_id -> Id,
        is_primary -> Bool,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        created_by -> Id,
        created_at -> Time,
        basis -> Text,
        reason -> Nullable<Text>,
        shares_record -> Bool,
        entered_details -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    access_log (id) {
        id -> Id,
        at -> Time,
        professional_id -> Id,
        organisation_id -> Id,
        client_id -> Nullable<Id>,
        operation -> Text,
        basis -> Nullable<Text>,
        outcome -> Text,
        request_id -> Nullable<Text>,
        resource_type -> Nullable<Text>,
        resource_id -> Nullable<Id>,
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
    use crate::sql_types::{Id, Time};

    responsibility_periods (id) {
        id -> Id,
        client_id -> Id,
        professional_id -> Id,
        started_at -> Time,
        ended_at -> Nullable<Time>,
        origin -> Text,
        handover_id -> Nullable<Id>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    work_pair_periods (id) {
        id -> Id,
        client_id -> Id,
        professional_id -> Id,
        started_at -> Time,
        ended_at -> Nullable<Time>,
        set_by -> Id,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    handovers (id) {
        id -> Id,
        client_id -> Id,
        status -> Text,
        from_professional_id -> Id,
        proposed_by -> Id,
        to_professional_id -> Nullable<Id>,
        to_organisation_id -> Nullable<Id>,
        summary -> Text,
        reason -> Text,
        return_to_referrer -> Bool,
        network_meeting_id -> Nullable<Text>,
        proposed_work_pair_id -> Nullable<Id>,
        proposed_at -> Time,
        expires_at -> Nullable<Time>,
        decided_at -> Nullable<Time>,
        decided_by -> Nullable<Id>,
        decline_reason -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        to_team_id -> Nullable<Id>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    handover_package_items (handover_id, position) {
        handover_id -> Id,
        position -> Integer,
        kind -> Text,
        reference -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    responsibility_requests (id) {
        id -> Id,
        client_id -> Id,
        requested_by -> Id,
        reason -> Text,
        status -> Text,
        requested_at -> Time,
        answered_by -> Nullable<Id>,
        answered_at -> Nullable<Time>,
        refusal_reason -> Nullable<Text>,
        handover_id -> Nullable<Id>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    domain_events (id) {
        id -> Id,
        occurred_at -> Time,
        kind -> Text,
        client_id -> Nullable<Id>,
        subject_id -> Id,
        actor_id -> Id,
        payload -> Text,
        tx -> BigInt,
        seq -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    consents (id) {
        id -> Id,
        client_id -> Id,
        purposes -> Text,
        method -> Text,
        document_reference -> Nullable<Text>,
        given_at -> Time,
        expires_at -> Nullable<Time>,
        recorded_by -> Id,
        recorded_at -> Time,
        withdrawn_at -> Nullable<Time>,
        withdrawn_by -> Nullable<Id>,
        withdrawal_method -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    consent_organisations (consent_id, organisation_id) {
        consent_id -> Id,
        organisation_id -> Id,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    disclosure_log (id) {
        id -> Id,
        at -> Time,
        client_id -> Id,
        from_organisation_id -> Id,
        to_organisation_id -> Id,
        what -> Text,
        subject_id -> Nullable<Id>,
        basis -> Text,
        consent_id -> Nullable<Id>,
        legal_basis -> Nullable<Text>,
        reason -> Nullable<Text>,
        professional_id -> Id,
        flagged_for_review -> Bool,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    teams (id) {
        id -> Id,
        name -> Text,
        hosting_organisation_id -> Id,
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
    use crate::sql_types::{Id, Time};

    team_members (id) {
        id -> Id,
        team_id -> Id,
        professional_id -> Id,
        role -> Text,
        joined_at -> Time,
        left_at -> Nullable<Time>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    referrals (id) {
        id -> Id,
        client_id -> Id,
        team_id -> Id,
        referred_by -> Id,
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
        decided_by -> Nullable<Id>,
        return_reason -> Nullable<Text>,
        withdrawn_at -> Nullable<Time>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    assessments (id) {
        id -> Id,
        client_id -> Id,
        team_id -> Id,
        referral_id -> Nullable<Id>,
        status -> Text,
        opened_at -> Time,
        opened_by -> Id,
        started_at -> Nullable<Time>,
        completed_at -> Nullable<Time>,
        cancelled_at -> Nullable<Time>,
        decided_by -> Nullable<Id>,
        health_factors -> Nullable<Text>,
        recommended_path -> Nullable<Text>,
        physician_statement -> Nullable<Bool>,
        summary -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        feedback_handover_id -> Nullable<Id>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    contact_requests (id) {
        id -> Id,
        team_id -> Id,
        name -> Text,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        preferred_time -> Nullable<Text>,
        message -> Nullable<Text>,
        channel -> Text,
        status -> Text,
        received_by -> Id,
        received_at -> Time,
        triaged_by -> Nullable<Id>,
        triaged_at -> Nullable<Time>,
        close_reason -> Nullable<Text>,
        client_id -> Nullable<Id>,
        assessment_id -> Nullable<Id>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    plans (id) {
        id -> Id,
        client_id -> Id,
        number -> Integer,
        status -> Text,
        content -> Text,
        follow_up_on -> Nullable<Date>,
        warnings_acknowledged -> Bool,
        based_on -> Nullable<Id>,
        created_by -> Id,
        created_at -> Time,
        updated_by -> Id,
        updated_at -> Time,
        published_by -> Nullable<Id>,
        published_at -> Nullable<Time>,
        superseded_at -> Nullable<Time>,
        superseded_by -> Nullable<Id>,
        revision -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    follow_ups (id) {
        id -> Id,
        client_id -> Id,
        plan_id -> Nullable<Id>,
        source -> Text,
        responsibility_id -> Nullable<Id>,
        owner_id -> Id,
        description -> Text,
        due_on -> Date,
        status -> Text,
        note -> Nullable<Text>,
        created_by -> Id,
        created_at -> Time,
        closed_by -> Nullable<Id>,
        closed_at -> Nullable<Time>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    follow_up_moves (id) {
        id -> Id,
        follow_up_id -> Id,
        from_owner_id -> Id,
        to_owner_id -> Id,
        handover_id -> Nullable<Id>,
        moved_by -> Id,
        moved_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

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
    use crate::sql_types::{Id, Time};

    webhook_subscriptions (id) {
        id -> Id,
        organisation_id -> Id,
        account_id -> Id,
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
        created_by -> Id,
        created_at -> Time,
        updated_at -> Time,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    webhook_deliveries (id) {
        id -> Id,
        subscription_id -> Id,
        event_id -> Id,
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
    use crate::sql_types::{Id, Time};

    webhook_attempts (id) {
        id -> Id,
        delivery_id -> Id,
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
    use crate::sql_types::{Id, Time};

    idempotency_keys (caller_id, idempotency_key) {
        caller_id -> Id,
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
    use crate::sql_types::{Id, Time};

    external_ids (id) {
        id -> Id,
        organisation_id -> Id,
        subject_kind -> Text,
        subject_id -> Id,
        system -> Text,
        value -> Text,
        set_by -> Id,
        updated_at -> Time,
    }
}
diesel::allow_tables_to_appear_in_same_query!(clients, handovers);
diesel::allow_tables_to_appear_in_same_query!(handovers, handover_package_items);
// A handover is read with the card of the worker it hands over from.
diesel::allow_tables_to_appear_in_same_query!(handovers, professionals);
diesel::allow_tables_to_appear_in_same_query!(handovers, organisations);
diesel::allow_tables_to_appear_in_same_query!(handover_package_items, professionals);
diesel::allow_tables_to_appear_in_same_query!(handover_package_items, organisations);

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    fact_stamps (subject) {
        subject -> Id,
        stamp -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(fact_stamps, professionals);
diesel::allow_tables_to_appear_in_same_query!(fact_stamps, clients);

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Time};

    sign_in_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        professional_id -> Id,
        provisioned -> Bool,
        created_at -> Time,
    }
}
