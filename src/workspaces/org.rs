//! Org-wide (Enterprise Grid) installs: one install, one token, kept under the organisation's
//! id, serving the workspaces an Org Admin added it to. Slack tells us of those as they change
//! (`team_access_granted` / `team_access_revoked`); `auth.teams.list` fills in what we missed
//! (an install that was already in workspaces, an event lost while the bot was down).

use chrono::{DateTime, Duration, Utc};

use super::Installs;
use crate::ports::workspaces::{NotServed, Origin};
use crate::store::StoreError;

/// How often one organisation's workspaces are asked of Slack when a request comes from one not
/// yet listed: often enough that a missed grant heals within the minute, seldom enough that
/// requests from a workspace outside the organisation cannot drive calls to Slack.
const ASK_AGAIN_AFTER: Duration = Duration::seconds(60);

impl Installs {
    /// An Org Admin added the org-wide install to `teams` (`granted`), or took it away from them.
    pub async fn org_access(
        &self,
        enterprise: &str,
        teams: &[String],
        granted: bool,
    ) -> Result<(), StoreError> {
        // Only an organisation that installed the bot has a list (kept until it is purged);
        // anything else would be rows no purge ever reaches.
        if self.store.workspace(enterprise).await?.is_none() {
            tracing::warn!(slack.enterprise_id = %enterprise, granted, "workspaces changed for an organisation that never installed the bot; ignored");
            return Ok(());
        }
        let now = self.clock.now();
        let changed = if granted {
            self.store
                .grant_org_workspaces(enterprise, teams, now)
                .await?
        } else {
            self.store.revoke_org_workspaces(enterprise, teams).await?
        };
        tracing::info!(slack.enterprise_id = %enterprise, ?teams, granted, changed, "the organisation's workspaces changed");
        Ok(())
    }

    /// Whether `origin`'s own workspace is served: always for a workspace's install; for an
    /// org-wide one, when the organisation added the bot to it.
    pub(super) async fn admits_origin(&self, origin: &Origin) -> Result<(), NotServed> {
        let Some(enterprise) = origin.organisation() else {
            return Ok(());
        };
        if self.org_lists(enterprise, &origin.team_id).await? {
            return Ok(());
        }
        if self.may_ask(enterprise, self.clock.now()) {
            self.learn_org_workspaces(enterprise).await;
            if self.org_lists(enterprise, &origin.team_id).await? {
                return Ok(());
            }
        }
        tracing::warn!(slack.team_id = %origin.team_id, slack.enterprise_id = %enterprise, "a request for an organisation's install from a workspace it was not added to");
        Err(NotServed::OutsideOrganisation {
            team: origin.team_id.clone(),
            enterprise: enterprise.to_owned(),
        })
    }

    async fn org_lists(&self, enterprise: &str, team: &str) -> Result<bool, NotServed> {
        self.store
            .org_serves(enterprise, team)
            .await
            .map_err(|e| NotServed::Unavailable {
                team: team.to_owned(),
                why: e.to_string(),
            })
    }

    /// True at most once a minute per organisation.
    fn may_ask(&self, enterprise: &str, now: DateTime<Utc>) -> bool {
        let mut asked = self.org_asked.lock().unwrap_or_else(|e| e.into_inner());
        match asked.get(enterprise) {
            Some(at) if now - *at < ASK_AGAIN_AFTER && *at <= now => false,
            _ => {
                asked.insert(enterprise.to_owned(), now);
                true
            }
        }
    }

    /// Lists the organisation's workspaces as Slack has them now (`auth.teams.list`), adding
    /// those missing. Best effort: a failure is logged and the list stays as it was.
    pub(super) async fn learn_org_workspaces(&self, enterprise: &str) {
        use crate::ports::workspaces::Workspaces;
        let teams = match self.slack_for(enterprise).await {
            Ok(slack) => slack.org_workspaces().await.map_err(|e| e.to_string()),
            Err(err) => Err(err.to_string()),
        };
        let added = match teams {
            Ok(teams) => self
                .store
                .grant_org_workspaces(enterprise, &teams, self.clock.now())
                .await
                .map_err(|e| e.to_string()),
            Err(err) => Err(err),
        };
        match added {
            Ok(added) => {
                tracing::info!(slack.enterprise_id = %enterprise, added, "asked Slack for the organisation's workspaces")
            }
            Err(err) => {
                tracing::warn!(slack.enterprise_id = %enterprise, error = %err, "could not list the organisation's workspaces")
            }
        }
    }
}
