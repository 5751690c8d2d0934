-- The workspaces of an Enterprise Grid organisation that an Org Admin added its org-wide install
-- to (`team_access_granted`, or Slack's `auth.teams.list`). The install itself is the
-- `workspaces` row keyed by the organisation's id, and every row of its people carries that key;
-- a request that claims the organisation from a workspace not listed here is refused.
CREATE TABLE org_workspaces (
    enterprise_id TEXT NOT NULL,
    team_id       TEXT NOT NULL,
    granted_at    TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
);
