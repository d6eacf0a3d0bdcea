-- Who signs in through an organisation's identity provider: the issuer (the
-- token's `iss`) and the person's subject there (the claim the issuer is
-- configured to identify people by: `sub`, `oid` or `email`), and the
-- professional that person is in Kyky. `provisioned`: created on first
-- sign-in, not linked by an administrator.
CREATE TABLE sign_in_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    professional_id TEXT NOT NULL REFERENCES professionals (id),
    provisioned BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sign_in_identities_professional_idx ON sign_in_identities (professional_id);
