DROP TABLE domain_events;
DROP TABLE responsibility_requests;
DROP TABLE handover_package_items;
DROP TABLE handovers;
DROP TABLE work_pair_periods;
DROP TABLE responsibility_periods;
