-- 0014: an API token may be limited to secret paths (CI jobs): a JSON array of path prefixes,
-- each a whole number of segments ("team/payments/prod" holds team/payments/prod/stripe-key,
-- not team/payments/production/...). NULL: the token's scopes and its owner's bindings decide.
ALTER TABLE api_tokens ADD COLUMN secret_paths TEXT NULL CHECK (secret_paths IS NULL OR JSON_VALID(secret_paths));
