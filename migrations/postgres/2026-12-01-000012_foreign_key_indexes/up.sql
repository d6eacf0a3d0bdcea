-- An index behind every foreign key. Following a key (a client's
-- relationships, a professional's periods, a plan's follow-ups) would
-- otherwise read the whole table, and so would the check each time a
-- referenced row changes. A test holds it: every foreign key has a full
-- index that leads with its column.
CREATE INDEX assessments_decided_by_fk_idx ON assessments (decided_by);
CREATE INDEX assessments_feedback_handover_id_fk_idx ON assessments (feedback_handover_id);
CREATE INDEX assessments_opened_by_fk_idx ON assessments (opened_by);
CREATE INDEX assessments_team_id_fk_idx ON assessments (team_id);
CREATE INDEX client_relationships_client_id_fk_idx ON client_relationships (client_id);
CREATE INDEX client_relationships_created_by_fk_idx ON client_relationships (created_by);
CREATE INDEX client_relationships_organisation_id_fk_idx ON client_relationships (organisation_id);
CREATE INDEX consent_organisations_organisation_id_fk_idx ON consent_organisations (organisation_id);
CREATE INDEX consents_recorded_by_fk_idx ON consents (recorded_by);
CREATE INDEX consents_withdrawn_by_fk_idx ON consents (withdrawn_by);
CREATE INDEX contact_requests_assessment_id_fk_idx ON contact_requests (assessment_id);
CREATE INDEX contact_requests_client_id_fk_idx ON contact_requests (client_id);
CREATE INDEX contact_requests_received_by_fk_idx ON contact_requests (received_by);
CREATE INDEX contact_requests_triaged_by_fk_idx ON contact_requests (triaged_by);
CREATE INDEX follow_up_moves_from_owner_id_fk_idx ON follow_up_moves (from_owner_id);
CREATE INDEX follow_up_moves_moved_by_fk_idx ON follow_up_moves (moved_by);
CREATE INDEX follow_up_moves_to_owner_id_fk_idx ON follow_up_moves (to_owner_id);
CREATE INDEX follow_ups_closed_by_fk_idx ON follow_ups (closed_by);
CREATE INDEX follow_ups_created_by_fk_idx ON follow_ups (created_by);
CREATE INDEX follow_ups_plan_id_fk_idx ON follow_ups (plan_id);
CREATE INDEX handovers_decided_by_fk_idx ON handovers (decided_by);
CREATE INDEX handovers_proposed_work_pair_id_fk_idx ON handovers (proposed_work_pair_id);
CREATE INDEX plans_based_on_fk_idx ON plans (based_on);
CREATE INDEX plans_created_by_fk_idx ON plans (created_by);
CREATE INDEX plans_published_by_fk_idx ON plans (published_by);
CREATE INDEX plans_superseded_by_fk_idx ON plans (superseded_by);
CREATE INDEX plans_updated_by_fk_idx ON plans (updated_by);
CREATE INDEX referrals_decided_by_fk_idx ON referrals (decided_by);
CREATE INDEX referrals_referred_by_fk_idx ON referrals (referred_by);
CREATE INDEX responsibility_periods_professional_id_fk_idx ON responsibility_periods (professional_id);
CREATE INDEX responsibility_requests_answered_by_fk_idx ON responsibility_requests (answered_by);
CREATE INDEX responsibility_requests_handover_id_fk_idx ON responsibility_requests (handover_id);
CREATE INDEX responsibility_requests_requested_by_fk_idx ON responsibility_requests (requested_by);
CREATE INDEX team_members_professional_id_fk_idx ON team_members (professional_id);
CREATE INDEX team_members_team_id_fk_idx ON team_members (team_id);
CREATE INDEX teams_hosting_organisation_id_fk_idx ON teams (hosting_organisation_id);
CREATE INDEX work_pair_periods_client_id_fk_idx ON work_pair_periods (client_id);
CREATE INDEX work_pair_periods_professional_id_fk_idx ON work_pair_periods (professional_id);
CREATE INDEX work_pair_periods_set_by_fk_idx ON work_pair_periods (set_by);
